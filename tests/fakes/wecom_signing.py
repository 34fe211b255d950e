"""WeCom callbacks sealed and signed exactly as WeCom does, written without adapters/.

Why independent: adapters/wecom/crypto.py uses `cryptography`; this file does the same scheme by
hand with pycryptodome, so a mistake in one is not repeated in the other, and
tests/test_wecom_crypto.py pins both to WeCom's published sample vectors:

- `encrypted = b64(AES-256-CBC(key, iv=key[:16], pad32(random16 + len4 + msg + receive_id)))`,
  `key = b64decode(EncodingAESKey + "=")`, padding PKCS#7 to a multiple of 32 bytes;
- `msg_signature = sha1("".join(sorted([token, timestamp, nonce, encrypted]))).hexdigest()`.

The payload builders follow WeCom's documentation:
- the self-built app's plaintext XML (text: the official WXBizMsgCrypt samples' DecryptMsg
  plaintext; card click: "模板卡片事件推送", developer.work.weixin.qq.com/document/path/90240);
- the AI bot's JSON callback: body `{"encrypt": …}` sealed for receive id ""
  (document/path/101033), text messages (100719) and template-card events (101027).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
import time
from typing import Any
from urllib.parse import urlencode

from Crypto.Cipher import AES

CORP = "ww_test_corp"  # the corp id: the self-built app's receive id
TOKEN = "wecom-callback-token"  # the self-built app's callback Token
AES_KEY = "dEa1b0tWeComAppCa11backTestKey0123456789xyz"  # its EncodingAESKey: 43 characters
AGENT = 1000002  # the self-built app's AgentID
BOT_TOKEN = "wecom-aibot-token"  # the AI bot's callback Token
BOT_AES_KEY = "dEa1b0tWeComAIBotCa11backTestKey0123456789Q"  # the AI bot's EncodingAESKey
BOT_ID = "aibot_test"  # the AI bot's aibotid
BOT_NAME = "dealbot"  # the AI bot's display name: a group message starts "@dealbot "
BLOCK = 32  # WeCom's padding block (its PKCS7Encoder), not AES's 16


def aes_key(key43: str) -> bytes:
    """The 32-byte AES key of a 43-character EncodingAESKey."""
    key = base64.b64decode(key43 + "=")
    assert len(key) == 32, "an EncodingAESKey is 43 base64 characters"
    return key


def seal(padded: bytes, key43: str) -> str:
    """Raw AES-256-CBC (IV = key[:16]) of bytes given as they are, base64'd: for tests that
    need a plaintext WeCom would never send (bad padding, a lying length, …)."""
    key = aes_key(key43)
    return base64.b64encode(AES.new(key, AES.MODE_CBC, iv=key[:16]).encrypt(padded)).decode()


def unseal(encrypted: str, key43: str) -> bytes:
    """Raw AES-256-CBC decryption: the padded plaintext, unchecked."""
    key = aes_key(key43)
    return AES.new(key, AES.MODE_CBC, iv=key[:16]).decrypt(base64.b64decode(encrypted))


def pad32(data: bytes) -> bytes:
    n = BLOCK - len(data) % BLOCK  # 1..32: a whole block when already aligned
    return data + bytes([n]) * n


def encrypt(msg: bytes, key43: str, receive_id: str, *, random16: bytes | None = None) -> str:
    """Seal `msg` as WeCom does; a fixed `random16` makes the result reproducible."""
    prefix = secrets.token_bytes(16) if random16 is None else random16
    assert len(prefix) == 16
    body = prefix + struct.pack(">I", len(msg)) + msg + receive_id.encode()
    return seal(pad32(body), key43)


def decrypt(encrypted: str, key43: str) -> tuple[bytes, str]:
    """(msg, receive_id) of a sealed message; ValueError when the framing is wrong."""
    plain = unseal(encrypted, key43)
    n = plain[-1]
    if not 1 <= n <= BLOCK or plain[-n:] != bytes([n]) * n:
        raise ValueError("bad padding")
    body = plain[:-n]
    if len(body) < 20:
        raise ValueError("bad length")
    (size,) = struct.unpack(">I", body[16:20])
    if 20 + size > len(body):
        raise ValueError("bad length")
    return body[20 : 20 + size], body[20 + size :].decode()


def sign(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """`msg_signature`: sha1 over the four values sorted as strings, then joined."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def _stamp(ts: int | str | None) -> str:
    return str(int(time.time()) if ts is None else ts)


