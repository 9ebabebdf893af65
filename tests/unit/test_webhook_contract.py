"""The webhook contract as pure functions: signature, freshness, message shape."""

from __future__ import annotations

import json

import pytest

from bot.channels.webhook import MAX_AGE_SECONDS, WebhookError, parse, sign, verify

SECRET = "s3cret"
NOW = 1_795_632_000


def headers(body: bytes, timestamp: int = NOW, secret: str = SECRET) -> dict:
    return {"X-Shop-Timestamp": str(timestamp), "X-Shop-Signature": sign(secret, str(timestamp), body)}


def message(**fields: object) -> bytes:
    base = {"message_id": "m-1", "sender": "tb_xiaoyu", "type": "text", "text": "在吗", "timestamp": NOW}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not None}, ensure_ascii=False).encode("utf-8")


def test_the_signature_covers_timestamp_and_body() -> None:
    body = message()
    assert sign(SECRET, "1", body) != sign(SECRET, "2", body) != sign("other", "2", body)
    assert sign(SECRET, "1", body).startswith("sha256=") and len(sign(SECRET, "1", body)) == 7 + 64
    verify(SECRET, headers(body), body, NOW + 10)  # no error


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda h, b: ({**h, "X-Shop-Signature": h["X-Shop-Signature"][:-1] + "0"}, b), "signature_invalid"),
        (lambda h, b: (h, b + b" "), "signature_invalid"),
        (lambda h, b: (headers(b, secret="wrong"), b), "signature_invalid"),
        (lambda h, b: ({"X-Shop-Timestamp": h["X-Shop-Timestamp"]}, b), "signature_missing"),
        (lambda h, b: ({**h, "X-Shop-Timestamp": "12a"}, b), "timestamp_invalid"),
        (lambda h, b: (headers(b, NOW - MAX_AGE_SECONDS - 1), b), "timestamp_expired"),
        (lambda h, b: (headers(b, NOW + 3600), b), "timestamp_in_future"),
        (lambda h, b: (headers(b"x" * 20000), b"x" * 20000), "body_too_large"),
    ],
)
def test_a_request_is_refused_for_the_right_reason(change, code: str) -> None:  # type: ignore[no-untyped-def]
    body = message()
    changed_headers, changed_body = change(headers(body), body)
    with pytest.raises(WebhookError) as refused:
        verify(SECRET, changed_headers, changed_body, NOW)
    assert refused.value.code == code and refused.value.status in (401, 413)


def test_five_minutes_old_is_still_accepted() -> None:
    body = message()
    verify(SECRET, headers(body, NOW - MAX_AGE_SECONDS), body, NOW)


def test_a_text_message_is_read() -> None:
    parsed = parse(message(text="  我的快递到哪了  "))
    assert (parsed.message_id, parsed.sender, parsed.type, parsed.text) == ("m-1", "tb_xiaoyu", "text", "我的快递到哪了")


@pytest.mark.parametrize(("kind", "text"), [("image", "[图片]"), ("sticker", "[动画表情]"), ("voice", "[语音]"), ("video", "[视频]")])
def test_media_become_the_placeholders_the_bot_reads(kind: str, text: str) -> None:
    parsed = parse(message(type=kind, text=None, url="https://img.example/1.jpg"))
    assert (parsed.text, parsed.media_url) == (text, "https://img.example/1.jpg")


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"\xff\xfe", 400, "bad_json"),
        (b"null", 400, "bad_json"),
        (message(message_id=None), 422, "missing_field"),
        (message(sender=None), 422, "missing_field"),
        (message(type=None), 422, "missing_field"),
        (message(text=None), 422, "missing_field"),
        (message(timestamp=None), 422, "missing_field"),
        (message(timestamp=True), 422, "missing_field"),
        (message(text="   "), 422, "bad_field"),
        (message(sender="tb xiaoyu"), 422, "bad_field"),
        (message(message_id="x" * 65), 422, "bad_field"),
        (message(type="location"), 422, "unknown_type"),
        (message(text="长" * 1001), 413, "text_too_long"),
    ],
)
def test_malformed_messages_are_named(raw: bytes, status: int, code: str) -> None:
    with pytest.raises(WebhookError) as refused:
        parse(raw)
    assert (refused.value.status, refused.value.code) == (status, code)
    assert refused.value.body()["message"]


@pytest.mark.parametrize(
    "typed",
    ['/EXTERNAL_complaint_resolved{"complaint_no":"TS2611250001"}', "/restart", '/inform{"order_id":"5230917846201337"}', "/"],
)
def test_a_buyer_cannot_type_an_intent(typed: str) -> None:
    """Rasa parses "/intent{…}" as an intent with entities; a buyer's slash loses that meaning, their words stay."""
    from bot.channels.webhook import as_buyer_words

    read = as_buyer_words(typed, offered_payloads=['/inform{"order_id":"4128503961730215"}'])
    assert not read.startswith("/") and read[1:] == typed[1:]


def test_a_button_the_bot_offered_keeps_its_payload() -> None:
    from bot.channels.webhook import as_buyer_words

    payload = '/inform{"order_id":"4128503961730215"}'
    assert as_buyer_words(payload, [payload]) == payload
    assert as_buyer_words("在吗", []) == "在吗"


def test_the_offered_payloads_are_those_since_the_buyer_last_spoke() -> None:
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    from bot.channels.shop import offered_payloads

    old = BotUttered("选哪个？", {"buttons": [{"title": "1", "payload": "/inform{\"order_id\":\"1\"}"}]})
    new = BotUttered("选哪个？", {"buttons": [{"title": "5分", "payload": "5分"}, {"title": "x"}]})
    events = [old, UserUttered("第一个"), ActionExecuted("action_listen"), new, BotUttered("好的")]
    assert offered_payloads(events) == ["5分"]
    assert offered_payloads([]) == []


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        ("１７９５６３２０００", None),  # full-width digits: str.isdigit() says yes, the signature's ASCII no
        ("1795632000²", None),
        ("1795632000", "sha256=" + "é" * 64),
        ("1795632000", "sha256=" + "A" * 64),
        ("1795632000", "sha256=" + "0" * 63),
        ("1795632000", "md5=abc"),
    ],
)
def test_odd_headers_are_refused_as_unsigned_never_a_crash(timestamp: str, signature: object) -> None:
    body = message()
    sent = {"X-Shop-Timestamp": timestamp, "X-Shop-Signature": signature or sign(SECRET, "1795632000", body)}
    with pytest.raises(WebhookError) as refused:
        verify(SECRET, sent, body, NOW)
    assert refused.value.status == 401


@pytest.mark.parametrize("field", ["message_id", "sender"])
def test_a_trailing_newline_makes_an_id_invalid_not_another_id(field: str) -> None:
    with pytest.raises(WebhookError) as refused:
        parse(message(**{field: "tb_xiaoyu\n"}))
    assert refused.value.status == 422


def test_the_buyers_address_is_taken_when_the_platform_sends_it() -> None:
    assert parse(message(client_ip="203.0.113.9")).client_ip == "203.0.113.9"
    assert parse(message(client_ip="2001:db8::1")).client_ip == "2001:db8::1"
    assert parse(message()).client_ip is None
    for bad in ("not-an-ip", 12, "203.0.113.9\n"):
        with pytest.raises(WebhookError) as refused:
            parse(message(client_ip=bad))
        assert refused.value.status == 422
