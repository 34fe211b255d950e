"""Which column holds what: a header row's words → the fields of bot/sheets/headers.py.

A header is recognised by the export's own words (headers.HEADERS, both languages) and by the
names people and the common CRMs use for the same thing (Salesforce, HubSpot, Zoho, 销售易,
纷享销客 exports: 客户名称, 负责人, 商机名称, 阶段, 金额, 预计成交日期; Account
Name, Account Owner, Opportunity Name, Stage, Amount, Close Date), compared without case,
spaces or punctuation, and without a trailing bracket ("Amount (USD)", "预计成交日期（北京）").
`--map "Header=field,…"` names the rest; a field may be given by its key or either header.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.sheets.headers import HEADERS

# the fields the import reads (headers.HEADERS has them all; the export may write more)
IMPORTED = (
    "external_id",
    "customer",
    "aliases",
    "owner",
    "deal",
    "stage",
    "amount",
    "currency",
    "expected_close",
    "contact",
    "title",
    "email",
    "phone",
    "tax_note",  # the export writes a deal's tax note beside its amount, as a number
    "ref",  # the export's deal reference, D12: tells apart two deals of one name
)
IGNORE = "-"  # `--map "Probability=-"`: a column read as nothing, said so

# other names for each field; the export's own headers (HEADERS) are added to these
SYNONYMS: dict[str, tuple[str, ...]] = {
    "external_id": (
        "Account ID",
        "Customer ID",
        "Company ID",
        "CRM ID",
        "客户编号",
        "客户ID",
        "客户编码",
        "外部ID",
    ),
    "customer": (
        "Customer Name",
        "Account Name",
        "Account",
        "Company",
        "Company Name",
        "Client",
        "Organization",
        "Organisation",
        "客户",
        "客户全称",
        "公司",
        "公司名称",
        "企业名称",
        "单位名称",
    ),
    "aliases": ("Alias", "AKA", "Short Name", "简称", "客户简称", "别称"),
    "owner": (
        "Account Owner",
        "Opportunity Owner",
        "Deal Owner",
        "Contact Owner",
        "Sales Rep",
        "Salesperson",
        "Assigned To",
        "客户负责人",
        "商机负责人",
        "销售负责人",
        "所有人",
        "跟进人",
        "销售",
        "销售代表",
    ),
    "deal": (
        "Deal Name",
        "Opportunity Name",
        "Opportunity",
        "商机",
        "机会名称",
        "销售机会",
        "项目名称",
    ),
    "stage": ("Deal Stage", "Sales Stage", "Opportunity Stage", "销售阶段", "商机阶段"),
    "amount": ("Deal Amount", "Opportunity Amount", "Deal Value", "Value", "商机金额", "预计金额"),
    "currency": ("Opportunity Currency", "Amount Currency", "货币", "币别"),
    "expected_close": (
        "Close Date",
        "Expected Close Date",
        "Closing Date",
        "预计成交时间",
        "预计签单日期",
        "预计结单日期",
        "结单日期",
    ),
    "contact": ("Contact Name", "Primary Contact", "联系人姓名", "联系人名称"),
    "title": ("Job Title", "Contact Title", "职务", "联系人职位"),
    "email": ("E-mail", "Email Address", "电子邮件", "电子邮箱", "邮件"),
    "tax_note": ("Tax", "税"),
    "ref": ("Deal ref", "Deal ID", "商机记录号"),
    "phone": (
        "Phone Number",
        "Mobile",
        "Mobile Phone",
        "Telephone",
        "手机",
        "手机号",
        "手机号码",
        "联系电话",
        "座机",
    ),
}

# the stage names of the common CRMs → a stage key of the default pipeline; used only when the
# configured pipeline has that key and does not know the name itself
STAGE_SYNONYMS: dict[str, str] = {
    "prospecting": "lead",
    "new": "lead",
    "appointment scheduled": "lead",
    "初步接洽": "lead",
    "线索": "lead",
    "潜在": "lead",
    "qualification": "qualify",
    "qualified": "qualify",
    "qualified to buy": "qualify",
    "needs analysis": "qualify",
    "需求确定": "qualify",
    "需求分析": "qualify",
    "value proposition": "proposal",
    "presentation scheduled": "proposal",
    "proposal/price quote": "proposal",
    "方案": "proposal",
    "方案报价": "proposal",
    "方案/报价": "proposal",
    "decision makers bought-in": "quote",
    "报价": "quote",
    "negotiation": "negotiate",
    "negotiation/review": "negotiate",
    "contract sent": "negotiate",
    "谈判": "negotiate",
    "谈判审核": "negotiate",
    "商务谈判": "negotiate",
    "合同谈判": "negotiate",
    "closed won": "won",
    "closedwon": "won",
    "赢单": "won",
    "成交": "won",
    "已成交": "won",
    "closed lost": "lost",
    "closedlost": "lost",
    "输单": "lost",
    "丢单": "lost",
}

_PUNCT = re.compile(r"[\W_]+")
_TRAILING_BRACKET = re.compile(r"\s*[(（\[【][^()（）\[\]【】]*[)）\]】]\s*$")


def header_key(text: str) -> str:
    """What a header is compared by: NFKC, case folded, without spaces and punctuation."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text).casefold())


