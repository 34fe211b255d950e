"""bot/config.py: the TOML config file, its environment overrides and its problem lines."""

from __future__ import annotations

import re
import traceback
from datetime import date, time
from pathlib import Path
from typing import get_args

import pytest
from pydantic import BaseModel

from adapters.registry import sections
from bot import config as core_config
from bot.config import Config, ConfigError
from bot.config_pipeline import StageSection
from bot.pipeline import DEFAULT_STAGES
from bot.settings import Rules, Settings


def load_config(path, env=None):  # type: ignore[no-untyped-def]
    """The configuration as the CLI loads it: with every registered platform's table."""
    return core_config.load_config(path, env, platforms=sections())


def check_config(path, env=None):  # type: ignore[no-untyped-def]
    return core_config.check_config(path, env, platforms=sections())


EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dealbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    return check_config(write(tmp_path, text), env or {})


def stage(key: str, days: int | None = None, closed: bool = False, **extra: str) -> str:
    lines = ["[[pipeline.stages]]", f'key = "{key}"']
    lines += [f'{k} = "{v}"' for k, v in extra.items()]
    lines += [f"stale_after_days = {days}"] if days is not None else []
    lines += ["closed = true"] if closed else []
    return "\n".join(lines) + "\n"


WON_LOST = stage("won", closed=True) + stage("lost", closed=True)
AES_KEY = "k" * 43
WECOM = f"""[wecom]
corp_id = "ww1"
agent_id = 1000002
secret = "s"
token = "t"
encoding_aes_key = "{AES_KEY}"
"""


# --- defaults and the example file ------------------------------------------------------------


def test_defaults_without_a_file() -> None:
    config = load_config(None, env={})
    assert config.database.url == "sqlite:///dealbot.db"
    assert (config.server.host, config.server.port) == ("127.0.0.1", 8080)
    assert config.outbox.max_attempts == 8
    assert config.outbox.base_backoff_seconds == 2.0
    assert config.outbox.max_backoff_seconds == 300
    assert config.outbox.claim_timeout_seconds is None  # deprecated: leases took its place
    assert (config.server.worker_lease_seconds, config.outbox.concurrency) == (10, 8)
    assert (config.outbox.batch_size, config.outbox.poll_seconds) == (50, 1.0)
    assert config.scheduler.interval_seconds == 30
    assert config.bot.holidays == "auto"  # the CN calendar for a mainland-China zone
    assert (config.slack, config.feishu, config.wecom) == (None, None, None)
    assert config.platforms == []
    settings = config.settings()
    assert settings.pipeline.stages == DEFAULT_STAGES
    assert settings.rules == Rules()
    assert settings.holidays == "auto"
    default = Settings()
    for name in ("timezone", "locale", "currency", "day_start", "day_end", "max_message_chars"):
        assert getattr(settings, name) == getattr(default, name), name
    assert settings.zone_configured is False  # a platform that knows its zone may suggest it


def test_a_workspace_takes_its_platforms_zone_only_when_none_is_configured(
    tmp_path: Path,
) -> None:
    free = load_config(None, env={}).settings()
    china = free.for_workspace("Asia/Shanghai")
    assert (china.timezone, china.locale, china.default_currency) == (
        "Asia/Shanghai",
        "zh_CN",
        "CNY",
    )
    national_day = date(2026, 10, 1)  # a Thursday: China's holiday, a working day elsewhere
    assert not china.calendar_for(china.timezone).is_working_day(national_day)
    assert free.calendar_for(free.timezone).is_working_day(national_day)
    assert free.for_workspace(None) is free
    chosen = load_config(write(tmp_path, '[bot]\ntimezone = "Europe/Berlin"'), env={}).settings()
    assert chosen.for_workspace("Asia/Shanghai").timezone == "Europe/Berlin"
    spoken = load_config(write(tmp_path, '[bot]\nlocale = "en"'), env={}).settings()
    assert (
        spoken.for_workspace("Asia/Shanghai").locale,
        spoken.for_workspace("Asia/Shanghai").timezone,
    ) == ("en", "Asia/Shanghai")


def test_an_empty_file_means_defaults(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, ""), env={}) == load_config(None, env={})


