"""adapters/wecom/crypto.py against WeCom's published vectors, against an independent
implementation (tests/fakes/wecom_signing.py, pycryptodome), and against every way a callback
can be forged, stale or malformed: each refusal is a CryptoError with its status, never another
exception."""

from __future__ import annotations

import base64
import json
import random
import struct
from urllib.parse import parse_qs

import pytest

from adapters.wecom.crypto import CryptoError, WecomCrypto
from tests.fakes import wecom_signing as fake

# --- WeCom's published sample vectors ------------------------------------------------------
# The official WXBizMsgCrypt samples (github.com/sbzhu/weworkapi_php callback/Sample.php,
# sbzhu/weworkapi_python, workweixin/weworkapi_golang json_callback/sample.go, the C# sample):
# one corp, one Token and one EncodingAESKey, a VerifyURL request and DecryptMsg requests.
SAMPLE_TOKEN = "QDG6eK"
SAMPLE_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
SAMPLE_CORP = "wx5823bf96d3bd56c7"

# GET /cgi-bin/wxpush?msg_signature=5c45…&timestamp=1409659589&nonce=263014780&echostr=P9nA…
VERIFY = {
    "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    "timestamp": "1409659589",
    "nonce": "263014780",
    "echostr": (
        "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    ),
}
# the samples do not print the echo; it is the echo the samples' own libraries return (and the
# padding and receive id around it are exact, which a wrong key could not produce)
VERIFY_ECHO = b"1616140317555161061"
VERIFY_RANDOM = b"c41b64491c2468d0"  # its random prefix: sealing again with it gives the same bytes
# the URL as the samples print it: the echostr URL-encoded
VERIFY_URL_QUERY = (
    "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780"
    "&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaB"
    "O%2BFZXvnaqQ%3D%3D"
)

# POST ?msg_signature=477715…&timestamp=1409659813&nonce=1372623149, body <xml><Encrypt>…
DECRYPT_XML = {
    "msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6",
    "timestamp": "1409659813",
    "nonce": "1372623149",
    "encrypt": (
        "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qczc"
        "dCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLj"
        "vd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMn"
        "vw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k"
        "22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2Yoy"
        "yH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
    ),
}
# printed in callback/Sample.php as the plaintext DecryptMsg returns
DECRYPT_XML_PLAIN = (
    b"<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n"
    b"<FromUserName><![CDATA[mycreate]]></FromUserName>\n"
    b"<CreateTime>1409659813</CreateTime>\n"
    b"<MsgType><![CDATA[text]]></MsgType>\n"
    b"<Content><![CDATA[hello]]></Content>\n"
    b"<MsgId>4561255354251345929</MsgId>\n"
    b"<AgentID>218</AgentID>\n"
    b"</xml>"
)

# the JSON flavour (workweixin/weworkapi_golang json_callback/sample.go), same corp and key
DECRYPT_JSON = {
    "msg_signature": "0623cbc5a8cbee5bcc137c70de99575366fc2af3",
    "timestamp": "1409659813",
    "nonce": "1372623149",
    "encrypt": (
        "CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey6"
        "7XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79"
        "Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98U"
        "whcUpPvdJBuu1/yiOQIScppV3eOuLWEsko="
    ),
}
# the same file's reply example (`respData`): the vector decrypts to it byte for byte
DECRYPT_JSON_PLAIN = (
    b'{"ToUserName":"wx5823bf96d3bd56c7","FromUserName":"mycreate","CreateTime": 1409659813,'
    b'"MsgType":"text","Content":"hello","MsgId":4561255354251345929,"AgentID": 218}'
)

# a second corp (sbzhu/weworkapi_python callback_json/Sample.py): another token and key
SAMPLE2_TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
SAMPLE2_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
SAMPLE2_CORP = "ww1436e0e65a779aee"
VERIFY2 = {
    "msg_signature": "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb",
    "timestamp": "1476416373",
    "nonce": "47744683",
    "echostr": (
        "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
    ),
}
DECRYPT2 = {
    "msg_signature": "e3647471e395139e2308c1fa963f2d648a00b90e",
    "timestamp": "1409659813",
    "nonce": "1372623149",
    "encrypt": (
        "cjhLUX7UU4yCSelv1vz7T0zT8huF51bAMVWriNvO1FMegHrQZNrtvRxbwf0fUPsFvwqR0U0fgiJNEA5Y30F2MoI2S"
        "7vv3EjVQ68C0cjw9frBoUE2Hj0BvFp9h3u6Vbsg4lc1C8AtHdaN8orKuNKkLRLuYEL52R1J3v8olJGZRLnRdVKIi"
        "vixmX/eQpzgeExtp20jI1HxRP1AAZ6xZoILdqDPO549LO4WeG+685JRUTdiwcY5fjZlqeMxuT4PpMn1X9OWsS7NR"
        "j06Wa5E3Tvg4twjWp39KPfOdRte6P1T4JU="
    ),
}
# the file's `sRespData`, typo (": :mycreate") included: the vector decrypts to exactly this
DECRYPT2_PLAIN = (
    b'{ "ToUserName": "wx5823bf96d3bd56c7", "FromUserName": :mycreate", "CreateTime": 1409659813,'
    b' "MsgType": "text", "Content": "hello", "MsgId": 4561255354251345929, "AgentID": 218}'
)


def sample() -> WecomCrypto:
    return WecomCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_CORP)


