"""Who sees what, as a matrix: every command × every kind of asker × whose record it is.

One rule (bot/reach.py): a rep reaches themselves, a manager also the members of the teams
they lead, an admin everyone; a customer and all its records are within reach when its owner
is, or when someone within reach collaborates on it (`/customer … add @someone`): here rep_b1,
in west, collaborates on Co-rep_a2, an east rep's customer, and so do those who reach rep_b1 —
but not on rep_a2 the person (/tasks @rep_a2, /handover stay theirs). A refusal by id is the very answer given for an id that does not exist, so it says
nothing of what it refused; a refusal by a customer's name says whose customer it is and
nothing else (no deals, amounts, notes). A rep covering for a teammate may add a touch, a task
or a question to the teammate's customer, and sees nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.buttons import Act, button_id
from storage.models import (
    Activity,
    Customer,
    CustomerAlias,
    CustomerChannel,
    Deal,
    Meeting,
    Question,
    Requirement,
    Task,
)
from tests.chat import Chat

# everyone in the tenant: root is the admin; east is led by lead_a, west by lead_b
PEOPLE = ("root", "lead_a", "rep_a1", "rep_a2", "lead_b", "rep_b1", "rep_b2")
TEAMS = {"lead_a": ("rep_a1", "rep_a2"), "lead_b": ("rep_b1", "rep_b2")}
COLLABORATES = {"rep_b1": "rep_a2"}  # rep_b1 collaborates on rep_a2's customer

# The asker, and whose records stand for "own", "a rep's in east", "a rep's in west" and "the
# one collaborated on" (rep_a2's, on which rep_b1 collaborates)
COLLAB = "rep_a2"
ASKERS = {
    "rep in east": (
        "rep_a1",
        {"own": "rep_a1", "east rep's": "rep_a2", "west rep's": "rep_b1", "collab": COLLAB},
    ),
    "manager of east": (
        "lead_a",
        {"own": "lead_a", "east rep's": "rep_a1", "west rep's": "rep_b1", "collab": COLLAB},
    ),
    "manager of west": (
        "lead_b",
        {"own": "lead_b", "east rep's": "rep_a1", "west rep's": "rep_b1", "collab": COLLAB},
    ),
    "admin": (
        "root",
        {"own": "root", "east rep's": "rep_a1", "west rep's": "rep_b1", "collab": COLLAB},
    ),
    "rep in west, collaborator": (
        "rep_b1",
        {"own": "rep_b1", "east rep's": "rep_a1", "west rep's": "rep_b2", "collab": COLLAB},
    ),
}

# What README's "Who sees what" promises, cell by cell
EXPECTED = {
    "rep in east": {"own": True, "east rep's": False, "west rep's": False, "collab": False},
    "manager of east": {"own": True, "east rep's": True, "west rep's": False, "collab": True},
    "manager of west": {"own": True, "east rep's": False, "west rep's": True, "collab": True},
    "admin": {"own": True, "east rep's": True, "west rep's": True, "collab": True},
    "rep in west, collaborator": {
        "own": True,
        "east rep's": False,
        "west rep's": False,
        "collab": True,
    },
}


def reaches_person(asker: str, who: str) -> bool:
    """Collaborating opens a customer, never its owner: /tasks @owner, /handover stay out."""
    return asker == "root" or who in {asker, *TEAMS.get(asker, ())}


def reaches(asker: str) -> set[str]:
    """Whose customers the asker sees, over everyone: the rule again, for the list views."""
    if asker == "root":
        return set(PEOPLE)
    people = {asker, *TEAMS.get(asker, ())}
    return people | {COLLABORATES[p] for p in people if p in COLLABORATES}


def customer_of(who: str) -> str:
    return f"Co-{who}"


GHOST = "ghost"  # never in any team: someone nobody but the admin reaches
MISSING_ID = 99999


@dataclass
class World:
    chat: Chat
    ids: dict[str, dict[str, int]]  # who → deal / task / question / req ids of their customer

    def count(self, model, *where) -> int:  # type: ignore[no-untyped-def]
        with self.chat.bot.sessions() as s:
            return s.scalar(select(func.count()).select_from(model).where(*where)) or 0

    def get(self, model, row_id: int):  # type: ignore[no-untyped-def]
        with self.chat.bot.sessions() as s:
            return s.get(model, row_id)


def build(sessions) -> World:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-11-30 10:00")
    chat.say("root", "/help")  # the first person is the admin
    chat.say("root", "/team east @lead_a @rep_a1 @rep_a2")
    chat.say("root", "/team west @lead_b @rep_b1 @rep_b2")
    for who in PEOPLE:
        name = customer_of(who)
        chat.say(who, f"/log {name} call secret-{who} next: task-{who} by tomorrow")
        chat.say(who, f"/deal {name} new title-{who} 77k")
        chat.say(who, f"/question {name} question-{who}?")
        chat.say(who, f"/req {name} words-{who} confirm @{who}")
    for who, owner in COLLABORATES.items():
        chat.say(owner, f"/customer {customer_of(owner)} add @{who}")
    ids: dict[str, dict[str, int]] = {}
    with sessions() as s:
        for who in PEOPLE:
            c = s.scalar(select(Customer).where(Customer.name == customer_of(who)))
            assert c is not None
            ids[who] = {
                "deal": s.scalar(select(Deal.id).where(Deal.customer_id == c.id)),
                "task": s.scalar(select(Task.id).where(Task.customer_id == c.id)),
                "question": s.scalar(select(Question.id).where(Question.customer_id == c.id)),
                "req": s.scalar(select(Requirement.id).where(Requirement.customer_id == c.id)),
            }
    chat.at("2026-12-21 10:00")  # deals gone stale and tasks overdue: the digest has them all
    return World(chat, ids)


@dataclass(frozen=True)
class Probe:
    """One command on the record of `owner`, and the same command on a record that is not there.

    `effect` says whether the command saw or changed the record (read from the store or the
    reply); a refusal must equal the answer about the missing record, word for word.
    """

    name: str
    command: Callable[[World, str, str], str]  # (world, asker, owner) → what the asker sees
    missing: Callable[[World, str], tuple[str, str, str]]  # → (reply, missing token, real token)
    effect: Callable[[World, str, str, str], bool]  # (world, asker, owner, reply)
    named: bool = False  # by the customer's name: refused naming its owner, nothing else
    # about the owner as a person (/tasks @owner, /handover), not the customer: collaborating
    # on a customer does not reach its owner
    person: bool = False


def _say(w: World, asker: str, text: str) -> str:
    return w.chat.say(asker, text)


def _by_name(template: str) -> tuple[Callable, Callable]:  # type: ignore[type-arg]
    def command(w: World, asker: str, owner: str) -> str:
        return _say(w, asker, template.format(name=customer_of(owner), owner=owner, asker=asker))

    def missing(w: World, asker: str, owner: str) -> tuple[str, str, str]:
        ghost = f"Nx-{owner}"
        text = template.format(name=ghost, owner=owner, asker=asker)
        return _say(w, asker, text), ghost, customer_of(owner)

    return command, missing


def _by_id(kind: str, template: str) -> tuple[Callable, Callable]:  # type: ignore[type-arg]
    def command(w: World, asker: str, owner: str) -> str:
        return _say(w, asker, template.format(id=w.ids[owner][kind]))

    def missing(w: World, asker: str, owner: str) -> tuple[str, str, str]:
        return (
            _say(w, asker, template.format(id=MISSING_ID)),
            str(MISSING_ID),
            str(w.ids[owner][kind]),
        )

    return command, missing


def _by_person(template: str) -> tuple[Callable, Callable]:  # type: ignore[type-arg]
    def command(w: World, asker: str, owner: str) -> str:
        return _say(w, asker, template.format(owner=owner))

    def missing(w: World, asker: str, owner: str) -> tuple[str, str, str]:
        return _say(w, asker, template.format(owner=GHOST)), GHOST, owner

    return command, missing


def _click_done(w: World, asker: str, owner: str) -> str:
    return w.chat.click(asker, button_id(Act.TASK_DONE, w.ids[owner]["task"]))


def _click_done_missing(w: World, asker: str, owner: str) -> tuple[str, str, str]:
    reply = w.chat.click(asker, button_id(Act.TASK_DONE, MISSING_ID))
    return reply, str(MISSING_ID), str(w.ids[owner]["task"])


def _deal_stage(w: World, owner: str) -> str:
    return w.get(Deal, w.ids[owner]["deal"]).stage


PROBES = [
    Probe(
        "/customer <name>",
        *_by_name("/customer {name}"),
        effect=lambda w, a, o, r: f"secret-{o}" in r,
        named=True,
    ),
    Probe(
        "/customer <name> history",
        *_by_name("/customer {name} history"),
        effect=lambda w, a, o, r: f"title-{o}" in r,
        named=True,
    ),
    Probe(
        "/deal <name>",
        *_by_name("/deal {name}"),
        effect=lambda w, a, o, r: f"title-{o}" in r,
        named=True,
    ),
    Probe(
        "/deal <name> stage",
        *_by_name("/deal {name} stage qualify"),
        effect=lambda w, a, o, r: _deal_stage(w, o) == "qualify",
        named=True,
    ),
    Probe(
        "/deal <name> amount",
        *_by_name("/deal {name} amount 99k"),
        effect=lambda w, a, o, r: w.get(Deal, w.ids[o]["deal"]).amount == 99000,
        named=True,
    ),
    Probe(
        "/customer <name> alias",
        *_by_name("/customer {name} alias Al-{owner}-{asker}"),
        effect=lambda w, a, o, r: w.count(CustomerAlias, CustomerAlias.alias == f"Al-{o}-{a}") == 1,
        named=True,
    ),
    Probe(
        "/handover <name>",
        *_by_name("/handover {name} @{owner} @{owner}"),
        effect=lambda w, a, o, r: "handed" in r.casefold(),
        named=True,
        person=True,
    ),
    Probe(
        "/tasks @owner",
        *_by_person("/tasks @{owner}"),
        effect=lambda w, a, o, r: f"task-{o}" in r,
        person=True,
    ),
    Probe(
        "/pipeline @owner",
        *_by_person("/pipeline @{owner}"),
        effect=lambda w, a, o, r: f"title-{o}" in r,
        person=True,
    ),
    Probe(
        "/progress @owner",
        *_by_person("/progress @{owner}"),
        effect=lambda w, a, o, r: o in r,
        person=True,
    ),
    Probe(
        "Done button on a task",
        _click_done,
        _click_done_missing,
        effect=lambda w, a, o, r: w.get(Task, w.ids[o]["task"]).status == "done",
    ),
    Probe(
        "/answered <id>",
        *_by_id("question", "/answered {id}"),
        effect=lambda w, a, o, r: w.get(Question, w.ids[o]["question"]).status == "answered",
    ),
    Probe(
        "/req R<id> (revise)",
        *_by_id("req", "/req R{id} revised-words"),
        effect=lambda w, a, o, r: w.get(Requirement, w.ids[o]["req"]).current_version == 2,
    ),
]


def _names_only_the_owner(reply: str, owner: str) -> bool:
    """The refusal by a customer's name: whose it is, and nothing recorded about it."""
    return reply.startswith(
        f"“{customer_of(owner)}” is @{owner}'s customer, outside what you can see"
    ) and not _leaks(reply, owner)


