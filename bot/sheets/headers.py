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
    # the export's other columns (bot/sheets/export_sales.py, export_process.py); written for
    # people to read, not read back
    "ref": {"en": "Ref", "zh_CN": "记录号"},
    "deal_ref": {"en": "Deal ref", "zh_CN": "商机记录号"},
    "collaborators": {"en": "Collaborators", "zh_CN": "协作人"},
    "tags": {"en": "Tags", "zh_CN": "标签"},
    "created": {"en": "Created", "zh_CN": "创建时间"},
    "tax_note": {"en": "Tax note", "zh_CN": "含税说明"},
    "discount": {"en": "Discount %", "zh_CN": "折扣（%）"},
    "lost_reason": {"en": "Lost reason", "zh_CN": "输单原因"},
    "closed": {"en": "Closed", "zh_CN": "关闭时间"},
    "last_touch": {"en": "Last touch", "zh_CN": "最近跟进"},
    "type": {"en": "Type", "zh_CN": "类型"},
    "notes": {"en": "Notes", "zh_CN": "跟进内容"},
    "author": {"en": "By", "zh_CN": "记录人"},
    "occurred": {"en": "When", "zh_CN": "跟进时间"},
    "task": {"en": "Task", "zh_CN": "待办事项"},
    "due": {"en": "Due", "zh_CN": "截止时间"},
    "status": {"en": "Status", "zh_CN": "状态"},
    "done": {"en": "Done", "zh_CN": "完成时间"},
    "done_by": {"en": "Done by", "zh_CN": "完成人"},
    "question": {"en": "Question", "zh_CN": "问题"},
    "asked_by": {"en": "Asked by", "zh_CN": "提问人"},
    "asked": {"en": "Asked", "zh_CN": "提问时间"},
    "answered": {"en": "Answered", "zh_CN": "答复时间"},
    "answered_by": {"en": "Answered by", "zh_CN": "答复人"},
    "answer": {"en": "Answer", "zh_CN": "答复内容"},
    "requirement": {"en": "Requirement", "zh_CN": "需求内容"},
    "version": {"en": "Version", "zh_CN": "版本"},
    "confirmers": {"en": "Confirmers", "zh_CN": "确认人"},
    "confirmed_by": {"en": "Confirmed by", "zh_CN": "已确认"},
    "change_by": {"en": "Change asked by", "zh_CN": "要求修改"},
    "reason": {"en": "Reason", "zh_CN": "申请理由"},
    "requester": {"en": "Requested by", "zh_CN": "申请人"},
    "approver": {"en": "Approver", "zh_CN": "审批人"},
    "requested": {"en": "Requested", "zh_CN": "申请时间"},
    "decided": {"en": "Decided", "zh_CN": "审批时间"},
    "decided_by": {"en": "Decided by", "zh_CN": "决定人"},
    "decision_note": {"en": "Decision note", "zh_CN": "审批意见"},
    "step": {"en": "Step", "zh_CN": "期次"},
    "terms": {"en": "Terms", "zh_CN": "付款条件"},
    "percent": {"en": "Percent", "zh_CN": "比例（%）"},
    "due_on": {"en": "Due on", "zh_CN": "应收日期"},
    "milestone": {"en": "Milestone", "zh_CN": "里程碑"},
    "paid": {"en": "Received", "zh_CN": "已收金额"},
    "paid_at": {"en": "Paid in full", "zh_CN": "结清时间"},
    "received_on": {"en": "Received on", "zh_CN": "回款日期"},
    "recorded_by": {"en": "Recorded by", "zh_CN": "登记人"},
    "recorded": {"en": "Recorded", "zh_CN": "登记时间"},
}


def header(field: str, locale: str) -> str:
    names = HEADERS[field]
    return names.get(locale) or names["en"]
