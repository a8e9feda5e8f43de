"""pjsip's own log, through our logger (`voicebot.pjsip`), without SIP packets.

pjsip writes parse errors with the whole packet appended, and with message logging on it dumps
every request and response. Both can carry caller numbers and DTMF (SIP INFO): message logging
is switched off, and only the first line of any entry is kept. pjsip levels 1 and 2 become
ERROR and WARNING; everything chattier is DEBUG.
"""

from __future__ import annotations

import logging

import pjsua2 as pj

log = logging.getLogger("voicebot.pjsip")
LEVELS = {0: logging.CRITICAL, 1: logging.ERROR, 2: logging.WARNING}
MAX_LINE = 200


def first_line(text: str) -> str:
    """The entry's first line, cut before anything that looks like a SIP message."""
    line = text.strip().split("\n", 1)[0].rstrip("\r")
    for marker in ("SIP/2.0", "sip:", "sips:", "tel:"):
        i = line.find(marker)
        if i >= 0:
            line = line[:i] + "[…]"
    return line[:MAX_LINE]


class PjLog(pj.LogWriter):
    def write(self, entry: pj.LogEntry) -> None:
        try:
            level = LEVELS.get(entry.level, logging.DEBUG)
            if log.isEnabledFor(level):
                log.log(level, "%s", first_line(entry.msg))
        except Exception:  # noqa: BLE001 - never raise into pjsip
            pass


def configure_log(cfg: pj.LogConfig, writer: PjLog, level: int) -> None:
    cfg.writer = writer
    cfg.level = level
    cfg.consoleLevel = level
    cfg.msgLogging = 0
    cfg.decor = 0
