"""The operators' API on SQLite and PostgreSQL: filters, pages, CSV, KPIs by period, callbacks,
dialplans and /metrics."""

from __future__ import annotations

import csv
import io

import pytest
from apikit import client, make_services
from recordkit import record


@pytest.fixture
def services(db_url, tmp_path):
    s = make_services(db_url, tmp_path)
    s.calls.finish(record("a", "Odder", "2026-11-02T09:00:00+01:00", intents=("pas",), gaps=(500.0, 700.0), rating=3))
    s.calls.finish(record("b", "Odder", "2026-11-02T18:30:00+01:00", outcome="transferred", intents=("mitid",),
                          reason="closed_hours", after_hours=True, callback="+4520304050"))  # fmt: skip
    s.calls.finish(record("c", "Aarhus", "2026-11-20T10:00:00+01:00", outcome="transferred", intents=("pas",),
                          reason="caller_request", rating=1))  # fmt: skip
    s.calls.finish(record("d", "Odder", "2026-12-01T10:00:00+01:00", intents=("tidsbestilling",)))
    live = record("e", "Aarhus", "2026-12-02T10:00:00+01:00")
    s.calls.start(live)
    return s


def test_call_list_filters(services):
    c = client(services, "viewer")
    ids = lambda **q: [x["call_id"] for x in c.get("/api/calls", params=q).json()["calls"]]  # noqa: E731
    assert ids() == ["e", "d", "c", "b", "a"]
    assert ids(kommune="Odder") == ["d", "b", "a"]
    assert ids(**{"from": "2026-11-01", "to": "2026-11-30"}) == ["c", "b", "a"]
    assert ids(outcome="transferred") == ["c", "b"]
    assert ids(intent="pas") == ["c", "a"]
    assert ids(transfer_reason="closed_hours") == ["b"]
    assert "caller" not in c.get("/api/calls").json()["calls"][0]  # the list carries no caller numbers