def test_the_example_file_loads_as_is() -> None:
    assert check_config(EXAMPLE, env={}) == []
    config = load_config(EXAMPLE, env={})
    assert config.platforms == []  # platform tables are commented out
    assert config.settings().pipeline.stages == DEFAULT_STAGES  # it spells out the defaults
    defaults = load_config(None, env={})
    for section in ("database", "bot", "rules", "server", "outbox", "scheduler"):
        assert getattr(config, section) == getattr(defaults, section), section


def test_the_example_documents_every_key() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    parts = re.split(r"(?m)^#?\[+([a-z.]+)\]+\s*$", text)  # [[pipeline.stages]] repeats
    tables: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        tables[name] = tables.get(name, "") + body
    sections = {name: _model(field.annotation) for name, field in Config.model_fields.items()}
    sections["pipeline.stages"] = StageSection
    del sections["pipeline"]
    stages_intro = text[: text.index("[[pipeline.stages]]")].rsplit("\n\n", 1)[-1]
    for section, model in sections.items():
        for key in model.model_fields:
            line = re.search(rf"(?m)^#? ?{key} = [^#\n]*(# *\S.*)?$", tables[section])
            assert line, f"{section}.{key} is missing from config.example.toml"
            explained = line[1] or (section == "pipeline.stages" and key in stages_intro)
            assert explained, f"{section}.{key} has no comment in config.example.toml"


def _model(annotation: object) -> type[BaseModel]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next(_model(a) for a in get_args(annotation) if a is not type(None))


def test_the_examples_platform_tables_are_valid_when_uncommented(tmp_path: Path) -> None:
    text = re.sub(r"(?m)^#(?=[\[a-z])", "", EXAMPLE.read_text(encoding="utf-8"))
    config = load_config(write(tmp_path, text), env={})
    assert config.platforms == ["slack", "feishu", "wecom"]
    assert config.wecom and config.wecom.agent_id == 1000002


# --- one line per problem ---------------------------------------------------------------------

