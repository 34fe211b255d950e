"""What handling produces: replies, pushes and cards, all neutral; adapters render them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Button:
    id: str  # `<action>:<arg>:<arg>`, pressed back as CardAction.button_id
    label: str
    style: str = "default"  # default | primary | danger


TONES = ("info", "waiting", "done", "alert")


@dataclass(frozen=True, kw_only=True)
class Card:
    """One neutral card; `fallback` is the whole card as text, for platforms without cards.
    `tone` is what the card's state means to its reader, which a platform may show as a
    colour: info (nothing to do), waiting (someone has to act), done (confirmed, approved,
    finished), alert (overdue, refused, a change asked for)."""

    key: str  # stable identity, e.g. `req:3`, so a later version replaces the shown one
    title: str
    body: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    buttons: tuple[Button, ...] = ()
    fallback: str = ""
    tone: str = "info"  # one of TONES


@dataclass(frozen=True, kw_only=True)
class ChartSeries:
    name: str  # what the values are: "Deals", "Amount (万)", "Goal", "Actual"
    values: tuple[float, ...]  # one per label
    key: str = ""  # stable key of the series ("calls", "won"): the same colour each time
    # "targets": the goal per label, 0 where none is set (no bar is drawn there)
    goals: tuple[float, ...] = ()
    # per label, the words written beside its value ("12 deals · $120,000", "45 / 60"):
    # rendered by bot/ in the reader's language, so the chart and the text agree
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "values": list(self.values),
            **({"key": self.key} if self.key else {}),
            **({"goals": list(self.goals)} if self.goals else {}),
            **({"notes": list(self.notes)} if self.notes else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChartSeries:
        return cls(
            name=str(data["name"]),
            values=tuple(float(v) for v in data["values"]),
            key=str(data.get("key") or ""),
            goals=tuple(float(v) for v in data.get("goals") or ()),
            notes=tuple(str(n) for n in data.get("notes") or ()),
        )


@dataclass(frozen=True, kw_only=True)
class Chart:
    """A picture of numbers, neutral: each sender draws it as the platform can (a PNG from
    bot/charts, or the platform's own chart element). The text beside it says the same."""

    kind: str  # "funnel": deals and amount per stage | "targets": goal against actual per rep
    title: str
    labels: tuple[str, ...]  # the stages in pipeline order, or the reps
    series: tuple[ChartSeries, ...]
    keys: tuple[str, ...] = ()  # stable keys of the labels (stage keys): the same colour each time
    unit: str = ""  # how amounts read: "万元", "k USD"
    locale: str = "en"
    axis: str = ""  # the words under the value axis ("% of target")

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "title": self.title,
            "labels": list(self.labels),
            "series": [s.to_dict() for s in self.series],
            "keys": list(self.keys),
            "unit": self.unit,
            "locale": self.locale,
            **({"axis": self.axis} if self.axis else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chart:
        return cls(
            kind=str(data["kind"]),
            title=str(data["title"]),
            labels=tuple(str(x) for x in data["labels"]),
            series=tuple(ChartSeries.from_dict(s) for s in data["series"]),
            keys=tuple(str(x) for x in data.get("keys") or ()),
            unit=str(data.get("unit") or ""),
            locale=str(data.get("locale") or "en"),
            axis=str(data.get("axis") or ""),
        )


@dataclass(frozen=True, kw_only=True)
class Attachment:
    """A file or a picture sent as its own message: an export's bytes kept in the store
    (storage/files.py, `file_id`), or a chart the sender draws."""

    name: str  # the file name the person sees: "dealbot-export.xlsx", "funnel.png"
    title: str = ""  # a caption, and the words for whoever cannot see the picture
    file_id: int | None = None
    chart: Chart | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "file_id": self.file_id,
            "chart": None if self.chart is None else self.chart.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Attachment:
        chart = data.get("chart")
        return cls(
            name=str(data["name"]),
            title=str(data.get("title") or ""),
            file_id=data.get("file_id"),
            chart=None if not chart else Chart.from_dict(chart),
        )


@dataclass(frozen=True, kw_only=True)
class Message:
    """Text, a card, or an attachment. A message with an attachment carries only that (and its
    title), so each row is one send on every platform: the text goes in a message before it."""

    text: str = ""
    card: Card | None = None
    attachment: Attachment | None = None
    # the person's own page in the app (bot/home.py), replacing the one shown before; only
    # to a platform that has such a page, which then shows nothing else of this message
    page: tuple[Card, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Reply:
    """An answer in the conversation the event came from."""

    message: Message
    private: bool = False  # only the speaker sees it (ephemeral where the platform can)


@dataclass(frozen=True, kw_only=True)
class Push:
    """A message to a person (their DM on their platform) or to a channel."""

    message: Message
    person_id: int | None = None
    channel_platform: str | None = None
    channel_id: str | None = None
    key: str | None = None  # the dedup key of what it reports (rules); None: from the event


@dataclass(frozen=True, kw_only=True)
class CardUpdate:
    """Replace a card already shown (after a click), wherever it was shown."""

    card: Card


@dataclass(kw_only=True)
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    pushes: list[Push] = field(default_factory=list)
    updates: list[CardUpdate] = field(default_factory=list)

    def reply(self, text: str = "", *, card: Card | None = None, private: bool = False) -> Outcome:
        self.replies.append(Reply(message=Message(text=text, card=card), private=private))
        return self

    def page(self, cards: list[Card]) -> Outcome:
        """The speaker's own page, shown again (bot/home.py)."""
        self.replies.append(Reply(message=Message(page=tuple(cards)), private=True))
        return self

    def attach(self, attachment: Attachment, *, private: bool = False) -> Outcome:
        """A file or chart in the conversation, after the replies so far."""
        self.replies.append(Reply(message=Message(attachment=attachment), private=private))
        return self

    def push_attachment(
        self, person_id: int, attachment: Attachment, *, key: str | None = None
    ) -> Outcome:
        self.pushes.append(
            Push(message=Message(attachment=attachment), person_id=person_id, key=key)
        )
        return self

    def push(
        self, person_id: int, text: str = "", *, card: Card | None = None, key: str | None = None
    ) -> Outcome:
        self.pushes.append(
            Push(message=Message(text=text, card=card), person_id=person_id, key=key)
        )
        return self

    def extend(self, other: Outcome) -> Outcome:
        self.replies += other.replies
        self.pushes += other.pushes
        self.updates += other.updates
        return self
