"""WeCom's callback crypto (the scheme of its WXBizMsgCrypt samples), checked strictly.

Every callback, of the self-built app and of the AI bot alike, is sealed the same way:
- `msg_signature = sha1("".join(sorted([token, timestamp, nonce, encrypted]))).hexdigest()`,
  sent in the query string;
- `encrypted = b64(AES-256-CBC(key, iv=key[:16], PKCS7_32(random16 + len4 + msg + receive_id)))`
  with `key = b64decode(EncodingAESKey + "=")`, the length big-endian and the padding to a
  multiple of **32** bytes (not AES's 16);
- `receive_id` is the corp id for a self-built app and "" for an internal AI bot.

wechatpy (and the official samples) compare the signature with `!=`, accept any timestamp and
strip whatever the last byte says is padding. Here the signature is compared in constant time,
a request older or newer than the window is refused (a captured callback cannot be replayed
later), and the padding, the length field and the receive id must all be exactly right. Every
refusal is a `CryptoError` carrying the HTTP status to answer, never another exception, so a
hostile body can only ever produce a 4xx.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeCom pads to 32 bytes: its PKCS7Encoder's block_size, not AES's
WINDOW = 300  # seconds a signed callback stays valid
RANDOM = 16  # the random prefix of every plaintext
LENGTH = 4  # the big-endian length of the message that follows it
MAX_TIMESTAMP_DIGITS = 12  # a Unix time in seconds; more digits is not a timestamp


class CryptoError(Exception):
    """Refused: `status` is the HTTP answer (401 forged/stale/wrong receiver, 400 malformed)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _bytes(text: str) -> bytes:
    # "surrogatepass": a query string decoded with surrogates must still hash, never raise
    return text.encode("utf-8", "surrogatepass")


class WecomCrypto:
    """One callback's token, key and receive id: signs, checks, seals and opens."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        if not token:
            raise ValueError("WeCom token is empty: anyone could sign a callback")
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("EncodingAESKey is not base64 (43 characters expected)") from None
        if len(key) != 32:
            raise ValueError(f"EncodingAESKey decodes to {len(key)} bytes, not 32")
        self.token = token
        self.receive_id = receive_id
        self._receiver = _bytes(receive_id)
        self._key = key
        self._iv = key[:16]  # WeCom's choice: the IV is fixed, the random prefix varies

    def signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        parts = sorted([self.token, timestamp, nonce, encrypted])
        return hashlib.sha1(_bytes("".join(parts))).hexdigest()

    def check(
        self,
        msg_signature: str,
        timestamp: str,
        nonce: str,
        encrypted: str,
        *,
        now: float,
        window: int = WINDOW,
    ) -> None:
        """Refuse (401) what is unsigned, stale or forged."""
        values = (msg_signature, timestamp, nonce, encrypted)
        if not all(isinstance(v, str) and v for v in values):
            raise CryptoError(401, "not signed")
        # only plain ASCII digits: int() would also take " 12", "+12", "1_2" and other scripts'
        # digits, each a second spelling of one signed value
        digits = timestamp.isascii() and timestamp.isdigit()
        if not digits or len(timestamp) > MAX_TIMESTAMP_DIGITS:
            raise CryptoError(401, "bad timestamp")
        if abs(now - int(timestamp)) > window:
            raise CryptoError(401, "stale")
        expected = self.signature(timestamp, nonce, encrypted)
        if not hmac.compare_digest(expected.encode(), _bytes(msg_signature)):
            raise CryptoError(401, "bad signature")

    def decrypt(self, encrypted: str) -> bytes:
        """The message inside `encrypted`, once every byte of its framing is as WeCom makes it.

        Called after `check`: the signature covers the ciphertext, so an attacker cannot use the
        distinct refusals below as a padding oracle.
        """
        try:
            sealed = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise CryptoError(400, "bad base64") from None
        if not sealed or len(sealed) % BLOCK:
            raise CryptoError(400, "bad ciphertext length")
        decryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._iv)).decryptor()
        plain = decryptor.update(sealed) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise CryptoError(400, "bad padding")
        body = plain[:-pad]
        if len(body) < RANDOM + LENGTH:
            raise CryptoError(400, "bad length")
        size = int.from_bytes(body[RANDOM : RANDOM + LENGTH], "big")
        start = RANDOM + LENGTH
        if start + size > len(body):
            raise CryptoError(400, "bad length")
        if body[start + size :] != self._receiver:
            raise CryptoError(401, "wrong receiver")  # sealed for another corp or app
        return body[start : start + size]

    def encrypt(self, msg: bytes, *, random16: bytes | None = None) -> str:
        """The inverse of `decrypt`, for passive replies (and for tests: a fixed `random16`
        reproduces WeCom's own ciphertext byte for byte)."""
        prefix = os.urandom(RANDOM) if random16 is None else random16
        if len(prefix) != RANDOM:
            raise ValueError(f"random16 must be {RANDOM} bytes")
        body = prefix + len(msg).to_bytes(LENGTH, "big") + msg + self._receiver
        pad = BLOCK - len(body) % BLOCK  # 1..32: a full block when already aligned
        encryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._iv)).encryptor()
        sealed = encryptor.update(body + bytes([pad]) * pad) + encryptor.finalize()
        return base64.b64encode(sealed).decode()

    def open(
        self, msg_signature: str, timestamp: str, nonce: str, encrypted: str, *, now: float
    ) -> bytes:
        """`check`, then `decrypt`: the message of a callback, or a CryptoError."""
        self.check(msg_signature, timestamp, nonce, encrypted, now=now)
        return self.decrypt(encrypted)