CASES = [
    ("bad tz", '[bot]\ntimezone = "Mars/Base"', ["bot.timezone: unknown time zone 'Mars/Base'"]),
    ("bad locale", '[bot]\nlocale = "fr"', ["bot.locale: must be 'en' or 'zh_CN', not 'fr'"]),
    (
        "bad time",
        '[bot]\nday_start = "9am"',
        ["bot.day_start: must be a time \"HH:MM\" (24-hour clock), not '9am'"],
    ),
    (
        "hour 25",
        '[rules]\ndigest_at = "25:00"',
        ["rules.digest_at: must be a time \"HH:MM\" (24-hour clock), not '25:00'"],
    ),
    (
        "start after end",
        '[bot]\nday_start = "18:00"\nday_end = "09:00"',
        ["bot.day_end: must be later than day_start (18:00)"],
    ),
    (
        "start equals end",
        "[bot]\nday_start = 09:00:00\nday_end = 09:00:00",
        ["bot.day_end: must be later than day_start (09:00)"],
    ),
    (
        "currency",
        '[bot]\ncurrency = "usd"',
        ["bot.currency: must be a 3-letter currency code in capitals like 'USD', not 'usd'"],
    ),
    (
        "holidays",
        '[bot]\nholidays = "US"',
        ["bot.holidays: must be 'auto', 'none' or 'CN', not 'US'"],
    ),
    (
        "unknown country",
        '[calendar]\ncountry = "XX"',
        [
            (
                "calendar.country: unknown country code 'XX' (did you mean 'XK', 'SX', 'MX'?): "
                "use the two-letter ISO 3166 code of a country the holidays package knows, like "
                "'US', 'GB', 'DE' or 'CN'"
            )
        ],
    ),
    (
        "country with a fixed calendar",
        '[bot]\nholidays = "none"\n[calendar]\ncountry = "US"',
        [
            (
                'calendar.country: [bot] holidays = "none" already chooses the calendar; remove '
                'one of them (holidays = "auto" follows country)'
            )
        ],
    ),
    (
        "message size",
        "[bot]\nmax_message_chars = 50",
        ["bot.max_message_chars: must be between 100 and 40000"],
    ),
    (
        "negative rules",
        "[rules]\nminutes_prompt_after_min = -5\nconfirm_remind_after_wd = 0",
        [
            "rules.minutes_prompt_after_min: must be greater than 0",
            "rules.confirm_remind_after_wd: must be greater than 0",
        ],
    ),
    (
        "escalate not after alert",
        "[rules]\nquestion_alert_after_wh = 4\nquestion_escalate_after_wh = 4",
        ["rules.question_escalate_after_wh: must be greater than question_alert_after_wh (4)"],
    ),
    ("bad port", "[server]\nport = 70000", ["server.port: must be between 1 and 65535"]),
    ("port as text", '[server]\nport = "8080"', ["server.port: must be a whole number"]),
    ("port as bool", "[server]\nport = true", ["server.port: must be a whole number"]),
    ("unknown key", '[bot]\ncolour = "red"', ["bot.colour: unknown key"]),
    (
        "typo",
        '[bot]\ntime_zone = "UTC"',
        ["bot.time_zone: unknown key (did you mean 'timezone'?)"],
    ),
    ("unknown section", "[colours]\nred = 1", ["colours: unknown section"]),
    (
        "misspelt section",
        "[slak]\nbot_token = 1",
        ["slak: unknown section (did you mean 'slack'?)"],
    ),
    ("section not a table", 'server = "x"', ["server: must be a table"]),
    (
        "wecom aes key length",
        WECOM.replace(AES_KEY, "short"),
        ["wecom.encoding_aes_key: must be exactly 43 characters"],
    ),
    ("wecom agent id", WECOM.replace("1000002", '"x"'), ["wecom.agent_id: must be a whole number"]),
    (
        "wecom bot half set",
        WECOM + 'bot_id = "b"\n',
        ["wecom.bot_secret: required when bot_id is set (or set DEALBOT_WECOM_BOT_SECRET)"],
    ),
    (
        "slack missing signing secret",
        '[slack]\nbot_token = "xoxb-1"',
        [
            (
                "slack.signing_secret: required when [slack] is configured "
                "(or set DEALBOT_SLACK_SIGNING_SECRET)"
            )
        ],
    ),
    (
        "empty slack table",
        "[slack]",
        [
            "slack.bot_token: required when [slack] is configured (or set DEALBOT_SLACK_BOT_TOKEN)",
            (
                "slack.signing_secret: required when [slack] is configured "
                "(or set DEALBOT_SLACK_SIGNING_SECRET)"
            ),
        ],
    ),
    (
        "slack empty token",
        '[slack]\nbot_token = ""\nsigning_secret = "s"',
        ["slack.bot_token: must not be empty"],
    ),
    (
        "slack api url",
        '[slack]\nbot_token = "b"\nsigning_secret = "s"\napi_base_url = "slack.com"',
        ["slack.api_base_url: must start with http:// or https://, not 'slack.com'"],
    ),
    (
        "feishu webhook without token",
        '[feishu]\napp_id = "cli_1"\napp_secret = "s"',
        [
            (
                'feishu.verification_token: required when mode = "webhook" '
                "(or set DEALBOT_FEISHU_VERIFICATION_TOKEN)"
            )
        ],
    ),
    (
        "feishu mode",
        '[feishu]\napp_id = "cli_1"\napp_secret = "s"\nmode = "poll"',
        ["feishu.mode: must be 'webhook' or 'websocket', not 'poll'"],
    ),
    (
        "pipeline without won/lost",
        stage("lead", 7) + stage("done", closed=True),
        [
            "pipeline.stages: needs a closed stage with key 'won'",
            "pipeline.stages: needs a closed stage with key 'lost'",
            "pipeline.stages: only 'won' and 'lost' can be closed, not 'done'",
        ],
    ),
    (
        "won not closed",
        stage("lead", 7) + stage("won", 3) + stage("lost", closed=True),
        ["pipeline.stages: stage 'won' must have closed = true"],
    ),
    (
        "duplicate stage keys",
        stage("lead", 7) + stage("lead", 3) + WON_LOST,
        ["pipeline.stages: key 'lead' is used by more than one stage"],
    ),
    (
        "duplicate stage names",
        stage("lead", 7, zh_CN="线索") + stage("qualify", 3, zh_CN="线索") + WON_LOST,
        ["pipeline.stages: name '线索' is used by stages 'lead' and 'qualify'"],
    ),
    (
        "first stage closed",
        WON_LOST + stage("lead", 7),
        ["pipeline.stages: the first stage is where new deals start, so it must be open"],
    ),
    (
        "open stage without staleness",
        stage("lead") + WON_LOST,
        ["pipeline.stages[0].stale_after_days: required for an open stage"],
    ),
    (
        "stage key and requirement",
        stage("Lead Gen", 0) + 'requires = ["budget"]\n' + WON_LOST,
        [
            (
                "pipeline.stages[0].key: must be lower-case letters, digits and _, "
                "starting with a letter: 'Lead Gen'"
            ),
            "pipeline.stages[0].stale_after_days: must be greater than 0",
            "pipeline.stages[0].requires[0]: must be 'amount', not 'budget'",
        ],
    ),
    (
        "outbox backoff order",
        "[outbox]\nbase_backoff_seconds = 10\nmax_backoff_seconds = 5",
        ["outbox.max_backoff_seconds: must be at least base_backoff_seconds (10)"],
    ),
    (
        "outbox nan",
        "[outbox]\npoll_seconds = nan",
        ["outbox.poll_seconds: must be a finite number"],
    ),
    (
        "scheduler",
        "[scheduler]\ninterval_seconds = 0",
        ["scheduler.interval_seconds: must be greater than 0"],
    ),
    (
        "database url",
        '[database]\nurl = "not a url"',
        [
            (
                "database.url: not a database URL; e.g. sqlite:///dealbot.db or "
                "postgresql+psycopg://user@host/dealbot"
            )
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_mistake_is_one_exact_line(tmp_path: Path, text: str, expected: list[str]) -> None:
    assert problems(tmp_path, text) == expected


def test_toml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[bot]\ntimezone "UTC"\n')
    assert check_config(path, env={}) == [
        f"{path}: line 2: Expected '=' after a key in a key/value pair"
    ]


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    assert check_config(path, env={}) == [f"{path}: no such file"]
    assert check_config(str(path), env={}) == [f"{path}: no such file"]


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    text = f"""
[bot]
timezone = "Mars/Base"
colour = "red"
[rules]
question_alert_after_wh = 5
question_escalate_after_wh = 3
[server]
port = 0
{WECOM.replace(AES_KEY, "short")}
{stage("lead", 7) + stage("lead", 7)}
"""
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env={})
    expected = [
        "bot.timezone: unknown time zone 'Mars/Base'",
        "bot.colour: unknown key",
        "rules.question_escalate_after_wh: must be greater than question_alert_after_wh (5)",
        "pipeline.stages: key 'lead' is used by more than one stage",
        "pipeline.stages: needs a closed stage with key 'won'",
        "pipeline.stages: needs a closed stage with key 'lost'",
        "server.port: must be between 1 and 65535",
        "wecom.encoding_aes_key: must be exactly 43 characters",
    ]
    assert caught.value.problems == expected
    assert str(caught.value) == "\n".join(expected)


# --- the environment --------------------------------------------------------------------------


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        (
            '[database]\nurl = "sqlite:///file.db"\n'
            '[slack]\nbot_token = "xoxb-file"\nsigning_secret = "file-signing"\n'
        ),
    )
    env = {
        "DEALBOT_DATABASE_URL": "postgresql+psycopg://bot@db/dealbot",
        "DEALBOT_SLACK_BOT_TOKEN": "xoxb-env",
        "DEALBOT_SLACK_SIGNING_SECRET": "",  # empty: unset, the file's value stays
        "DEALBOT_FEISHU_APP_SECRET": "feishu-env",
    }
    problems = check_config(path, env)
    assert problems == [  # an env variable alone configures [feishu]
        "feishu.app_id: required when [feishu] is configured (or set DEALBOT_FEISHU_APP_ID)"
    ]
    env |= {"DEALBOT_FEISHU_APP_ID": "cli_1", "DEALBOT_FEISHU_MODE": "websocket"}
    config = load_config(path, env)
    assert config.database.url == "postgresql+psycopg://bot@db/dealbot"
    assert config.slack is not None and config.feishu is not None
    assert config.slack.bot_token.get_secret_value() == "xoxb-env"
    assert config.slack.signing_secret.get_secret_value() == "file-signing"
    assert config.feishu.app_secret.get_secret_value() == "feishu-env"
    assert config.platforms == ["slack", "feishu"]


def test_environment_alone_configures_a_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "CORP_ID": "ww1",
        "AGENT_ID": "1000002",
        "SECRET": "s",
        "TOKEN": "t",
        "ENCODING_AES_KEY": AES_KEY,
        "API_BASE_URL": "http://127.0.0.1:9999/cgi-bin",
    }.items():
        monkeypatch.setenv(f"DEALBOT_WECOM_{key}", value)
    monkeypatch.setenv("DEALBOT_DATABASE_URL", "sqlite:///env.db")
    config = load_config(None)  # env defaults to os.environ
    assert config.wecom is not None and config.wecom.agent_id == 1000002
    assert config.wecom.api_base_url == "http://127.0.0.1:9999/cgi-bin/"  # one trailing slash
    assert config.database.url == "sqlite:///env.db"


