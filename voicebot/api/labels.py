"""Danish words for what the console shows (intents, outcomes, transfer reasons, weekdays)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Copenhagen")

INTENTS = {
    "pas": "Pas", "koerekort": "Kørekort", "flytning": "Flytning", "laegeskift": "Skift af læge",
    "sundhedskort": "Sundhedskort", "mitid": "MitID", "digital_post": "Digital Post",
    "tidsbestilling": "Tidsbestilling", "aabningstider": "Åbningstider", "kontakt_adresse": "Adresse og telefon",
    "rotter": "Rotter", "pladsanvisning": "Pladsanvisning", "sagsstatus": "Sagsstatus", "fuldmagt": "Fuldmagt",
    "medarbejder": "Ønsker en medarbejder", "gentag": "Gentag", "ja": "Ja", "nej": "Nej", "afslut": "Afslut",
    "ukendt": "Ukendt",
}  # fmt: skip
OUTCOMES = {"contained": "Afklaret", "transferred": "Viderestillet", "abandoned": "Afbrudt", "error": "Fejl"}
REASONS = {
    "low_confidence": "Usikker genkendelse", "caller_request": "Borgeren bad om en medarbejder",
    "no_match_limit": "Ikke forstået flere gange", "no_input_limit": "Intet svar flere gange",
    "closed_hours": "Uden for åbningstid", "intent_rule": "Emnet kræver en medarbejder", "technical": "Teknisk fejl",
}  # fmt: skip
SPEAKERS = {"caller": "Borger", "bot": "Voicebot"}
WEEKDAYS = ("man", "tir", "ons", "tor", "fre", "lør", "søn")
CHANNELS = {"sip": "Telefon", "webrtc": "Browser", "replay": "Afspillet"}


def intent(name: str | None) -> str:
    return INTENTS.get(name or "", name or "–")


def outcome(name: str | None) -> str:
    return OUTCOMES.get(name or "", name or "–")


def reason(name: str | None) -> str:
    return REASONS.get(name or "", name or "–")


def local_time(iso: str | None) -> str:
    """An ISO time as Danish local time, "24.11.2026 10:15"."""
    if not iso:
        return "–"
    try:
        return datetime.fromisoformat(iso).astimezone(LOCAL).strftime("%d.%m.%Y %H:%M")
    except ValueError:
        return iso
