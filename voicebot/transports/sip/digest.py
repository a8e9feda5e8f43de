"""Optional digest authentication per trunk (RFC 3261 §22, RFC 2617 MD5 with qop=auth). Pure.

A trunk is a source network with a user name and a password (`--sip-auth FILE`, one
`CIDR USER PASSWORD` a line). A new INVITE from a source in such a network must carry valid
credentials, or it gets 401 with a challenge. Nonces are stateless: a time stamp signed with a
per-process secret, valid for `ttl_s`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from dataclasses import dataclass

from voicebot.errors import ConfigError
from voicebot.transports.sip.limits import Network

REALM = "voicebot"
_PARAM = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^,\s]+))')


@dataclass(frozen=True)
class Trunk:
    network: Network
    user: str
    password: str


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class DigestAuth:
    def __init__(self, trunks: list[Trunk], realm: str = REALM, ttl_s: float = 300.0) -> None:
        self.trunks, self.realm, self.ttl_s = trunks, realm, ttl_s
        self._secret = secrets.token_bytes(16)

    @classmethod
    def from_text(cls, text: str) -> DigestAuth:
        trunks = []
        for n, line in enumerate(text.splitlines(), 1):
            parts = line.split("#", 1)[0].split()
            if not parts:
                continue
            if len(parts) != 3:
                raise ConfigError(f"sip auth line {n}: expected 'CIDR USER PASSWORD'")
            try:
                net = ipaddress.ip_network(parts[0], strict=False)
            except ValueError as exc:
                raise ConfigError(f"sip auth line {n}: {parts[0]!r} is not an address or CIDR") from exc
            trunks.append(Trunk(net, parts[1], parts[2]))
        return cls(trunks)

    def trunk_for(self, host: str) -> Trunk | None:
        try:
            addr = ipaddress.ip_address(host)
        except ValueError:
            return None
        return next((t for t in self.trunks if addr in t.network), None)

    def _sign(self, stamp: str) -> str:
        return hmac.new(self._secret, stamp.encode(), hashlib.sha256).hexdigest()[:20]

    def challenge(self, now: float) -> str:
        stamp = f"{now:.3f}"
        return f'Digest realm="{self.realm}", nonce="{stamp}.{self._sign(stamp)}", algorithm=MD5, qop="auth"'

    def verify(self, trunk: Trunk, method: str, authorization: str | None, now: float) -> bool:
        if not authorization or not authorization.lower().startswith("digest "):
            return False
        p = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
             for m in _PARAM.finditer(authorization[7:])}  # fmt: skip
        stamp, _, sig = (p.get("nonce") or "").rpartition(".")
        try:
            fresh = 0 <= now - float(stamp) <= self.ttl_s
        except ValueError:
            return False
        if not fresh or not hmac.compare_digest(sig, self._sign(stamp)):
            return False
        if p.get("username") != trunk.user or p.get("realm") != self.realm or not p.get("uri"):
            return False
        ha1 = _md5(f"{trunk.user}:{self.realm}:{trunk.password}")
        ha2 = _md5(f"{method}:{p['uri']}")
        if p.get("qop") == "auth":
            want = _md5(f"{ha1}:{p['nonce']}:{p.get('nc', '')}:{p.get('cnonce', '')}:auth:{ha2}")
        else:
            want = _md5(f"{ha1}:{p['nonce']}:{ha2}")
        return hmac.compare_digest(want, p.get("response") or "")
