"""Real speech-recognition output as training data: what Whisper made of our own training phrases.

voicebot/intent/data/asr_augmented.jsonl is made by bench/make_asr_augmentation.py (espeak-ng Danish →
the call front end → the project's Whisper with the dialplan prompt). Its first line is a {"meta": ...}
record; every other line has "text" (the transcript), "intent" and "source" (the phrase spoken).

Many transcripts share nothing with what was said ("Min søn han åbås i tørstepest."); `informative`
tells those apart (a shared content word, exactly, by sound or nearly by spelling). The bench reports
the informative subset separately. Training uses every non-empty transcript (see training_transcripts),
and calibration weighs each phrase's transcripts together as one phrase, so they cannot swamp it.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from voicebot.errors import ConfigError
from voicebot.intent.features import STOPWORDS
from voicebot.intent.normalize import clean, phonetic, to_ascii

ASR_FILE = "asr_augmented.jsonl"  # in the intent data folder
MIN_RATIO = 75.0  # a transcript word this close (rapidfuzz ratio, ASCII spelling) to a phrase word counts


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    intent: str
    source: str


def load_transcripts(path: Path) -> list[Transcript]:
    """All transcripts of a file made by bench/make_asr_augmentation.py; no file → none."""
    if not path.is_file():
        return []
    out = []
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if "meta" in row:
                continue
            out.append(Transcript(str(row["text"]), str(row["intent"]), str(row["source"])))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: bad ASR transcript file: {exc}") from exc
    return out


def _content(text: str) -> list[str]:
    """Content words in ASCII spelling, plus each pair of neighbours joined ('køre kortet' → 'koerekortet')."""
    words = [to_ascii(w) for w in clean(text).split() if w not in STOPWORDS]
    return [w for w in words if len(w) >= 3] + [a + b for a, b in itertools.pairwise(words)]


def informative(text: str, source: str) -> bool:
    """True when the transcript shares a content word with the phrase that was spoken (exactly, by sound
    key, or by spelling within MIN_RATIO), also across a wrong split or join of two words."""
    said = _content(source)
    for h in _content(text):
        for s in said:
            if h == s or phonetic(h) == phonetic(s) or fuzz.ratio(h, s) >= MIN_RATIO:
                return True
    return False


def training_transcripts(path: Path, sources: set[str] | None = None) -> list[tuple[str, str]]:
    """(transcript, intent) pairs to train on: every non-empty one, of phrases in `sources` if given.

    Not only the `informative` ones: measured on the held-out split through ASR (bench/intents.py),
    training on all transcripts gave 45% accuracy against 33% for the informative ones only (30%
    without any), at the same held-out text accuracy; Whisper's garbles are systematic ("pas" →
    "pæs", "pers"), so even a transcript that shares no spelling with its phrase teaches something.
    """
    return [
        (t.text, t.intent)
        for t in load_transcripts(path)
        if (sources is None or t.source in sources) and clean(t.text)
    ]
