"""Who may see and change what: the one rule every read and write path goes through.

A person reaches people:
- a rep reaches themselves;
- a manager reaches themselves and the members of every team they lead;
- an admin reaches everyone in the tenant.

A customer, with everything recorded about it (deals, touches, tasks, questions,
requirements, meetings, history), is within reach when its owner is, or when someone within
reach collaborates on it (`/customer Acme add @bob`, bot/collaborators.py): a collaborator
reads and writes the customer as its owner does, and whoever reaches the collaborator (their
manager, an admin) reaches it too. Collaborating opens that customer, never its owner: the
owner's other customers, `/pipeline @owner`, `/tasks @owner` stay out of reach. Being named on
one record opens that record and nothing else: the owner of a task or of a question, a
confirmer of a requirement.

Outside reach a record does not exist for you: an id (D12, T5, a button) answers exactly as
one that was never there. A customer named out of reach, or likely meant (a duplicate,
bot/customer_names.py), is named with its owner and nothing else — never its deals, amounts,
notes or history (bot/customers.py); a rep in its owner's team may still add a touch, task or
question to it (bot/covering.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, bindparam, false, or_, select, true
from sqlalchemy.orm import Session

from storage.models import Collaborator, Customer, Person, Team


@dataclass(frozen=True)
class Reach:
    person_id: int
    people: frozenset[int] | None  # None: everyone in the tenant
    customers: frozenset[int] = frozenset()  # collaborated on by someone in `people`

    def person(self, person_id: int | None) -> bool:
        if self.people is None:
            return True
        return person_id is not None and person_id in self.people

    def customer(self, customer: Customer) -> bool:
        return self.person(customer.owner_id) or customer.id in self.customers

    def involved(self, customer: Customer, *people: int | None) -> bool:
        """The customer is within reach, or the person asking is named on the record."""
        return self.customer(customer) or self.person_id in people

    def owned(
        self,
        column: ColumnElement[int | None] | object,
        customer_id: ColumnElement[int] | object | None = None,
    ) -> ColumnElement[bool]:
        """The same rule as SQL, for an owner column (a customer's owner, usually) and, given
        `customer_id`, the customers collaborated on."""
        if self.people is None:
            return true()
        rules = [column.in_(self.people)] if self.people else []  # type: ignore[attr-defined]
        if customer_id is not None and self.customers:
            rules.append(customer_id.in_(self.customers))  # type: ignore[attr-defined]
        return or_(*rules) if rules else false()

    def customers_sql(self) -> ColumnElement[bool]:
        """The customers within reach, as SQL on `Customer`."""
        return self.owned(Customer.owner_id, Customer.id)

    def involved_sql(self, *people: ColumnElement[int | None] | object) -> ColumnElement[bool]:
        """`involved` as SQL, with `Customer` joined: the customer is within reach, or one of
        the `people` columns (a task's owner, an approval's requester) is the person asking."""
        return or_(self.customers_sql(), *(column == self.person_id for column in people))


def led_by(session: Session, lead_id: int) -> set[int]:
    """The members of every team `lead_id` leads, and the lead."""
    led = select(Team.id).where(Team.lead_id == lead_id)
    return set(session.scalars(select(Person.id).where(Person.team_id.in_(led)))) | {lead_id}


def over(session: Session, person_id: int, people: Iterable[int]) -> Reach:
    """The reach of `person_id` over `people`, with the customers those people collaborate on."""
    reached = frozenset(people)
    if not reached:
        return Reach(person_id, reached)
    shared = session.connection().scalars(_COLLABORATED, {"people": sorted(reached)})
    return Reach(person_id, reached, frozenset(shared))


# built once: every command of a rep or a manager asks it
_COLLABORATED = select(Collaborator.customer_id).where(
    Collaborator.person_id.in_(bindparam("people", expanding=True))
)


def of(session: Session, person: Person) -> Reach:
    if person.role == "admin":
        return Reach(person.id, None)
    if person.role == "manager":
        return over(session, person.id, led_by(session, person.id))
    return over(session, person.id, {person.id})