def _nonce(nonce: str | None) -> str:
    return nonce if nonce is not None else str(secrets.randbelow(10**9))  # WeCom's are digits


def _query(
    token: str, encrypted: str, ts: int | str | None, nonce: str | None, **extra: str
) -> str:
    stamp, once = _stamp(ts), _nonce(nonce)
    signature = sign(token, stamp, once, encrypted)
    return urlencode({"msg_signature": signature, "timestamp": stamp, "nonce": once, **extra})


def verify_url(
    echo: str,
    *,
    token: str = TOKEN,
    key: str = AES_KEY,
    receive_id: str = CORP,
    ts: int | str | None = None,
    nonce: str | None = None,
) -> str:
    """The query string of WeCom's URL check, `GET ?msg_signature&timestamp&nonce&echostr`
    (URL-encoded: the echostr's "+", "/" and "=" arrive escaped)."""
    echostr = encrypt(echo.encode(), key, receive_id)
    return _query(token, echostr, ts, nonce, echostr=echostr)


def callback(
    xml_plain: str,
    *,
    token: str = TOKEN,
    key: str = AES_KEY,
    receive_id: str = CORP,
    ts: int | str | None = None,
    nonce: str | None = None,
    agent: int = AGENT,
    to_user: str = CORP,
) -> tuple[str, bytes]:
    """(query string, body) of a self-built app's callback POST: the plaintext XML sealed into
    `<xml><ToUserName/><Encrypt/><AgentID/></xml>`, signed in the query."""
    encrypted = encrypt(xml_plain.encode(), key, receive_id)
    return _query(token, encrypted, ts, nonce), envelope(encrypted, agent=agent, to_user=to_user)


def envelope(encrypted: str, *, agent: int = AGENT, to_user: str = CORP) -> bytes:
    """The XML body a self-built app's callback carries `encrypted` in."""
    return (
        f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt>"
        f"<AgentID><![CDATA[{agent}]]></AgentID></xml>"
    ).encode()


def callback_bad_padding(
    xml_plain: str,
    *,
    token: str = TOKEN,
    key: str = AES_KEY,
    receive_id: str = CORP,
    ts: int | str | None = None,
    nonce: str | None = None,
) -> tuple[str, bytes]:
    """Like `callback`, correctly signed and framed, but padded with zero bytes: a pad byte of 0
    is never valid PKCS#7, so a strict decryptor refuses it (400) before reading further."""
    msg = xml_plain.encode()
    body = secrets.token_bytes(16) + struct.pack(">I", len(msg)) + msg + receive_id.encode()
    encrypted = seal(body + bytes(BLOCK - len(body) % BLOCK), key)
    return _query(token, encrypted, ts, nonce), envelope(encrypted)


