"""A file sent to the bot on Feishu (an `im.message.receive_v1` of message_type "file", content
`{"file_key", "file_name"}`), fetched in the worker: GET
/open-apis/im/v1/messages/:message_id/resources/:file_key?type=file with the tenant token.

The request is lark-oapi's own (`GetMessageResourceRequest`: its path and query) and so is the
token (the SDK's cached tenant token); only the reading is ours. lark-oapi's
`message_resource.get` reads the whole body into memory before it returns (requests without
`stream`), and the event states no size, so a 100 MB file would be read whole; here the body is
streamed and reading stops past the import's limit.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
import requests
from lark_oapi.api.im.v1 import GetMessageResourceRequest
from lark_oapi.core.exception import ObtainAccessTokenException
from lark_oapi.core.token.manager import TokenManager

from adapters.download import Downloaded, DownloadFailed, receive, stream
from adapters.feishu.client import EXPIRED, Api
from bot.events import Upload


class _Expired(Exception):
    """The cached tenant token was refused (99991663 in a 200 answer): take a new one."""


def _refuse(response: httpx.Response, head: bytes) -> str | None:
    """Feishu answers a failure in JSON (`code`, `msg`), at times with HTTP 200."""
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        answer: Any = json.loads(head)
    except ValueError:
        return "an answer in JSON that cannot be read"
    code = answer.get("code") if isinstance(answer, dict) else None
    if code in EXPIRED:
        raise _Expired
    return f"feishu code {code}"


def request_of(message_id: str, file_key: str) -> GetMessageResourceRequest:
    return (
        GetMessageResourceRequest.builder()
        .message_id(message_id)
        .file_key(file_key)
        .type("file")
        .build()
    )


def fetch(api: Api, http: httpx.Client, message_id: str, file_key: str, name: str) -> Upload:
    """The Upload for one file message."""
    request = request_of(message_id, file_key)
    config = api.client.config  # the SDK's read-only view: app id, secret, domain
    uri = request.uri
    for key, value in request.paths.items():
        uri = uri.replace(":" + key, quote(str(value), safe=""))

    def download(limit: int) -> Downloaded:
        if config is None or not file_key:
            raise DownloadFailed("no file_key in the event")
        for attempt in (1, 2):
            try:
                token = TokenManager.get_self_tenant_token(config)
            except (ObtainAccessTokenException, requests.RequestException, ValueError) as e:
                raise DownloadFailed(f"tenant token: {e.__class__.__name__}") from None
            try:
                return stream(
                    http,
                    config.domain + uri,
                    limit=limit,
                    headers={"Authorization": f"Bearer {token}"},
                    params=dict(request.queries),
                    refuse=_refuse,
                )
            except _Expired:
                if attempt == 2:
                    raise DownloadFailed("tenant token refused twice") from None
                api.forget_token()
        raise AssertionError("unreachable")

    return receive(name, None, download)
