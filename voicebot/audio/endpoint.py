"""Endpointing: turn start / turn end from per-frame VAD decisions. Pure; time is passed in.

A turn starts after `start_ms` of speech within a short window (debounce), and ends after
`end_silence_ms` of silence. Turns shorter than `min_speech_ms` of voiced audio are dropped
as noise. `pause_ms` (shorter than `end_silence_ms`) marks a short pause, the moment a
speculative recognition may start; if speech resumes, the speculation is thrown away and a
`SpeechStarted` marks the resumption (so an early answer can be barged in on).
Audio before the detected start (`preroll_ms`) is kept so the first syllable is not cut.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from voicebot.frames import Onset, Pause, SpeechStarted, UserTurn

__all__ = ["BargeInConfig", "EndpointConfig", "Endpointer", "Onset", "OnsetDetector", "Pause"]


@dataclass(frozen=True, slots=True)
class EndpointConfig:
    start_ms: int = 60
    end_silence_ms: int = 600
    pause_ms: int = 250
    min_speech_ms: int = 200
    preroll_ms: int = 200
    max_turn_s: float = 20.0


@dataclass(frozen=True, slots=True)
class BargeInConfig:
    """The early barge-in trigger: `frames` consecutive voiced frames, each at least `min_dbfs`
    and `above_noise_db` over the caller channel's noise floor (the caller leg carries no bot
    echo). It fires before the turn-start debounce; a turn still needs `start_ms`."""

    frames: int = 2
    min_dbfs: float = -45.0
    above_noise_db: float = 15.0


class OnsetDetector:
    def __init__(self, cfg: BargeInConfig | None = None) -> None:
        self.cfg = cfg or BargeInConfig()
        self.noise_dbfs = -90.0
        self._run = 0

    def push(self, dbfs: float, speech: bool, t_end: float) -> Onset | None:
        """One frame's level and VAD decision; `t_end` is the end of the frame."""
        cfg = self.cfg
        if not speech:  # noise floor: follows a quieter channel at once, a louder one slowly
            rate = 0.5 if dbfs < self.noise_dbfs else 0.05
            self.noise_dbfs += rate * (max(dbfs, -90.0) - self.noise_dbfs)
        loud = speech and dbfs >= max(cfg.min_dbfs, self.noise_dbfs + cfg.above_noise_db)
        self._run = self._run + 1 if loud else 0
        return Onset(t_end) if self._run == cfg.frames else None


class Endpointer:
    def __init__(self, cfg: EndpointConfig | None = None, frame_ms: int = 20) -> None:
        self.cfg = cfg or EndpointConfig()
        self.frame_ms = frame_ms
        self._pre: deque[tuple[np.ndarray, bool]] = deque(maxlen=max(1, self.cfg.preroll_ms // frame_ms))
        self._recent: deque[bool] = deque(maxlen=max(1, self.cfg.start_ms // frame_ms) + 2)
        self._in_turn = False
        self._chunks: list[np.ndarray] = []
        self._voiced_ms = 0
        self._silence_ms = 0
        self._start_s = 0.0
        self._last_voice_end = 0.0
        self._paused_sent = False

    @property
    def in_turn(self) -> bool:
        return self._in_turn

    def silent_since(self, end_s: float) -> bool:
        """Still in the turn whose speech last ended at `end_s`, with no speech since."""
        return self._in_turn and self._last_voice_end == end_s

    def push(self, pcm: np.ndarray, speech: bool, t: float) -> list[SpeechStarted | UserTurn | Pause]:
        """Feed one frame starting at `t` with its VAD decision; returns events."""
        cfg = self.cfg
        out: list[SpeechStarted | UserTurn | Pause] = []
        t_end = t + self.frame_ms / 1000.0
        if not self._in_turn:
            self._pre.append((pcm, speech))
            self._recent.append(speech)
            need = max(1, cfg.start_ms // self.frame_ms)
            if sum(self._recent) >= need:
                self._in_turn = True
                frames = list(self._pre)
                self._chunks = [p for p, _ in frames]
                self._voiced_ms = sum(self.frame_ms for _, s in frames if s)
                self._start_s = t_end - len(frames) * self.frame_ms / 1000.0
                self._silence_ms = 0
                self._last_voice_end = t_end
                self._paused_sent = False
                self._pre.clear()
                self._recent.clear()
                out.append(SpeechStarted(t=t_end))
            return out

        self._chunks.append(pcm)
        if speech:
            if self._paused_sent:  # speech resumed after a pause: it may barge in on an early answer
                out.append(SpeechStarted(t=t_end))
            self._voiced_ms += self.frame_ms
            self._silence_ms = 0
            self._last_voice_end = t_end
            self._paused_sent = False
        else:
            self._silence_ms += self.frame_ms
        too_long = (t_end - self._start_s) >= cfg.max_turn_s
        if self._silence_ms >= cfg.end_silence_ms or too_long:
            out.extend(self._finish(t_end))
        elif self._silence_ms >= cfg.pause_ms and not self._paused_sent:
            self._paused_sent = True
            if self._voiced_ms >= cfg.min_speech_ms:
                out.append(Pause(self._audio(), self._start_s, self._last_voice_end, t_end))
        return out

    def flush(self, t: float) -> list[UserTurn]:
        """End of input: close an open turn."""
        return self._finish(t) if self._in_turn else []

    def _audio(self) -> np.ndarray:
        keep = len(self._chunks) - self._silence_ms // self.frame_ms
        return np.concatenate(self._chunks[: max(keep, 1)])

    def _finish(self, t_end: float) -> list[UserTurn]:
        self._in_turn = False
        voiced, audio = self._voiced_ms, self._audio()
        self._chunks = []
        if voiced < self.cfg.min_speech_ms:
            return []
        return [UserTurn(audio=audio, start_s=self._start_s, end_s=self._last_voice_end, t=t_end)]
