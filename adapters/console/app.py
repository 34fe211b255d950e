"""`dealbot console`: one group channel (#sales) in the terminal, or a replayed script."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from adapters.console import parse, render
from adapters.console.sender import ConsoleSender
from bot.delivery import Delivery
from bot.events import Event
from bot.handler import Bot
from bot.outbox import Worker
from bot.outcome import Card, Outcome

logger = logging.getLogger(__name__)

# :tick hands the clock to whatever runs scheduled jobs; what they enqueue is then delivered
TickFn = Callable[[datetime], int]


class Console:
    def __init__(
        self,
        *,
        bot: Bot,
        tz: str,
        out: TextIO,
        tick: TickFn | None = None,
        on_dead: Callable[[Delivery, str], None] | None = None,
    ) -> None:
        self.bot = bot
        self.tz = ZoneInfo(tz)
        self.out = out
        self.tick_fn = tick
        self.speaker = "me"
        self.clock: datetime | None = None
        self.last_card: Card | None = None
        self.seq = 0
        self.worker = Worker(
            sessions=bot.sessions,
            senders={"console": ConsoleSender(self.say, on_card=self._shown)},
            name="console",
            clock=self.now,
            on_dead=on_dead,
        )

    def _shown(self, card: Card) -> None:
        self.last_card = card

    def now(self) -> datetime:
        return self.clock or datetime.now(UTC)

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def run(self, lines: Iterable[str], *, echo: bool) -> None:
        for line in lines:
            line = line.rstrip("\n")
            if echo and line.strip():
                plain = line.lstrip().startswith(("#", "[", ":"))
                self.say(line if plain else f"[{self.speaker}] {line}")
            if not self.line(line):
                break

    def line(self, line: str) -> bool:
        """Handle one line; False means quit."""
        speaker, rest = parse.split_speaker(line)
        if speaker:
            self.speaker = speaker
        d = parse.directive(rest)
        if d is None:
            self.seq += 1
            self.deliver(
                parse.message_event(rest, speaker=self.speaker, now=self.now(), seq=self.seq)
            )
            return True
        if d.name == "quit":
            return False
        if d.name in ("now", "tick"):
            when = parse.parse_clock(d.arg, self.tz)
            if when is None:
                self.say(f"  ! :{d.name} needs a time like 2026-12-01 09:00 (you wrote: {d.arg!r})")
            else:
                self.clock = when
                if d.name == "tick":
                    self.tick(when)
        elif d.name == "click":
            self.click(d.arg)
        elif d.name == "help":
            self.say(
                "  :now 2026-12-01 09:00 · :tick <time> · :click <n|button id> · "
                "[name] speaks as name · :quit"
            )
        elif d.name == "bad":
            self.say(f"  ! unknown console command {d.arg!r}; try :help")
        return True

    def click(self, arg: str) -> None:
        button = arg
        if arg.isdigit():
            buttons = self.last_card.buttons if self.last_card else ()
            if not 1 <= int(arg) <= len(buttons):
                self.say(f"  ! the last card shown has no button {arg}")
                return
            button = buttons[int(arg) - 1].id
        if not button:
            self.say("  ! :click needs a button number or id")
            return
        self.deliver(parse.click_event(button, speaker=self.speaker, now=self.now()))

    def tick(self, when: datetime) -> None:
        if self.tick_fn is not None:
            self.tick_fn(when)
        if not self.worker.drain().sent:
            self.say(f"  (tick {when:%Y-%m-%d %H:%M}: nothing due)")

    def deliver(self, event: Event) -> None:
        self.show(self.bot.handle(event))
        self.worker.drain()

    def show(self, outcome: Outcome) -> None:
        for reply in outcome.replies:
            prefix = f"dealbot → @{self.speaker} only: " if reply.private else "dealbot: "
            self.say(render.message(reply.message, prefix))
            self.last_card = reply.message.card or self.last_card
        for update in outcome.updates:
            self.say(render.message_card_update(update.card))
            self.last_card = update.card


def run(
    bot: Bot,
    *,
    tz: str,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    tick: TickFn | None = None,
    on_dead: Callable[[Delivery, str], None] | None = None,
) -> None:
    console = Console(bot=bot, tz=tz, out=out, tick=tick, on_dead=on_dead)
    if stdin.isatty():
        _interactive(console)
    else:
        console.run(stdin, echo=True)


def _interactive(console: Console) -> None:
    try:
        import readline  # line editing and history, where the platform has it
    except ImportError:  # pragma: no cover
        readline = None  # type: ignore[assignment]
    history = Path.home() / ".dealbot_history"
    if readline is not None and history.exists():
        readline.read_history_file(history)
    console.say("dealbot console — #sales. /help for commands, :help for console controls.")
    try:
        while True:
            try:
                line = input(f"[{console.speaker}] ")
            except EOFError:
                break
            if not console.line(line):
                break
    except KeyboardInterrupt:
        console.say("")
    finally:
        if readline is not None:
            readline.write_history_file(history)
