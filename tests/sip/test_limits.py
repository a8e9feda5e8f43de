"""Who may call and how often, against a real `voicebot serve` on loopback: the allowlist (403),
the per-source INVITE rate (503 + Retry-After) under a flood while a real caller gets through,
call slots per source, SUBSCRIBE refused, and the TCP connection cap and idle timeout.

Loopback has all of 127.0.0.0/8, so each "source" is its own address: 127.0.0.1 floods,
127.0.0.2 is the real caller, 127.0.0.3 holds slots, 127.0.0.5 is a trunk with digest
credentials, 127.0.0.9 is not on the allowlist."""

from __future__ import annotations

import random
import re
import socket
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest
from siphelpers import NUMBER, Gateway, dialplan_yaml, free_port, kill_group, start_serve
from sipprobe import SipProbe

pytestmark = pytest.mark.slow
TCP_IDLE_S = 2.0


@pytest.fixture(scope="module")
def limited_gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("limits")
    sip_port, http_port = free_port(), free_port()
    (tmp / "dialplans").mkdir()
    (tmp / "dialplans" / "testkommune.yaml").write_text(dialplan_yaml(free_port()), encoding="utf-8")
    (tmp / "sip.allow").write_text("# our trunks\n127.0.0.0/29\n", encoding="utf-8")
    (tmp / "sip.auth").write_text("127.0.0.5/32 trunk5 pw5\n", encoding="utf-8")
    args = ["--sip-port", str(sip_port), "--http-port", str(http_port), "--dialplans", str(tmp / "dialplans"),
            "--call-log", str(tmp / "calls.jsonl"), "--answer-delay", "0.2", "--sip-allow", str(tmp / "sip.allow"),
            "--sip-auth", str(tmp / "sip.auth"),
            "--sip-rate", "5", "--sip-burst", "10", "--tcp-per-source", "4", "--tcp-idle", str(TCP_IDLE_S)]
    proc = start_serve(tmp, args, "SIP ready")
    yield Gateway(proc, sip_port, http_port, 0, tmp / "calls.jsonl", tmp / "serve.log")
    kill_group(proc)


def _invite(port: int, local: str, n: int) -> tuple[str, bytes]:
    call_id = f"flood-{n}-{random.getrandbits(32):x}"
    lines = [f"INVITE sip:{NUMBER}@127.0.0.1:{port} SIP/2.0", f"Via: SIP/2.0/UDP {local}:9;branch=z9hG4bKfl{n}",
             f"From: <sip:flood@{local}>;tag=f{n}", f"To: <sip:{NUMBER}@127.0.0.1>", f"Call-ID: {call_id}",
             "CSeq: 1 INVITE", f"Contact: <sip:flood@{local}:9>", "Max-Forwards: 70", "Content-Length: 0"]
    return call_id, ("\r\n".join(lines) + "\r\n\r\n").encode()


def _cancel(invite: bytes, method: str, to: str, cseq: int = 1) -> bytes:
    text = invite.decode()
    lines = [ln for ln in text.split("\r\n") if ln and not ln.startswith(("INVITE", "CSeq", "To", "Content"))]
    if cseq > 1:  # a new transaction: a new branch
        lines = [ln.replace(";branch=z9hG4bKfl", ";branch=z9hG4bKbye") for ln in lines]
    uri = text.split(" ")[1]
    return ("\r\n".join([f"{method} {uri} SIP/2.0", *lines, f"To: {to}", f"CSeq: {cseq} {method}",
                         "Content-Length: 0"]) + "\r\n\r\n").encode()  # fmt: skip


