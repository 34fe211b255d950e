"""The platform seam: what a chat platform is to dealbot. One folder per platform implements it;
adapters/registry.py lists them; `serve`, `tick` and `check-config` loop over the registry.

A platform owns both directions and one SDK client:
- inbound: its HTTP routes (`routes`) and/or a long connection (`start`/`stop`) verify what
  arrives and store it in the inbox through `Services.ingress` before answering; each route is
  an `HttpEdge` (adapters/edge.py), whose `verify` opens the request once and hands what it
  opened (`Verified`) to its `classify`;
- after the answer: `parse` turns a stored delivery into the neutral Event (profile lookups
  belong here, never before the answer);
- outbound: `sender()` delivers outbox rows, with the platform's capabilities and pacing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from bot.delivery import Sender
from bot.directory import Directory
from bot.events import Event
from bot.i18n import Words
from bot.inbox import Claimed
from bot.intake import Malformed

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from adapters.ingress import Ingress


@dataclass(frozen=True, kw_only=True)
class EdgeLimits:
    max_body_bytes: int = 1_048_576
    body_timeout: float = 10.0


@dataclass(kw_only=True)
class Services:
    """What a running dealbot hands each platform."""

    ingress: Ingress | None  # None: a process that only sends (`dealbot tick`)
    words: Words
    locale: str  # the tenant default, for answers at the edge
    limits: EdgeLimits = field(default_factory=EdgeLimits)
    count: Callable[[str, str], None] = lambda platform, outcome: None  # inbound metrics
    # the ack's latency: timing("ack", platform, seconds)
    timing: Callable[[str, str, float], None] = lambda kind, platform, seconds: None
    out: TextIO | None = None  # where the console platform prints
    files_dir: Path | None = None  # where it writes attachments (adapters/console/files.py)
    # in serve's worker process: a request to this platform in the edge process, which holds
    # its long connection (adapters/server/relay.py); its answer, or None when unreachable
    relay: Callable[[str, dict[str, Any]], Any] | None = None
    # one holder across instances (storage/leases.py): hold(name, ttl) takes or renews the
    # named lease for this process, True while it has it; let_go(name) gives it up
    hold: Callable[[str, float], bool] | None = None
    let_go: Callable[[str], None] | None = None


class Platform(ABC):
    name: ClassVar[str]
    deadline: ClassVar[float] = 3.0  # seconds the platform waits for its answer

    def __init__(self, *, config: Any, services: Services) -> None:
        self.config = config
        self.services = services

    def routes(self) -> list[BaseRoute]:
        """HTTP routes inside `dealbot serve`; none for a platform on a long connection only."""
        return []

    def start(self) -> None:
        """Open the long connection, if the platform has one; raise if it cannot start."""

    def stop(self) -> None:
        """Stop taking new deliveries (what was stored stays in the inbox)."""

    @abstractmethod
    def sender(self) -> Sender:
        """The outbound half: one object per process, reused for every send."""

    def parse(self, row: Claimed) -> Event | None:
        """A stored delivery → the neutral Event; None when it is nothing for the core. A row
        that does not read as what the edge let in is dead-lettered (Malformed) at once; any
        other failure (a lookup that could not be made) leaves it to be tried again."""
        try:
            return self.read(row)
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise Malformed(e.__class__.__name__) from None

    @abstractmethod
    def read(self, row: Claimed) -> Event | None:
        """`parse` without the error mapping: the platform's own reading of its delivery."""

    def directory(self) -> Directory | None:
        """Whether `@zhangsan` is an account here, for a platform whose people are named by
        account id in what they type (bot/directory.py); None: mentions say it themselves."""
        return None

    def relayed(self, request: dict[str, Any]) -> Any:
        """A request from serve's worker process for what only this process can do (an answer
        that must leave over the long connection held here); see `Services.relay`."""
        return None

    def redactions(self) -> list[str]:
        """Regexes of what must never reach a log line (capability URLs, tokens); see
        `named_value` and `url_form`. The configured secrets are redacted by value anyway."""
        return []


def named_value(*names: str) -> str:
    """A regex for the value of a field called one of `names` (regexes, any case) wherever a
    log line can carry it: a query string or form (`name=value`, percent-encoded too), JSON
    (`"name": "value"`, escaped too), a Python repr (`'name': 'value'`) or XML (`<Name>value`,
    `<Name><![CDATA[value`). The name goes with the value."""
    either = "|".join(names)
    return (
        rf"(?i:{either})(?:=|%3D|\\?[\"']?\s*:\s*\\?[\"']?|>(?:<!\[CDATA\[)?)"
        r"[^\s\"'&<>,;}\]]+"
    )


def url_form(start: str) -> str:
    """A regex for a URL that starts with `start` (a regex written with plain `://` and `/`),
    to its end, also percent-encoded (in a form or a query) or JSON-escaped (`\\/`)."""
    slash = r"(?:/|%2F|\\/)"
    start = start.replace("://", rf"(?::|%3A){slash}{slash}").replace("/", slash)
    return start + r"[^\s\"'<>&]*"
