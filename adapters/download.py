"""Fetching a file someone sent the bot, in the worker's parse (never at the edge): the one way
every platform downloads, so that each stops reading past the limit the same way.

`receive` applies bot/uploads.py's rule: a file whose name says it is no spreadsheet, or whose
stated size is over the limit, is refused without a byte downloaded; otherwise the platform's
`download` streams it and gives up as soon as it is past the limit (a platform that states no
size, or states a wrong one, costs at most the limit plus one chunk). Whatever goes wrong
becomes `Upload.refused`, which the import answers in the sender's language; nothing here
raises into the inbox, which would only retry and then quote an empty text back.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import httpx

from bot import uploads
from bot.events import Upload

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024


class DownloadFailed(Exception):
    """The platform did not hand the file over (gone, not allowed, unreachable): the reason is
    for the log, never for the person."""


@dataclass(frozen=True)
class Downloaded:
    data: bytes | None  # None: past the limit, and reading stopped there
    name: str = ""  # the name the download itself gives (Content-Disposition), if any
    content_type: str = ""
    size: int | None = None  # the size the download states (Content-Length), if it does


Download = Callable[[int], Downloaded]  # the limit in bytes → the file, or past it


def receive(name: str, stated: int | None, download: Download) -> Upload:
    """The Upload for a file the platform names `name` ("" when only the download says) and
    sizes `stated` (None: it does not say), fetched with `download` when worth it."""
    if name and (why := uploads.refusal(name, stated)):
        return Upload(name=name, size=stated, refused=why)
    try:
        got = download(uploads.MAX_BYTES)
    except DownloadFailed as e:
        logger.info("upload not fetched: %s", e)
        return Upload(name=name, size=stated, refused=uploads.FETCH_FAILED)
    name = name or got.name
    if got.data is None:
        return Upload(name=name, size=got.size or stated, refused=uploads.TOO_LARGE)
    if why := uploads.refusal(name, len(got.data)):
        return Upload(name=name, size=len(got.data), refused=why)
    return Upload(name=name, size=len(got.data), data=got.data)


_FILENAME_STAR = re.compile(r"filename\*\s*=\s*([^']*)'[^']*'([^;]+)", re.IGNORECASE)
_FILENAME = re.compile(r'filename\s*=\s*"?([^";]+)"?', re.IGNORECASE)


def disposition_name(header: str) -> str:
    """The file name a Content-Disposition header gives (RFC 6266: `filename*` first)."""
    if m := _FILENAME_STAR.search(header or ""):
        return unquote(m.group(2).strip(), encoding=m.group(1) or "utf-8", errors="replace")
    if m := _FILENAME.search(header or ""):
        return m.group(1).strip()
    return ""


def stream(
    client: httpx.Client,
    url: str,
    *,
    limit: int,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    refuse: Callable[[httpx.Response, bytes], str | None] = lambda r, head: None,
    timeout: float = 30.0,
) -> Downloaded:
    """GET `url` and read at most `limit` bytes of it. A stated Content-Length over the limit
    stops before the body; a body that grows past it stops there. `refuse` looks at the
    response and its first bytes and names what is wrong with it (an error in JSON where a
    file should be), or None."""
    try:
        with client.stream("GET", url, headers=headers, params=params, timeout=timeout) as response:
            if response.status_code >= 300:
                raise DownloadFailed(f"HTTP {response.status_code}")
            name = disposition_name(response.headers.get("content-disposition", ""))
            kind = response.headers.get("content-type", "")
            length = response.headers.get("content-length", "")
            stated = int(length) if length.isdigit() else None
            if stated is not None and stated > limit:
                return Downloaded(data=None, name=name, content_type=kind, size=stated)
            got = bytearray()
            for chunk in response.iter_bytes(CHUNK):
                if not got and (why := refuse(response, chunk)):  # the first bytes tell
                    raise DownloadFailed(why)
                got += chunk
                if len(got) > limit:
                    return Downloaded(data=None, name=name, content_type=kind)
            if not got and (why := refuse(response, b"")):
                raise DownloadFailed(why)
            return Downloaded(data=bytes(got), name=name, content_type=kind)
    except httpx.HTTPError as e:
        raise DownloadFailed(f"unreachable: {e.__class__.__name__}") from None


def local(path: str, limit: int) -> Downloaded:
    """A file on this machine (the console's `:file`), read the same way: its size first."""
    try:
        file = Path(path)
        if (size := file.stat().st_size) > limit:
            return Downloaded(data=None, name=file.name, size=size)
        with file.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise DownloadFailed(f"{e.__class__.__name__}") from None
    return Downloaded(data=None if len(data) > limit else data, name=file.name)
