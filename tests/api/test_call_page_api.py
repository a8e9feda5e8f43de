"""What the call page gets from the API: kommune names, and the privacy notice with the dialplan's
retention (`retention_days`, applied by voicebot.calls.retention)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from voicebot.api.app import create_app
from voicebot.api.callpage import SHARED_LABEL, plan_label, privacy_notice
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
    assert "kommunens regler" in privacy_notice(Dialplan(), records_audio=False)  # no retention_days: none stated


def test_dialplans_endpoint_lists_kommune_names_with_the_shared_number_last():
    services = Services(settings=load_settings(), dialplans=DialplanRegistry({
        "odder": Dialplan.model_validate({"kommune": "Odder"}),
        "aarhus": Dialplan.model_validate({"kommune": "Aarhus"}),
    }), intent_engine=KeywordIntentEngine())  # fmt: skip
    plans = TestClient(create_app(services)).get("/api/webrtc/dialplans").json()["dialplans"]
    assert [p["label"] for p in plans] == ["Aarhus Kommune", "Odder Kommune", SHARED_LABEL]
    assert all("opkaldslog" in p["privacy"] for p in plans)
