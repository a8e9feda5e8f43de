"""A synthetic caller who listens: each step is placed after the bot has finished its reply.

The recording is built one caller action at a time. The call so far is replayed through the real
pipeline with fixed timing (deterministic, so the same prefix always gives the same bot), the caller
"hears" the bot's reply to its last action, and answers as a person with a goal would:

- a confirm question about its topic: "Ja, meget gerne."; about another topic: "Nej.";
- the fallback menu: the key for its topic, 0 if it wants a person, else it says it another way;
- "Skal jeg stille dig videre…?": "Ja, meget gerne."; "Vil du ringes op?": "Nej tak.";
- "Det forstod jeg ikke": its request in other words;
- "Er der andet…?": its next request, or it hangs up; the survey: its rating.

It only reacts to what the bot said, never to what the recogniser heard, so a garbled request
still has to succeed through the dialog (confirm, menu, keys), or the case fails.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from voicebot.clock import ComputeTiming
from voicebot.dialog.plan import Dialplan
from voicebot.dialog.text import TOPIC_LABELS
from voicebot.replay import replay_call
from voicebot.transports.wav import CallAudio

REACT_S = 0.8  # the caller answers this long after the bot stops
MAX_ACTIONS = 8
_CONFIRM = re.compile(r"vil du høre om (.+?)\?")
_MENU_KEY = re.compile(r"(\d) for ([^,.]+?)(?:,|\.|$| eller)")


@dataclass
class Caller:
    name: str
    description: str
    says: list[str]  # the request, then other ways to say it
    goal: str | None  # a topic intent, "medarbejder", or None (nothing the bot knows)
    expect: dict[str, Any]
    more: list[str | None] = field(default_factory=lambda: [None])  # at each "Er der andet?": say this / hang up
    rating: str | None = None
    at: str | None = None
    first_gap_s: float = 0.8  # after the end of the greeting; negative: barge in
    accepts_person: bool = True  # says yes when the bot offers a person


Action = tuple[float, str, str]  # (at_s, "say" | "dtmf", text or digit)


def label(plan: Dialplan, intent: str) -> str:
    return (plan.rule(intent).label or TOPIC_LABELS.get(intent, intent)).lower()


def reaction(caller: Caller, plan: Dialplan, heard: str, tries: dict[str, int]) -> tuple[str, str] | None:
    """What the caller does after hearing `heard` (the bot's reply, lower case); None: hang up."""
    if "vil du bedømme" in heard or "hvor tilfreds" in heard:
        return ("dtmf", caller.rating) if caller.rating else None
    if "stiller dig om" in heard or "farvel" in heard or "tak for opkaldet" in heard:
        return None
    more = tries.get("more", 0)
    closing = more > 0 and (caller.more[more - 1] or "").startswith("Nej")
    if closing and ("forstod jeg" in heard or "du kan også trykke" in heard):
        return None  # it said goodbye and was not understood: it hangs up
    if "vil du ringes op" in heard:
        return "say", "Nej tak."
    if "skal jeg stille dig videre" in heard:
        return "say", "Ja, meget gerne." if caller.accepts_person else "Nej tak."
    if m := _CONFIRM.search(heard):
        wanted = caller.goal not in (None, "medarbejder") and m.group(1).strip() == label(plan, caller.goal or "")
        return "say", "Ja, meget gerne." if wanted else "Nej."
    if "du kan også trykke" in heard:
        if caller.goal == "medarbejder":
            return "dtmf", "0"
        for key, name in _MENU_KEY.findall(heard):
            if caller.goal and name.strip() == label(plan, caller.goal):
                return "dtmf", key
        return rephrase(caller, tries)
    if "er der andet" in heard:
        i = tries.setdefault("more", 0)
        tries["more"], tries["say"] = i + 1, 1
        nxt = caller.more[i] if i < len(caller.more) else None
        return ("say", nxt) if nxt else None
    if "forstod jeg" in heard or "hvad kan jeg så hjælpe" in heard or "hørte ikke" in heard:
        return rephrase(caller, tries)
    return None


def rephrase(caller: Caller, tries: dict[str, int]) -> tuple[str, str] | None:
    """The current request in other words (after "Er der andet?": that request, once more)."""
    more = tries.get("more", 0)
    request = caller.says if more == 0 else [caller.more[more - 1] or ""]
    if not request[0] or request[0].startswith("Nej"):  # it was saying goodbye: it hangs up
        return None
    i = tries.setdefault("say", 1)
    if i >= len(request) + 1:  # said it every way it knows, and once more the first way
        return None
    tries["say"] = i + 1
    return "say", request[i % len(request)]


def render(actions: list[Action], voice: Any, rate: int, tail_s: float = 1.0) -> tuple[np.ndarray, list[Action]]:
    """The caller's audio for `actions` (times are where speech starts), and the DTMF presses."""
    pieces, presses, end = [], [], 0.0
    for t, kind, value in actions:
        if kind == "say":
            pcm = voice(value, rate)
            pieces.append((t, pcm))
            end = max(end, t + len(pcm) / rate)
        else:
            presses.append((t, kind, value))
            end = max(end, t + 0.2)
    out = np.zeros(int((end + tail_s) * rate), np.int16)
    for t, pcm in pieces:
        i = round(t * rate)
        out[i : i + len(pcm)] = pcm[: len(out) - i]
    return out, presses


def action_end(action: Action, voice: Any, rate: int) -> float:
    t, kind, value = action
    return t + (len(voice(value, rate)) / rate if kind == "say" else 0.2)


def simulate(
    caller: Caller, plan: Dialplan, services: Any, voice: Any, rate: int, greeting_s: float
) -> tuple[np.ndarray, list[Action]]:
    """Build the call one action at a time, replaying the prefix to hear what the bot says."""
    started = datetime.fromisoformat(caller.at) if caller.at else None
    actions: list[Action] = [(max(0.5, greeting_s + caller.first_gap_s), "say", caller.says[0])]
    tries: dict[str, int] = {}
    for _ in range(MAX_ACTIONS):
        pcm, presses = render(actions, voice, rate)
        dtmf = [(t, v) for t, _, v in presses]
        res = asyncio.run(
            replay_call(CallAudio(pcm, rate), services=services, plan=plan, started_at=started, dtmf=dtmf,
                        call_id=f"gen-{caller.name}", timing=ComputeTiming())
        )  # fmt: skip
        rec = res.record
        if rec.outcome == "transferred" or rec.end_reason == "bot_hangup":
            break
        last_start = actions[-1][0]
        reply = [t for t in rec.turns if t.speaker == "bot" and t.start_s >= last_start]
        if not reply:
            break
        nxt = reaction(caller, plan, " ".join(t.text for t in reply).lower(), tries)
        if nxt is None:
            break
        at = max(reply[-1].end_s, action_end(actions[-1], voice, rate)) + REACT_S
        actions.append((round(at, 2), *nxt))
    return render(actions, voice, rate)