def _team(who: str) -> str | None:
    return next((lead for lead, members in TEAMS.items() if who in (lead, *members)), None)


def covers(asker: str, owner: str) -> bool:
    """A teammate of the owner covering for them (a touch, a task, a question)."""
    return asker != owner and _team(asker) is not None and _team(asker) == _team(owner)


# what a teammate may add to a colleague's customer, by its name
COVERED = ("/log <name>", "/task <name>", "/question <name>")


def _creating(template: str) -> Callable[[World, str, str], str]:
    return _by_name(template)[0]


def _meetings(w: World, owner: str) -> int:
    return w.count(Meeting, Meeting.customer_id == w.get(Deal, w.ids[owner]["deal"]).customer_id)


# Commands that create the customer they name when it is not there: no missing twin exists
CREATING = {
    "/log <name>": (
        _creating("/log {name} visit probe-by-{asker}"),
        lambda w, a, o: w.count(Activity, Activity.text == f"probe-by-{a}"),
    ),
    "/task <name>": (
        _creating("/task {name} probe-task-by-{asker} tomorrow 3pm"),
        lambda w, a, o: w.count(Task, Task.text == f"probe-task-by-{a}"),
    ),
    "/question <name>": (
        _creating("/question {name} probe-q-by-{asker}?"),
        lambda w, a, o: w.count(Question, Question.text == f"probe-q-by-{a}?"),
    ),
    "/minutes <name>": (
        _creating("/minutes {name} probe-minutes-by-{asker}"),
        lambda w, a, o: w.count(Activity, Activity.text.like(f"probe-minutes-by-{a}%")),
    ),
    "/meeting <name>": (
        _creating("/meeting {name} tomorrow 15:00 30m"),
        lambda w, a, o: _meetings(w, o),
    ),
    "/req <name>": (
        _creating("/req {name} probe-req-by-{asker}"),
        lambda w, a, o: w.count(
            Requirement,
            Requirement.author_id.is_not(None),
            Requirement.customer_id == w.get(Deal, w.ids[o]["deal"]).customer_id,
        ),
    ),
    "/deal <name> new": (
        _creating("/deal {name} new probe-deal-by-{asker}"),
        lambda w, a, o: w.count(Deal, Deal.title == f"probe-deal-by-{a}"),
    ),
    "/link <name>": (
        _creating("/link {name}"),
        lambda w, a, o: w.count(
            CustomerChannel,
            CustomerChannel.customer_id == w.get(Deal, w.ids[o]["deal"]).customer_id,
        ),
    ),
}