def test_flood_is_throttled_and_a_real_caller_gets_through(limited_gw: Gateway) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sent: dict[str, bytes] = {}
    answers: dict[str, list[str]] = {}
    stop = threading.Event()

    def receive() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                data = sock.recv(65535).decode(errors="replace")
            except TimeoutError:
                continue
            m = re.search(r"^Call-ID: (\S+)", data, re.M)
            if m and data.startswith("SIP/2.0"):
                answers.setdefault(m.group(1), []).append(data)

    rx = threading.Thread(target=receive, daemon=True)
    rx.start()
    real = SipProbe("127.0.0.1", limited_gw.sip_port, local="127.0.0.2")
    real_code: list[int] = []
    t0 = time.monotonic()
    try:
        for n in range(300):  # 300 INVITEs in 3 s, bounded
            call_id, data = _invite(limited_gw.sip_port, "127.0.0.1", n)
            sent[call_id] = data
            sock.sendto(data, ("127.0.0.1", limited_gw.sip_port))
            if n == 150:
                real_code.append(real.invite(NUMBER))
            time.sleep(max(0.0, t0 + (n + 1) * 0.01 - time.monotonic()))
        assert real_code == [200], "a real caller from another trunk must get through the flood"
        real.converse(np.zeros(160, np.int16), hold_s=0.5)
        time.sleep(1.0)
        gw = ("127.0.0.1", limited_gw.sip_port)
        for call_id, msgs in list(answers.items()):  # tidy up: ACK and BYE the answered, CANCEL what rings
            to = re.search(r"^To: (.*)$", msgs[-1], re.M)
            codes = [int(m.split()[1]) for m in msgs]
            if to is None:
                continue
            if 200 in codes:
                sock.sendto(_cancel(sent[call_id], "ACK", to.group(1).strip()), gw)
                sock.sendto(_cancel(sent[call_id], "BYE", to.group(1).strip(), cseq=2), gw)
            elif any(c >= 300 for c in codes):
                sock.sendto(_cancel(sent[call_id], "ACK", to.group(1).strip()), gw)
            else:
                sock.sendto(_cancel(sent[call_id], "CANCEL", to.group(1).split(";tag")[0]), gw)
        time.sleep(1.0)
    finally:
        stop.set()
        rx.join(2)
        sock.close()
        real.close()
    finals = {cid: [int(m.split()[1]) for m in msgs if int(m.split()[1]) >= 200] for cid, msgs in answers.items()}
    throttled = [cid for cid, codes in finals.items() if 503 in codes]
    assert len(throttled) >= 250, f"{len(throttled)} of 300 throttled"
    retry = [re.search(r"^Retry-After: (\d+)", m, re.M) for cid in throttled for m in answers[cid] if " 503 " in m]
    assert all(r is not None and int(r.group(1)) >= 1 for r in retry)
    admitted = len(sent) - len(throttled)
    assert admitted <= 10 + 5 * 4, admitted  # the burst plus the rate over the flood's seconds
    assert len(answers) == 300  # every INVITE got an answer
    st = limited_gw.status()["sip"]
    assert st["throttled"] >= 250
    limited_gw.wait_idle(45)


def test_one_source_cannot_take_every_slot(limited_gw: Gateway) -> None:
    limited_gw.wait_idle(45)
    held = [SipProbe("127.0.0.1", limited_gw.sip_port, local="127.0.0.3") for _ in range(4)]
    other = SipProbe("127.0.0.1", limited_gw.sip_port, local="127.0.0.2")
    try:
        assert [p.invite(NUMBER) for p in held] == [200, 200, 200, 486]  # 4 slots, 3 per source
        assert other.invite(NUMBER) == 200
        other.converse(np.zeros(160, np.int16), hold_s=0.1)
    finally:
        for p in held[:3]:
            p.converse(np.zeros(160, np.int16), hold_s=0.02)
        for p in [*held, other]:
            p.close()
    assert limited_gw.status()["sip"]["refused_per_source"] >= 1
    limited_gw.wait_idle()


def test_outsider_gets_403(limited_gw: Gateway) -> None:
    probe = SipProbe("127.0.0.1", limited_gw.sip_port, local="127.0.0.9")
    try:
        assert probe.options() == 403
        assert probe.invite(NUMBER) == 403
    finally:
        probe.close()
    assert limited_gw.status()["sip"]["forbidden"] >= 2