def opened(crypto: WecomCrypto, vector: dict[str, str], field: str) -> bytes:
    v = vector
    return crypto.open(
        v["msg_signature"], v["timestamp"], v["nonce"], v[field], now=float(v["timestamp"])
    )


def test_published_verify_url() -> None:
    assert opened(sample(), VERIFY, "echostr") == VERIFY_ECHO
    signature = sample().signature(VERIFY["timestamp"], VERIFY["nonce"], VERIFY["echostr"])
    assert signature == VERIFY["msg_signature"]
    # as it arrives: URL-decoding the printed query gives back the signed echostr
    query = {k: v[0] for k, v in parse_qs(VERIFY_URL_QUERY, strict_parsing=True).items()}
    assert query == VERIFY


def test_published_decrypt_msg_xml_and_json() -> None:
    assert opened(sample(), DECRYPT_XML, "encrypt") == DECRYPT_XML_PLAIN
    assert opened(sample(), DECRYPT_JSON, "encrypt") == DECRYPT_JSON_PLAIN
    assert json.loads(DECRYPT_JSON_PLAIN)["MsgId"] == 4561255354251345929


def test_published_second_corp() -> None:
    crypto = WecomCrypto(SAMPLE2_TOKEN, SAMPLE2_KEY, SAMPLE2_CORP)
    assert opened(crypto, VERIFY2, "echostr") == b"1288432023552776189"
    assert opened(crypto, DECRYPT2, "encrypt") == DECRYPT2_PLAIN


def test_published_vectors_in_the_fake_too() -> None:
    """The test signer agrees with WeCom, so round trips against it mean something."""
    assert fake.decrypt(VERIFY["echostr"], SAMPLE_KEY) == (VERIFY_ECHO, SAMPLE_CORP)
    assert fake.decrypt(DECRYPT_XML["encrypt"], SAMPLE_KEY) == (DECRYPT_XML_PLAIN, SAMPLE_CORP)
    for v, field in ((VERIFY, "echostr"), (DECRYPT_XML, "encrypt"), (DECRYPT_JSON, "encrypt")):
        assert fake.sign(SAMPLE_TOKEN, v["timestamp"], v["nonce"], v[field]) == v["msg_signature"]
    # the fake's URL check is the printed one, byte for byte, given the same random prefix
    echo = fake.encrypt(VERIFY_ECHO, SAMPLE_KEY, SAMPLE_CORP, random16=VERIFY_RANDOM)
    assert echo == VERIFY["echostr"]


def test_encrypt_reproduces_wecoms_ciphertext() -> None:
    """Sealing the sample echo again with its own random prefix gives WeCom's exact bytes:
    our layout, length field, padding and receive id are WeCom's."""
    assert sample().encrypt(VERIFY_ECHO, random16=VERIFY_RANDOM) == VERIFY["echostr"]


