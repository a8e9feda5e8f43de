"""One vocabulary for everything that flows through a call.

Times (`t`, `start_s`, `end_s`) are seconds on the call's clock, starting at 0 when the
call is answered. Audio is PCM16 mono in numpy int16 arrays.

Three families:
- caller-side frames and events (audio in, VAD, turns, transcripts, DTMF);
- dialog actions (what the dialplan state machine asks for);
- bot-side frames (audio out) and system frames (interruption, end of call).

System frames bypass data queues: an `Interruption` flushes queued `BotAudio`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

FRAME_MS = 20


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


@dataclass(slots=True)
class UserTurn:
    """One caller utterance, cut by the endpointer. `audio` is 16 kHz PCM16."""

    audio: np.ndarray
    start_s: float
    end_s: float  # end of speech (last voiced frame)
    t: float  # when the endpoint fired (end_s + trailing silence)
    speculative: bool = False


@dataclass(slots=True, frozen=True)
class Transcript:
    text: str
    confidence: float
    start_s: float
    end_s: float
    t: float  # when the transcript was ready (compute time charged)
    nbest: tuple[tuple[str, float], ...] = ()
    final: bool = True


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


@dataclass(slots=True, frozen=True)
class Listen:
    """The bot now expects the caller to speak; `no_input_s` arms a no-input timer."""

    no_input_s: float | None = None


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


# ---------------------------------------------------------------- bot side + system
@dataclass(slots=True)
class BotAudio:
    pcm: np.ndarray  # int16 at the call's output rate
    sample_rate: int
    say_id: int
    last: bool = False  # the final chunk of this Say


@dataclass(slots=True, frozen=True)
class Interruption:
    """Barge-in: stop bot audio now and drop everything queued for output."""

    t: float


@dataclass(slots=True, frozen=True)
class EndOfStream:
    t: float
    reason: Literal["caller_hangup", "bot_hangup", "transfer", "end_of_input", "error"] = "end_of_input"


# ---------------------------------------------------------------- added by the dialplan issue
@dataclass(slots=True, frozen=True)
class Callback:
    """The caller asked to be called back (lines closed); the gateway files the request."""

    number: str
    reason: str
    context: dict[str, Any] = field(default_factory=dict)


DialogAction = Action | Callback
