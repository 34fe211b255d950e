"""What the store already holds that a file's rows may name: customers by name, alias and
external id, their deals and contacts, and the tenant's people — read in a few statements
for the whole file (lists of keys, a chunk at a time), never one row at a time, as plain rows
(attribute access like the models', without the cost of 60,000 tracked objects)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.customer_names import core_of
from storage import names
from storage.models import Contact, Customer, CustomerAlias, Deal, Identity, Person

# storage.names.name_key, remembered: a file names each customer, owner and deal many times
name_key = lru_cache(maxsize=200_000)(names.name_key)

CHUNK = 500  # keys per IN list: well under SQLite's and PostgreSQL's bound-parameter limits
T = TypeVar("T")


CUSTOMER = select(
    Customer.id, Customer.name, Customer.name_key, Customer.owner_id, Customer.external_id
)
DEAL = select(
    Deal.id,
    Deal.customer_id,
    Deal.title,
    Deal.stage,
    Deal.status,
    Deal.amount,
    Deal.currency,
    Deal.tax_note,
    Deal.expected_close,
    Deal.owner_id,
)
CONTACT = select(
    Contact.id, Contact.customer_id, Contact.name, Contact.title, Contact.phone, Contact.email
)


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class Known:
    """The tenant's records a file names, loaded once (`load`), looked up many times."""

    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.customers: dict[int, Any] = {}  # rows of CUSTOMER
        self.by_name: dict[str, int] = {}  # a customer's own name_key
        self.by_alias: dict[str, int] = {}  # an alias_key
        self.by_external: dict[str, int] = {}
        self.alias_keys: dict[int, set[str]] = {}
        self.deals: dict[int, list[Any]] = {}  # rows of DEAL
        self.contacts: dict[int, list[Any]] = {}  # rows of CONTACT
        self._people: dict[str, set[int]] | None = None
        self._cores: dict[str, list[tuple[str, int]]] | None = None

    def load(self, keys: Iterable[str], externals: Iterable[str]) -> None:
        """The customers called or aliased by `keys` (name keys) or known by `externals`,
        with all their aliases, deals and contacts."""
        s, tenant = self.session, self.tenant_id
        ids: set[int] = set()
        for part in chunks(sorted(set(keys))):
            ids |= set(
                s.scalars(
                    select(Customer.id).where(
                        Customer.tenant_id == tenant, Customer.name_key.in_(part)
                    )
                )
            )
            ids |= set(
                s.scalars(
                    select(CustomerAlias.customer_id).where(
                        CustomerAlias.tenant_id == tenant, CustomerAlias.alias_key.in_(part)
                    )
                )
            )
        for part in chunks(sorted(set(externals))):
            ids |= set(
                s.scalars(
                    select(Customer.id).where(
                        Customer.tenant_id == tenant, Customer.external_id.in_(part)
                    )
                )
            )
        self._add(sorted(ids))

    def _add(self, ids: Sequence[int]) -> None:
        s = self.session
        for part in chunks(ids):
            for customer in s.execute(CUSTOMER.where(Customer.id.in_(part))):
                self.customers[customer.id] = customer
                self.by_name[customer.name_key] = customer.id
                if customer.external_id:
                    self.by_external[customer.external_id] = customer.id
                self.alias_keys.setdefault(customer.id, set())
                self.deals.setdefault(customer.id, [])
                self.contacts.setdefault(customer.id, [])
            aliases = select(CustomerAlias.customer_id, CustomerAlias.alias_key).where(
                CustomerAlias.customer_id.in_(part)
            )
            for customer_id, alias_key in s.execute(aliases):
                self.by_alias.setdefault(alias_key, customer_id)
                self.alias_keys[customer_id].add(alias_key)
            for deal in s.execute(DEAL.where(Deal.customer_id.in_(part)).order_by(Deal.id)):
                self.deals[deal.customer_id].append(deal)
            for contact in s.execute(
                CONTACT.where(Contact.customer_id.in_(part)).order_by(Contact.id)
            ):
                self.contacts[contact.customer_id].append(contact)

    def customer_named(self, key: str) -> int | None:
        """The customer this name key names: its own name first, then an alias (as in chat)."""
        found = self.by_name.get(key)
        return found if found is not None else self.by_alias.get(key)

    def people(self) -> dict[str, set[int]]:
        """Name key of a display name or a handle (without its @) → the people it names."""
        if self._people is None:
            found: dict[str, set[int]] = {}
            rows = self.session.execute(
                select(Person.id, Person.display_name, Identity.handle)
                .outerjoin(Identity, Identity.person_id == Person.id)
                .where(Person.tenant_id == self.tenant_id)
            )
            for person_id, display, handle in rows:
                for words in (display, handle):
                    if words:
                        found.setdefault(name_key(words.lstrip("@")), set()).add(person_id)
            self._people = found
        return self._people

    def same_core(self, name: str) -> Any:
        """A customer of the tenant whose name has the same core as `name` in the same place
        (深圳云帆电子科技有限公司 and 云帆电子): most likely the same company, so a new one is
        not made beside it. Read once for the whole file, only when a new name comes."""
        if self._cores is None:
            self._cores = {}
            rows = self.session.execute(
                select(Customer.id, Customer.name).where(Customer.tenant_id == self.tenant_id)
            )
            for customer_id, known_name in rows:
                known = core_of(known_name)
                self._cores.setdefault(known.core, []).append((known.place, customer_id))
        core = core_of(name)
        for place, customer_id in self._cores.get(core.core, ()):
            if core.place and place and core.place != place:
                continue  # 北京恒力 and 上海恒力 are two companies
            customer = (
                self.customers.get(customer_id)
                or self.session.execute(CUSTOMER.where(Customer.id == customer_id)).first()
            )
            if customer is not None and customer.name_key != name_key(name):
                return customer
        return None
