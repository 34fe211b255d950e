"""`dealbot console`: one group channel (#sales) in the terminal, or a replayed script."""

from __future__ import annotations

import logging
import os
import sys
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from adapters.cli.assembly import Core, machinery
from adapters.console import files, parse
from adapters.console.platform import ConsolePlatform
from adapters.console.sender import ConsoleSender
from adapters.platform import Services
from bot import inbox
from bot.inbox import Arrival
from bot.outcome import Card

logger = logging.getLogger(__name__)


class Console:
    def __init__(self, *, core: Core, tz: str, out: TextIO) -> None:
        bot = self.bot = core.bot
        self.tz = ZoneInfo(tz)
        self.out = out
        self.speaker = "me"
        self.clock: datetime | None = None
        self.ticked: datetime | None = None  # the clock as :tick last moved it
        self.last_card: Card | None = None
        sender = ConsoleSender(
            self.say,
            on_card=self._shown,
            folder=files.folder(str(bot.sessions.kw["bind"].url)),
            words=bot.words,
            locale=bot.settings.locale,
        )
        platform = ConsolePlatform(
            services=Services(ingress=None, words=bot.words, locale=bot.settings.locale),
            sender=sender,
        )
        me = f"console-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        # the same path as `dealbot serve`: a line is an inbox row, handled by the intake,
        # and everything said back is an outbox row, printed by the console's sender; a dead
        # letter is told to the admins at the last :tick's moment
        parts = machinery(
            bot=bot,
            env=core.env,
            platforms={"console": platform},
            name=me,
            clock=self.now,
            told_at=lambda: self.ticked or datetime.now(UTC),
        )
        self.intake, self.worker, self.rules = parts.intake, parts.outbox, parts.rules

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
            self.deliver(parse.line_payload(rest, speaker=self.speaker, now=self.now()))
            return True
        if d.name == "quit":
            return False
        if d.name in ("now", "tick"):
            when = parse.parse_clock(d.arg, self.tz)
            if when is None:
                self.say(f"  ! :{d.name} needs a time like 2026-12-01 09:00 (you wrote: {d.arg!r})")
            elif d.name == "tick" and when < self.now():
                self.say(
                    f"  ! :tick {d.arg} is before the clock ({self._clock()}): time only moves "
                    "forward, nothing ran. Use :now to set the clock back."
                )
            else:
                self.clock = when
                if d.name == "tick":
                    self.tick(when)
                else:
                    self.say(f"  (clock set to {self._clock()})")
        elif d.name == "click":
            self.click(d.arg)
        elif d.name == "file":
            self.send_file(d.arg)
        elif d.name == "help":
            self.say(
                "  :now 2026-12-01 09:00 · :tick <time> · :click <n|button id> · "
                ":file <path> [text] sends a file · "
                "[name] speaks as name · :quit (or Ctrl-D; Ctrl-C clears the line)"
            )
        elif d.name == "bad":
            self.say(f"  ! unknown console command {d.arg!r}; try :help")
        elif d.name == "not_speaker":
            self.say(
                f"  ! {d.arg} is not a speaker name: a name has no spaces and at most 64 "
                f"characters, like [alice] or [小李]. Nothing was sent; the speaker is still "
                f"{self.speaker}."
            )
        return True

    def _clock(self) -> str:
        return f"{self.now().astimezone(self.tz):%a %Y-%m-%d %H:%M} {self.tz.key}"

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
        self.deliver(parse.click_payload(button, speaker=self.speaker, now=self.now()))

    def send_file(self, arg: str) -> None:
        """`:file PATH [text]`: the speaker sends the file, with `text` as its message (none:
        the file on its own, as Feishu and WeCom send one), in #sales."""
        path, text = parse.split_file(arg)
        if not path:
            self.say("  ! :file needs a path, e.g. :file examples/customers.csv /import")
            return
        file = Path(path).expanduser()
        if not file.is_file():
            self.say(f"  ! :file: there is no file {path!r}; nothing was sent")
            return
        payload = parse.file_payload(
            str(file.resolve()), text, speaker=self.speaker, now=self.now()
        )
        self.deliver(payload)

    def tick(self, when: datetime) -> None:
        """Run every scheduled job due by `when`, then deliver what they enqueued."""
        self.ticked = when
        self.rules(when)
        if not self.worker.drain().sent:
            self.say(f"  (tick {when:%Y-%m-%d %H:%M}: nothing due)")

    def deliver(self, payload: dict[str, str]) -> None:
        arrival = Arrival(
            platform="console",
            workspace=parse.WORKSPACE,
            key=uuid.uuid4().hex,
            payload=payload,
            received_at=self.now(),
        )
        with self.intake.bot.sessions.begin() as s:
            inbox.accept(s, [arrival])
        self.intake.drain()
        self.worker.drain()


def run(core: Core, *, tz: str, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> None:
    console = Console(core=core, tz=tz, out=out)
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
    console.say(
        "dealbot console — #sales. /help for commands, :help for console controls; "
        "Ctrl-C clears the line, Ctrl-D quits. Warnings go to dealbot.log."
    )
    try:
        while True:
            try:
                line = input(f"[{console.speaker}] ")
            except EOFError:  # Ctrl-D
                console.say("")
                break
            except KeyboardInterrupt:  # Ctrl-C: the line typed so far is dropped, not sent
                console.say("^C (line cleared; Ctrl-D or :quit leaves)")
                continue
            if not console.line(line):
                break
    except KeyboardInterrupt:
        console.say("")
    finally:
        if readline is not None:
            readline.write_history_file(history)
