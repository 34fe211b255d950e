"""The columns dealbot writes, by kind, with their header in each language. The export writes
these headers and the import recognises them (with the usual names other CRMs use, in
bot/sheets/columns.py), so a file exported from dealbot imports back unchanged."""

from __future__ import annotations

# kind → sheet title per locale
SHEETS: dict[str, dict[str, str]] = {
    "customers": {"en": "Customers", "zh_CN": "客户"},
    "deals": {"en": "Deals", "zh_CN": "商机"},
    "contacts": {"en": "Contacts", "zh_CN": "联系人"},
    "touches": {"en": "Touches", "zh_CN": "跟进记录"},
    "tasks": {"en": "Tasks", "zh_CN": "待办"},
    "questions": {"en": "Questions", "zh_CN": "客户问题"},
    "requirements": {"en": "Requirements", "zh_CN": "需求"},
    "approvals": {"en": "Approvals", "zh_CN": "审批"},
    "payments": {"en": "Payment plan", "zh_CN": "回款计划"},
    "receipts": {"en": "Payments received", "zh_CN": "已回款"},
    "milestones": {"en": "Milestones", "zh_CN": "交付里程碑"},
}

# field → header per locale; the fields the import reads are marked in bot/sheets/columns.py
HEADERS: dict[str, dict[str, str]] = {
    "external_id": {"en": "External ID", "zh_CN": "外部编号"},
    "customer": {"en": "Customer", "zh_CN": "客户名称"},
    "aliases": {"en": "Aliases", "zh_CN": "别名"},
    "owner": {"en": "Owner", "zh_CN": "负责人"},
    "deal": {"en": "Deal", "zh_CN": "商机名称"},
    "stage": {"en": "Stage", "zh_CN": "阶段"},
    "amount": {"en": "Amount", "zh_CN": "金额"},
    "currency": {"en": "Currency", "zh_CN": "币种"},
    "expected_close": {"en": "Expected close", "zh_CN": "预计成交日期"},
    "contact": {"en": "Contact", "zh_CN": "联系人"},
    "title": {"en": "Title", "zh_CN": "职位"},
    "email": {"en": "Email", "zh_CN": "邮箱"},
    "phone": {"en": "Phone", "zh_CN": "电话"},
}


def header(field: str, locale: str) -> str:
    names = HEADERS[field]
    return names.get(locale) or names["en"]
