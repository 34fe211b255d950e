"""An attachment sent to Feishu: a stored file uploaded with im/v1/files (lark-oapi
`im.v1.file.create`, multipart) and sent as a `file` message with its file_key; a chart as an
`interactive` message, the card's own chart element (adapters/feishu/chart.py).

The upload is made right before the message that shows it, and a retry uploads again: an
uploaded file nobody was sent is seen by no one, and the message's `uuid` (the sender's
idempotency key) keeps a repeated send to one visible message."""

from __future__ import annotations

import io
import json

from lark_oapi.api.im.v1 import CreateFileRequest, CreateFileRequestBody

from adapters import attachments
from adapters.feishu.chart import chart_card
from adapters.feishu.client import Api
from bot.delivery import Delivery
from bot.outcome import Attachment

# im/v1/files' file_type by the name's suffix; anything else is a "stream" (any binary file)
FILE_TYPES = {
    "xls": "xls",
    "xlsx": "xls",
    "csv": "stream",
    "pdf": "pdf",
    "doc": "doc",
    "docx": "doc",
    "ppt": "ppt",
    "pptx": "ppt",
    "mp4": "mp4",
    "opus": "opus",
}


def file_type(name: str) -> str:
    return FILE_TYPES.get(name.rpartition(".")[2].lower(), "stream") if "." in name else "stream"


def content(api: Api, delivery: Delivery, attachment: Attachment) -> tuple[str, str]:
    """The message to send for the attachment: (msg_type, content JSON)."""
    if attachment.chart is not None:
        return "interactive", json.dumps(chart_card(attachment.chart), ensure_ascii=False)
    key = upload(api, attachment.name, attachments.file_bytes(delivery))
    return "file", json.dumps({"file_key": key})


def upload(api: Api, name: str, data: bytes) -> str:
    """Upload a file for a message; its file_key."""
    body = (
        CreateFileRequestBody.builder()
        .file_type(file_type(name))
        .file_name(name)
        .file(io.BytesIO(data))
        .build()
    )
    request = CreateFileRequest.builder().request_body(body).build()
    resp = api.call(lambda: api.client.im.v1.file.create(request))
    return str(resp.data.file_key)
