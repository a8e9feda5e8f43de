"""Who may call, and how often (pure; time is passed in).

- `Allowlist`: trunk addresses or CIDRs (`sip.allow`); empty means everyone.
- `TokenBucket`: per-source INVITE rate; beyond it a 503 with Retry-After.
- `SourceLimits`: both, keyed by source address, with a bounded table.
"""

from __future__ import annotations

import ipaddress
import math
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from voicebot.errors import ConfigError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Allowlist:
    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.networks: list[Network] = []
        for entry in entries:
            entry = entry.strip()
            if not entry or entry.startswith("#"):
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError as exc:
                raise ConfigError(f"sip.allow: {entry!r} is not an address or CIDR") from exc

    @classmethod
    def from_text(cls, text: str) -> Allowlist:
        return cls(line.split("#", 1)[0] for line in text.splitlines())

    def allows(self, host: str) -> bool:
        if not self.networks:
            return True
        try:
            addr = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(addr in net for net in self.networks)


@dataclass
class TokenBucket:
    rate: float  # tokens per second
    burst: float
    tokens: float = -1.0
    at: float = 0.0

    def take(self, now: float) -> float:
        """0.0 when a token was taken; otherwise the seconds until one is free."""
        if self.tokens < 0:
            self.tokens, self.at = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate if self.rate > 0 else math.inf


@dataclass(frozen=True)
class LimitConfig:
    invite_rate: float = 5.0  # new INVITEs per second per source; 0 = no limit
    invite_burst: float = 10.0
    max_sources: int = 10_000  # bounded state under a spoofed-source flood


class SourceLimits:
    def __init__(self, cfg: LimitConfig, allow: Allowlist | None = None) -> None:
        self.cfg = cfg
        self.allow = allow or Allowlist()
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self.throttled = 0
        self.forbidden = 0

    def admit_invite(self, host: str, now: float) -> int:
        """0 when a new INVITE may go on; otherwise the Retry-After seconds for a 503."""
        if self.cfg.invite_rate <= 0:
            return 0
        bucket = self._buckets.pop(host, None) or TokenBucket(self.cfg.invite_rate, self.cfg.invite_burst)
        self._buckets[host] = bucket
        while len(self._buckets) > self.cfg.max_sources:
            self._buckets.popitem(last=False)
        wait = bucket.take(now)
        if wait == 0.0:
            return 0
        self.throttled += 1
        return max(1, math.ceil(wait))

    def allowed(self, host: str) -> bool:
        ok = self.allow.allows(host)
        if not ok:
            self.forbidden += 1
        return ok