def test_a_bad_environment_value_names_its_variable(tmp_path: Path) -> None:
    env = {"DEALBOT_WECOM_ENCODING_AES_KEY": "too-short", "DEALBOT_DATABASE_URL": "nonsense"}
    assert problems(tmp_path, WECOM, env) == [
        (
            "DEALBOT_DATABASE_URL: not a database URL; e.g. sqlite:///dealbot.db or "
            "postgresql+psycopg://user@host/dealbot"
        ),
        "DEALBOT_WECOM_ENCODING_AES_KEY: must be exactly 43 characters",
    ]


# --- secrets ----------------------------------------------------------------------------------

SECRETS = ["xoxb-SEKRIT-1", "SEKRIT-2-signing", "SEKRIT-3-wecom", "SEKRIT-4-aes", "SEKRIT-5-pw"]


def test_secrets_never_appear_in_problems(tmp_path: Path) -> None:
    text = f"""
[database]
url = "postgresql+psycopg://bot:{SECRETS[4]}@db/dealbot"
[slack]
bot_token = "{SECRETS[0]}"
bot_tokn = "{SECRETS[0]}"
signing_secret = ["{SECRETS[1]}"]
[wecom]
corp_id = "ww1"
agent_id = 1
secret = "{SECRETS[2]}"
token = "t"
encoding_aes_key = "{SECRETS[3]}"
bot_secret = "{SECRETS[2]}"
[server]
port = 0
"""
    env = {"DEALBOT_FEISHU_APP_SECRET": SECRETS[1], "DEALBOT_FEISHU_ENCRYPT_KEY": SECRETS[3]}
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env)
    found = caught.value.problems
    assert found == [
        "server.port: must be between 1 and 65535",
        "slack.signing_secret: must be a string (in quotes)",
        "slack.bot_tokn: unknown key (did you mean 'bot_token'?)",
        "feishu.app_id: required when [feishu] is configured (or set DEALBOT_FEISHU_APP_ID)",
        "wecom.encoding_aes_key: must be exactly 43 characters",
    ]
    shown = "\n".join(
        [*found, str(caught.value), repr(caught.value), *traceback.format_exception(caught.value)]
    )
    for secret in SECRETS:
        assert secret not in shown
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_secrets_never_appear_in_a_repr(tmp_path: Path) -> None:
    text = f"""
[database]
url = "postgresql+psycopg://bot:{SECRETS[4]}@db/dealbot"
[slack]
bot_token = "{SECRETS[0]}"
signing_secret = "{SECRETS[1]}"
{WECOM.replace('secret = "s"', f'secret = "{SECRETS[2]}"').replace(AES_KEY, "x" * 43)}
"""
    config = load_config(write(tmp_path, text), env={"DEALBOT_WECOM_TOKEN": SECRETS[3]})
    shown = repr(config) + str(config) + repr(config.slack) + repr(config.database)
    for secret in SECRETS:
        assert secret not in shown
    assert "postgresql+psycopg://bot:***@db/dealbot" in shown
    assert config.slack is not None and config.wecom is not None
    assert config.slack.signing_secret.get_secret_value() == SECRETS[1]
    assert config.wecom.token.get_secret_value() == SECRETS[3]
    assert SECRETS[4] in config.database.url  # the real URL is still there for the engine


