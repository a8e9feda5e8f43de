"""Bearer tokens with roles, a session cookie for browsers, and per-call agent links.

Roles: `viewer` reads calls, KPIs and callbacks; `operator` also edits dialplans and closes
callbacks; `agent` opens one transferred call's handoff page. A token may be bound to one
kommune: its holder then sees that kommune only. Tokens come from `VOICEBOT_API_TOKENS`
(`token:role[:kommune],…`) or a file of such lines, and are compared in constant time.
No credentials: 401. A credential without the role: 403.

Browsers sign in once (login form or `?token=`); the cookie holds an HMAC of the token, never
the token itself. The REFER's `X-Voicebot-Url` carries `?key=`, an HMAC of the call id, which
opens that call's agent page and nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request

from voicebot.errors import ConfigError

ROLES = ("viewer", "operator", "agent")
RANK = {"agent": 0, "viewer": 1, "operator": 2}  # an agent token reads agent pages only
COOKIE = "voicebot_session"


@dataclass(frozen=True)
class Principal:
    role: str
    kommune: str | None = None
    name: str = ""
    call_id: str | None = None  # set for a per-call agent link


def parse_tokens(text: str) -> list[tuple[str, Principal]]:
    """`token:role[:kommune]` items, separated by commas or new lines (# comments allowed)."""
    out: list[tuple[str, Principal]] = []
    for n, item in enumerate(x.strip() for x in text.replace("\n", ",").split(",")):
        if not item or item.startswith("#"):
            continue
        parts = item.split(":")
        if len(parts) < 2 or parts[1] not in ROLES or len(parts[0]) < 8:
            raise ConfigError(f"API token #{n + 1}: expected token:role[:kommune] (roles {', '.join(ROLES)}, "
                              "tokens of 8 characters or more)")  # fmt: skip
        kommune = parts[2] if len(parts) > 2 and parts[2] else None
        out.append((parts[0], Principal(parts[1], kommune, f"{parts[1]}-{n + 1}")))
    return out


class Auth:
    def __init__(self, tokens: list[tuple[str, Principal]], secret: str = "") -> None:
        self.secret = (secret or secrets.token_hex(32)).encode()
        self._tokens = [(self._digest(t), p) for t, p in tokens]

    @classmethod
    def from_settings(cls, settings: Any) -> Auth:
        text = settings.api_tokens or ""
        secret = settings.secret or _host_secret(Path(settings.cache_dir))
        path: Path | None = settings.api_tokens_file
        if path is not None:
            try:
                text += "\n" + path.read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigError(f"cannot read the API token file: {exc.strerror}") from exc
        return cls(parse_tokens(text), secret)

    def _digest(self, token: str) -> str:
        return hmac.new(self.secret, b"token:" + token.encode(), hashlib.sha256).hexdigest()

    def _by_digest(self, digest: str) -> Principal | None:
        found = None
        for have, principal in self._tokens:  # no early exit: every comparison takes the same time
            if hmac.compare_digest(have, digest):
                found = principal
        return found

    def check_token(self, token: str) -> Principal | None:
        return self._by_digest(self._digest(token)) if token else None

    def session_value(self, token: str) -> str:
        return self._digest(token)

    def check_session(self, value: str) -> Principal | None:
        return self._by_digest(value) if value else None

    def call_key(self, call_id: str) -> str:
        return hmac.new(self.secret, b"agent:" + call_id.encode(), hashlib.sha256).hexdigest()[:32]

    def check_call_key(self, call_id: str, key: str) -> bool:
        return bool(key) and hmac.compare_digest(self.call_key(call_id), key)

    def principal(self, request: Request) -> Principal | None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return self.check_token(header[7:].strip())
        return self.check_session(request.cookies.get(COOKIE, ""))


def _host_secret(folder: Path) -> str:
    """One secret per machine (a 0600 file in the cache), so every worker signs agent links alike."""
    path = folder / "console-secret"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    except FileExistsError:
        pass
    except OSError:
        return ""  # unwritable cache: a random secret for this process
    return path.read_text().strip()


def agent_link(auth: Auth, base_url: str, call_id: str) -> str:
    """The handoff page of one call, as the REFER's X-Voicebot-Url carries it."""
    return f"{base_url.rstrip('/')}/agent/calls/{call_id}?key={auth.call_key(call_id)}"


def auth_of(request: Request) -> Auth:
    state = request.app.state
    if getattr(state, "auth", None) is None:
        state.auth = Auth.from_settings(state.services.settings)
    auth: Auth = state.auth
    return auth


class Require:
    """A route dependency: the caller must hold `role` (or better). Tests read `.role` off each route."""

    def __init__(self, role: str) -> None:
        assert role in ROLES
        self.role = role

    def __call__(self, request: Request) -> Principal:
        auth = auth_of(request)
        principal = auth.principal(request)
        if principal is None and self.role == "agent":
            call_id = request.path_params.get("call_id", "")
            if call_id and auth.check_call_key(call_id, request.query_params.get("key", "")):
                principal = Principal("agent", None, "agent-link", call_id)
        if principal is None:
            raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
        if RANK[principal.role] < RANK[self.role]:
            raise HTTPException(403, f"this needs the {self.role} role")
        return principal


def scoped_kommune(principal: Principal, asked: str | None) -> str | None:
    """A kommune-bound token sees its kommune only, whatever it asks for."""
    if principal.kommune is None:
        return asked
    if asked and asked != principal.kommune:
        raise HTTPException(403, "this token is bound to another kommune")
    return principal.kommune


viewer = Require("viewer")
operator = Require("operator")
agent = Require("agent")
