"""The [feishu] table of the configuration (config.example.toml documents each key)."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from bot.config_types import Domain, Secret, Section, Text, required_with


class FeishuSection(Section):
    app_id: Text
    app_secret: Secret
    verification_token: Secret | None = None
    encrypt_key: Secret | None = None
    mode: Literal["webhook", "websocket"] = "webhook"
    domain: Domain = "https://open.feishu.cn"

    @model_validator(mode="after")
    def _webhook_needs_token(self) -> FeishuSection:
        if self.mode == "webhook" and self.verification_token is None:
            raise required_with("feishu", "verification_token", 'when mode = "webhook"')
        return self