def test_sample_refused_outside_its_window_and_with_another_receiver() -> None:
    v = VERIFY
    with pytest.raises(CryptoError) as e:  # 301 s after it was signed, the sample is stale
        sample().open(
            v["msg_signature"],
            v["timestamp"],
            v["nonce"],
            v["echostr"],
            now=float(v["timestamp"]) + 301,
        )
    assert (e.value.status, e.value.reason) == (401, "stale")
    other = WecomCrypto(SAMPLE_TOKEN, SAMPLE_KEY, "ww_another_corp")
    with pytest.raises(CryptoError) as e:
        opened(other, VERIFY, "echostr")
    assert (e.value.status, e.value.reason) == (401, "wrong receiver")
    with pytest.raises(CryptoError) as e:  # an internal AI bot's crypto: receive id ""
        opened(WecomCrypto(SAMPLE_TOKEN, SAMPLE_KEY, ""), VERIFY, "echostr")
    assert e.value.status == 401


# --- round trips between the two implementations ----------------------------------------

RECEIVERS = [(fake.TOKEN, fake.AES_KEY, fake.CORP), (fake.BOT_TOKEN, fake.BOT_AES_KEY, "")]
PAYLOADS = [
    b"",
    b"1616140317555161061",
    "你好，企业微信：/log 华为 拜访 ¥12,000 ✅".encode(),
    ("销售线索 " * 400).encode()[:3072],  # 3 KB, cut mid-character: bytes, not text
    bytes(range(256)),
]


@pytest.mark.parametrize(("token", "key", "receiver"), RECEIVERS, ids=["corp", "bot"])
@pytest.mark.parametrize("msg", PAYLOADS, ids=["empty", "echo", "chinese", "3kb", "binary"])
def test_round_trip_both_ways(token: str, key: str, receiver: str, msg: bytes) -> None:
    ours = WecomCrypto(token, key, receiver)
    assert fake.decrypt(ours.encrypt(msg), key) == (msg, receiver)
    assert ours.decrypt(fake.encrypt(msg, key, receiver)) == msg
    assert ours.decrypt(ours.encrypt(msg)) == msg
    # signed by the fake, opened by us
    sealed = fake.encrypt(msg, key, receiver)
    signature = fake.sign(token, "1700000000", "42", sealed)
    assert ours.signature("1700000000", "42", sealed) == signature
    assert ours.open(signature, "1700000000", "42", sealed, now=1700000000.0) == msg


@pytest.mark.parametrize(("token", "key", "receiver"), RECEIVERS, ids=["corp", "bot"])
def test_every_length_around_the_block_edges(token: str, key: str, receiver: str) -> None:
    ours = WecomCrypto(token, key, receiver)
    for n in range(71):  # 16 + 4 + n + len(receiver) crosses 32- and 64-byte edges
        msg = bytes((i * 7 + n) % 256 for i in range(n))
        sealed = ours.encrypt(msg)
        assert len(base64.b64decode(sealed)) % 32 == 0
        assert fake.decrypt(sealed, key) == (msg, receiver)
        assert ours.decrypt(fake.encrypt(msg, key, receiver)) == msg


def test_a_fresh_random_prefix_each_time() -> None:
    ours = WecomCrypto(fake.TOKEN, fake.AES_KEY, fake.CORP)
    assert ours.encrypt(b"same") != ours.encrypt(b"same")
    with pytest.raises(ValueError):
        ours.encrypt(b"x", random16=b"short")


def test_the_fakes_requests_open() -> None:
    """verify_url/callback/bot_callback produce what the module opens: the shapes edge tests
    will feed it."""
    now = 1_800_000_000
    q = {k: v[0] for k, v in parse_qs(fake.verify_url("echo-123", ts=now, nonce="7")).items()}
    app = WecomCrypto(fake.TOKEN, fake.AES_KEY, fake.CORP)
    assert app.open(q["msg_signature"], q["timestamp"], q["nonce"], q["echostr"], now=now) == (
        b"echo-123"
    )
    xml = fake.text_xml("你好 ]]> <b>", msg_id=1, create_time=now)
    qs, body = fake.callback(xml, ts=now, nonce="8")
    q = {k: v[0] for k, v in parse_qs(qs).items()}
    sealed = body.decode().split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    assert app.open(q["msg_signature"], q["timestamp"], q["nonce"], sealed, now=now) == (
        xml.encode()
    )
    bot = WecomCrypto(fake.BOT_TOKEN, fake.BOT_AES_KEY, "")
    msg = fake.bot_text("/log 华为", msgid="m1")
    qs, body = fake.bot_callback(msg, ts=now, nonce="9")
    q = {k: v[0] for k, v in parse_qs(qs).items()}
    sealed = json.loads(body)["encrypt"]
    plain = bot.open(q["msg_signature"], q["timestamp"], q["nonce"], sealed, now=now)
    assert json.loads(plain) == msg and msg["text"]["content"] == "@dealbot /log 华为"


