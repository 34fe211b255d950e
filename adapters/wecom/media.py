"""An attachment sent to a person through the self-built app: a stored file uploaded with
media/upload (type=file) and sent as a `file` message, a chart drawn as a PNG uploaded as an
image and sent as an `image` message (message/send). A media_id lasts 3 days, so it is made
right before the message that uses it, and a retry makes a new one.

The AI bot answers in group chats with words and cards only: its HTTP callback's replies take
stream and template_card (document/path/101031) and its response_url markdown and
template_card (101138), and the long connection's SDK pinned here (wecom-aibot-python-sdk
1.0.2) has no media upload. So a file asked for in a group goes to the person through the app
(adapters/wecom/sender.py), and only when the app cannot reach them is the group told, in
words, that it could not be shown there."""

from __future__ import annotations

from adapters import attachments
from adapters.wecom.client import Api
from bot.delivery import Delivery
from bot.outcome import Attachment


def send(api: Api, user: str, delivery: Delivery, attachment: Attachment, *, window: int) -> str:
    """Upload the attachment and send it to `user`; the message's msgid. `window`: the
    sender's duplicate check, in seconds."""
    kind = "image" if attachment.chart is not None else "file"
    name, data = attachments.content(delivery, attachment)
    media_id = api.upload(kind, name, data)
    answer = api.call(
        "POST",
        "message/send",
        {
            "touser": user,
            "agentid": api.config.agent_id,
            "msgtype": kind,
            kind: {"media_id": media_id},
            "enable_duplicate_check": 1,
            "duplicate_check_interval": window,
        },
    )
    return str(answer.get("msgid") or "")
