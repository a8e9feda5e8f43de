"""Which host addresses aiortc offers as ICE candidates.

aioice gathers every interface address except 127.0.0.1. A gateway reached from the same
machine (a developer's `make run`, a loopback test) also needs the loopback address, and a
test wants *only* loopback, so no candidate leaves the machine. aioice reads the addresses
through a module-level function, so this choice is process-wide: set it once at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import aioice.ice

_original: Callable[..., list[str]] = aioice.ice.get_host_addresses


def set_host_addresses(addresses: Sequence[str] | None = None, *, add_loopback: bool = True) -> None:
    """`addresses` given: offer exactly those. None: aioice's own list, plus 127.0.0.1 if asked."""
    fixed = list(addresses) if addresses is not None else None

    def host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        if fixed is not None:
            return [a for a in fixed if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]
        found = _original(use_ipv4=use_ipv4, use_ipv6=use_ipv6)
        return [*found, "127.0.0.1"] if add_loopback and use_ipv4 else found

    aioice.ice.get_host_addresses = host_addresses


def reset_host_addresses() -> None:
    aioice.ice.get_host_addresses = _original
