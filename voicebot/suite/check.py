"""Compare a call record (its `to_dict()` form) with the expectation. Pure: no I/O."""

from __future__ import annotations

from typing import Any

from voicebot.suite.schema import Expect

NONE = "(none)"
ANSWER_INTENTS = ("ja", "nej", "afslut", "gentag")  # replies to the bot, not requests


def bot_text(record: dict[str, Any]) -> str:
    return " ".join(t["text"] for t in record.get("turns", []) if t.get("speaker") == "bot")


def transfer_reason(record: dict[str, Any]) -> str | None:
    transfer = record.get("transfer") or {}
    return transfer.get("reason")


def check(expect: Expect, record: dict[str, Any]) -> list[str]:
    """One line per unmet expectation; empty when the call passed."""
    fails: list[str] = []
    got = list(record.get("intents", []))
    if expect.intents is not None and got != expect.intents:
        fails.append(f"intents: expected {expect.intents}, got {got}")
    if expect.intents_any:
        missing = [i for i in expect.intents_any if i not in got]
        if missing:
            fails.append(f"intents_any: {missing} not recognised; got {got}")
    outcome = record.get("outcome")
    if expect.outcome is not None and outcome != expect.outcome:
        fails.append(f"outcome: expected {expect.outcome}, got {outcome}")
    reason = transfer_reason(record)
    if expect.transfer_reason is not None and reason != expect.transfer_reason:
        fails.append(f"transfer_reason: expected {expect.transfer_reason}, got {reason}")
    gaps = record.get("response_gaps_ms") or []
    if expect.max_response_gap_ms is not None and gaps and max(gaps) > expect.max_response_gap_ms:
        fails.append(f"response gap: {max(gaps):.0f} ms > max {expect.max_response_gap_ms:.0f} ms")
    said = bot_text(record).lower()
    for s in expect.say_contains:
        if s.lower() not in said:
            fails.append(f"say_contains: the bot never said {s!r}")
    for s in expect.say_not_contains:
        if s.lower() in said:
            fails.append(f"say_not_contains: the bot said {s!r}")
    for key, want in expect.record.items():
        have = record.get(key)
        if have != want:
            fails.append(f"record.{key}: expected {want!r}, got {have!r}")
    return fails


def intent_pairs(expect: Expect, record: dict[str, Any]) -> list[tuple[str, str]]:
    """(expected, got) pairs for the accuracy figure and the confusion table.

    `intents` pairs position by position; `intents_any` counts an intent as right when it
    appears anywhere, else pairs it with the first recognised intent that was not expected;
    `topic` pairs with the first recognised request (ja/nej/afslut/gentag are answers, skipped).
    """
    got = list(record.get("intents", []))
    pairs: list[tuple[str, str]] = []
    if expect.intents is not None:
        for i, want in enumerate(expect.intents):
            pairs.append((want, got[i] if i < len(got) else NONE))
        for extra in got[len(expect.intents) :]:
            pairs.append((NONE, extra))
    elif expect.intents_any:
        stray = [g for g in got if g not in expect.intents_any]
        for want in expect.intents_any:
            pairs.append((want, want if want in got else (stray[0] if stray else NONE)))
    elif expect.topic:  # the first request's intent, answers to the bot's questions left out
        asked = [g for g in got if g not in ANSWER_INTENTS]
        pairs.append((expect.topic, asked[0] if asked else NONE))
    return pairs