def _known() -> dict[str, str]:
    known: dict[str, str] = {}
    for name in IMPORTED:
        for words in (*HEADERS[name].values(), name, *SYNONYMS.get(name, ())):
            known.setdefault(header_key(words), name)
    return known


KNOWN = _known()
EXPORTED = {header_key(h) for names in HEADERS.values() for h in names.values()}


class MapError(ValueError):
    """A `--map` that cannot be used: `key` of messages/<locale>/sheets.j2 and its `params`."""

    def __init__(self, key: str, **params: str) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params

    def text(self, words: Any, locale: str) -> str:
        return str(words(locale, "sheets.error", code=self.key, p=self.params))


def parse_map(text: str | None) -> dict[str, str]:
    """`"Kunde=customer, Verantwortlich=owner"` → {header: field}; a field by its key, either
    of its headers, or `-` to leave a column unread. Raises MapError."""
    found: dict[str, str] = {}
    for piece in re.split(r"[,，;；\n]", text or ""):
        if not piece.strip():
            continue
        head, eq, target = piece.partition("=")
        if not eq or not head.strip() or not target.strip():
            raise MapError("map_syntax", piece=piece.strip())
        found[head.strip()] = field_named(target.strip())
    return found


def field_named(text: str) -> str:
    """The field `text` names (its key or a header, `-` for none); MapError otherwise."""
    if text.strip() in (IGNORE, "ignore", "忽略"):
        return IGNORE
    key = header_key(text)
    for name in IMPORTED:
        if key in (header_key(name), *(header_key(h) for h in HEADERS[name].values())):
            return name
    raise MapError("map_field", field=text, fields=", ".join(IMPORTED))


@dataclass
class Columns:
    """A sheet's header row, read: field → its column (0-based), what each column is called,
    and the columns nobody reads."""

    fields: dict[str, int] = field(default_factory=dict)
    titles: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def has(self, *names: str) -> bool:
        return any(n in self.fields for n in names)


def recognise(header: Sequence[object], mapping: Mapping[str, str] | None = None) -> Columns:
    """The columns of a header row; `mapping` (header → field, from --map: a field's key or
    header, or -) wins. A field two columns claim is the first one's; the other is listed as
    ignored. MapError for a mapping to no field."""
    mapped = {header_key(h): field_named(f) for h, f in (mapping or {}).items()}
    found = Columns(titles=["" if h is None else str(h).strip() for h in header])
    for index, title in enumerate(found.titles):
        if not title:
            continue
        key = header_key(title)
        name = mapped.get(key)
        if name is None:
            name = KNOWN.get(key)
        if name is None and (bare := _TRAILING_BRACKET.sub("", title)) != title:
            name = KNOWN.get(header_key(bare))
        if name is None or name == IGNORE or name in found.fields:
            if name is not None or key not in EXPORTED:  # the export's own, not read: no news
                found.ignored.append(title)
            continue
        found.fields[name] = index
    return found


def unmapped(header: Sequence[object], mapping: Mapping[str, str]) -> list[str]:
    """The headers `mapping` names that the header row does not have (a typo, most likely)."""
    present = {header_key(str(h)) for h in header if h is not None}
    return [h for h in mapping if header_key(h) not in present]


def find_header(rows: Sequence[Sequence[object]], mapping: Mapping[str, str] | None) -> int:
    """Which of the first rows is the header: the first naming a customer (a title row may
    come before it, as some CRMs write "Exported on …" first); else the first row."""
    for index, cells in enumerate(rows[:10]):
        if recognise(cells, mapping).has("customer", "external_id"):
            return index
    return 0
