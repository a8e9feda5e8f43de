"""Pure parts of the SIP guard: parser and verdict over the torture corpus, the wire surgery,
the token bucket and the allowlist. No sockets, no clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from torture import CALL, DROP, UDP, load

from voicebot.calls.calllog import dtmf_methods, redact
from voicebot.errors import ConfigError
from voicebot.transports.sip import sipwire as wire
from voicebot.transports.sip.limits import Allowlist, LimitConfig, SourceLimits, TokenBucket
from voicebot.transports.sip.pjlog import first_line
from voicebot.transports.sip.sipmsg import Incomplete, SipSyntaxError, parse
from voicebot.transports.sip.verdict import check

# answered by pjsip after the guard let them through: OPTIONS 200, BYE/re-INVITE 481, bad SDP 400/488
FORWARDED = {CALL, 200, 481, 488}


def guard_outcome(data: bytes) -> object:
    try:
        msg, _ = parse(data)
    except SipSyntaxError as exc:
        return exc.code or DROP
    if not msg.is_request:
        return DROP  # a response whose Via is not ours
    verdict = check(msg)
    return "forward" if verdict is None else verdict.code


def test_every_torture_message_gets_the_guard_verdict_of_the_table(corpus: Path) -> None:
    wrong = {}
    for name, data in load(corpus).items():
        got, want = guard_outcome(data), UDP[name]
        ok = got in want or (got == "forward" and want & FORWARDED)
        if not ok:
            wrong[name] = got
    assert not wrong


def test_stream_framing() -> None:
    msg = b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nTo: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\n"
    msg += b"Call-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 4\r\n\r\nabcd"
    with pytest.raises(Incomplete):
        parse(msg[:-2], stream=True)
    parsed, used = parse(msg + msg, stream=True)
    assert used == len(msg) and parsed.body == b"abcd"
    with pytest.raises(SipSyntaxError) as err:
        parse(msg.replace(b"Content-Length: 4", b"Content-Length: -4"), stream=True)
    assert err.value.framing
    with pytest.raises(SipSyntaxError) as err:
        parse(msg.replace(b"Content-Length: 4\r\n", b""), stream=True)
    assert err.value.framing  # a stream without Content-Length cannot be framed
    bad_cseq = msg.replace(b"CSeq: 1 OPTIONS", b"CSeq: 1 INVITE")
    with pytest.raises(SipSyntaxError) as err:
        parse(bad_cseq + msg, stream=True)
    assert not err.value.framing and err.value.consumed == len(bad_cseq)  # skip it, keep the connection


def test_branch_is_stable_for_retransmission_cancel_and_folding(corpus: Path) -> None:
    invite, _ = parse(load(corpus)["wsinv"])
    refolded, _ = parse(load(corpus)["wsinv"].replace(b"SIP  /   2.0", b"SIP/2.0"))
    assert wire.branch_for(invite, 3) == wire.branch_for(refolded, 3)
    assert wire.branch_for(invite, 3) != wire.branch_for(invite, 4)
    assert wire.branch_for(invite, 3).startswith("z9hG4bKvg3x")


def test_our_via_and_routes_come_off_again() -> None:
    raw = (b"INVITE sip:1@h SIP/2.0\r\nVia: SIP/2.0/UDP c:5;branch=z9hG4bKc\r\nTo: <sip:1@h>\r\n"
           b"From: <sip:2@c>;tag=a\r\nCall-ID: k\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")  # fmt: skip
    msg, _ = parse(raw)
    wire.push_via(msg, "UDP", "127.0.0.1:7", wire.branch_for(msg, 9))
    wire.add_record_route(msg, "127.0.0.1:7", "127.0.0.1:5060", "TCP", 9)
    assert msg.get("record-route") == "<sip:127.0.0.1:7;lr;vgf=9>, <sip:127.0.0.1:5060;transport=tcp;lr;vgf=9>"
    assert wire.pop_our_via(msg) == 9
    assert msg.all("via") == ["SIP/2.0/UDP c:5;branch=z9hG4bKc"]
    msg.headers.append(("route", msg.get("record-route") or ""))
    msg.headers.append(("route", "<sip:proxy.example:5070;lr>"))
    assert wire.pop_our_routes(msg, ("127.0.0.1:5060", "127.0.0.1:7")) == 9
    assert msg.all("route") == ["<sip:proxy.example:5070;lr>"]
    assert wire.uri_hostport(wire.first_route(msg) or "") == ("proxy.example", 5070)


def test_rfc2543_peer_gets_a_stable_from_tag_that_it_never_sees(corpus: Path) -> None:
    a, _ = parse(load(corpus)["inv2543"])
    b, _ = parse(load(corpus)["inv2543"])
    wire.add_compat_tag(a)
    wire.add_compat_tag(b)
    assert a.get("from") == b.get("from") and ";tag=vg2543" in (a.get("from") or "")
    wire.strip_compat_tag(a)
    assert ";tag=" not in (a.get("from") or "")


def test_reply_copies_the_transaction_headers_and_adds_a_to_tag(corpus: Path) -> None:
    head = load(corpus)["badinv01"].split(b"\r\n\r\n")[0]
    out = wire.reply(head, 400, "Bad Request")
    assert out is not None
    text = out.decode()
    assert text.startswith("SIP/2.0 400 Bad Request\r\n")
    assert "Call-ID: badinv01.0ha0isndaksdjasdf3234nas" in text and "CSeq: 8 INVITE" in text
    assert "To: sip:j.user@example.com;tag=" in text
    assert wire.reply(b"ACK sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h", 400, "Bad Request") is None


def test_token_bucket_refills_at_its_rate() -> None:
    b = TokenBucket(rate=2.0, burst=3.0)
    assert [b.take(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert b.take(0.0) == pytest.approx(0.5)
    assert b.take(0.5) == 0.0  # one token back after 0.5 s at 2/s


def test_flood_from_one_source_leaves_others_alone() -> None:
    limits = SourceLimits(LimitConfig(invite_rate=5, invite_burst=10))
    flood = [limits.admit_invite("198.51.100.7", i / 100) for i in range(300)]  # 300 in 3 s
    assert sum(1 for w in flood if w == 0) <= 10 + 5 * 3 + 1
    assert all(w >= 1 for w in flood if w)  # Retry-After in whole seconds
    assert limits.admit_invite("192.0.2.1", 3.0) == 0
    assert limits.throttled == sum(1 for w in flood if w)


def test_allowlist() -> None:
    allow = Allowlist.from_text("# trunks\n192.0.2.0/24\n2001:db8::1  # backup\n")
    assert allow.allows("192.0.2.200") and allow.allows("2001:db8::1")
    assert not allow.allows("198.51.100.1") and not allow.allows("not-an-ip")
    assert Allowlist().allows("198.51.100.1")  # empty: everyone
    with pytest.raises(ConfigError):
        Allowlist(["192.0.2.300"])


def test_pjsip_log_lines_keep_no_packet() -> None:
    entry = "Error processing packet from 127.0.0.1:5062: PJSIP_EMISSINGHDR\nINVITE sip:4512@x SIP/2.0\r\nVia: ..."
    assert first_line(entry) == "Error processing packet from 127.0.0.1:5062: PJSIP_EMISSINGHDR"
    assert "4512" not in first_line("Incoming INVITE from sip:4512345678@10.0.0.1")


def test_call_log_redaction() -> None:
    rec = {"turns": [{"text": "mit cpr er 120385-4321 og 1203854321"}, {"text": "ring 45 22 33 44 55"},
                     {"text": "pas koster 627 kr"}], "sip": {"dtmf": dtmf_methods([("2", "rfc4733"), ("5", "info")])}}
    out = redact(rec)
    assert out["turns"][0]["text"] == "mit cpr er [redacted] og [redacted]"
    assert out["turns"][1]["text"] == "ring [redacted]"
    assert out["turns"][2]["text"] == "pas koster 627 kr"  # short numbers (prices, times) stay
    assert out["sip"]["dtmf"] == [["x", "rfc4733"], ["x", "info"]]
    assert redact({"started_at": "2026-12-02T15:32:18+00:00"}) == {"started_at": "2026-12-02T15:32:18+00:00"}
    # a call id that happens to be all digits still finds its call; a spoken CPR number does not survive
    line = redact({"call_id": "682057701513", "turns": [{"text": "en to nul tre otte fem fire tre to en"}]})
    assert line["call_id"] == "682057701513" and "otte fem" not in line["turns"][0]["text"]


def test_digest_challenge_and_response() -> None:
    import hashlib

    from voicebot.transports.sip.digest import DigestAuth

    auth = DigestAuth.from_text("192.0.2.0/24 trunk1 s3cret\n")
    trunk = auth.trunk_for("192.0.2.9")
    assert trunk is not None and auth.trunk_for("198.51.100.1") is None
    nonce = auth.challenge(100.0).split('nonce="')[1].split('"')[0]

    def md5(s: str) -> str:
        return hashlib.md5(s.encode()).hexdigest()

    def authorization(password: str, nonce: str = nonce) -> str:
        ha1, ha2 = md5(f"trunk1:voicebot:{password}"), md5("INVITE:sip:4512345678@192.0.2.1")
        resp = md5(f"{ha1}:{nonce}:00000001:abc:auth:{ha2}")
        return (f'Digest username="trunk1", realm="voicebot", nonce="{nonce}", uri="sip:4512345678@192.0.2.1", '
                f'response="{resp}", qop=auth, nc=00000001, cnonce="abc", algorithm=MD5')  # fmt: skip

    assert auth.verify(trunk, "INVITE", authorization("s3cret"), 101.0)
    assert not auth.verify(trunk, "INVITE", authorization("wrong"), 101.0)
    assert not auth.verify(trunk, "INVITE", authorization("s3cret"), 100.0 + 301)  # stale nonce
    forged = "100.000." + "0" * 20
    assert not auth.verify(trunk, "INVITE", authorization("s3cret", forged), 101.0)
    assert not auth.verify(trunk, "INVITE", None, 101.0)
