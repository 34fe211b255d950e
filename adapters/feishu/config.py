"""The [feishu] table of the configuration (config.example.toml documents each key)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, model_validator

from bot.config_types import Domain, Secret, Section, Text, problem, required_with

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _origin(value: str) -> str:
    """What lark-oapi accepts as a domain, checked here so that a mistake is a check-config
    line and not a crash at start: an origin only, https except on this machine (tests)."""
    parts = urlsplit(value)
    if parts.path or parts.query or parts.fragment or parts.username:
        raise problem(f"must be an origin like https://open.feishu.cn (no path), not {value!r}")
    if parts.scheme != "https" and parts.hostname not in LOOPBACK:
        raise problem(
            f"must use https:// (http only for a test server on 127.0.0.1), not {value!r}"
        )
    return value


class FeishuSection(Section):
    app_id: Text
    app_secret: Secret
    verification_token: Secret | None = None
    encrypt_key: Secret | None = None
    mode: Literal["webhook", "websocket"] = "webhook"
    domain: Annotated[Domain, AfterValidator(_origin)] = "https://open.feishu.cn"

    @model_validator(mode="after")
    def _webhook_is_verified(self) -> FeishuSection:
        # a webhook without both would take events anyone can forge or read
        if self.mode == "webhook" and self.verification_token is None:
            raise required_with("feishu", "verification_token", 'when mode = "webhook"')
        if self.mode == "webhook" and self.encrypt_key is None:
            raise required_with("feishu", "encrypt_key", 'when mode = "webhook"')
        return self