def cdata(text: str) -> str:
    """`text` as CDATA, even when it contains "]]>" (split across two sections)."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _now(create_time: int | None) -> int:
    return int(time.time()) if create_time is None else create_time


def text_xml(
    content: str,
    *,
    user: str = "lisi",
    msg_id: int | None = None,
    create_time: int | None = None,
    agent: int = AGENT,
) -> str:
    """A self-built app's text message, as the official samples' DecryptMsg plaintext."""
    mid = msg_id if msg_id is not None else secrets.randbelow(9 * 10**18) + 10**18
    return (
        f"<xml><ToUserName>{cdata(CORP)}</ToUserName>"
        f"<FromUserName>{cdata(user)}</FromUserName>"
        f"<CreateTime>{_now(create_time)}</CreateTime>"
        f"<MsgType>{cdata('text')}</MsgType>"
        f"<Content>{cdata(content)}</Content>"
        f"<MsgId>{mid}</MsgId>"
        f"<AgentID>{agent}</AgentID></xml>"
    )


def card_click_xml(
    event_key: str,
    *,
    task_id: str,
    user: str = "lisi",
    response_code: str | None = None,
    create_time: int | None = None,
    agent: int = AGENT,
) -> str:
    """A click on a button_interaction card (Event template_card_event; document/path/90240).
    `ResponseCode` lets the app update the card once, within 72 hours."""
    code = response_code if response_code is not None else "rc-" + secrets.token_hex(8)
    return (
        f"<xml><ToUserName>{cdata(CORP)}</ToUserName>"
        f"<FromUserName>{cdata(user)}</FromUserName>"
        f"<CreateTime>{_now(create_time)}</CreateTime>"
        f"<MsgType>{cdata('event')}</MsgType>"
        f"<Event>{cdata('template_card_event')}</Event>"
        f"<EventKey>{cdata(event_key)}</EventKey>"
        f"<TaskId>{cdata(task_id)}</TaskId>"
        f"<CardType>{cdata('button_interaction')}</CardType>"
        f"<ResponseCode>{cdata(code)}</ResponseCode>"
        f"<AgentID>{agent}</AgentID></xml>"
    )


def bot_callback(
    payload: dict[str, Any] | bytes,
    *,
    token: str = BOT_TOKEN,
    key: str = BOT_AES_KEY,
    ts: int | str | None = None,
    nonce: str | None = None,
) -> tuple[str, bytes]:
    """(query string, body) of the AI bot's callback POST: body `{"encrypt": …}` sealed for the
    receive id "" (document/path/101033), signed in the query like the app's. `payload` bytes
    are sealed as given, so tests can send garbage that is correctly signed."""
    if isinstance(payload, bytes):
        plain = payload
    else:
        plain = json.dumps(payload, ensure_ascii=False).encode()
    encrypted = encrypt(plain, key, "")
    return _query(token, encrypted, ts, nonce), json.dumps({"encrypt": encrypted}).encode()


def bot_text(
    content: str,
    *,
    msgid: str,
    user: str = "lisi",
    chatid: str = "wrgroup1",
    chattype: str = "group",
    response_url: str = "",
    mention: str | None = BOT_NAME,
) -> dict[str, Any]:
    """The AI bot's text message (document/path/100719). In a group the bot only hears what
    @-mentions it, and the text then starts with "@<bot name> " (the doc's "@RobotA hello
    robot"): "@{mention} " is prepended there unless `content` already starts with "@" (pass
    mention=None to send `content` as it is). `chatid` is only sent for a group."""
    at = chattype == "group" and mention and not content.startswith("@")
    text = f"@{mention} {content}" if at else content
    msg: dict[str, Any] = {"msgid": msgid, "aibotid": BOT_ID}
    if chattype == "group":
        msg["chatid"] = chatid
    msg |= {
        "chattype": chattype,
        "from": {"userid": user},
        "response_url": response_url,
        "msgtype": "text",
        "text": {"content": text},
    }
    return msg


def bot_card_click(
    event_key: str,
    *,
    task_id: str,
    msgid: str,
    user: str = "lisi",
    chatid: str = "wrgroup1",
    chattype: str = "group",
    response_url: str = "",
    create_time: int | None = None,
) -> dict[str, Any]:
    """A click on the AI bot's button_interaction card (document/path/101027: eventtype
    template_card_event, its fields nested under a key of the same name). An internal bot's
    `from` carries no corpid."""
    msg: dict[str, Any] = {
        "msgid": msgid,
        "create_time": _now(create_time),
        "aibotid": BOT_ID,
        "from": {"userid": user},
    }
    if chattype == "group":
        msg["chatid"] = chatid
    msg |= {
        "chattype": chattype,
        "response_url": response_url,
        "msgtype": "event",
        "event": {
            "eventtype": "template_card_event",
            "template_card_event": {
                "card_type": "button_interaction",
                "event_key": event_key,
                "task_id": task_id,
            },
        },
    }
    return msg
