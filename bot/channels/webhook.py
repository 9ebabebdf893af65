"""The messaging platform's webhook contract, as pure functions: signature, freshness, message shape.

The platform POSTs one message per request::

    POST /webhooks/shop/webhook
    X-Shop-Timestamp: 1795632000                 (unix seconds when it was sent)
    X-Shop-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + raw body, key = shared secret>
    {"message_id": "m-123", "sender": "tb_xiaoyu", "type": "text", "text": "在吗", "timestamp": 1795632000}

The timestamp is inside the signed bytes, so an old request cannot be replayed
with a fresh timestamp; a request older than five minutes is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any, Collection, Dict, Mapping, Optional

SIGNATURE_HEADER = "X-Shop-Signature"
TIMESTAMP_HEADER = "X-Shop-Timestamp"
MAX_AGE_SECONDS = 300
MAX_CLOCK_SKEW_SECONDS = 60  # a timestamp from the future beyond this is refused too
MAX_BODY_BYTES = 16 * 1024
MAX_TEXT_CHARS = 1000
# Matched in full (re.fullmatch): "$" alone would let "tb_xiaoyu\n" pass as another buyer than "tb_xiaoyu".
MESSAGE_ID = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
SENDER = re.compile(r"[A-Za-z0-9_.:@\-]{1,128}")
TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: str.isdigit() also takes "１２３" and "²"
SIGNATURE = re.compile(r"sha256=[0-9a-f]{64}")

#: Message types the platform sends, and the text the bot reads for those without words.
PLACEHOLDERS = {"image": "[图片]", "sticker": "[动画表情]", "voice": "[语音]", "video": "[视频]"}
MESSAGE_TYPES = ("text", *PLACEHOLDERS)


class WebhookError(Exception):
    """A request the channel refuses: HTTP ``status``, a stable ``code`` and a readable message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> Dict[str, str]:
        return {"error": self.code, "message": self.message}


@dataclass(frozen=True)
class InboundMessage:
    message_id: str
    sender: str
    type: str
    text: str  # what the bot reads: the buyer's words, or a placeholder such as [图片]
    timestamp: float
    media_url: Optional[str] = None
    client_ip: Optional[str] = None  # the buyer's address as the platform saw it: identity-check lock-outs count it


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> None:
    """Raise WebhookError unless the body is signed with ``secret`` and was sent in the last five minutes."""
    if len(body) > MAX_BODY_BYTES:
        raise WebhookError(413, "body_too_large", f"请求体超过 {MAX_BODY_BYTES} 字节")
    signature = (headers.get(SIGNATURE_HEADER) or "").strip()
    timestamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
    if not signature or not timestamp:
        raise WebhookError(401, "signature_missing", f"缺少 {SIGNATURE_HEADER} 或 {TIMESTAMP_HEADER} 请求头")
    if not TIMESTAMP.fullmatch(timestamp):
        raise WebhookError(401, "timestamp_invalid", f"{TIMESTAMP_HEADER} 应为 Unix 秒数（ASCII 数字）")
    if not SIGNATURE.fullmatch(signature) or not hmac.compare_digest(
        sign(secret, timestamp, body).encode("ascii"), signature.encode("ascii")
    ):
        raise WebhookError(401, "signature_invalid", "签名不正确")
    age = now - int(timestamp)
    if age > MAX_AGE_SECONDS:
        raise WebhookError(401, "timestamp_expired", f"请求已超过 {MAX_AGE_SECONDS // 60} 分钟，拒绝重放")
    if age < -MAX_CLOCK_SKEW_SECONDS:
        raise WebhookError(401, "timestamp_in_future", "请求时间戳晚于服务器时间")


def parse(body: bytes) -> InboundMessage:
    """The message in ``body``, or WebhookError(400/422) naming what is wrong."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebhookError(400, "bad_json", "请求体不是合法的 UTF-8 JSON") from exc
    if not isinstance(data, dict):
        raise WebhookError(400, "bad_json", "请求体应为 JSON 对象")
    message_id = _required_str(data, "message_id")
    if not MESSAGE_ID.fullmatch(message_id):
        raise WebhookError(422, "bad_field", "message_id 只能包含字母、数字和 _.:-，最长 64 个字符")
    sender = _required_str(data, "sender")
    if not SENDER.fullmatch(sender):
        raise WebhookError(422, "bad_field", "sender 只能包含字母、数字和 _.:@-，最长 128 个字符")
    kind = _required_str(data, "type")
    if kind not in MESSAGE_TYPES:
        raise WebhookError(422, "unknown_type", f"不支持的消息类型 {kind!r}（支持 {', '.join(MESSAGE_TYPES)}）")
    timestamp = data.get("timestamp")
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)):
        raise WebhookError(422, "missing_field", "缺少字段 timestamp（Unix 秒数）")
    media_url = data.get("url")
    client_ip = data.get("client_ip")
    if client_ip is not None:
        try:
            client_ip = str(ipaddress.ip_address(client_ip)) if isinstance(client_ip, str) else None
        except ValueError:
            client_ip = None
        if client_ip is None:
            raise WebhookError(422, "bad_field", "client_ip 应为 IPv4 或 IPv6 地址")
    if kind == "text":
        text = _required_str(data, "text").strip()
        if not text:
            raise WebhookError(422, "bad_field", "文本消息的 text 不能为空")
        if len(text) > MAX_TEXT_CHARS:
            raise WebhookError(413, "text_too_long", f"text 超过 {MAX_TEXT_CHARS} 个字符")
    else:
        text = PLACEHOLDERS[kind]
    return InboundMessage(
        message_id=message_id,
        sender=sender,
        type=kind,
        text=text,
        timestamp=float(timestamp),
        media_url=media_url if isinstance(media_url, str) else None,
        client_ip=client_ip,
    )


#: Rasa reads a message that starts with this as an intent with entities ("/restart", '/inform{"order_id": …}').
INTENT_PREFIX = "/"
#: What a buyer's leading slash becomes: the full-width slash, which reads the same and means nothing to Rasa.
WORDS_PREFIX = "／"


def as_buyer_words(text: str, offered_payloads: Collection[str]) -> str:
    """The text Rasa gets: the buyer's words, never an intent they typed.

    A message that starts with "/" would be parsed by Rasa as an intent with entities — a stranger
    could send ``/EXTERNAL_complaint_resolved{…}``, ``/restart`` or someone else's order number as
    a slot. Only a button the bot itself offered in its last message to this buyer may carry such a
    payload; anything else keeps its words and loses the meaning of its slash.
    """
    if not text.startswith(INTENT_PREFIX) or text in offered_payloads:
        return text
    return WORDS_PREFIX + text[len(INTENT_PREFIX):]


def _required_str(data: Dict[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        raise WebhookError(422, "missing_field", f"缺少字段 {name}")
    if not isinstance(value, str):
        raise WebhookError(422, "bad_field", f"字段 {name} 应为字符串")
    return value
