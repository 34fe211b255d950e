"""The [wecom] table of the configuration (config.example.toml documents each key)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, SecretStr, model_validator

from bot.config_types import ApiBase, Secret, Section, Text, aes_key, required_with


class WecomSection(Section):
    corp_id: Text
    agent_id: int
    secret: Secret
    token: Secret
    encoding_aes_key: Annotated[SecretStr, AfterValidator(aes_key)]
    api_base_url: ApiBase = "https://qyapi.weixin.qq.com/cgi-bin/"
    bot_id: Text | None = None  # the AI bot for group chats
    bot_secret: Secret | None = None

    @model_validator(mode="after")
    def _bot_pair(self) -> WecomSection:
        if self.bot_id is not None and self.bot_secret is None:
            raise required_with("wecom", "bot_secret", "when bot_id is set")
        if self.bot_secret is not None and self.bot_id is None:
            raise required_with("wecom", "bot_id", "when bot_secret is set")
        return self
