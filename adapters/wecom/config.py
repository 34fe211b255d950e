"""The [wecom] table of the configuration (config.example.toml documents each key)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, SecretStr, model_validator

from bot.config_types import ApiBase, Secret, Section, Text, aes_key, problem, required_with


def _websocket(value: str) -> str:
    if not value.startswith(("wss://", "ws://")):
        raise problem(f"must start with wss:// (ws:// only for a test server), not {value!r}")
    return value


class WecomSection(Section):
    # the self-built app (自建应用): 1:1 chats, card clicks and every push
    corp_id: Text
    agent_id: int
    secret: Secret
    token: Secret
    encoding_aes_key: Annotated[SecretStr, AfterValidator(aes_key)]
    api_base_url: ApiBase = "https://qyapi.weixin.qq.com/cgi-bin/"
    # the AI bot (智能机器人) for group chats: its long connection (bot_id + bot_secret) ...
    bot_id: Text | None = None
    bot_secret: Secret | None = None
    bot_ws_url: Annotated[str, AfterValidator(_websocket)] = "wss://openws.work.weixin.qq.com"
    # ... or its HTTP callback at /wecom/aibot (its own token and key)
    aibot_token: Secret | None = None
    aibot_encoding_aes_key: Annotated[SecretStr, AfterValidator(aes_key)] | None = None

    @model_validator(mode="after")
    def _pairs(self) -> WecomSection:
        pairs = [("bot_id", "bot_secret"), ("aibot_token", "aibot_encoding_aes_key")]
        for a, b in pairs + [(b, a) for a, b in pairs]:
            if getattr(self, a) is not None and getattr(self, b) is None:
                raise required_with("wecom", b, f"when {a} is set")
        return self