def _leaks(reply: str, owner: str) -> list[str]:
    secrets = (
        f"secret-{owner}",
        f"title-{owner}",
        f"task-{owner}",
        f"question-{owner}",
        f"words-{owner}",
        "77",
    )
    return [s for s in secrets if s in reply]


@pytest.fixture
def world(sessions) -> World:  # type: ignore[no-untyped-def]
    return build(sessions)


@pytest.mark.parametrize("asker_kind", list(ASKERS))
def test_every_command_against_every_record(world: World, asker_kind: str) -> None:
    asker, records = ASKERS[asker_kind]
    wrong: list[str] = []
    for probe in PROBES:
        for record, owner in records.items():
            sees = EXPECTED[asker_kind][record]
            expect = reaches_person(asker, owner) if probe.person else sees
            # the missing twin first: a refused command must change nothing, so it cannot
            # matter which runs first, while a shown one may change what the twin would say
            twin, token, real = probe.missing(world, asker, owner)
            reply = probe.command(world, asker, owner)
            saw = probe.effect(world, asker, owner, reply)
            refused = (
                _names_only_the_owner(reply, owner)
                if probe.named
                else reply == twin.replace(token, real)
            )
            where = f"{probe.name} by {asker_kind} on {record} record"
            if expect and not saw:
                wrong.append(f"{where}: should be shown, got {reply!r}")
            if not expect and (saw or _leaks(reply, owner)):
                wrong.append(f"{where}: should be refused, got {reply!r}")
            if not sees and not refused:  # a customer in sight may say why it is refused
                wrong.append(
                    f"{where}: refusal differs from the one for a missing record: "
                    f"{reply!r} vs {twin!r}"
                )
    # last, as they add deals and tasks the probes above would pick
    for name, (command, made) in CREATING.items():
        for record, owner in records.items():
            covered = not EXPECTED[asker_kind][record] and name in COVERED and covers(asker, owner)
            expect = EXPECTED[asker_kind][record] or covered
            before = made(world, asker, owner)
            reply = command(world, asker, owner)
            saw = made(world, asker, owner) != before
            where = f"{name} by {asker_kind} on {record} record"
            if expect and not saw:
                wrong.append(f"{where}: should be done, got {reply!r}")
            if covered and (_leaks(reply, owner) or f"covered for @{owner}" not in reply):
                wrong.append(f"{where}: a covering reply shows only what was written: {reply!r}")
            if not expect and (saw or _leaks(reply, owner) or "outside what" not in reply):
                wrong.append(f"{where}: should be refused, got {reply!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("asker_kind", ["rep in east", "manager of west"])
def test_a_name_taken_out_of_reach_is_refused_naming_only_its_owner(
    world: World, asker_kind: str
) -> None:
    asker, records = ASKERS[asker_kind]
    owner = records["east rep's"] if asker_kind == "manager of west" else records["west rep's"]
    for name, (command, _) in CREATING.items():
        before = world.count(Customer)
        reply = command(world, asker, owner)
        assert _names_only_the_owner(reply, owner), (name, reply)
        assert "You wrote: /" in reply  # the user's own words, handed back
        assert f"ask @{owner} or a manager" in reply, (name, reply)
        assert world.count(Customer) == before  # no second customer under the same name


def test_removing_a_collaborator_takes_the_customer_away(world: World) -> None:
    assert "secret-rep_a2" in world.chat.say("rep_b1", f"/customer {customer_of(COLLAB)}")
    world.chat.say(COLLAB, f"/customer {customer_of(COLLAB)} remove @rep_b1")
    wrong = []
    for asker in ("rep_b1", "lead_b"):  # the collaborator, and the manager reaching them
        for probe in PROBES:
            if probe.person:
                continue
            twin, token, real = probe.missing(world, asker, COLLAB)
            reply = probe.command(world, asker, COLLAB)
            refused = (
                _names_only_the_owner(reply, COLLAB)
                if probe.named
                else reply == twin.replace(token, real)
            )
            if probe.effect(world, asker, COLLAB, reply) or not refused:
                wrong.append(f"{probe.name} by {asker} after removal: {reply!r}")
        reply = world.chat.say(asker, "/customer Co-")
        if customer_of(COLLAB) in reply:
            wrong.append(f"prefix candidates of {asker} after removal: {reply!r}")
    assert not wrong, "\n".join(wrong)


def _customers_named(reply: str) -> set[str]:
    return {who for who in PEOPLE if customer_of(who) in reply}


LISTS = {
    "/pipeline team (a rep: /pipeline)": "/pipeline team",
    "/digest": "/digest",
    "prefix candidates of /customer": "/customer Co-",
}


@pytest.mark.parametrize("asker_kind", list(ASKERS))
def test_lists_name_only_customers_within_reach(world: World, asker_kind: str) -> None:
    asker, _ = ASKERS[asker_kind]
    for what, command in LISTS.items():
        if asker_kind.startswith("rep"):
            command = command.removesuffix(" team")  # a rep has no team view: their own
        reply = world.chat.say(asker, command)
        # a rep's /pipeline is their own deals: a customer collaborated on stays its owner's
        expected = {asker} if command == "/pipeline" else reaches(asker)
        assert _customers_named(reply) == expected, (what, reply)


def test_ambiguity_choices_offer_only_customers_within_reach(world: World) -> None:
    reply = world.chat.say("lead_a", "/log Co- call which one")
    assert _customers_named(reply) == reaches("lead_a")
    assert "could be" in reply
    # a rep sees one customer starting so: it is the one, no question asked
    assert "logged a call with Co-rep_a1" in world.chat.say("rep_a1", "/log Co- call mine")


def test_managers_digest_push_covers_their_team_only(world: World) -> None:
    from tests.chat import Clockwork

    clock = Clockwork(world.chat)
    sent = clock.tick("2026-12-22 09:30")
    to_lead_a = "\n".join(text for who, text in sent if who == "lead_a")
    assert _customers_named(to_lead_a) == reaches("lead_a")
    # west's manager: their team's customers and the one rep_b1 collaborates on
    to_lead_b = "\n".join(text for who, text in sent if who == "lead_b")
    assert (
        _customers_named(to_lead_b) == reaches("lead_b") == {"lead_b", "rep_b1", "rep_b2", COLLAB}
    )


def test_readme_states_the_rule_as_tested() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Who sees what", 1)[1].split("\n## ", 1)[0]
    header = "| asker | own | an east rep's | a west rep's | one a west rep collaborates on |"
    assert header in section
    cells = {True: "shown", False: "refused"}
    for kind, row in EXPECTED.items():
        line = f"| {kind} | " + " | ".join(cells[v] for v in row.values()) + " |"
        assert line in section, line