def test_cursor_pagination(services):
    c = client(services, "viewer")
    first = c.get("/api/calls", params={"limit": 2}).json()
    second = c.get("/api/calls", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    third = c.get("/api/calls", params={"limit": 2, "cursor": second["next_cursor"]}).json()
    got = [x["call_id"] for p in (first, second, third) for x in p["calls"]]
    assert got == ["e", "d", "c", "b", "a"] and third["next_cursor"] is None
    assert c.get("/api/calls", params={"cursor": "###"}).status_code == 422


def test_one_call_and_csv(services):
    c = client(services, "viewer")
    one = c.get("/api/calls/b").json()
    assert one["transfer"]["reason"] == "closed_hours" and one["after_hours"] is True
    assert [t["speaker"] for t in one["turns"]] == ["bot", "caller", "bot"] and one["callbacks"][0]["done_at"] is None
    assert c.get("/api/calls/nope").status_code == 404
    r = c.get("/api/calls.csv", params={"from": "2026-11-01", "to": "2026-11-30"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")  # Excel's UTF-8 mark
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["call_id", "started_at", "ended_at"] and sorted(x[0] for x in rows[1:]) == ["a", "b", "c"]


def test_kpis_by_period_and_kommune(services):
    c = client(services, "viewer")
    k = c.get("/api/kpis", params={"from": "2026-11-01", "to": "2026-11-30", "kommune": "Odder"}).json()
    assert k["calls"] == 2 and k["containment"] == 0.5 and k["after_hours_share"] == 0.5
    assert k["csat"] == 3.0 and k["callbacks_asked"] == 1 and k["callbacks_open"] == 1
    assert k["response_gap_p50_ms"] == 600.0 and k["kommune"] == "Odder"
    year = c.get("/api/kpis", params={"from": "2026-01-01", "to": "2026-12-31"}).json()
    assert year["calls"] == 5 and {"intent": "pas", "calls": 2} in year["top_intents"]
    assert c.get("/api/kpis", params={"from": "2026-12-01", "to": "2026-11-01"}).status_code == 422
    assert c.get("/api/kpis", params={"from": "nonsense"}).status_code == 422
    days = c.get("/api/kpis/daily", params={"kommune": "Odder"}).json()["days"]
    assert [d["day"] for d in days] == ["2026-11-02", "2026-12-01"]


def test_a_kommune_bound_token_sees_its_kommune_only(services):
    c = client(services, "odder")
    assert {x["kommune"] for x in c.get("/api/calls").json()["calls"]} == {"Odder"}
    assert c.get("/api/kpis").json()["calls"] == 3
    assert c.get("/api/kpis", params={"kommune": "Aarhus"}).status_code == 403
    assert c.get("/api/calls/c").status_code == 404


def test_live_calls(services):
    live = client(services, "viewer").get("/api/live").json()["calls"]
    assert [x["call_id"] for x in live] == ["e"] and live[0]["worker"]


def test_callback_queue_and_done(services):
    viewer, op = client(services, "viewer"), client(services, "operator")
    queue = viewer.get("/api/callbacks").json()["callbacks"]
    assert [(x["call_id"], x["number"]) for x in queue] == [("b", "+4520304050")]
    cb = queue[0]["id"]
    assert viewer.post(f"/api/callbacks/{cb}/done").status_code == 403
    done = op.post(f"/api/callbacks/{cb}/done").json()
    assert done["done_at"] and done["done_by"] == "operator-2"
    assert viewer.get("/api/callbacks").json()["callbacks"] == []
    assert len(viewer.get("/api/callbacks", params={"done": True}).json()["callbacks"]) == 1
    assert op.post("/api/callbacks/999/done").status_code == 404
    k = viewer.get("/api/kpis").json()
    assert k["callbacks_done"] == 1 and k["callbacks_open"] == 0


def test_dialplan_put_validates_first(services):
    op = client(services, "operator")
    old = op.get("/api/dialplans/odder").json()["yaml"]
    bad = old.replace("thresholds: {answer: 0.6,", "thresholds: {answer: 7.5,", 1)
    assert bad != old
    r = op.put("/api/dialplans/odder", json={"yaml": bad})
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert errors and all(e.startswith("odder.yaml:") and e.split(":")[1].isdigit() for e in errors)
    assert op.get("/api/dialplans/odder").json()["yaml"] == old
    assert services.dialplans.get("odder").thresholds.answer != 7.5
    assert op.post("/api/dialplans/validate", json={"name": "odder", "yaml": bad}).json()["valid"] is False
    new = old.replace('greeting: "Odder Kommune, Borgerservice.', 'greeting: "Odder Kommune (test), Borgerservice.', 1)
    assert new != old
    r = op.put("/api/dialplans/odder", json={"yaml": new})
    assert r.status_code == 200 and "odder" in r.json()["loaded"]
    assert "Odder Kommune (test)" in services.dialplans.get("odder").greeting.text
    assert op.post("/api/dialplans/reload").json()["loaded"] == []
    assert op.put("/api/dialplans/../etc", json={"yaml": new}).status_code in (404, 422)


def test_metrics_from_the_database(services):
    text = client(services).get("/metrics").text
    assert 'voicebot_calls_total{kommune="Odder",outcome="contained"} 2.0' in text
    assert 'voicebot_live_calls{kommune="Aarhus"} 1.0' in text
    assert 'voicebot_transfers_total{reason="closed_hours"} 1.0' in text
    assert 'voicebot_intents_total{intent="pas"} 2.0' in text
    assert 'voicebot_response_gap_seconds_bucket{le="0.5"} 1.0' in text
    assert 'voicebot_response_gap_seconds_bucket{le="0.75"} 5.0' in text
    assert "voicebot_stage_latency_seconds" in text


def test_openapi_documents_every_response(services):
    spec = client(services).get("/openapi.json").json()
    for path in ("/api/calls", "/api/calls/{call_id}", "/api/kpis", "/api/live", "/api/callbacks"):
        schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert "$ref" in schema, path


def test_callback_done_from_the_page(services):
    op = client(services, "operator")
    (cb,) = op.get("/api/callbacks").json()["callbacks"]
    assert client(services, "viewer").post(f"/operator/callbacks/{cb['id']}/done").status_code == 403
    r = op.post(f"/operator/callbacks/{cb['id']}/done")
    assert r.status_code == 303 and r.headers["location"] == "/operator/callbacks"
    assert "Ingen borgere venter" in op.get("/operator/callbacks").text
