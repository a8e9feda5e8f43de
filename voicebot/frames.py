"""One vocabulary for everything that flows through a call.

Times (`t`, `start_s`, `end_s`) are seconds on the call's clock, starting at 0 when the
call is answered. Audio is PCM16 mono in numpy int16 arrays.

Three families:
- caller-side frames and events (audio in, VAD, onsets, pauses, turns, transcripts, DTMF);
- dialog actions (what the dialplan state machine asks for);
- system frames: an `Interruption` (barge-in) bypasses the data queues and flushes queued bot audio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voicebot.intent.base import IntentResult

FRAME_MS = 20  # every transport and the front end move audio in 20 ms frames
ASR_RATE = 16000  # the front end hands recognisers 16 kHz PCM16


# ---------------------------------------------------------------- caller side
@dataclass(slots=True)
class AudioFrame:
    pcm: np.ndarray  # int16, mono
    sample_rate: int
    t: float  # start time of the frame

    @property
    def duration(self) -> float:
        return len(self.pcm) / self.sample_rate


@dataclass(slots=True, frozen=True)
class CallStarted:
    t: float
    call_id: str
    called: str = ""
    caller: str = ""


@dataclass(slots=True, frozen=True)
class SpeechStarted:
    t: float


@dataclass(slots=True, frozen=True)
class Onset:
    """Caller speech has begun (the barge-in trigger); not a turn start."""

    t: float


@dataclass(slots=True, frozen=True)
class Pause:
    """A short pause inside a turn: audio so far (16 kHz), for speculative decoding."""

    audio: np.ndarray
    start_s: float
    end_s: float
    t: float


@dataclass(slots=True)
class UserTurn:
    """One caller utterance, cut by the endpointer. `audio` is 16 kHz PCM16."""

    audio: np.ndarray
    start_s: float
    end_s: float  # end of speech (last voiced frame)
    t: float  # when the endpoint fired (end_s + trailing silence)


@dataclass(slots=True, frozen=True)
class Transcript:
    """What the caller said, and what it means.

    `intent` is filled once per turn, off the event loop, before the dialog sees the transcript
    (voicebot.pipeline.understand). A transcript with text but no `intent` tells the dialog that
    the intent engine failed on it.
    """

    text: str
    confidence: float
    start_s: float
    end_s: float
    t: float  # when the transcript was ready (compute time charged)
    nbest: tuple[tuple[str, float], ...] = ()
    intent: IntentResult | None = None


@dataclass(slots=True, frozen=True)
class Dtmf:
    digit: str
    t: float


@dataclass(slots=True, frozen=True)
class Timeout:
    """A dialog timer fired (no-input etc.)."""

    t: float


@dataclass(slots=True, frozen=True)
class PlaybackDone:
    """All queued bot audio for `say_id` has been played (or cut by barge-in)."""

    t: float
    say_id: int
    interrupted: bool = False


@dataclass(slots=True, frozen=True)
class TransferFailed:
    """The transport could not reach the agent (REFER refused and no bridge): the dialog goes on."""

    t: float


@dataclass(slots=True, frozen=True)
class CallerHangup:
    t: float
    reason: str = "caller_hangup"  # or why the gateway ended the line: "shutdown", "max_call_length"


CallerEvent = (
    CallStarted | SpeechStarted | Transcript | Dtmf | Timeout | PlaybackDone | TransferFailed | CallerHangup
)


# ---------------------------------------------------------------- dialog actions
@dataclass(slots=True, frozen=True)
class Say:
    text: str
    say_id: int = 0
    prompt: str | None = None  # a pre-rendered/recorded prompt file to play instead of TTS
    barge_in: bool = True
    reply_to: float | None = None  # end of the caller speech this replies to (for the response gap)


@dataclass(slots=True, frozen=True)
class Listen:
    """The bot now expects the caller to speak; `no_input_s` arms a no-input timer.

    `expect` says what kind of answer fits ("request", "yes_no", "rating"): the session hands it
    to the recogniser's prompt and the intent engine as context."""

    no_input_s: float | None = None
    expect: str = "request"


@dataclass(slots=True, frozen=True)
class TurnResult:
    """The dialog's reading of a caller turn, for the call record."""

    text: str
    start_s: float
    end_s: float
    intent: str | None = None
    confidence: float | None = None
    entities: dict[str, Any] = field(default_factory=dict)
    acted: tuple[str, ...] | None = None  # what the dialog acted on in this turn; None: not told


@dataclass(slots=True, frozen=True)
class Transfer:
    target: str
    reason: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, frozen=True)
class Hangup:
    reason: str = "completed"


@dataclass(slots=True, frozen=True)
class Rating:
    """A post-call survey answer (CSAT 1-3)."""

    score: int


Action = Say | Listen | TurnResult | Transfer | Hangup | Rating


# ---------------------------------------------------------------- system
@dataclass(slots=True, frozen=True)
class Interruption:
    """Barge-in: stop bot audio at `t` and drop everything queued for output."""

    t: float


@dataclass(slots=True, frozen=True)
class Callback:
    """The caller asked to be called back (lines closed); the gateway files the request."""

    number: str
    reason: str
    context: dict[str, Any] = field(default_factory=dict)


DialogAction = Action | Callback
