"""The browser leg: WebRTC calls (aiortc) that run the same call pipeline as SIP and replay.

`media` holds the audio both ways (bot audio track + sink, caller audio to 16 kHz frames),
`control` the call control seen by the pipeline, `peer` one call's peer connection and the
registry of live browser calls, `ice` the host-address restriction used on loopback.
"""
