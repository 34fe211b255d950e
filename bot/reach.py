"""Who may see and change what: the one rule every read and write path goes through.

A person reaches people:
- a rep reaches themselves;
- a manager reaches themselves and the members of every team they lead;
- an admin reaches everyone in the tenant.

A customer, with everything recorded about it (deals, touches, tasks, questions,
requirements, meetings, history), is within reach when its owner is. Being named on one
record opens that record and nothing else: the owner of a task or of a question, a
confirmer of a requirement.

Outside reach a record does not exist for you: a read answers exactly as for a name or id
that was never there, and a refusal never names the record's owner, amounts or contents.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from storage.models import Customer, Person, Team


@dataclass(frozen=True)
class Reach:
    person_id: int
    people: frozenset[int] | None  # None: everyone in the tenant

    def person(self, person_id: int | None) -> bool:
        if self.people is None:
            return True
        return person_id is not None and person_id in self.people

    def customer(self, customer: Customer) -> bool:
        return self.person(customer.owner_id)

    def involved(self, customer: Customer, *people: int | None) -> bool:
        """The customer is within reach, or the person asking is named on the record."""
        return self.customer(customer) or self.person_id in people

    def owned(self, column: ColumnElement[int | None] | object) -> ColumnElement[bool]:
        """The same rule as SQL, for an owner column (a customer's owner, usually)."""
        if self.people is None:
            return true()
        if not self.people:
            return false()
        return column.in_(self.people)  # type: ignore[attr-defined,no-any-return]


def led_by(session: Session, lead_id: int) -> set[int]:
    """The members of every team `lead_id` leads, and the lead."""
    led = select(Team.id).where(Team.lead_id == lead_id)
    return set(session.scalars(select(Person.id).where(Person.team_id.in_(led)))) | {lead_id}


def of(session: Session, person: Person) -> Reach:
    if person.role == "admin":
        return Reach(person.id, None)
    if person.role == "manager":
        return Reach(person.id, frozenset(led_by(session, person.id)))
    return Reach(person.id, frozenset({person.id}))
