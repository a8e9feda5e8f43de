"""Every protected route, taken from the app's route list, answers 401 without a token and 403
with a token of a lower role; so a new route cannot be left open by mistake."""

from __future__ import annotations

import re

import pytest
from apikit import TOKENS, client, make_services
from fastapi.routing import APIRoute

from voicebot.api.app import PUBLIC_PATHS, create_app
from voicebot.api.auth import Auth, Require, parse_tokens
from voicebot.errors import ConfigError

LOWER = {"viewer": "agent", "operator": "viewer"}


def required_role(route: APIRoute) -> str | None:
    roles = [d.call.role for d in route.dependant.dependencies if isinstance(d.call, Require)]
    return roles[0] if roles else None


def all_routes(routes):
    """The app's routes, with included routers opened (FastAPI >= 0.120 nests them; no prefixes here)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from all_routes(inner.routes)
        else:
            yield route


def protected_routes(app):
    for route in all_routes(app.routes):
        if isinstance(route, APIRoute) and route.path not in PUBLIC_PATHS:
            for method in sorted(route.methods):
                yield method, route.path, required_role(route)


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "1" if m.group(1) == "callback_id" else "default", path)


@pytest.fixture
def services(db_url, tmp_path):
    return make_services(db_url, tmp_path)


def test_every_route_is_public_or_guarded(services):
    app = create_app(services)
    unguarded = [(m, p) for m, p, role in protected_routes(app) if role is None]
    assert unguarded == [], f"routes with neither a role nor a place in PUBLIC_PATHS: {unguarded}"
    assert len(list(protected_routes(app))) >= 20


def test_no_token_is_401_and_a_lower_role_is_403(services):
    app = create_app(services)
    anonymous, checked = client(services), 0
    for method, path, role in protected_routes(app):
        url = concrete(path)
        r = anonymous.request(method, url)
        assert r.status_code == 401, (method, path, r.status_code)
        if role in LOWER:
            r = client(services, LOWER[role]).request(method, url)
            assert r.status_code == 403, (method, path, role, r.status_code)
        checked += 1
    assert checked >= 20


def test_wrong_token_is_401_and_public_routes_are_open(services):
    c = client(services)
    assert c.get("/api/calls", headers={"Authorization": "Bearer not-a-real-token"}).status_code == 401
    assert c.get("/healthz").status_code == 200
    assert c.get("/metrics").status_code == 200
    assert c.get("/call").status_code == 200
    assert c.get("/operator/login").status_code == 200


def test_console_pages_show_the_login_form_on_401(services):
    r = client(services).get("/operator/")
    assert r.status_code == 401 and "Adgangsnøgle" in r.text and "text/html" in r.headers["content-type"]
    r = client(services, "agent").get("/operator/")
    assert r.status_code == 403 and "Ingen adgang" in r.text


def test_login_form_and_token_in_url_set_an_httponly_cookie(services):
    c = client(services)
    r = c.post("/operator/login", data={"token": TOKENS["viewer"], "next": "/operator/calls"})
    assert r.status_code == 303 and r.headers["location"] == "/operator/calls"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and TOKENS["viewer"] not in cookie
    assert c.get("/operator/calls").status_code == 200
    assert c.post("/operator/login", data={"token": "wrong-token-123"}).status_code == 401
    fresh = client(services)
    r = fresh.get(f"/operator/live?token={TOKENS['viewer']}")
    assert r.status_code == 303 and r.headers["location"] == "/operator/live" and "HttpOnly" in r.headers["set-cookie"]
    assert fresh.get("/operator/live").status_code == 200
    r = fresh.get(f"/operator/calls?kommune=Ærø Kommune&token={TOKENS['viewer']}&outcome=contained")
    assert r.headers["location"] == "/operator/calls?kommune=%C3%86r%C3%B8+Kommune&outcome=contained"


def test_metrics_can_require_a_token(tmp_path):
    closed = make_services("sqlite:///:memory:", tmp_path, metrics_public=False)
    assert client(closed).get("/metrics").status_code == 401
    assert client(closed, "viewer").get("/metrics").status_code == 200


def test_agent_link_opens_one_call_only(services):
    from recordkit import record

    services.calls.finish(record("x1"))
    services.calls.finish(record("x2"))
    auth = Auth(parse_tokens(""), "test-secret")
    c = client(services)
    assert c.get(f"/agent/calls/x1?key={auth.call_key('x1')}").status_code == 200
    assert c.get(f"/agent/calls/x2?key={auth.call_key('x1')}").status_code == 401
    assert c.get(f"/operator/calls/x1?key={auth.call_key('x1')}").status_code == 401


@pytest.mark.parametrize("bad", ["short:viewer", "long-enough-token:admin", "no-role-given-here"])
def test_bad_token_settings_are_refused(bad):
    with pytest.raises(ConfigError):
        parse_tokens(bad)
