"""A file a member sends the self-built app 1:1 (callback `MsgType=file` with its `MediaId`),
fetched in the worker with `GET media/get?access_token=…&media_id=…` (document/path/90254):
the file itself, its name in `Content-disposition: attachment; filename="…"` and its size in
`Content-Length`, or an error as JSON (`errcode`, `errmsg`) — with HTTP 200 either way.

The callback's documented fields for a file are only `MediaId` (path/96467 lists none for
files at all; open-source adapters record `FileName` and at times `FileSize` as well), so the
name and the size are taken from the callback when it has them and from the download's own
headers when it has not; a stated size over the limit stops before the body either way.
"""

from __future__ import annotations

import json

import httpx

from adapters.download import Downloaded, DownloadFailed, receive, stream
from adapters.wecom.client import EXPIRED, Api
from bot.delivery import RetryLater
from bot.events import Upload


class _Expired(Exception):
    """The cached access token was refused: take a new one."""


def _refuse(response: httpx.Response, head: bytes) -> str | None:
    """An answer without a file: JSON with an errcode (a media_id past its 3 days: 40007)."""
    kind = response.headers.get("content-type", "")
    if "json" not in kind and "content-disposition" in response.headers:
        return None
    if not head.lstrip().startswith(b"{"):
        return None
    try:
        code = json.loads(head).get("errcode")
    except (ValueError, AttributeError):
        return None if "json" not in kind else "an answer in JSON that cannot be read"
    if code in EXPIRED:
        raise _Expired
    return f"wecom errcode {code}"


def fetch(api: Api, media_id: str, name: str, size: int | None) -> Upload:
    """The Upload for one file message."""

    def download(limit: int) -> Downloaded:
        if not media_id:
            raise DownloadFailed("no MediaId in the callback")
        for attempt in (1, 2):
            try:
                token = api.token()
            except RetryLater as e:
                raise DownloadFailed(str(e)) from None
            try:
                return stream(
                    api.http,
                    "media/get",
                    limit=limit,
                    params={"access_token": token, "media_id": media_id},
                    refuse=_refuse,
                )
            except _Expired:
                if attempt == 2:
                    raise DownloadFailed("access token refused twice") from None
                api.forget(token)
        raise AssertionError("unreachable")

    return receive(name, size, download)
