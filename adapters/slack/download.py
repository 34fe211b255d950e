"""A file shared with the bot on Slack (a message event of subtype `file_share`, with a `files`
array), fetched in the worker: `url_private_download` with the bot token as a Bearer header
(the files:read scope). Slack states each file's `size`, so an oversized one is refused before
a byte is read.

The bot token is only ever sent to Slack's own hosts (or, in tests, the host of the configured
API): the URL comes from the event, and the token must not follow it anywhere else. Redirects
are not followed either: Slack answers a token it does not accept with a redirect (or a 200)
to its sign-in page, which is a failed fetch, not a spreadsheet.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from adapters.download import Downloaded, DownloadFailed, receive, stream
from bot.events import Upload

SLACK_HOSTS = ("slack.com", "slack-edge.com", "slack-files.com")


def shared_file(event: dict[str, Any]) -> dict[str, Any] | None:
    """The first file a message shares; None for a message without one."""
    files = event.get("files")
    if isinstance(files, list) and files and isinstance(files[0], dict):
        return files[0]
    return None


def _ours(url: str, api_base_url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    api = (urlsplit(api_base_url).hostname or "").lower()
    slack = any(host == h or host.endswith("." + h) for h in SLACK_HOSTS)
    return urlsplit(url).scheme in ("https", "http") and (slack or (bool(host) and host == api))


def _html(response: httpx.Response, head: bytes) -> str | None:
    if "text/html" in response.headers.get("content-type", ""):
        return "Slack answered with a web page (the token lacks files:read?)"
    return None


def fetch(http: httpx.Client, token: str, api_base_url: str, file: dict[str, Any]) -> Upload:
    """The Upload for one shared file object."""
    name = str(file.get("name") or file.get("title") or "")
    size = file.get("size")
    url = str(file.get("url_private_download") or file.get("url_private") or "")

    def download(limit: int) -> Downloaded:
        if not url or not _ours(url, api_base_url):
            raise DownloadFailed("no Slack download URL in the event")
        return stream(
            http, url, limit=limit, headers={"Authorization": f"Bearer {token}"}, refuse=_html
        )

    return receive(name, size if isinstance(size, int) else None, download)
