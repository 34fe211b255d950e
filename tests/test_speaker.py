"""bot/speaker.py: a person's zone and language are theirs, else the tenant's; money the tenant's."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.i18n import Words
from bot.speaker import Speaker, speaker, words_for
from storage.models import Person, Tenant

TENANT = Tenant(locale="zh_CN", timezone="Asia/Shanghai", currency="CNY")


def test_a_persons_own_zone_and_language_win_the_currency_is_the_tenants() -> None:
    traveller = Person(timezone="Europe/Berlin", locale="en")
    assert speaker(traveller, TENANT) == Speaker(zone="Europe/Berlin", locale="en", currency="CNY")


def test_without_their_own_a_person_has_the_tenants() -> None:
    assert speaker(Person(), TENANT) == Speaker(
        zone="Asia/Shanghai", locale="zh_CN", currency="CNY"
    )


def test_words_for_speak_in_the_persons_language_and_zone() -> None:
    words = Words()
    now = datetime(2026, 12, 1, 1, tzinfo=UTC)
    en = words_for(words, Person(locale="en"), TENANT, "jobs.done_button", now=now)
    zh = words_for(words, Person(), TENANT, "jobs.done_button", now=now)
    assert en == words("en", "jobs.done_button", tz="Asia/Shanghai", now=now)
    assert zh == words("zh_CN", "jobs.done_button", tz="Asia/Shanghai", now=now)
    assert en != zh