def test_subscribe_refused_and_no_notify_sent(limited_gw: Gateway) -> None:
    target = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    target.bind(("127.0.0.2", 0))
    port = target.getsockname()[1]
    lines = [f"SUBSCRIBE sip:{NUMBER}@127.0.0.1 SIP/2.0", f"Via: SIP/2.0/UDP 127.0.0.2:{port};branch=z9hG4bKsub1",
             "From: <sip:x@127.0.0.2>;tag=s1", f"To: <sip:{NUMBER}@127.0.0.1>", "Call-ID: sub-1", "CSeq: 1 SUBSCRIBE",
             f"Contact: <sip:x@127.0.0.2:{port}>", "Event: presence", "Expires: 60", "Max-Forwards: 70",
             "Content-Length: 0"]
    try:
        target.sendto(("\r\n".join(lines) + "\r\n\r\n").encode(), ("127.0.0.1", limited_gw.sip_port))
        target.settimeout(2.0)
        reply = target.recv(65535).decode()
        assert reply.startswith("SIP/2.0 405 ") and re.search(r"^Allow: .*INVITE", reply, re.M)
        assert "SUBSCRIBE" not in reply.split("Allow:", 1)[1].split("\r\n", 1)[0]
        target.settimeout(1.5)
        with pytest.raises(TimeoutError):
            target.recv(65535)  # no NOTIFY to the Contact it named
    finally:
        target.close()


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_tcp_connections_capped_per_source_and_idle_ones_time_out(limited_gw: Gateway) -> None:
    dest = ("127.0.0.1", limited_gw.sip_port)
    conns = []
    try:
        for _ in range(4):
            s = socket.create_connection(dest, timeout=5, source_address=("127.0.0.1", 0))
            conns.append(s)
        time.sleep(0.3)
        fifth = socket.create_connection(dest, timeout=5, source_address=("127.0.0.1", 0))
        conns.append(fifth)
        assert _closed_within(fifth, 2.0), "the 5th connection from one source must be closed at once"
        assert not any(_closed_within(s, 0.05) for s in conns[:4])
        other = socket.create_connection(dest, timeout=5, source_address=("127.0.0.2", 0))
        conns.append(other)
        lines = ["OPTIONS sip:voicebot@127.0.0.1 SIP/2.0", "Via: SIP/2.0/TCP 127.0.0.2:9;branch=z9hG4bKtcp1",
                 "From: <sip:x@127.0.0.2>;tag=t1", "To: <sip:voicebot@127.0.0.1>", "Call-ID: tcp-1", "CSeq: 1 OPTIONS",
                 "Max-Forwards: 70", "Content-Length: 0"]
        other.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        other.settimeout(3)
        assert other.recv(65535).startswith(b"SIP/2.0 200 ")
        t0 = time.monotonic()
        assert all(_closed_within(s, TCP_IDLE_S + 3) for s in conns[:4]), "idle connections must time out"
        assert time.monotonic() - t0 < TCP_IDLE_S + 3
    finally:
        for s in conns:
            s.close()
    assert limited_gw.status()["sip"]["guard"]["tcp_refused"] >= 1


def test_trunk_with_credentials_must_answer_the_digest_challenge(limited_gw: Gateway) -> None:
    import hashlib

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    gw = ("127.0.0.1", limited_gw.sip_port)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.5", 0))
    sock.settimeout(3)
    try:
        _call_id, invite = _invite(limited_gw.sip_port, "127.0.0.5", 9001)
        sock.sendto(invite, gw)
        first = sock.recv(65535).decode()
        assert first.startswith("SIP/2.0 401 "), first
        nonce = re.search(r'nonce="([^"]+)"', first)
        assert nonce is not None
        sock.sendto(_cancel(invite, "ACK", re.search(r"^To: (.*)$", first, re.M).group(1).strip()), gw)  # type: ignore[union-attr]
        uri = invite.decode().split(" ")[1]
        ha1, ha2 = md5("trunk5:voicebot:pw5"), md5(f"INVITE:{uri}")
        resp = md5(f"{ha1}:{nonce.group(1)}:00000001:c1:auth:{ha2}")
        authz = (f'Authorization: Digest username="trunk5", realm="voicebot", nonce="{nonce.group(1)}", uri="{uri}", '
                 f'response="{resp}", qop=auth, nc=00000001, cnonce="c1"\r\n')  # fmt: skip
        again = invite.replace(b"CSeq: 1 INVITE", b"CSeq: 2 INVITE").replace(b"z9hG4bKfl9001", b"z9hG4bKfl9001b")
        sock.sendto(again.replace(b"Max-Forwards: 70\r\n", b"Max-Forwards: 70\r\n" + authz.encode()), gw)
        codes = []
        final = ""
        while not final:
            msg = sock.recv(65535).decode()
            codes.append(int(msg.split()[1]))
            if codes[-1] >= 200:
                final = msg
        assert codes[-1] == 200, codes  # accepted: it rang and was answered
        to = re.search(r"^To: (.*)$", final, re.M).group(1).strip()  # type: ignore[union-attr]
        bye = _cancel(again, "BYE", to, cseq=3)
        sock.sendto(_cancel(again, "ACK", to).replace(b"CSeq: 1 ACK", b"CSeq: 2 ACK"), gw)
        sock.sendto(bye, gw)
    finally:
        sock.close()
    limited_gw.wait_idle(30)
