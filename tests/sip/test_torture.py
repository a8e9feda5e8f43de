"""RFC 4475 and RFC 5118 torture messages over UDP and TCP against a real `voicebot serve`:
each file's outcome as the SOURCE.md table asks, and OPTIONS still answered afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from siphelpers import Gateway, dialplan_yaml, free_port, kill_group, start_serve
from torture import CLOSE, TCP, UDP, Peer, exchange, load, options

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def torture_gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("torture")
    sip_port, http_port = free_port(), free_port()
    (tmp / "dialplans").mkdir()
    (tmp / "dialplans" / "testkommune.yaml").write_text(dialplan_yaml(free_port()), encoding="utf-8")
    # calls ring for a minute (the peer CANCELs them); no rate limit: this is about syntax
    args = ["--sip-port", str(sip_port), "--http-port", str(http_port), "--dialplans", str(tmp / "dialplans"),
            "--answer-delay", "60", "--sip-rate", "0", "--slots-per-source", "4"]
    proc = start_serve(tmp, args, "SIP ready")
    yield Gateway(proc, sip_port, http_port, 0, tmp / "calls.jsonl", tmp / "serve.log")
    kill_group(proc)


def _options_ok(gw: Gateway, transport: str) -> None:
    peer = Peer(transport, gw.sip_port)
    try:
        out = exchange(peer, options())
    finally:
        peer.close()
    assert out.codes == [200], out.texts


def _run(gw: Gateway, messages: dict[str, bytes], transport: str, table: dict[str, set[object]]) -> None:
    assert set(messages) == set(table), set(messages) ^ set(table)
    wrong = {}
    udp = Peer("udp", gw.sip_port) if transport == "udp" else None
    for name, data in messages.items():
        peer = udp or Peer("tcp", gw.sip_port)
        try:
            out = exchange(peer, data, close_wait=7.0 if CLOSE in table[name] else 0.0)
        finally:
            if udp is None:
                peer.close()
        if out.kind() not in table[name]:
            wrong[name] = (out.kind(), out.codes)
        if name == "bext01" and out.texts:
            assert "Unsupported: nothingSupportsThis, nothingSupportsThisEither" in out.texts[0]
    if udp is not None:
        udp.close()
    assert not wrong, f"{transport}: outcome differs from the table: {wrong}\n" + gw.log_path.read_text()[-3000:]
    _options_ok(gw, transport)
    st = gw.wait_idle(30)
    assert st["sip_legs"] == 0


def test_torture_over_udp(torture_gw: Gateway, corpus: Path) -> None:
    _run(torture_gw, load(corpus), "udp", UDP)


def test_torture_over_tcp(torture_gw: Gateway, corpus: Path) -> None:
    _run(torture_gw, load(corpus), "tcp", TCP)


def test_no_sip_packet_in_the_log(torture_gw: Gateway) -> None:
    """pjsip's parse-error dumps used to print whole packets; nothing of one reaches our log now."""
    text = torture_gw.log_path.read_text(errors="replace")
    for marker in ("SIP/2.0", "Via:", "Call-ID:", "CSeq:", "example.com", "example.net"):
        assert marker not in text, marker
