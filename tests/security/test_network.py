"""What listens where, and what answers without a key (issue 15, findings 1–3 and the body limits)."""

from __future__ import annotations

import ipaddress
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import pytest

from bot.runtime.keys import ACTION_TOKEN_HEADER
from bot.runtime.launch import TEST_ACTION_TOKEN
from tests.integration.conftest import RunningBot

BUYER = "tb_xiaoyu"  # the demo buyer with a parcel on its way: what a stranger would want to read
EVIL_ORIGIN = "http://evil.example"


def http(method: str, url: str, body: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None
         ) -> Tuple[int, Dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def listening(ports: Set[int]) -> List[Tuple[str, int]]:
    """(address, port) of every listening TCP socket on ``ports``, read from the kernel's tables."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            address, port = local.split(":")
            if state != "0A" or int(port, 16) not in ports:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            packed = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))  # little-endian words
            found.append((str(ipaddress.ip_address(packed)), int(port, 16)))
    return found


def test_no_server_of_the_stack_listens_beyond_loopback(running_bot: RunningBot) -> None:
    settings = running_bot.settings
    assert settings is not None
    ports = {settings.rasa_port, settings.action_port, settings.console_port}
    sockets = listening(ports)
    assert {port for _, port in sockets} == ports, sockets  # all three found
    assert all(ipaddress.ip_address(address).is_loopback for address, _ in sockets), sockets


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/conversations/{BUYER}/tracker", None),
        ("POST", f"/conversations/{BUYER}/tracker/events", b'[{"event": "restart"}]'),
        ("POST", f"/conversations/{BUYER}/trigger_intent", b'{"name": "EXTERNAL_care"}'),
        ("PUT", "/model", b'{"model_file": "models/xiaoer.tar.gz"}'),
        ("DELETE", "/model", None),
        ("GET", "/status", None),
    ],
)
def test_rasas_api_refuses_every_call_without_the_token(running_bot: RunningBot, method: str, path: str,
                                                        body: Optional[bytes]) -> None:
    for query in ("", "?token=wrong"):
        status, _, answer = http(method, f"{running_bot.url}{path}{query}", body, {"Content-Type": "application/json"})
        assert status in (401, 403), (status, answer[:200])
        assert b"13800000001" not in answer and b"4128503961730215" not in answer


def test_with_the_token_the_api_works_and_the_conversation_was_untouched(running_bot: RunningBot) -> None:
    running_bot.send(BUYER, "在吗")
    assert not any(e.get("event") == "restart" for e in running_bot.events(BUYER))  # the forged restart above


@pytest.mark.parametrize("server", ["rasa", "actions", "console"])
def test_no_server_allows_another_origin(running_bot: RunningBot, server: str) -> None:
    settings = running_bot.settings
    assert settings is not None
    port = {"rasa": settings.rasa_port, "actions": settings.action_port, "console": settings.console_port}[server]
    for method in ("OPTIONS", "GET"):
        _, headers, _ = http(method, f"http://127.0.0.1:{port}/", headers={
            "Origin": EVIL_ORIGIN, "Access-Control-Request-Method": "POST"})
        allowed = {k.lower(): v for k, v in headers.items()}.get("access-control-allow-origin")
        assert allowed not in (EVIL_ORIGIN, "*"), (server, method, headers)


def test_there_is_no_unsigned_rest_channel(running_bot: RunningBot) -> None:
    body = json.dumps({"sender": BUYER, "message": "我买的羽绒服到哪了"}).encode("utf-8")
    status, _, answer = http("POST", f"{running_bot.url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
    assert status == 404 and "羽绒服".encode() not in answer


def forged_action_call(sender: str) -> bytes:
    """What a stranger would post to the action server: a tracker naming someone else, asking for their orders."""
    tracker = {"sender_id": sender, "slots": {"requested_slot": None}, "latest_message": {"intent": {"name": "query_order"},
               "entities": [], "text": "我的订单"}, "events": [], "paused": False, "followup_action": None,
               "active_loop": {}, "latest_action_name": "action_listen"}
    return json.dumps({"next_action": "action_order_request", "sender_id": sender, "tracker": tracker,
                       "domain": {}, "version": "3.6.21"}).encode("utf-8")


@pytest.mark.parametrize("token", [None, "wrong", "test-action-token-but-longer", "令牌"])
def test_the_action_server_refuses_a_call_without_rasas_token(running_bot: RunningBot, token: Optional[str]) -> None:
    settings = running_bot.settings
    assert settings is not None
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers[ACTION_TOKEN_HEADER] = token.encode("utf-8").decode("latin-1")
    status, _, answer = http("POST", f"http://127.0.0.1:{settings.action_port}/webhook", forged_action_call(BUYER), headers)
    assert status == 401 and b"4128503961730215" not in answer
    status, _, _ = http("GET", f"http://127.0.0.1:{settings.action_port}/actions", headers=headers)
    assert status == 401
    assert http("GET", f"http://127.0.0.1:{settings.action_port}/health")[0] == 200  # says nothing, stays open


def test_the_action_server_answers_rasa_with_the_token(running_bot: RunningBot) -> None:
    settings = running_bot.settings
    assert settings is not None
    headers = {"Content-Type": "application/json", ACTION_TOKEN_HEADER: TEST_ACTION_TOKEN}
    status, _, _ = http("GET", f"http://127.0.0.1:{settings.action_port}/actions", headers=headers)
    assert status == 200


@pytest.mark.parametrize("server", ["rasa", "actions", "console"])
def test_request_bodies_are_capped(running_bot: RunningBot, staff_token: str, server: str) -> None:
    settings = running_bot.settings
    assert settings is not None
    url = {
        "rasa": f"{running_bot.url}/model/parse",  # Sanic refuses it before anything reads it
        "actions": f"http://127.0.0.1:{settings.action_port}/webhook",
        "console": f"{running_bot.console_url}/api/handoffs/1/messages",
    }[server]
    headers = {"Content-Type": "application/json", ACTION_TOKEN_HEADER: TEST_ACTION_TOKEN,
               "Authorization": f"Bearer {staff_token}"}
    status, _, _ = http("POST", url, b"x" * (2 * 1024 * 1024), headers)
    assert status == 413, status
