"""What `dealbot -v serve` writes to its log, read whole, as an attacker who got the log file
would: no configured secret, no token the platforms issued, no capability address (Slack's
response_url, WeCom's response_code and the AI bot's reply address, Feishu's card token), and
none of the words people typed — on all three platforms at once, with answers really sent to
the fake APIs so every library's send path logs what it logs at DEBUG.

And the redaction patterns themselves, on the shapes the real platforms use (which the local
fakes cannot hand out: their addresses are 127.0.0.1)."""

from __future__ import annotations

import itertools
import json
import re
import secrets
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus

from tests.fakes import feishu_signing, slack_signing, wecom_signing
from tests.fakes.feishu_api import FakeFeishu
from tests.fakes.slack_api import FakeSlack
from tests.fakes.wecom_api import FakeWecom
from tests.kits import feishu as feishu_kit
from tests.kits import slack as slack_kit
from tests.kits import wecom as wecom_kit
from tests.test_serve import serving

WORD = "ZEBRAQUARTZ"  # typed by people; never in a log line, in any encoding
WORD_ZH = "鹦鹉螺"
_ids = itertools.count(1)


def wait_for(pred: Any, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def _walk(v: Any) -> list[Any]:
    out = [v]
    if isinstance(v, dict):
        for x in v.values():
            out += _walk(x)
    elif isinstance(v, list):
        for x in v:
            out += _walk(x)
    return out


def _unescape(text: str) -> str:
    return re.sub(r"\\+u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def readings(log: str) -> list[str]:
    """The log as written, and as a reader would decode it: each line's JSON, \\u escapes,
    percent-encoding (a form body or a query string)."""
    lines = []
    for line in log.splitlines():
        try:
            entry = json.loads(line)
            lines.append(" ".join(str(v) for v in entry.values()))
        except ValueError:
            lines.append(line)
    text = "\n".join(lines)
    out = [log, text, _unescape(text)]
    return out + [unquote_plus(t) for t in out] + [_unescape(unquote_plus(t)) for t in out]


def leaks(log: str, needles: dict[str, str]) -> list[str]:
    """Each needle found (by what it is), with the line it was found on."""
    found = []
    views = readings(log)
    for what, needle in needles.items():
        forms = {needle, quote(needle, safe=""), quote_plus(needle), json.dumps(needle).strip('"')}
        for view in views:
            hit = next((f for f in forms if f in view), None)
            if hit is not None:
                at = view.index(hit)
                line = view[view.rfind("\n", 0, at) + 1 : view.find("\n", at)][:400]
                found.append(f"{what} ({needle!r}): {line}")
                break
    # shapes, whoever issued them: a Slack token, a Feishu tenant token, a value after a
    # capability's parameter name that is not the redaction mark
    for view in views[:3]:
        for name, pattern in (
            ("a Slack token", r"xox[abpe]-[A-Za-z0-9]"),
            ("a Feishu tenant token", r"\bt-[0-9a-zA-Z]{30,}"),
            ("an access_token value", r"access_token[\"']?[=:] ?[\"']?(?!\[redacted)[\w-]{8,}"),
            ("a response_code value", r"response_code[\"']?[=:] ?[\"']?(?!\[redacted)[\w-]{8,}"),
        ):
            m = re.search(pattern, view)
            if m:
                at = m.start()
                line = view[view.rfind("\n", 0, at) + 1 : view.find("\n", at)][:400]
                found.append(f"{name}: {line}")
    return found


def test_a_verbose_serve_on_three_platforms_logs_no_secret_token_address_or_words(
    tmp_path: Path,
) -> None:
    with (
        FakeSlack() as slack,
        FakeFeishu(app_id=feishu_signing.APP_ID) as feishu,
        FakeWecom(corp_id=wecom_signing.CORP, agent_id=wecom_signing.AGENT) as wecom,
    ):
        slack.people["U7"] = {"id": "U7", "name": "bob", "tz": "UTC", "locale": "en-US"}
        feishu.people["ou_alice"] = {"open_id": "ou_alice", "name": "小李"}
        feishu.people["ou_wang"] = {"open_id": "ou_wang", "name": "王经理"}
        wecom.people["lisi"] = {"userid": "lisi", "name": "小李"}
        wecom.people["wangjl"] = {"userid": "wangjl", "name": "王经理"}
        tables = (
            slack_kit.config(slack)
            + feishu_kit.config(feishu)
            + wecom_kit.config(wecom)
            + f'aibot_token = "{wecom_signing.BOT_TOKEN}"\n'
            f'aibot_encoding_aes_key = "{wecom_signing.BOT_AES_KEY}"\n'
        )
        addresses: dict[str, str] = {}
        with serving(tmp_path, tables, verbose=True) as (port, _db, log):
            base = f"http://127.0.0.1:{port}"
            addresses |= _slack(slack, base)
            addresses |= _feishu(feishu, base)
            addresses |= _wecom(wecom, base)
        logged = log.read_text()
    assert '"level": "DEBUG"' in logged  # it was a verbose run
    needles = {
        "Slack bot token": "xoxb-conformance",
        "Slack signing secret": slack_kit.SECRET,
        "Feishu app secret": feishu.app_secret,
        "Feishu verification token": feishu_signing.TOKEN,
        "Feishu encrypt key": feishu_signing.ENCRYPT_KEY,
        "WeCom secret": wecom.secret,
        "WeCom callback token": wecom_signing.TOKEN,
        "WeCom EncodingAESKey": wecom_signing.AES_KEY,
        "WeCom AI bot token": wecom_signing.BOT_TOKEN,
        "WeCom AI bot EncodingAESKey": wecom_signing.BOT_AES_KEY,
        "a word typed": WORD,
        "a Chinese word typed": WORD_ZH,
    }
    needles |= {f"Feishu tenant token {n}": t for n, t in enumerate(sorted(feishu.tokens))}
    needles |= {f"WeCom access_token {n}": t for n, t in enumerate(sorted(wecom.tokens))}
    needles |= {f"WeCom response_code {n}": c for n, c in enumerate(sorted(wecom.codes))}
    needles |= addresses
    assert feishu.tokens and wecom.tokens and wecom.codes  # the fakes were really used
    hits = leaks(logged, needles)
    assert not hits, "the log of a verbose serve leaks:\n" + "\n".join(hits)


def _slack(api: FakeSlack, base: str) -> dict[str, str]:
    """A /log, a /req card answered through response_url, a click on it (chat.update) and an
    @-mention answered with chat.postMessage. Returns the capability addresses handed out."""
    url = f"{base}/slack/events"
    secret = slack_kit.SECRET
    form = "application/x-www-form-urlencoded"
    keys = [f"resp-{secrets.token_hex(12)}" for _ in range(3)]

    def command(name: str, text: str, key: str) -> dict[str, Any]:
        body = slack_signing.command_body(
            command=name,
            text=text,
            user_id="U1",
            team_id="T1",
            channel_id="C1",
            channel_name="sales",
            trigger_id=f"trig-{key}",
            response_url=f"{api.base}/response/{key}",
        )
        assert post(url, body, slack_signing.headers(body, secret, content_type=form)) == 200
        assert wait_for(lambda: bool(api.responses.get(key))), f"no answer to {name} {text}"
        return api.responses[key][0]

    answer = command("/log", f"Acme call {WORD} likes {WORD_ZH} next: send {WORD} quote", keys[0])
    assert WORD in str(answer)
    card = command("/req", f"Acme Data stays in the EU {WORD} {WORD_ZH} confirm <@U7>", keys[1])
    actions = next(b for b in card["blocks"] if b["type"] == "actions")
    confirm = actions["elements"][0]
    payload = {
        "type": "block_actions",
        "user": {"id": "U7"},
        "team": {"id": "T1"},
        "container": {"type": "message", "channel_id": "C1", "message_ts": "1700000000.000100"},
        "channel": {"id": "C1"},
        "response_url": f"{api.base}/response/{keys[2]}",
        "trigger_id": "t1",
        "actions": [
            {
                "type": "button",
                "action_id": confirm["action_id"],
                "value": confirm["value"],
                "action_ts": "1700000001.0001",
                "block_id": actions["block_id"],
            }
        ],
    }
    body = slack_signing.action_body(payload)
    assert post(url, body, slack_signing.headers(body, secret, content_type=form)) == 200
    assert wait_for(lambda: any(u["ts"] == "1700000000.000100" for u in api.updates))
    mention = {
        "type": "app_mention",
        "user": "U1",
        "ts": "1700000100.000200",
        "channel": "C5",
        "channel_type": "channel",
        "team": "T1",
        "text": f"<@UBOT> /log Acme call {WORD} mentioned {WORD_ZH}",
    }
    body = slack_signing.event_body(mention, team="T1", event_id="Ev-logs-1")
    assert post(url, body, slack_signing.headers(body, secret)) == 200
    assert wait_for(lambda: any(WORD in str(p) for p in api.posted + api.ephemeral))
    return {f"Slack response_url {n}": f"{api.base}/response/{k}" for n, k in enumerate(keys)} | {
        f"Slack response_url key {n}": k for n, k in enumerate(keys)
    }


def _feishu(api: FakeFeishu, base: str) -> dict[str, str]:
    """A /记录 answered by a reply, a /需求 card, and a click on it carrying the card's token
    (the card is updated with a PATCH)."""
    url = f"{base}/feishu/events"
    mentions = [("@_user_1", feishu_signing.BOT, "dealbot")]

    def say(text: str, people: list[tuple[str, str, str]] = []) -> dict[str, Any]:  # noqa: B006
        message_id = f"om_logs_{next(_ids)}"
        event = feishu_signing.message_event(
            f"@_user_1 {text}", message_id=message_id, mentions=mentions + people
        )
        assert post(url, *feishu_signing.signed(event)) == 200
        assert wait_for(lambda: any(r["to"] == message_id for r in api.replies)), text
        return next(r for r in api.replies if r["to"] == message_id)

    assert WORD_ZH in str(say(f"/记录 华为 拜访 客户说{WORD_ZH}和{WORD} 下一步：周五前发方案"))
    answer = say(
        f"/需求 华为 数据不出机房{WORD_ZH} {WORD} 确认人 @_user_2",
        [("@_user_2", "ou_wang", "王经理")],
    )
    assert answer["msg_type"] == "interactive"
    buttons = [
        e for e in _walk(answer["content"]) if isinstance(e, dict) and e.get("tag") == "button"
    ]
    token = "c-" + secrets.token_hex(16)
    click = feishu_signing.card_action(
        buttons[0]["behaviors"][0]["value"],
        open_id="ou_wang",
        message_id=answer["message_id"],
        callback_token=token,
    )
    assert post(url, *feishu_signing.signed(click)) == 200
    assert wait_for(lambda: any(p["message_id"] == answer["message_id"] for p in api.patches))
    return {"Feishu card token": token}


def _wecom(api: FakeWecom, base: str) -> dict[str, str]:
    """The app: a /记录 answered with message/send, a /需求 card and a click on it (its
    response_code updates the card); the AI bot: a group /记录 answered through the reply
    address WeCom hands out (…/cgi-bin/aibot/response?response_code=…)."""

    def app(xml: str) -> None:
        query, body = wecom_signing.callback(xml)
        assert post(f"{base}/wecom/callback?{query}", body, {"Content-Type": "text/xml"}) == 200

    def say(text: str, user: str = "lisi") -> list[dict[str, Any]]:
        before = len(api.sent)
        app(wecom_signing.text_xml(text, user=user, msg_id=9_000_000_000 + next(_ids)))
        assert wait_for(lambda: any(m["touser"] == user for m in api.sent[before:])), text
        return [m for m in api.sent[before:] if m["touser"] == user]

    say("/帮助", user="wangjl")  # written to the app: a person here
    assert WORD_ZH in str(say(f"/记录 华为 拜访 客户说{WORD_ZH}和{WORD} 下一步：周五前发方案"))
    say(f"/需求 华为 数据不出机房{WORD_ZH} {WORD} 确认人 @王经理")
    assert wait_for(
        lambda: any(m["touser"] == "wangjl" and m["msgtype"] == "template_card" for m in api.sent)
    )
    card = next(m for m in api.sent if m["touser"] == "wangjl" and m["msgtype"] == "template_card")
    click = wecom_signing.card_click_xml(
        card["content"]["button_list"][0]["key"],
        task_id=card["content"]["task_id"],
        user="wangjl",
        response_code=card["response_code"],
    )
    app(click)
    assert wait_for(lambda: bool(api.updates))
    key = secrets.token_hex(16)
    reply_to = api.response_url(key)
    assert "/cgi-bin/aibot/response?response_code=" in reply_to  # the shape WeCom gives
    payload = wecom_signing.bot_text(
        f"/记录 华为 电话 群里{WORD_ZH} {WORD}", msgid="bot-logs-1", response_url=reply_to
    )
    query, body = wecom_signing.bot_callback(payload)
    assert post(f"{base}/wecom/aibot?{query}", body, {"Content-Type": "application/json"}) == 200
    assert wait_for(lambda: bool(api.responses.get(key)))
    return {"WeCom AI bot reply address": reply_to, "WeCom AI bot response_code": key}


# --- the shapes the real platforms use ------------------------------------------------------

SLACK_COMMAND_URL = (
    "https://hooks.slack.com/commands/T0AB12CD3/1234567890123/AbCdEfGhIjKlMnOpQrStUvWx"
)
SLACK_ACTION_URL = (
    "https://hooks.slack.com/actions/T0AB12CD3/2345678901234/ZyXwVuTsRqPoNmLkJiHgFeDc"
)
WECOM_REPLY_CODE = (
    "F7dK-1ZrTLyHmqqqUewAA_q_tnd15yzzzvJk7jLWtCoeGw-0N0r1mn6wwwwUe4WTJ8ud6N7L_KQPm9Gv"
)
WECOM_REPLY_URL = (
    f"https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code={WECOM_REPLY_CODE}"
)
WECOM_TOKEN = "kQ3bXh2v9cA7Lm0pRz4sTn8uWy1eFg6jHd5iKo0q-Xr2Ys7tUv9wZa3bCd4eFg5h"
WECOM_CARD_CODE = "OWt6Kl1mWDNlSFpXcGFyZk9XeXhsVGJGZ1NYMDNKaWl4cG9V"
FEISHU_TENANT = "t-caecc734c2e3328a62489fe0648c4b98779515d3"
FEISHU_APP = "a-32bd8551db2f081cbfd26293f27516390b9feb04"
FEISHU_APP_T = "t-g1044ghJRUIJJ5ZPPZMOHKWZISL33E4QSS3abcef"
FEISHU_USER = "u-Lr1RT7S8fS03mT1234AbCdEfGhIjKlMnOpQr"
FEISHU_CARD = "c-6dbc76b1064ca7d62985361debd1b03bf326a154"
FEISHU_JWT = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBfaWQiOiJjbGlfYSJ9.X6wrZHYKDxJkWwhdkrYg"

# (what is logged, what must be gone from it, what must still be there)
SHAPES = [
    # Slack: a slash command's and a click's response_url, as slack_sdk's webhook client logs
    # a send, inside a form body (percent-encoded) and inside a payload (JSON escapes `/`)
    (
        f"Sending a request - url: {SLACK_COMMAND_URL}, body: {{}}",
        SLACK_COMMAND_URL[30:],
        "Sending a request - url: ",
    ),
    (
        f"token=x&response_url={quote_plus(SLACK_COMMAND_URL)}&trigger_id=1",
        "AbCdEfGhIjKl",
        "trigger_id=1",
    ),
    (
        '{"response_url":"' + SLACK_ACTION_URL.replace("/", "\\/") + '","trigger_id":"1"}',
        "ZyXwVuTsRqPo",
        "trigger_id",
    ),
    (
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "XXXXXXXX",
        "",
    ),
    (
        (
            "connecting to wss://wss-primary.slack.com/link/?ticket=2fa3c0c7-e0a4-45b7-a5f1-8a3a1c2c3d4e"
            "&app_id=A0123456789"
        ),
        "2fa3c0c7",
        "app_id=A0123456789",
    ),
    (
        "Authorization: Bearer xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "AbCdEfGh",
        "Authorization",
    ),
    (
        "app token xapp-1-A0123456789-1234567890123-0123456789abcdef",
        "0123456789abcdef",
        "app token",
    ),
    # WeCom: the AI bot's reply address as its callback carries it and as httpx logs the
    # POST; access_token in every call; a card's response_code in a body and in a callback
    (
        f'HTTP Request: POST {WECOM_REPLY_URL} "HTTP/1.1 200 OK"',
        WECOM_REPLY_CODE,
        '"HTTP/1.1 200 OK"',
    ),
    ('{"response_url": "' + WECOM_REPLY_URL.replace("/", "\\/") + '"}', WECOM_REPLY_CODE[:20], ""),
    (
        (
            f"HTTP Request: POST https://qyapi.weixin.qq.com/cgi-bin/message/send?access_token="
            f'{WECOM_TOKEN} "HTTP/1.1 200 OK"'
        ),
        WECOM_TOKEN[:20],
        "/cgi-bin/message/send?",
    ),
    (
        '{"errcode":0,"errmsg":"ok","access_token":"' + WECOM_TOKEN + '","expires_in":7200}',
        WECOM_TOKEN[:20],
        '"expires_in":7200',
    ),
    (
        f"{{'userids': ['lisi'], 'agentid': 1000002, 'response_code': '{WECOM_CARD_CODE}'}}",
        WECOM_CARD_CODE,
        "'agentid': 1000002",
    ),
    (
        (
            f"<xml><TaskId><![CDATA[t1]]></TaskId><ResponseCode><![CDATA[{WECOM_CARD_CODE}]]>"
            "</ResponseCode></xml>"
        ),
        WECOM_CARD_CODE,
        "<TaskId>",
    ),
    (
        (
            "GET https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww0123456789abcdef&corpsecret="
            "Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90Uv1"
        ),
        "Ab12Cd34Ef56",
        "corpid=ww0123456789abcdef",
    ),
    # Feishu: tenant, app and user tokens (old and JWT), the card callback's update token
    (f"Authorization: Bearer {FEISHU_TENANT}", FEISHU_TENANT[2:], "Authorization"),
    (
        f'{{"code":0,"app_access_token":"{FEISHU_APP}","tenant_access_token":"{FEISHU_APP_T}"}}',
        FEISHU_APP[2:],
        '"code":0',
    ),
    (f"token {FEISHU_APP_T} and {FEISHU_USER}", "1044ghJRUIJJ5", "token "),
    (f"token {FEISHU_USER}", FEISHU_USER[2:], "token "),
    (f'{{"access_token": "{FEISHU_JWT}", "expires_in": 7200}}', "eyJhbGciOi", '"expires_in"'),
    (
        f'"event": {{"token": "{FEISHU_CARD}", "action": {{"tag": "button"}}}}',
        FEISHU_CARD[2:],
        '"action"',
    ),
    (
        (
            "connected to wss://msg-frontier.feishu.cn/ws/v2?fpid=493&aid=552564&device_id=7402&"
            "access_key=8f2e6a0c1b9d4e7f&service_id=33554678&ticket=9b7c2d1e-aaaa-bbbb"
        ),
        "8f2e6a0c1b9d",
        "service_id=33554678",
    ),
]


def test_capability_urls_and_tokens_in_the_shapes_the_platforms_use_are_redacted(
    tmp_path: Path,
) -> None:
    import logging

    from adapters.cli.logs import JsonLines, redaction
    from adapters.platform import Services
    from adapters.registry import sections
    from adapters.server import platforms as registry
    from bot.config import load_config
    from bot.i18n import Words

    config_file = tmp_path / "dealbot.toml"
    config_file.write_text(f"""[slack]
bot_token = "xoxb-1-2-configured"
signing_secret = "{slack_kit.SECRET}"
[feishu]
app_id = "cli_a8058428d478501c"
app_secret = "{"s" * 32}"
verification_token = "{feishu_signing.TOKEN}"
encrypt_key = "{feishu_signing.ENCRYPT_KEY}"
[wecom]
corp_id = "ww0123456789abcdef"
agent_id = 1000002
secret = "{"w" * 43}"
token = "{wecom_signing.TOKEN}"
encoding_aes_key = "{wecom_signing.AES_KEY}"
""")
    config = load_config(config_file, env={}, platforms=sections())
    platforms = registry.build(config, Services(ingress=None, words=Words(), locale="en"))
    assert {"slack", "feishu", "wecom"} <= set(platforms)
    redact = redaction(config, platforms.values())
    formatter = JsonLines()
    missed = []
    for logged, gone, kept in SHAPES:
        record = logging.LogRecord("lib", logging.DEBUG, __file__, 1, "%s", (logged,), None)
        assert redact.filter(record)
        line = json.loads(formatter.format(record))["msg"]
        if gone in line or kept not in line or "[redacted]" not in line:
            missed.append(f"{logged!r}\n  → {line!r}")
    assert not missed, "\n".join(missed)
    # a secret from the configuration, by value, also percent-encoded; and in a traceback
    try:
        raise RuntimeError(f"refused {'w' * 43} and {quote(feishu_signing.ENCRYPT_KEY)}")
    except RuntimeError:
        import sys

        record = logging.LogRecord(
            "lib", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )
    redact.filter(record)
    entry = json.loads(formatter.format(record))
    assert "w" * 43 not in entry["exc"] and "test-encrypt-key" not in entry["exc"], entry
    assert "RuntimeError: refused [redacted] and [redacted]" in entry["exc"]


def test_a_verbose_tick_logs_no_words_and_no_token(tmp_path: Path) -> None:
    """`dealbot -v tick` sends what is due through the same SDKs, logging plain lines."""
    import subprocess
    from datetime import UTC, datetime

    from bot import outbox
    from bot.delivery import Address
    from bot.outcome import Message
    from storage import db
    from storage.models import Tenant
    from tests.test_serve import DEALBOT

    url = f"sqlite:///{tmp_path / 'dealbot.db'}"
    sessions = db.open_store(url)
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    with sessions.begin() as s:
        tenant = Tenant(name="t", created_at=now)
        s.add(tenant)
        s.flush()
        to = Address(person_id=None, platform="slack", user_id="U1", name="u1")
        outbox.enqueue(
            s,
            tenant_id=tenant.id,
            dedup_key="d1",
            to=to,
            message=Message(text=f"follow up {WORD} {WORD_ZH}"),
            now=now,
        )
    sessions.kw["bind"].dispose()
    with FakeSlack() as api:
        config = tmp_path / "dealbot.toml"
        config.write_text(f'[database]\nurl = "{url}"\n' + slack_kit.config(api))
        done = subprocess.run(
            [
                str(DEALBOT),
                "-v",
                "tick",
                "--at",
                "2026-12-01T10:00:00+00:00",
                "--config",
                str(config),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert any(WORD in str(p) for p in api.posted)  # it was sent
    needles = {
        "a word typed": WORD,
        "a Chinese word typed": WORD_ZH,
        "Slack bot token": "xoxb-conformance",
        "Slack signing secret": slack_kit.SECRET,
    }
    hits = leaks(done.stderr + done.stdout, needles)
    assert not hits, "the log of a verbose tick leaks:\n" + "\n".join(hits)