# --- the runtime view -------------------------------------------------------------------------


def test_settings_maps_the_file(tmp_path: Path) -> None:
    text = f"""
[bot]
timezone = "Asia/Shanghai"
locale = "zh_CN"
day_start = "08:30"
day_end = 17:30:00
holidays = "CN"
max_message_chars = 2000
[rules]
digest_at = "07:45"
minutes_prompt_after_min = 15
minutes_escalate_after_h = 12
question_alert_after_wh = 1.5
question_escalate_after_wh = 3
confirm_remind_after_wd = 2
{stage("lead", 10, en="Lead", zh_CN="线索")}
{stage("demo", 4)}requires = ["amount"]
{WON_LOST}
"""
    settings = load_config(write(tmp_path, text), env={}).settings()
    assert isinstance(settings, Settings)
    assert (settings.timezone, settings.locale, settings.holidays) == (
        "Asia/Shanghai",
        "zh_CN",
        "CN",
    )
    assert (settings.day_start, settings.day_end) == (time(8, 30), time(17, 30))
    assert settings.currency is None and settings.default_currency == "CNY"
    assert settings.max_message_chars == 2000
    assert settings.rules == Rules(
        digest_at=time(7, 45),
        minutes_prompt_after_min=15,
        minutes_escalate_after_h=12,
        question_alert_after_wh=1.5,
        question_escalate_after_wh=3.0,
        confirm_remind_after_wd=2,
    )
    pipeline = settings.pipeline
    assert [s.key for s in pipeline.stages] == ["lead", "demo", "won", "lost"]
    assert [s.stale_after_days for s in pipeline.stages] == [10, 4, None, None]
    assert pipeline.first.key == "lead" and pipeline.first.name("zh_CN") == "线索"
    assert pipeline.get("demo").requires == ("amount",)
    assert pipeline.get("demo").name("zh_CN") == "demo"  # falls back to the key
    assert [s.key for s in pipeline.open_stages] == ["lead", "demo"]
    assert pipeline.find("线索") is pipeline.get("lead")