# --- refusals ------------------------------------------------------------------------------

NOW = 1_800_000_000
TS = str(NOW)
NONCE = "1372623149"


def app() -> WecomCrypto:
    return WecomCrypto(fake.TOKEN, fake.AES_KEY, fake.CORP)


def refused(
    status: int,
    reason: str | None,
    signature: str,
    timestamp: str,
    nonce: str,
    encrypted: str,
    *,
    crypto: WecomCrypto | None = None,
    now: float = NOW,
) -> CryptoError:
    with pytest.raises(CryptoError) as e:
        (crypto or app()).open(signature, timestamp, nonce, encrypted, now=now)
    assert e.value.status == status, e.value.reason
    if reason is not None:
        assert e.value.reason == reason
        assert str(e.value) == reason
    return e.value


def signed(encrypted: str, *, timestamp: str = TS, token: str = fake.TOKEN) -> str:
    return fake.sign(token, timestamp, NONCE, encrypted)


def good() -> str:
    return fake.encrypt(b"<xml/>", fake.AES_KEY, fake.CORP)


def test_wrong_signatures() -> None:
    sealed = good()
    assert app().open(signed(sealed), TS, NONCE, sealed, now=NOW) == b"<xml/>"
    right = signed(sealed)
    for bad in (
        signed(sealed, token="another-token"),  # another app's token
        signed(good()),  # a signature of another ciphertext
        right.upper(),  # WeCom sends lowercase hex: another spelling is another value
        right[:-1],
        right + "0",
        "0" * 40,
        "é" * 40,  # non-ASCII: compare_digest on str would raise TypeError
        "\udcff" * 40,  # a lone surrogate, as a lenient query parser may produce
    ):
        refused(401, "bad signature", bad, TS, NONCE, sealed)
    # the signature covers the timestamp and the nonce
    refused(401, "bad signature", right, str(NOW + 1), NONCE, sealed)
    refused(401, "bad signature", right, TS, NONCE + "0", sealed)


def test_missing_params() -> None:
    sealed = good()
    given = [signed(sealed), TS, NONCE, sealed]
    for i in range(4):
        args = list(given)
        args[i] = ""
        refused(401, "not signed", *args)
    with pytest.raises(CryptoError) as e:
        app().check(None, TS, NONCE, sealed, now=NOW)  # type: ignore[arg-type]
    assert e.value.status == 401


@pytest.mark.parametrize("drift", [-301, 301, -86400, 10**9])
def test_stale_timestamps(drift: int) -> None:
    sealed = good()
    ts = str(NOW + drift)
    refused(401, "stale", signed(sealed, timestamp=ts), ts, NONCE, sealed)


@pytest.mark.parametrize("drift", [-300, 0, 300])
def test_timestamps_inside_the_window(drift: int) -> None:
    sealed = good()
    ts = str(NOW + drift)
    assert app().open(signed(sealed, timestamp=ts), ts, NONCE, sealed, now=NOW) == b"<xml/>"


@pytest.mark.parametrize(
    "ts",
    [
        "abc",
        "1.5",
        f" {NOW}",
        f"+{NOW}",
        f"{NOW}\n",
        "1_800_000_000",
        "-1",
        "١٨٠٠٠٠٠٠٠٠",
        "9" * 5000,
        "0x6b49d200",
    ],
)
def test_non_integer_timestamps(ts: str) -> None:
    sealed = good()
    refused(401, "bad timestamp", signed(sealed, timestamp=ts), ts, NONCE, sealed)


def refused_decrypt(status: int, reason: str, encrypted: str) -> None:
    """Refused by decrypt alone, and by open with a signature that is right."""
    with pytest.raises(CryptoError) as e:
        app().decrypt(encrypted)
    assert (e.value.status, e.value.reason) == (status, reason)
    refused(status, reason, signed(encrypted), TS, NONCE, encrypted)


