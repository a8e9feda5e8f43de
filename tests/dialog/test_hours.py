"""Opening hours: weekdays, Danish public holidays (moving feasts too) and the kommune's own closing days."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from voicebot.dialog.hours import describe_week, open_state
from voicebot.dialog.plan import Hours

CPH = ZoneInfo("Europe/Copenhagen")

HOURS = Hours.model_validate(
    {
        "weekly": {
            "mon": "08:00-15:00", "tue": "08:00-15:00", "wed": "08:00-15:00",
            "thu": ["08:00-12:00", "13:00-17:30"], "fri": "08:00-13:00", "sat": "closed", "sun": None,
        },
        "closing_days": ["grundlovsdag", "Juleaften", "nytårsaftensdag", "fredag efter Kristi himmelfartsdag",
                         "2026-07-20..2026-07-24", {"date": "2026-10-02", "name": "personaledag"}],
    }
)  # fmt: skip


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CPH)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-03-10 09:00", "open"),  # an ordinary Tuesday
        ("2026-03-10 07:59", "closed: uden for åbningstid"),
        ("2026-03-10 15:00", "closed: uden for åbningstid"),  # the end is exclusive
        ("2026-03-12 12:30", "closed: uden for åbningstid"),  # Thursday lunch gap
        ("2026-03-12 17:29", "open"),
        ("2026-03-14 10:00", "closed: lukket om lørdagen"),
        # påske 2026: Easter Sunday is 5 April
        ("2026-04-02 10:00", "closed: Skærtorsdag"),
        ("2026-04-03 10:00", "closed: Langfredag"),
        ("2026-04-06 10:00", "closed: Anden påskedag"),
        ("2026-04-07 10:00", "open"),  # the Tuesday after Easter
        # påske 2025 falls in April too, but on other dates
        ("2025-04-17 10:00", "closed: Skærtorsdag"),
        ("2025-04-21 10:00", "closed: Anden påskedag"),
        # Kristi himmelfartsdag (Easter + 39) and the kommune's closing Friday after it
        ("2026-05-14 10:00", "closed: Kristi himmelfartsdag"),
        ("2026-05-15 10:00", "closed: Fredag efter Kristi himmelfartsdag"),
        ("2025-05-29 10:00", "closed: Kristi himmelfartsdag"),
        ("2025-05-30 10:00", "closed: Fredag efter Kristi himmelfartsdag"),
        # pinse: Whit Monday is a holiday, the Tuesday after is not
        ("2026-05-25 10:00", "closed: Anden pinsedag"),
        ("2026-05-26 10:00", "open"),
        # store bededag was abolished as a public holiday from 2024
        ("2024-04-26 10:00", "open"),
        # the kommune's own closing days
        ("2026-06-05 10:00", "closed: Grundlovsdag"),
        ("2026-12-24 10:00", "closed: Juleaften"),
        ("2026-12-31 10:00", "closed: Nytårsaftensdag"),
        ("2026-12-25 10:00", "closed: Juledag"),
        ("2026-12-28 10:00", "open"),  # between the holidays
        ("2026-07-22 10:00", "closed: lukkedag"),  # inside a date range
        ("2026-07-27 10:00", "open"),
        ("2026-10-02 10:00", "closed: personaledag"),
    ],
)
def test_open_state(moment: str, expected: str) -> None:
    assert open_state(HOURS, at(moment)).describe() == expected


def test_other_time_zones_are_converted_to_the_plans() -> None:
    # 07:30 UTC on 10 March is 08:30 in Copenhagen (CET): open; 13:30 UTC is 14:30: open; 14:30 UTC: closed
    assert open_state(HOURS, datetime(2026, 3, 10, 7, 30, tzinfo=UTC)).open
    assert not open_state(HOURS, datetime(2026, 3, 10, 14, 30, tzinfo=UTC)).open
    # summer time: 06:30 UTC on 9 June is 08:30 CEST
    assert open_state(HOURS, datetime(2026, 6, 9, 6, 30, tzinfo=UTC)).open


def test_a_holiday_late_at_night_is_judged_on_the_local_date() -> None:
    # 22:30 UTC on 13 May 2026 is 00:30 on Kristi himmelfartsdag in Copenhagen
    state = open_state(HOURS, datetime(2026, 5, 13, 22, 30, tzinfo=UTC))
    assert state.reason == "Kristi himmelfartsdag"


def test_public_holidays_can_be_switched_off() -> None:
    hours = Hours.model_validate({"weekly": {"thu": "08:00-15:00"}, "public_holidays": False})
    assert open_state(hours, at("2026-05-14 10:00")).open


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        open_state(HOURS, datetime(2026, 3, 10, 10, 0))


def test_no_hours_means_always_open() -> None:
    assert open_state(None, at("2026-12-24 03:00")).open


def test_the_week_is_described_in_speakable_danish() -> None:
    assert describe_week(HOURS) == (
        "mandag til onsdag fra 8 til 15, torsdag fra 8 til 12 og fra 13 til 17.30 og fredag fra 8 til 13"
    )