def test_urls_are_normalised(tmp_path: Path) -> None:
    text = """
[slack]
bot_token = "b"
signing_secret = "s"
api_base_url = "http://127.0.0.1:3000/api"
[feishu]
app_id = "cli_1"
app_secret = "s"
mode = "websocket"
domain = "https://open.larksuite.com/"
"""
    config = load_config(write(tmp_path, text), env={})
    assert config.slack is not None and config.feishu is not None
    assert config.slack.api_base_url == "http://127.0.0.1:3000/api/"
    assert config.feishu.domain == "https://open.larksuite.com"
    assert config.feishu.verification_token is None


def test_a_claim_timeout_is_accepted_ignored_and_said_so(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[outbox]\nclaim_timeout_seconds = 120\n"), env={})
    notes = config.notes()
    assert len(notes) == 1 and notes[0].startswith("outbox.claim_timeout_seconds: deprecated")
    assert "worker_lease_seconds" in notes[0]


def test_calendar_country_overrides_the_zone(tmp_path: Path) -> None:
    text = '[bot]\ntimezone = "Asia/Tokyo"\n[calendar]\ncountry = "us"\n'
    settings = load_config(write(tmp_path, text), env={}).settings()
    assert settings.country == "US"  # written in capitals
    christmas = date(2026, 12, 25)  # a Friday
    assert settings.calendar.holidays == "US"
    assert settings.calendar_for("Europe/Berlin").is_working_day(christmas) is False
    assert settings.calendar_for("Asia/Shanghai").holidays == "US"
    plain = load_config(None, env={}).settings()
    assert plain.country is None
    assert plain.calendar_for("America/New_York").holidays == "US"  # by the zone
    assert plain.calendar_for("Asia/Tokyo").holidays == "JP"
    assert plain.calendar_for("Asia/Tokyo").is_working_day(christmas) is True
