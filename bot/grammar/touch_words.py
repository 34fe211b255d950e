"""How a /log line says what kind of touch it was and where its next step starts, beyond the
kind's word right after the customer (bot/lexer.py TOUCH_TYPES).

A verb phrase anywhere in the notes decides the kind when no kind's word follows the customer:
打了个电话, 微信上聊了, 视频了一下, called them, left voicemail, emailed. The first one written
wins (called, then emailed: a call), and the reply says which words it was read from, so a
wrong guess is seen and corrected. Read on normalized text; the notes stay verbatim.
"""

from __future__ import annotations

import re

from bot.parse.normalize import ascii_lower, normalize

# (pattern, kind): the kinds as TOUCH_TYPES has them. A call on the phone or by voice is a
# call; face-to-face a visit; a conference, by phone or video, a meeting; written chat, chat.
_ZH = (
    (r"打了?(?:个|一个|一通|通|几个|两个)?(?:微信)?电话", "call"),
    (r"(?:通|回|接)了(?:个|一个|一通|通)?电话|电话(?:了|过|聊了|沟通了|联系了|里说)", "call"),
    (r"(?:微信|语音)(?:电话|语音|通话)了?|语音了", "call"),
    (r"(?:电话|视频|线上|腾讯|zoom|teams)会议|视频(?:了|聊了|沟通了|通话|会)", "meeting"),
    (r"开了(?:个|一个|场|一场)?(?:线上|视频|电话)?会议?", "meeting"),
    (
        r"上门(?:拜访)?了?|(?:去|登门)?拜访了|(?<![不看听意再])见了|见面了|面谈了|当面(?:聊|谈)了",
        "visit",
    ),
    (r"(?:发|回)了(?:个|封|一封)?邮件|邮件(?:了|沟通了|联系了|发了)", "email"),
    # written chat in general words: the chat app a customer uses is not ours to name here
    (r"(?:微信|qq|群里|线上|网上)上?(?:聊了|聊过|沟通了|联系了|说了)", "chat"),
    (r"(?:发|回)了(?:个|条|几条)?(?:微信|消息|短信)", "chat"),
)
_NOT = r"(?<!n't )(?<!not )(?<!never )(?<!so-)(?<!is )(?<!was )"  # "didn't call", "so-called"
_CALLED = (
    r"called|phoned|rang|had a (?:phone |quick )?call|gave \w+ a (?:call|ring)"
    r"|spoke (?:on|by|over) the phone|left (?:\w+ )?(?:a )?(?:voicemail|voice mail|vm)"
)
_VIDEO = (
    r"video[- ]?(?:call|chat|conference|meeting)|zoomed|(?:zoom|teams|webex) (?:call|meeting)"
    r"|conference call|had a meeting"
)
_EN = (
    (_CALLED, "call"),
    (_VIDEO, "meeting"),
    (r"visited|met(?: with)?|dropped by|stopped by|face[- ]to[- ]face|in person", "visit"),
    (r"e-?mailed|sent (?:\w+ )?(?:an? |the )?e-?mail", "email"),
    (r"texted|messaged|whatsapped|chatted|pinged|dm'?ed", "chat"),
)
_VERB = re.compile(
    "|".join(f"(?P<zh{n}>{p})" for n, (p, _) in enumerate(_ZH))
    + "|"
    + "|".join(rf"{_NOT}\b(?P<en{n}>{p})\b" for n, (p, _) in enumerate(_EN))
)
_KIND = {f"zh{n}": k for n, (_, k) in enumerate(_ZH)} | {
    f"en{n}": k for n, (_, k) in enumerate(_EN)
}


def touch_in(notes: str) -> tuple[str, str] | None:
    """(kind, the words it was read from, verbatim) for the first verb phrase in `notes`."""
    m = _VERB.search(ascii_lower(normalize(notes)))
    if m is None or m.lastgroup is None:
        return None
    return _KIND[m.lastgroup], notes[m.start() : m.end()]


# Where a next step starts: "next:", "Next step:", "next step -", "Next steps,"; 下一步 and 下步
# with any punctuation after them or none (下一步：, 下步周五前…). Words that also appear
# in a sentence (后续, 待办, 接下来, TODO, next, then, follow-up) mark a step only with a
# colon: "客户说后续再评估" is a note, "后续：周五前发方案" a step. Read on normalized text.
NEXT_STEP = re.compile(
    r"(?i)(?:^|(?<=[\s,.;!?。]))"
    r"(?:next\s+steps?\s*[:\-–—,]|(?:next|then|to-?do|follow[\s-]?ups?)\s*:)"
    r"|(?:下一步|(?<!一)下步(?!骤))(?:计划|安排)?\s*[:,;.。\-–—~]*"
    r"|(?:后续|待办|接下来)(?:计划|安排|事项)?\s*:"
)