@pytest.mark.parametrize(
    "encrypted",
    [
        "not base64!",
        good()[:-1],
        good() + "A",
        good().replace("=", ""),
        " " + good(),
        good()[:40] + "\n" + good()[40:],
        "====",
        "é" + good(),
    ],
)
def test_bad_base64(encrypted: str) -> None:
    refused_decrypt(400, "bad base64", encrypted)


@pytest.mark.parametrize("size", [1, 15, 17, 31, 33])
def test_ciphertext_not_a_multiple_of_the_block(size: int) -> None:
    raw = base64.b64decode(good())
    refused_decrypt(400, "bad ciphertext length", base64.b64encode(raw[:size]).decode())


def test_ciphertext_of_16_or_48_bytes_is_not_wecoms() -> None:
    """AES alone would take any multiple of 16; WeCom always pads to 32."""
    raw = base64.b64decode(fake.encrypt(b"x" * 40, fake.AES_KEY, fake.CORP))
    for size in (16, 48):
        refused_decrypt(400, "bad ciphertext length", base64.b64encode(raw[:size]).decode())
    with pytest.raises(CryptoError) as e:
        app().decrypt("")
    assert (e.value.status, e.value.reason) == (400, "bad ciphertext length")


def frame(msg: bytes, receiver: bytes = fake.CORP.encode(), *, length: int | None = None) -> bytes:
    size = len(msg) if length is None else length
    return b"R" * 16 + struct.pack(">I", size) + msg + receiver


def crafted(plain: bytes) -> str:
    return fake.seal(plain, fake.AES_KEY)


def test_bad_padding() -> None:
    body = frame(b"hello")  # 16 + 4 + 5 + 12 = 37 bytes
    assert app().decrypt(crafted(fake.pad32(body))) == b"hello"
    fill = 64 - len(body)
    cases = {
        "pad byte 0": body + bytes(fill),
        "pad byte 33": body + bytes([33]) * fill,
        "pad byte 255": body + bytes([255]) * fill,
        "inconsistent": body + bytes([9]) * (fill - 1) + bytes([fill]),
        "one short": body + bytes([fill - 1]) * (fill - 1) + bytes([fill]),
        "zeros then 27": body + bytes(fill - 1) + bytes([fill]),
    }
    for name, plain in cases.items():
        assert len(plain) % 32 == 0, name
        refused_decrypt(400, "bad padding", crafted(plain))


def test_pad_of_a_whole_block() -> None:
    """Aligned plaintexts carry a whole block of 32 × 0x20: valid, and sealed that way."""
    msg = b"m" * (64 - 20 - len(fake.CORP))
    plain = frame(msg)
    assert len(plain) == 64 and fake.pad32(plain)[-32:] == bytes([32]) * 32
    assert app().decrypt(crafted(fake.pad32(plain))) == msg
    assert len(base64.b64decode(app().encrypt(msg))) == 96


def test_wrong_receive_id() -> None:
    for receiver in (
        b"ww_other_corp",
        b"",
        fake.CORP.encode() + b"x",
        fake.CORP.upper().encode(),
        b"x" + fake.CORP.encode(),
    ):
        refused_decrypt(401, "wrong receiver", crafted(fake.pad32(frame(b"hi", receiver))))
    # the AI bot's crypto (receive id "") refuses what was sealed for the corp
    bot = WecomCrypto(fake.TOKEN, fake.AES_KEY, "")
    sealed = fake.encrypt(b"hi", fake.AES_KEY, fake.CORP)
    with pytest.raises(CryptoError) as e:
        bot.decrypt(sealed)
    assert (e.value.status, e.value.reason) == (401, "wrong receiver")


def test_length_field_that_lies() -> None:
    msg = b"hello"
    body_len = len(msg) + len(fake.CORP)
    for length in (body_len + 1, 2**32 - 1, 2**31, 1000):
        refused_decrypt(400, "bad length", crafted(fake.pad32(frame(msg, length=length))))
    # a shorter length only moves bytes into the receive id: refused as such
    refused_decrypt(401, "wrong receiver", crafted(fake.pad32(frame(msg, length=len(msg) - 1))))
    # fewer than 16 + 4 bytes before the padding
    refused_decrypt(400, "bad length", crafted(fake.pad32(b"R" * 19)))
    refused_decrypt(400, "bad length", crafted(bytes([32]) * 32))


