"""The one hard rule of the intent engine: an unambiguous request for a human is always honoured.

Citizens must always be able to reach a person. The statistical model can be talked out of that
(a word that speech recognition copies into unrelated transcripts becomes weak evidence), so a
request spelled out in the text — a verb of asking/speaking followed closely by a word for a human,
or the bare word the bot tells callers to say ("sig medarbejder") — wins with high confidence.
The pattern is deliberately narrow ("jeg har talt med en medarbejder om mit pas" does not match);
bench/intents.py measures its false transfers on held-out transcripts.
"""

from __future__ import annotations

import re

HUMAN_INTENT = "medarbejder"
HUMAN_RULE_CONFIDENCE = 0.95

_HUMAN = r"(medarbejder\w*|menneske\w*|person|sagsbehandler\w*|rigtig\w* (menneske\w*|person))"
# the text is cleaned and ASCII-folded first (æ→ae, ø→oe, å→aa)
_REQUEST = re.compile(
    r"\b(tale|snakke|snak|faa|stil\w* mig (om|videre)|viderestil\w*|komme igennem)\b"
    r"(\s+\w+){0,3}?\s+(med|til)?\s*(en|et|din|jeres)?\s*" + _HUMAN + r"\b"
)
_BARE = re.compile(r"^((ja|jo|en|jeg vil|gerne|tak|venligst)\s+){0,3}" + _HUMAN + r"(\s+(tak|please|venligst))?$")


def asks_for_human(folded: str) -> bool:
    """True when cleaned, ASCII-folded text plainly asks to be put through to a person."""
    return _REQUEST.search(folded) is not None or _BARE.match(folded.strip()) is not None
