"""The call recorder: the only writer of a call's `CallRecord`.

Stages report what happened (a caller turn, a bot turn, a barge-in cut, a response gap, a
transfer, a rating…) and the recorder writes it, so every field has one writer. A journal (the
call store, behind its disk spool for database outages: `voicebot.calls.spool`) may follow the
call turn by turn; its writes run in one background thread per process, in order, never on the
event loop.

Where a new call-record field goes: a typed field in `voicebot.calls.record.CallRecord`, and a
method here that an event calls.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from voicebot.calls.record import CallbackRequest, CallRecord, Turn
from voicebot.frames import TurnResult

log = logging.getLogger(__name__)
_WRITER = ThreadPoolExecutor(1, thread_name_prefix="call-journal")  # one writer: order is kept


class Journal(Protocol):
    """Where a call is persisted as it goes (the call store)."""

    def start(self, record: CallRecord) -> None: ...

    def add_turn(self, record: CallRecord, turn: Turn) -> None: ...

    def add_callback(self, record: CallRecord, request: CallbackRequest) -> None: ...

    def finish(self, record: CallRecord) -> None: ...


def outcome_of(end_reason: str, *, transferred: bool, failed: bool, helped: bool, hangup_reason: str | None) -> str:
    """The call's outcome, decided in one place.

    A completed transfer wins; then a failure of the pipeline; a call is contained when the
    caller got an answer from the knowledge base (or the bot finished the call as planned).
    """
    if transferred:
        return "transferred"
    if failed or end_reason == "error":
        return "error"
    if end_reason == "bot_hangup" and hangup_reason == "completed":
        return "contained"
    return "contained" if helped else "abandoned"


class CallRecorder:
    def __init__(self, record: CallRecord, journal: Journal | None = None) -> None:
        self.record = record
        self._journal = journal
        self._transferred = False
        self._failed = False
        self._hangup_reason: str | None = None

    # ------------------------------------------------------------------ persistence
    def _write(self, method: str, *args: Any) -> None:
        """Queue `journal.method(record, *args)` on the writer thread (nothing without a journal)."""
        if self._journal is None:
            return
        _WRITER.submit(self._safe, method, *args)

    def _safe(self, method: str, *args: Any) -> None:
        try:
            getattr(self._journal, method)(self.record, *args)
        except Exception:  # a journal failure must not break the call; it is logged (no PII)
            log.exception("call %s: journal write %s failed", self.record.call_id, method)

    def flushed(self) -> Future[None]:
        """A future that is done when every write so far has reached the journal."""
        return _WRITER.submit(lambda: None)

    # ------------------------------------------------------------------ events
    def started(self, called: str, caller: str) -> None:
        self.record.called, self.record.caller = called, caller
        self._write("start")

    def caller_turn(self, result: TurnResult) -> None:
        if not result.text:
            return
        turn = Turn("caller", result.text, result.start_s, result.end_s, result.intent, result.confidence, result.acted)
        self.record.add_caller_turn(turn)  # a guess the dialog did not act on goes to `heard`
        self._write("add_turn", turn)

    def bot_turn(self, text: str, start: float, end: float) -> None:
        turn = Turn("bot", text, start, end)
        self.record.turns.append(turn)
        self._write("add_turn", turn)

    def bot_cut(self, t: float) -> None:
        """Barge-in at `t`: the bot's last turn ended there."""
        for turn in reversed(self.record.turns):
            if turn.speaker == "bot":
                turn.end_s = max(turn.start_s, min(turn.end_s, t))
                break
        self.count("barge_ins")

    def response_gap(self, ms: float) -> None:
        self.record.response_gaps_ms.append(ms)

    def count(self, key: str) -> None:
        counters = self.record.counters
        setattr(counters, key, getattr(counters, key) + 1)

    def rating(self, score: int) -> None:
        self.record.rating = score

    def callback(self, number: str, reason: str) -> None:
        request = CallbackRequest(number, reason)
        self.record.callback = request
        self._write("add_callback", request)

    def transfer_started(self, target: str, reason: str, context: dict[str, Any]) -> None:
        self.record.transfer = {"target": target, "reason": reason}
        self.record.handover = context

    def transfer_done(self, via: str | None = None) -> None:
        self._transferred = True
        if via:
            self.record.transfer_via = via

    def transfer_failed(self) -> None:
        if self.record.transfer is not None:
            self.record.transfer["failed"] = True
        self.count("transfer_failures")

    def hung_up(self, reason: str) -> None:
        self._hangup_reason = reason

    def stage_failed(self, stage: str, exc: BaseException) -> None:
        self._failed = True
        if self.record.error is None:
            self.record.error = f"{stage}: {type(exc).__name__}"

    def transport(self, **stats: Any) -> None:
        self.record.transport.update(stats)

    def finish(self, end_reason: str, answered: list[str]) -> CallRecord:
        rec = self.record
        rec.end_reason = end_reason
        rec.answered = list(answered)
        rec.outcome = outcome_of(
            end_reason, transferred=self._transferred, failed=self._failed, helped=bool(answered),
            hangup_reason=self._hangup_reason,
        )  # fmt: skip
        return rec

    def persist_end(self) -> Future[None]:
        """Write the finished record; the future is done once it is in the journal."""
        self._write("finish")
        return self.flushed()