def test_key_must_be_32_bytes() -> None:
    for key in (
        "",
        "short",
        fake.AES_KEY[:42],
        fake.AES_KEY + "A",
        fake.AES_KEY[:42] + "!",
        fake.AES_KEY[:40] + "=AA",
        fake.AES_KEY + "AAAA",
    ):
        with pytest.raises(ValueError):
            WecomCrypto(fake.TOKEN, key, fake.CORP)
    with pytest.raises(ValueError):
        WecomCrypto("", fake.AES_KEY, fake.CORP)


def test_fuzz_only_crypto_errors() -> None:
    """Random bytes, base64'd and correctly signed: never anything but a CryptoError (or, if
    chance frames them perfectly, a message)."""
    rng = random.Random(20240601)
    crypto = WecomCrypto(fake.TOKEN, fake.AES_KEY, "")  # "" is the easiest receiver to hit
    outcomes: set[str] = set()
    for i in range(300):
        size = rng.choice([rng.randrange(0, 200), 32 * rng.randrange(1, 8)])
        raw = rng.randbytes(size)
        if i % 3 == 0:  # random plaintexts, validly padded: exercise the length and receiver
            raw = base64.b64decode(fake.seal(fake.pad32(rng.randbytes(size)), fake.AES_KEY))
        sealed = base64.b64encode(raw).decode()
        try:
            crypto.open(signed(sealed), TS, NONCE, sealed, now=NOW)
            outcomes.add("opened")
        except CryptoError as e:
            assert e.status in (400, 401)
            outcomes.add(e.reason)
    assert {"bad ciphertext length", "bad padding", "bad length"} <= outcomes
    # and the string-level garbage a query string can carry, straight to decrypt and to open
    for text in ["", "=", "%%%", "\x00" * 44, "🙂" * 11, "\udcff" * 44, "A" * 10_000 + "=="]:
        with pytest.raises(CryptoError) as e:
            crypto.decrypt(text)
        assert e.value.status == 400
        with pytest.raises(CryptoError) as e:
            crypto.open("0" * 40, TS, NONCE, text, now=NOW)
        assert e.value.status == 401


def test_the_fakes_builders() -> None:
    """The shapes the fake sends, field by field as WeCom's docs name them."""
    assert fake.bot_text("hi", msgid="m")["text"]["content"] == "@dealbot hi"
    assert fake.bot_text("@dealbot hi", msgid="m")["text"]["content"] == "@dealbot hi"
    single = fake.bot_text("hi", msgid="m", chattype="single")
    assert single["text"]["content"] == "hi" and "chatid" not in single
    click = fake.bot_card_click("approve", task_id="t1", msgid="m2", create_time=1)
    assert click["event"] == {
        "eventtype": "template_card_event",
        "template_card_event": {
            "card_type": "button_interaction",
            "event_key": "approve",
            "task_id": "t1",
        },
    }
    assert click["aibotid"] == fake.BOT_ID and click["from"] == {"userid": "lisi"}
    xml = fake.card_click_xml("approve", task_id="t1", response_code="rc-1", create_time=1)
    for field in (
        "<Event><![CDATA[template_card_event]]></Event>",
        "<EventKey><![CDATA[approve]]></EventKey>",
        "<TaskId><![CDATA[t1]]></TaskId>",
        "<CardType><![CDATA[button_interaction]]></CardType>",
        "<ResponseCode><![CDATA[rc-1]]></ResponseCode>",
        f"<AgentID>{fake.AGENT}</AgentID>",
    ):
        assert field in xml
    # a correctly signed callback whose padding is wrong: refused as such
    qs, body = fake.callback_bad_padding(fake.text_xml("x"), ts=NOW, nonce=NONCE)
    q = {k: v[0] for k, v in parse_qs(qs).items()}
    sealed = body.decode().split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    refused(400, "bad padding", q["msg_signature"], q["timestamp"], q["nonce"], sealed)
