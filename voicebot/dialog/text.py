"""What the dialog says, built from a plan's messages: labels, placeholders, merging into `Say`s."""

from __future__ import annotations

import re

from voicebot.dialog.plan import Message

# how a topic is named in "Vil du høre om {topic}?"
TOPIC_LABELS = {
    "pas": "pas", "koerekort": "kørekort", "flytning": "flytning", "laegeskift": "skift af læge",
    "sundhedskort": "sundhedskort", "mitid": "MitID", "digital_post": "Digital Post",
    "tidsbestilling": "tidsbestilling", "aabningstider": "åbningstider", "kontakt_adresse": "kontakt og adresse",
    "rotter": "rotter", "pladsanvisning": "pasningsplads", "sagsstatus": "status på din sag", "fuldmagt": "fuldmagt",
}  # fmt: skip

_SURVEY_WORDS = {"1": 1, "en": 1, "et": 1, "én": 1, "ét": 1, "2": 2, "to": 2, "3": 3, "tre": 3}


class _Keep(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str, values: dict[str, str]) -> str:
    """`str.format` that leaves unknown placeholders as they are."""
    try:
        return text.format_map(_Keep(values))
    except (ValueError, IndexError):
        return text


def render(message: Message | str, values: dict[str, str]) -> Message:
    m = Message(text=message) if isinstance(message, str) else message
    return Message(text=fill(m.text, values), prompt=m.prompt)


def merge(messages: list[Message]) -> list[Message]:
    """Join neighbouring text-only messages into one, so TTS speaks them as one reply."""
    out: list[Message] = []
    for m in messages:
        if out and out[-1].prompt is None and m.prompt is None:
            out[-1] = Message(text=f"{out[-1].text} {m.text}")
        else:
            out.append(m)
    return out


def survey_score(text: str) -> int | None:
    for word in re.findall(r"\w+", text.lower()):
        if word in _SURVEY_WORDS:
            return _SURVEY_WORDS[word]
    return None


def match_option(text: str, options: dict[str, str]) -> str | None:
    """The followup option whose word (or one of `a|b|c`) occurs in the caller's text."""
    words = " " + " ".join(re.findall(r"\w+", text.lower())) + " "
    for key, answer in options.items():
        if any(f" {alt.strip().lower()}" in words for alt in key.split("|") if alt.strip()):
            return answer
    return None


def static_messages(plan: object) -> list[tuple[str, Message]]:
    """Every fixed thing a plan can say, as (dotted field path, Message), for pre-rendering prompts.

    Includes schema defaults the file leaves out; `static_messages(Dialplan())` lists the defaults.
    Texts with placeholders ({hours}, {topic}) are filled per call and left out."""
    from voicebot.dialog.checks import walk
    from voicebot.dialog.plan import IntentRule

    out: list[tuple[str, Message]] = []
    for loc, value in walk(plan):
        where = ".".join(str(p) for p in loc)
        if isinstance(value, Message) and "{" not in value.text:
            out.append((where, value))
        elif isinstance(value, IntentRule):
            for text in [value.text, value.question, *value.options.values()]:
                if text and "{" not in text:
                    out.append((where, Message(text=text, prompt=value.prompt if text == value.text else None)))
    return out
