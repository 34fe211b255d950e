"""The [slack] table of the configuration (config.example.toml documents each key)."""

from __future__ import annotations

from bot.config_types import ApiBase, Secret, Section


class SlackSection(Section):
    bot_token: Secret
    signing_secret: Secret
    app_token: Secret | None = None  # set: Socket Mode instead of HTTP events
    api_base_url: ApiBase = "https://slack.com/api/"
