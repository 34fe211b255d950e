"""/role @someone rep|manager|admin (/角色 @某人 销售|经理|管理员): what someone may do and see
(admins only)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot import audit
from bot.commands.command import Command
from bot.context import Context, UserError
from bot.grammar.line import Fail, Line
from bot.intents import Intent
from bot.lexer import Token
from bot.outcome import Outcome
from bot.people import resolve_mention
from storage.models import Person

ROLES = {
    "rep": "rep",
    "销售": "rep",
    "manager": "manager",
    "经理": "manager",
    "admin": "admin",
    "管理员": "admin",
}


@dataclass(frozen=True, kw_only=True)
class RoleSet(Intent):
    person: str
    role: str  # rep manager admin


def parse(line: Line, tokens: list[Token]) -> RoleSet:
    if len(tokens) != 2 or not tokens[0].mention or tokens[1].folded not in ROLES:
        raise Fail("bad_role", "role", text=line.words(tokens))
    return RoleSet(person=tokens[0].mention or "", role=ROLES[tokens[1].folded])


def admins_only(ctx: Context) -> None:
    if ctx.me.role != "admin":
        raise UserError("admins_only")


def set_role(ctx: Context, intent: RoleSet) -> Outcome:
    admins_only(ctx)
    new: list[Person] = []
    person = resolve_mention(ctx, intent.person, new=new)
    if person.id == ctx.me.id and intent.role != "admin":
        admins = ctx.session.scalars(
            select(Person.id).where(Person.tenant_id == ctx.tenant.id, Person.role == "admin")
        ).all()
        if len(admins) == 1:
            raise UserError("last_admin")
    before, person.role = person.role, intent.role
    audit.record(
        ctx,
        "person.role",
        f"person:{person.id}",
        before={"role": before},
        after={"role": person.role},
    )
    return Outcome().reply(ctx.t("admin.role_set", person=person, role=intent.role, new=new))


COMMAND = Command(
    key="role",
    en=("role",),
    zh=("角色",),
    parse=parse,
    handles={RoleSet: set_role},
)
