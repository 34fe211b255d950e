"""Every key of the configuration from the environment (DEALBOT_<SECTION>_<KEY>), read by its
type; `dealbot check-config --sources` says where each value came from; `dealbot serve` runs on
the environment alone."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from adapters.cli.main import main
from adapters.registry import sections
from bot.config import check_config, load_config
from tests.fakes import slack_signing
from tests.fakes.slack_api import FakeSlack
from tests.test_serve import DEALBOT, free_port, get, stop, wait_for

ROOT = Path(__file__).resolve().parent.parent


def example_with_platforms() -> str:
    """config.example.toml with its platform tables uncommented (#[slack], #bot_token = …)."""
    text = (ROOT / "config.example.toml").read_text()
    return re.sub(r"^#(?=\[|\w+ = )", "", text, flags=re.MULTILINE)


def as_variable(value: Any) -> str:
    """How a person writes a TOML value in a variable."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, default=str)


def test_every_key_of_the_example_comes_from_its_variable_alone(tmp_path: Path) -> None:
    text = example_with_platforms()
    raw = tomllib.loads(text)
    assert {"slack", "feishu", "wecom", "pipeline", "server"} <= set(raw)
    env = {
        f"DEALBOT_{section}_{key}".upper(): as_variable(value)
        for section, table in raw.items()
        for key, value in table.items()
    }
    assert env["DEALBOT_SERVER_PORT"] == "8080"
    assert env["DEALBOT_PIPELINE_STAGES"].startswith('[{"key": "lead"')
    (tmp_path / "full.toml").write_text(text)
    from_file = load_config(tmp_path / "full.toml", {}, sections())
    from_env = load_config(None, env, sections())
    assert from_env.model_dump() == from_file.model_dump()
    assert from_env.server.port == 8080 and from_env.wecom and from_env.wecom.agent_id == 1000002


def test_values_are_read_by_the_type_of_their_key() -> None:
    env = {
        "DEALBOT_SERVER_PORT": " 9001 ",
        "DEALBOT_SERVER_HOST": "0.0.0.0",
        "DEALBOT_OUTBOX_BASE_BACKOFF_SECONDS": "3",  # a float key: 3.0
        "DEALBOT_BOT_DAY_START": "08:30",
        "DEALBOT_BOT_EXTRA_HOLIDAYS": '["2027-02-11..2027-02-12"]',
        "DEALBOT_CURRENCY_RATES": "{ EUR = 7.8 }",  # TOML or JSON
        "DEALBOT_APPROVALS_BANDS": '[{"amount_over": 1000000, "approver": "@carl"}]',
        "DEALBOT_PIPELINE_STAGES": (
            '[{key = "lead", stale_after_days = 7, checklist = [{en = "Met", required = true}]},'
            ' {key = "won", closed = true}, {key = "lost", closed = true}]'
        ),
        "DEALBOT_FORECAST_WIN_RATES": '{"lead": 0.25}',
        "DEALBOT_REVIEW_TIME": "10:15",
        "DEALBOT_WECOM_AGENT_ID": "7",
        "DEALBOT_WECOM_CORP_ID": "ww1",
        "DEALBOT_WECOM_SECRET": "1234",  # a text key: digits stay text
        "DEALBOT_WECOM_TOKEN": "t",
        "DEALBOT_WECOM_ENCODING_AES_KEY": "x" * 43,
    }
    config = load_config(None, env, sections())
    assert (config.server.port, config.server.host) == (9001, "0.0.0.0")
    assert config.outbox.base_backoff_seconds == 3.0
    assert config.bot.day_start == time(8, 30)
    assert config.bot.extra_holidays == (date(2027, 2, 11), date(2027, 2, 12))
    assert config.currency.rates == {"EUR": 7.8}
    assert config.approvals.bands[0].amount_over == 1_000_000
    stages = config.pipeline.runtime().stages
    assert [s.key for s in stages] == ["lead", "won", "lost"]
    assert stages[0].checklist[0].required is True
    assert config.forecast.win_rates == {"lead": 0.25}
    assert config.review.time == time(10, 15)
    assert config.wecom is not None and config.wecom.agent_id == 7
    assert config.wecom.secret.get_secret_value() == "1234"


def test_a_bad_variable_is_one_line_named_by_it(tmp_path: Path) -> None:
    env = {
        "DEALBOT_SERVER_PORT": "eighty",
        "DEALBOT_SERVER_HOST": "",  # empty: unset
        "DEALBOT_INBOX_WORKERS": "99",
        "DEALBOT_OUTBOX_POLL_SECONDS": "often",
        "DEALBOT_BOT_DAY_START": "9am",
        "DEALBOT_SERVER_PROT": "1",
        "DEALBOT_BOT_EXTRA_HOLIDAYS": "2027-02-11, 2027-02-12",
        "DEALBOT_PIPELINE_STAGES": '[{"key": "Lead"}]',
        "DEALBOT_LOG_LEVEL": "debug",  # not a table of the config: not ours to judge
    }
    assert check_config(None, env, sections()) == [
        (
            "DEALBOT_BOT_EXTRA_HOLIDAYS: must be one JSON or TOML value: a list like "
            '["a", "b"] or a table like { a = 1 } (or {"a": 1})'
        ),
        "DEALBOT_SERVER_PORT: must be a whole number, not 'eighty'",
        "DEALBOT_OUTBOX_POLL_SECONDS: must be a number, not 'often'",
        "DEALBOT_SERVER_PROT: no such setting (did you mean DEALBOT_SERVER_PORT?)",
        "DEALBOT_BOT_DAY_START: must be a time \"HH:MM\" (24-hour clock), not '9am'",
        (
            "DEALBOT_PIPELINE_STAGES: pipeline.stages[0].key: must be lower-case letters, "
            "digits and _, starting with a letter: 'Lead'"
        ),
        "DEALBOT_INBOX_WORKERS: must be between 1 and 64",
    ]
    path = tmp_path / "dealbot.toml"
    path.write_text("[server]\nport = 8080\n")
    result = CliRunner().invoke(
        main, ["check-config", "--config", str(path)], env={"DEALBOT_SERVER_PORT": "0"}
    )
    assert (result.exit_code, result.output) == (
        1,
        "DEALBOT_SERVER_PORT: must be between 1 and 65535\n",
    )


SECRET_TOKEN, SECRET_PW = "xoxb-SEKRIT-token", "SEKRIT-pw"


def test_sources_say_where_each_value_came_from_and_hide_secrets(tmp_path: Path) -> None:
    path = tmp_path / "dealbot.toml"
    path.write_text(
        '[server]\nport = 8081\nhost = "0.0.0.0"\n[slack]\nsigning_secret = "SEKRIT-signing"\n'
    )
    env = {
        "DEALBOT_SERVER_PORT": "9002",
        "DEALBOT_SLACK_BOT_TOKEN": SECRET_TOKEN,
        "DEALBOT_DATABASE_URL": f"postgresql+psycopg://bot:{SECRET_PW}@db/dealbot",
        "DEALBOT_BOT_DAY_END": "17:30",
    }
    result = CliRunner().invoke(main, ["check-config", "--config", str(path), "--sources"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "configuration OK"
    for line in (
        "server.port = 9002  (DEALBOT_SERVER_PORT)",  # the environment wins over the file
        'server.host = "0.0.0.0"  (file)',
        "server.header_timeout_seconds = 10.0  (default)",
        'bot.day_end = "17:30"  (DEALBOT_BOT_DAY_END)',
        'database.url = "postgresql+psycopg://bot:***@db/dealbot"  (DEALBOT_DATABASE_URL)',
        "slack.bot_token = ********  (DEALBOT_SLACK_BOT_TOKEN)",
        "slack.signing_secret = ********  (file)",
        "slack.app_token = (unset)  (default)",
    ):
        assert line in lines
    assert not any(line.startswith(("feishu.", "wecom.")) for line in lines)
    for secret in (SECRET_TOKEN, SECRET_PW, "SEKRIT-signing"):
        assert secret not in result.output
    plain = CliRunner().invoke(main, ["check-config", "--config", str(path)], env=env)
    assert plain.output == "configuration OK\n"  # the sources only when asked


def test_serve_runs_on_the_environment_alone(tmp_path: Path) -> None:
    serve_slack_from_the_environment(tmp_path, DEALBOT)


def serve_slack_from_the_environment(tmp_path: Path, dealbot: Path) -> None:
    """`dealbot check-config --sources` and `dealbot serve` with no file, Slack and the rest
    from DEALBOT_* variables: ready on the port they name, answering a signed /help."""
    port, database = free_port(), tmp_path / "env.db"
    secret = "env-signing-secret"
    with FakeSlack() as slack:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DEALBOT_")} | {
            "DEALBOT_SERVER_PORT": str(port),
            "DEALBOT_DATABASE_URL": f"sqlite:///{database}",
            "DEALBOT_SLACK_BOT_TOKEN": "xoxb-env",
            "DEALBOT_SLACK_SIGNING_SECRET": secret,
            "DEALBOT_SLACK_API_BASE_URL": slack.url,
            "DEALBOT_OUTBOX_POLL_SECONDS": "0.05",
            "DEALBOT_SCHEDULER_INTERVAL_SECONDS": "3600",
        }
        checked = subprocess.run(
            [str(dealbot), "check-config", "--sources"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            check=False,
            text=True,
            timeout=60,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        for line in (
            f"server.port = {port}  (DEALBOT_SERVER_PORT)",
            f'database.url = "sqlite:///{database}"  (DEALBOT_DATABASE_URL)',
            "slack.signing_secret = ********  (DEALBOT_SLACK_SIGNING_SECRET)",
            f'slack.api_base_url = "{slack.url}"  (DEALBOT_SLACK_API_BASE_URL)',
        ):
            assert line in checked.stdout.splitlines()
        assert secret not in checked.stdout and "xoxb-env" not in checked.stdout
        log = tmp_path / "serve.log"
        proc = subprocess.Popen(
            [str(dealbot), "serve"],
            cwd=tmp_path,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        try:
            assert wait_for(lambda: _ready(port), 60), log.read_text()
            assert database.exists()  # the store is where the variable says
            body = slack_signing.command_body(
                command="/help",
                text="",
                user_id="U1",
                team_id="T1",
                channel_id="C1",
                channel_name="sales",
                trigger_id="trig-1",
                response_url=f"{slack.base}/response/env-help",
            )
            form = "application/x-www-form-urlencoded"
            request = urllib_request(
                f"http://127.0.0.1:{port}/slack/events",
                body,
                slack_signing.headers(body, secret, content_type=form),
            )
            assert request == 200  # signed with the secret from the environment
            assert wait_for(lambda: bool(slack.responses.get("env-help")), 30), log.read_text()
        finally:
            assert stop(proc) == 0, log.read_text()


def _ready(port: int) -> bool:
    try:
        return get(f"http://127.0.0.1:{port}/readyz")[0] == 200
    except OSError:
        return False


def urllib_request(url: str, body: bytes, headers: dict[str, str]) -> int:
    import urllib.request

    with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=10) as r:
        return r.status
