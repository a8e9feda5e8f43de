"""What the dialog says to small talk and out-of-scope questions (greeting, other language, pointer).

The intent engine recognises them (voicebot/intent/scope.py) and brings the knowledge base's line
as the answer; this module adds the plan's own follow-on question, so every channel says the same.
"""

from __future__ import annotations

from voicebot.dialog.plan import Dialplan, Message
from voicebot.intent.base import FOREIGN, GREETING, POINTER

_FALLBACK = {
    GREETING: "Hej.",
    FOREIGN: "Denne linje er på dansk. This line is in Danish. Sig medarbejder eller tryk 0 for at tale med en person.",
}


def scope_messages(intent: str, answer: str | None, plan: Dialplan) -> list[Message]:
    """A greeting gets a greeting and the question again; a pointer is followed by "anything else?"."""
    if intent == POINTER:
        if not answer:
            return [plan.messages.no_match]
        return [Message(text=answer), plan.messages.anything_else]
    text = answer or _FALLBACK.get(intent, "")
    if intent == GREETING:
        return [Message(text=text), plan.messages.ask_again]
    return [Message(text=text)]
