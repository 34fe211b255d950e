"""multipart/form-data bodies, read the way the platforms' upload APIs read them: the fakes'
half of Feishu's im/v1/files and WeCom's media/upload."""

from __future__ import annotations

import email.policy
from dataclasses import dataclass
from email.parser import BytesParser


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None  # None: a plain field
    content_type: str
    data: bytes

    @property
    def text(self) -> str:
        return self.data.decode()


def parts(content_type: str, raw: bytes) -> dict[str, Part]:
    """Each part of the body by its field name; ValueError when it is not multipart."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    if not message.is_multipart():
        raise ValueError("not a multipart body")
    found: dict[str, Part] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition") or "")
        found[name] = Part(
            name=name,
            filename=part.get_filename(),
            content_type=part.get_content_type(),
            data=part.get_payload(decode=True) or b"",
        )
    return found
