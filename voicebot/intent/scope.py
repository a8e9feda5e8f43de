"""Small talk and scope: greetings, questions in another language, and questions for another authority.

Rules on cleaned, ASCII-folded text, run before the statistical model, because a model trained on
municipal topics only guesses at these ("hej" came out as goodbye, an English question as "repeat"):
- `greeting`: the turn is only a greeting ("hej", "goddag", "godmorgen med dig") → a greeting back
  and the question again. A greeting in front of a question is stripped and the rest classified.
- `foreign`: mostly English function words and no Danish ones → a short Danish and English reply.
- `pointer`: a topic another authority answers (skat, affald, politi, sundhed), named without any
  municipal topic of our own → the pointer from the knowledge base.

`names_topic` finds a municipal topic the sentence names itself ("mit pas", "affald"); the engine
uses it so that context helps only follow-ups, and a sentence with a topic of its own wins.
"""

from __future__ import annotations

import re

from voicebot.intent.base import FOREIGN, GREETING, POINTER, SCOPE_INTENTS

__all__ = ["FOREIGN", "GREETING", "POINTER", "SCOPE_INTENTS", "is_foreign", "is_greeting", "names_topic", "pointer_for"]
RULE_CONFIDENCE = 0.9

_GREET = r"(hej|hejsa|hejhej|hallo|halloej|haloej|davs|dav|goddag|god dag|godmorgen|god morgen|" \
    r"godeftermiddag|god eftermiddag|godaften|god aften|hello|hi)"  # fmt: skip
_GREETING_ONLY = re.compile(rf"^({_GREET}\s*)+(med dig|der|du|allesammen|igen)?$")
_GREETING_HEAD = re.compile(rf"^({_GREET}\s+)+(der\s+|med dig\s+)?(?=\w)")

_EN = {
    "how", "do", "i", "the", "a", "my", "get", "new", "what", "is", "can", "you", "where", "please", "does",
    "it", "cost", "to", "need", "want", "speak", "english", "hello", "passport", "driving", "licence", "license",
    "when", "are", "open", "your", "help", "me", "doctor", "change", "move", "of", "for", "and", "much", "who",
}  # fmt: skip
_DA = {
    "jeg", "hvordan", "hvad", "hvor", "er", "det", "min", "mit", "et", "en", "og", "at", "til", "har", "skal",
    "kan", "vil", "nyt", "ny", "koster", "med", "om", "paa", "ikke", "hvornaar", "du", "af", "man",
}  # fmt: skip
_EN_CUES = re.compile(r"\b(english|engelsk|speak|passport|how do i|what is|can you|do you)\b")

# out-of-scope topics (ASCII-folded stems) → the knowledge base's pointer name
_POINTERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("skat", re.compile(r"\b(skat\w*|forskudsopgoerelse\w*|aarsopgoerelse\w*|restskat\w*|fradrag\w*|"
                        r"skattekort\w*|topskat|moms\w*)\b")),
    ("affald", re.compile(r"\b(affald\w*|skrald\w*|storskrald\w*|renovation\w*|genbrug\w*|skraldespand\w*|"
                          r"toemning\w*|toemt|affaldsordning\w*|papirbeholder\w*|containerplads\w*)\b")),
    ("politi", re.compile(r"\b(politi\w*|indbrud\w*|tyveri\w*|faerdselsuheld\w*|anmelde et tyveri)\b")),
    ("sundhed", re.compile(r"\b(laegevagt\w*|skadestue\w*|akut\w*|ondt|syg|sygdom\w*|medicin\w*|feber|"
                           r"1813|hospital\w*|sygehus\w*|vaccin\w*)\b")),
)  # fmt: skip

# words that name one of our own topics (ASCII-folded); a sentence naming one is not a follow-up
_TOPIC_WORDS: dict[str, re.Pattern[str]] = {
    "pas": re.compile(r"\b(pas|passet|paset|rejsepas\w*|pasfoto\w*|pasansoegning\w*|passport)\b"),
    "koerekort": re.compile(r"\b(koerekort\w*|korekort\w*|kørekort\w*|duplikatkoerekort\w*|driving)\b"),
    "flytning": re.compile(r"\b(flyt\w*|adresseaendring\w*|ny adresse)\b"),
    "laegeskift": re.compile(r"\b(laege|laegen|laeger|lægen|laegeskift\w*|skifte laege|ny laege|doctor)\b"),
    "sundhedskort": re.compile(r"\b(sundhedskort\w*|sygesikring\w*|sygesikringsbevis\w*|det gule kort)\b"),
    "mitid": re.compile(r"\b(mitid\w*|nemid\w*|adgangskode\w*|kodeviser\w*|bruger ?id)\b"),
    "digital_post": re.compile(r"\b(digital post|digitalpost|eboks|e boks|post paa papir|fritag\w*)\b"),
    "rotter": re.compile(r"\b(rotte\w*|rotter)\b"),
    "pladsanvisning": re.compile(r"\b(vuggestue\w*|boernehave\w*|dagpleje\w*|pasningsplads\w*|dagtilbud\w*|"
                                 r"pladsanvisning\w*|venteliste\w*)\b"),
    "fuldmagt": re.compile(r"\b(fuldmagt\w*)\b"),
    "sagsstatus": re.compile(r"\b(min sag|sagsnummer\w*|sagsbehandl\w*)\b"),
    "aabningstider": re.compile(r"\b(aabent|aabningstid\w*|lukket|lukker|lukkedag\w*)\b"),
}  # fmt: skip


def is_greeting(folded: str) -> bool:
    return _GREETING_ONLY.match(folded.strip()) is not None


def strip_greeting(folded: str) -> str:
    """'hej jeg skal have nyt pas' → 'jeg skal have nyt pas'; a bare greeting is left as it is."""
    rest = _GREETING_HEAD.sub("", folded.strip(), count=1)
    return rest if rest and not is_greeting(folded) else folded


def is_foreign(folded: str) -> bool:
    """Mostly English: at least two English function words, more than Danish ones, or a clear cue."""
    words = folded.split()
    if len(words) < 2:
        return False
    en = sum(w in _EN for w in words)
    da = sum(w in _DA for w in words)
    if da > en:
        return False
    return (en >= 3 and en >= 0.6 * len(words)) or (en >= 2 and _EN_CUES.search(folded) is not None)


def names_topic(folded: str) -> str | None:
    """The municipal topic the sentence names in its own words, if exactly one stands out."""
    found = [t for t, pat in _TOPIC_WORDS.items() if pat.search(folded)]
    return found[0] if len(found) == 1 else (found[0] if found and found[0] != "aabningstider" else None)


def pointer_for(folded: str) -> str | None:
    """The other authority a question belongs to, when it names no municipal topic of ours."""
    for name, pat in _POINTERS:
        if pat.search(folded):
            own = [t for t, p in _TOPIC_WORDS.items() if p.search(folded) and t != "aabningstider"]
            return None if own else name
    return None
