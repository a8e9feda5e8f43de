"""pjsua2 subclasses. Everything here runs on the SIP owner thread (callbacks from
`libHandleEvents`), except `CallPort`'s frame callbacks (conference clock thread).

They never touch the pipeline: they report to the endpoint, which posts to asyncio.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

import pjsua2 as pj

from voicebot.transports.sip.headers import called_user, source_header, test_headers, uri_user
from voicebot.transports.sip.media import CallPort

if TYPE_CHECKING:
    from voicebot.transports.sip.endpoint import SipEndpoint

log = logging.getLogger(__name__)


def free_now(obj: Any) -> None:
    """Delete the C++ object behind a pjsua2 proxy now, on this thread (the owner thread).

    SWIG keeps the C++ pointer in the proxy's `this`; dropping it deletes the object at once, and a
    later method call raises TypeError instead of touching freed memory. Without this the C++ object
    dies with the last Python reference, and if that is a reference cycle, Python's cyclic GC frees
    it on whatever thread it runs: first it clears the proxy's attributes while the conference clock
    still calls the port (AttributeError), then pjmedia is entered from an unregistered thread and
    the process dies (a segmentation fault in a 30-minute soak).
    """
    if obj is not None:
        obj.__dict__.pop("this", None)


def _tx_headers(prm: pj.CallOpParam, headers: list[tuple[str, str]]) -> None:
    vec = pj.SipHeaderVector()
    for name, value in headers:
        h = pj.SipHeader()
        h.hName = name
        h.hValue = value
        vec.append(h)
    prm.txOption.headers = vec


class BotAccount(pj.Account):
    def __init__(self, endpoint: SipEndpoint) -> None:
        super().__init__()
        self.endpoint = endpoint

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        call = BotCall(self, self.endpoint, prm.callId)
        info = call.getInfo()
        called = called_user(prm.rdata.wholeMsg, info.localUri)
        caller = uri_user(info.remoteUri)
        msg = prm.rdata.wholeMsg
        self.endpoint.incoming(call, called, caller, test_headers(msg), source_header(msg))


class BotCall(pj.Call):
    """A caller's leg: answered by the bot, carrying a `CallPort` once media is up."""

    def __init__(self, acc: pj.Account, endpoint: SipEndpoint, call_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(acc, call_id)
        self.endpoint = endpoint
        self.key = 0
        self.port: CallPort | None = None
        self.aud: pj.AudioMedia | None = None
        self.codec = ""
        self.stats: dict[str, Any] = {}
        self.agent: AgentCall | None = None  # the bridged agent leg, after a failed REFER
        self.gone = False

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        ci = self.getInfo()
        if ci.state == pj.PJSIP_INV_STATE_DISCONNECTED and not self.gone:
            self.gone = True
            if self.port is not None:
                self.port.active = False
            self.endpoint.ended(self, ci.lastStatusCode, ci.lastReason)

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        ci = self.getInfo()
        for i, mi in enumerate(ci.media):
            if mi.type == pj.PJMEDIA_TYPE_AUDIO and mi.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                aud = self.getAudioMedia(i)
                self.aud = aud
                if self.agent is not None and self.agent.aud is not None:
                    self.endpoint.connect(aud, self.agent.aud)
                    return
                if self.port is None:
                    self.port = self.endpoint.new_port(self)
                aud.startTransmit(self.port)
                self.port.startTransmit(aud)
                try:
                    si = self.getStreamInfo(i)
                    self.codec = f"{si.codecName}/{si.codecClockRate}"
                except pj.Error:
                    self.codec = ""
                self.endpoint.media_up(self)
                return

    def onStreamDestroyed(self, prm: pj.OnStreamDestroyedParam) -> None:
        try:
            st = self.getStreamStat(prm.streamIdx)
            rx = st.rtcp.rxStat
            self.stats = {
                "rx_packets": rx.pkt,
                "rx_lost": rx.loss,
                "rx_discard": rx.discard,
                "jb_lost": st.jbuf.lost,
                "jb_discard": st.jbuf.discard,
                "jb_empty": st.jbuf.empty,
                "tx_packets": st.rtcp.txStat.pkt,
            }
        except pj.Error:
            pass

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        method = "info" if prm.method == pj.PJSUA_DTMF_METHOD_SIP_INFO else "rfc4733"
        self.endpoint.dtmf(self, prm.digit, method)

    def onCallTransferStatus(self, prm: pj.OnCallTransferStatusParam) -> None:
        prm.cont = True
        self.endpoint.transfer_status(self, prm.statusCode, prm.finalNotify, prm.reason)


class AgentCall(pj.Call):
    """An outgoing leg to a human agent, bridged to the caller when the REFER failed."""

    def __init__(self, acc: pj.Account, endpoint: SipEndpoint, caller: BotCall) -> None:
        super().__init__(acc)
        self.endpoint = endpoint
        self.caller = caller
        self.aud: pj.AudioMedia | None = None
        self.confirmed = False
        self.gone = False

    def dial(self, uri: str, headers: list[tuple[str, str]]) -> None:
        prm = pj.CallOpParam(True)
        _tx_headers(prm, headers)
        self.makeCall(uri, prm)

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        ci = self.getInfo()
        if ci.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self.confirmed = True
            self.endpoint.agent_state(self, True, ci.lastStatusCode)
        elif ci.state == pj.PJSIP_INV_STATE_DISCONNECTED and not self.gone:
            self.gone = True
            self.endpoint.agent_state(self, False, ci.lastStatusCode)

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        ci = self.getInfo()
        for i, mi in enumerate(ci.media):
            if mi.type == pj.PJMEDIA_TYPE_AUDIO and mi.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                self.aud = self.getAudioMedia(i)
                if self.caller.aud is not None and not self.caller.gone:
                    if self.caller.port is not None:
                        self.caller.port.active = False
                        with contextlib.suppress(pj.Error):
                            self.caller.port.stopTransmit(self.caller.aud)
                    self.endpoint.connect(self.caller.aud, self.aud)
                return
