"""Every sentence a person reads comes from messages/<locale>/<module>.j2 macros."""

from __future__ import annotations

import functools
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from bot import mentions
from bot.parse.amounts import format_amount

LOCALES = ("en", "zh_CN")
MESSAGES = Path(__file__).resolve().parent.parent / "messages"


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def spoken_locale(text: str | None) -> str | None:
    """The language a message is written in: a command's own word decides (`/log 华为 …` is
    English, `/记录 Acme …` Chinese); free text goes by its script."""
    words = (text or "").split()
    if words and words[0].lstrip("/／").casefold() == "dealbot":
        words = words[1:]
    if words and words[0][:1] in "/／":
        return "zh_CN" if _has_cjk(words[0]) else "en"
    if text and _has_cjk(text):
        return "zh_CN"
    if text and any(ch.isascii() and ch.isalpha() for ch in text):
        return "en"
    return None


def pick_locale(known: str | None, text: str | None, default: str) -> str:
    """Answer in the language just written, else the person's, else the tenant's."""
    for locale in (spoken_locale(text), known, default):
        if locale in LOCALES:
            return locale
    return "en"


@pass_context
def _local(ctx: Context, value: datetime) -> datetime:
    return value.astimezone(ZoneInfo(ctx["tz"]))


# when the words being rendered are said: read by `other_year`, so that a template module is
# made once per locale, module and zone and serves every moment (it was once per moment: a
# module for nearly every message)
_SAID_AT: ContextVar[datetime | None] = ContextVar("said_at", default=None)


@pass_context
def _other_year(ctx: Context, value: date) -> bool:
    """`value` falls in another year than the moment the words are said, in the reader's zone
    (no moment: never): such dates show their year."""
    said = _SAID_AT.get()
    return said is not None and value.year != said.astimezone(ZoneInfo(ctx["tz"])).year


@pass_context
def _money(ctx: Context, value: Decimal | None, currency: str) -> str:
    return "" if value is None else format_amount(Decimal(value), currency, ctx["locale"])


class Words:
    def __init__(self, root: Path = MESSAGES) -> None:
        self.env = Environment(
            loader=FileSystemLoader(str(root)),
            undefined=StrictUndefined,
            autoescape=False,
            # block tags keep their newline; blank lines are dropped after rendering, so a
            # template reads like the message and `{% if %}` lines vanish when false
            lstrip_blocks=True,
            # the templates ship with the code: no stat() of each file at every message
            auto_reload=False,
        )
        self.env.filters["local"] = _local
        self.env.filters["money"] = _money
        self.env.filters["mention"] = mentions.marker
        self.env.globals["other_year"] = _other_year
        # a module (its imports made, its macros bound to its language and zone) serves every
        # sentence in that language and zone; the moment is set around each rendering
        self._module = functools.lru_cache(maxsize=256)(self._make_module)

    def _make_module(self, locale: str, module: str, tz: str) -> Any:
        template = self.env.get_template(f"{locale}/{module}.j2")
        return template.make_module({"locale": locale, "tz": tz})

    def __call__(
        self, locale: str, key: str, *, tz: str = "UTC", now: datetime | None = None, **params: Any
    ) -> str:
        """`now`: when the words are said; dates in another year than now's show their year
        (without it, no year is shown)."""
        module, _, macro = key.partition(".")
        said = _SAID_AT.set(now)
        try:
            text = str(getattr(self._module(locale, module, tz), macro)(**params))
        finally:
            _SAID_AT.reset(said)
        return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())
