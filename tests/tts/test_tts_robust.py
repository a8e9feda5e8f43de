"""Whatever text arrives (answers, chat input, typos), read-out and chunking never crash."""

import random

import pytest

from voicebot.tts.base import split_sentences
from voicebot.tts.normalize_da import normalize

ALPHABET = "0123456789 .,:;-–/+%#*&§@kKlLrRdDeEnNæøåÆØÅ\n\t\x00\x07😀👍🏽\u200d\ufe0fé"
TOKENS = ["kl.", "kr.", "10-15", "24/12", "70 20 12 12", "MitID", "f.eks.", "1.", "2,5", "borger.dk", "den", "mandag"]


def random_texts(n: int, seed: int = 6) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        parts = [
            rng.choice(TOKENS) if rng.random() < 0.4 else "".join(rng.choices(ALPHABET, k=rng.randint(1, 8)))
            for _ in range(rng.randint(1, 12))
        ]
        texts.append(" ".join(parts))
    return texts


@pytest.mark.parametrize(
    "text",
    ["kl. 24.30", "kl. 25.99", "31/02", "99/99", "0/0", "00 00 00 00", "0 kr.", "kr. 0,00", "1.000.000.000.000 kr.",
     "9" * 40, "-", "--5", "1.", "12345678901234567890", "24.12.0000", ". . .", "kr.kr.kr.", "den den 1/1"],
)  # fmt: skip
def test_edge_cases_give_text(text: str) -> None:
    out = normalize(text)
    assert isinstance(out, str)
    assert not any(ch.isdigit() for ch in out), out


def test_random_text_never_crashes_and_never_leaves_digits() -> None:
    for text in random_texts(400):
        out = normalize(text)
        assert not any(ch.isdigit() for ch in out), (text, out)
        chunks = split_sentences(text)
        assert all(c.strip() for c in chunks)
