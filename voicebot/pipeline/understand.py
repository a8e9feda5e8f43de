"""Understanding a caller turn: text → IntentResult, once per turn, off the event loop.

The intent engine may be in-process (CPU work) or a remote NLU (HTTP with a timeout): either
way it runs in a thread pool of its own, so a slow NLU never stalls the loop, the other calls
in the process, or the ASR/TTS threads. Any failure becomes an `EngineError`, which the dialog
turns into a `technical` transfer through one path.
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from voicebot.errors import EngineError
from voicebot.intent.base import UNKNOWN, IntentEngine, IntentResult

_NLU_POOL = ThreadPoolExecutor(16, thread_name_prefix="nlu")


class Understanding:
    def __init__(self, engine: IntentEngine, kommune: str | None, answer_threshold: float) -> None:
        self.engine = engine
        self.kommune = kommune
        self.answer_threshold = answer_threshold

    async def classify(self, text: str, context: dict[str, Any]) -> IntentResult:
        call = functools.partial(self.engine.classify, text, kommune=self.kommune, context=context)
        try:
            return await asyncio.get_running_loop().run_in_executor(_NLU_POOL, call)
        except EngineError:
            raise
        except Exception as exc:  # the engine is an adapter boundary
            raise EngineError(f"intent engine failed: {type(exc).__name__}") from exc

    def answers_at_once(self, result: IntentResult) -> bool:
        """Would the dialog answer this straight away? Then a short pause is enough to end the turn."""
        return result.intent != UNKNOWN and result.confidence >= self.answer_threshold
