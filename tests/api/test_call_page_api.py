"""What the call page gets from the API: kommune names, the privacy notice with the dialplan's
retention, and the retention actually applied to the call log."""

from __future__ import annotations

from fastapi.testclient import TestClient

from voicebot.api.app import create_app
from voicebot.api.callpage import SHARED_LABEL, plan_label, privacy_notice
from voicebot.calls.record import CallRecord
from voicebot.calls.store import CallStore
from voicebot.config import load_settings
from voicebot.dialog.plan import Dialplan
from voicebot.dialog.registry import DialplanRegistry
from voicebot.gateway import Services
from voicebot.intent.keywords import KeywordIntentEngine


def test_labels_and_notice():
    odder = Dialplan.model_validate({"kommune": "Odder", "retention_days": 14})
    assert plan_label(odder) == "Odder Kommune" and plan_label(Dialplan()) == SHARED_LABEL
    notice = privacy_notice(odder, records_audio=False)
    assert "Odder Kommune" in notice and "i 14 dage" in notice and "ikke gemt" in notice
    assert "optaget" in privacy_notice(odder, records_audio=True)


def test_dialplans_endpoint_lists_kommune_names_with_the_shared_number_last():
    services = Services(settings=load_settings(), dialplans=DialplanRegistry({
        "odder": Dialplan.model_validate({"kommune": "Odder"}),
        "aarhus": Dialplan.model_validate({"kommune": "Aarhus"}),
    }), intent_engine=KeywordIntentEngine())  # fmt: skip
    plans = TestClient(create_app(services)).get("/api/webrtc/dialplans").json()["dialplans"]
    assert [p["label"] for p in plans] == ["Aarhus Kommune", "Odder Kommune", SHARED_LABEL]
    assert all("dage" in p["privacy"] for p in plans)


def test_purge_deletes_only_older_calls_of_that_dialplan():
    store = CallStore()
    calls = [("a", "odder", "2026-01-01T10:00:00+00:00"), ("b", "odder", "2026-03-01T10:00:00+00:00"),
             ("c", "aarhus", "2026-01-01T10:00:00+00:00")]  # fmt: skip
    for call_id, plan, started in calls:
        rec = CallRecord(call_id, plan, None, started)
        store.start(rec)
        store.finish(rec)
    assert store.purge("odder", "2026-02-01T00:00:00+00:00") == 1
    assert {r["call_id"] for r in store.recent(10)} == {"b", "c"}
