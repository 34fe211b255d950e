"""[review] day and time, and the day of a week the review goes out on (bot/jobs/review.py)."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

from bot.jobs.review import review_day
from bot.review_rules import ReviewRules
from bot.settings import Settings
from tests.test_config import check_config, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dealbot.toml"
    path.write_text(text)
    return path


def test_review_defaults_to_monday_at_the_digest_time(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")).settings().review == ReviewRules(weekday=0, at=None)


def test_review_day_and_time_are_read(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[review]\nday = "Tuesday"\ntime = "08:30"'))
    assert config.settings().review == ReviewRules(weekday=1, at=time(8, 30))


def test_review_day_and_time_are_checked(tmp_path: Path) -> None:
    problems = check_config(write(tmp_path, '[review]\nday = "funday"\ntime = "8am"'), {})
    assert any(p.startswith("review.day: must be a day of the week") for p in problems)
    assert "review.time: must be a time \"HH:MM\" (24-hour clock), not '8am'" in problems


def test_the_review_moves_off_a_holiday_within_its_week() -> None:
    us = Settings(timezone="America/New_York").calendar_for("America/New_York")
    # Jan 18, 2027: Martin Luther King Jr. Day → Tuesday; an ordinary Monday stays
    assert review_day(us, date(2027, 1, 19), 0) == date(2027, 1, 19)
    assert review_day(us, date(2027, 1, 18), 0) == date(2027, 1, 19)
    assert review_day(us, date(2027, 1, 25), 0) == date(2027, 1, 25)
    # a Friday review day: that Friday, whatever day of the week asks
    assert review_day(us, date(2027, 1, 25), 4) == date(2027, 1, 29)
    cn = Settings(timezone="Asia/Shanghai").calendar_for("Asia/Shanghai")
    # the Spring Festival of 2027 (Feb 5–10 off): Thursday Feb 11
    assert review_day(cn, date(2027, 2, 8), 0) == date(2027, 2, 11)
    # a Saturday review day falls on the weekend, and nothing of that week is left after it
    assert review_day(cn, date(2027, 2, 8), 5) is None
