"""SIP transport: pjsua2 on one owner thread, calls bridged into the asyncio call pipeline.

- `endpoint.SipEndpoint`: owns pjsua2 (library, transports, account) on one thread.
- `pjcalls`: the pjsua2 `Call`/`Account` subclasses and the media port (owner/clock threads).
- `gateway.SipGateway`: the asyncio side: one `CallSession` per answered call.
- `headers`: pure helpers (called number, X-Voicebot hand-over headers).
- `workers`: `serve --workers N` supervisor; `kamailio`: the front proxy configuration.
"""
