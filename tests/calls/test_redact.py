"""CPR redaction: written and spoken forms are masked; prices, phone numbers and dates are not."""

from __future__ import annotations

import logging

import pytest

from voicebot.privacy.redact import RedactingFilter, redact

REDACTED = [
    ("mit cpr er 120385-1234", "mit cpr er [CPR]"),
    ("1203851234", "[CPR]"),
    ("cpr: 120385 1234.", "cpr: [CPR]."),
    ("310199-4321 er mit nummer", "[CPR] er mit nummer"),
    ("personnummer 0101001234, tak", "personnummer [CPR], tak"),
    ("en to nul tre otte fem en to tre fire", "[CPR]"),
    ("Mit CPR-nummer er en to nul tre otte fem en to tre fire.", "Mit CPR-nummer er [CPR]."),
    ("nul et nul et nul nul et to tre fire", "[CPR]"),
    ("tolv nul tre femogfirs tolv fireogtredive", "[CPR]"),
    ("tolv nul tre otte fem bindestreg en to tre fire", "[CPR]"),
    ("1 2 0 3 8 5 1 2 3 4", "[CPR]"),
    ("12 03 85 12 34", "[CPR]"),
    ("120385 - 1234", "[CPR]"),
    ("Tolv, nul tre, firs, tolv, fireogtredive", "[CPR]"),
    ("ti nul to nioghalvfems femten tyve", "[CPR]"),
    ("to cpr: 120385-1234 og 010203-4444", "to cpr: [CPR] og [CPR]"),
    ("femogtyve tolv nul nul fire tre to en", "[CPR]"),
    ("mit nummer er 3112991234 ja", "mit nummer er [CPR] ja"),
]  # fmt: skip

KEPT = [
    "Et pas koster 891 kroner",
    "det koster 1.234,50 kr",
    "ring på 12 34 56 78",
    "mit telefonnummer er 87803333",
    "+45 87 80 33 33",
    "+4587803333",
    "den 12-03-1985",
    "født 12.03.1985",
    "mødet er 24/11 2026 kl. 10.15",
    "sagsnummer 2026-123456",
    "kontonummer 1234 5678901234",
    "jeg er tolv år og har to brødre",
    "et to tre fire fem seks syv otte",
    "toogtredive nul tre otte fem en to tre fire",
    "3213851234",
    "1213851234",
    "postnummer 8300 Odder",
    "en to tre",
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), REDACTED)
def test_cpr_is_redacted(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_near_misses_are_kept(text):
    assert redact(text) == text


def test_table_is_large_enough():
    assert len(REDACTED) + len(KEPT) >= 30


def test_log_filter_redacts_messages_and_arguments(caplog):
    log = logging.getLogger("voicebot.test.redact")
    log.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="voicebot.test.redact"):
        log.info("caller said %s", "120385-1234")
        log.info("plain 1203851234")
    assert [r.getMessage() for r in caplog.records] == ["caller said [CPR]", "plain [CPR]"]
