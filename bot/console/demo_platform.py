"""A built-in stand-in for the messaging platform, for the demo only (``make run`` without PLATFORM_SEND_URL).

Staff answers and follow-ups then land here, and ``python -m bot chat`` polls
this inbox to show them in the terminal. It is switched on by ``serve`` only
when no real send API is configured, and it listens on localhost like the rest.
Like the platform, it takes only pushes signed with the webhook secret, and it
shows a buyer's inbox only to a reader who signs the request the same way (the
terminal chat does): buyers' messages are nobody else's to read.
"""

from __future__ import annotations

import json
import time
from typing import Any, Dict, List

from aiohttp import web

from bot.channels.webhook import WebhookError, verify
from bot.runtime.keys import WEBHOOK_SECRET, key_value

INBOX = web.AppKey("demo_inbox", list)
PATH_SEND = "/demo/platform/send"
PATH_INBOX = "/demo/platform/inbox"


def inbox_request(recipient: str) -> bytes:
    """What a reader of ``recipient``'s inbox signs (with the webhook secret, like a push)."""
    return f"inbox:{recipient}".encode("utf-8")


def _signed(request: web.Request, body: bytes) -> bool:
    try:
        verify(key_value(WEBHOOK_SECRET), request.headers, body, time.time())
    except WebhookError:
        return False
    return True


async def receive(request: web.Request) -> web.Response:
    raw = await request.read()
    if not _signed(request, raw):
        return web.json_response({"error": "unsigned"}, status=401)
    try:
        body = json.loads(raw.decode("utf-8"))
    except ValueError:
        return web.json_response({"error": "bad json"}, status=400)
    inbox: List[Dict[str, Any]] = request.app[INBOX]
    if all(item.get("message_id") != body.get("message_id") for item in inbox):
        inbox.append(body)
    return web.json_response({"ok": True})


async def read(request: web.Request) -> web.Response:
    """Messages for ``recipient`` after position ``after`` (the caller keeps the position)."""
    recipient = request.query.get("recipient", "")
    if not _signed(request, inbox_request(recipient)):
        return web.json_response({"error": "unsigned"}, status=401)
    try:
        after = int(request.query.get("after", "0"))
    except ValueError:
        return web.json_response({"error": "after must be a number"}, status=400)
    inbox = request.app[INBOX]
    found = [(i, item) for i, item in enumerate(inbox) if item.get("recipient") == recipient and i >= after]
    return web.json_response(
        {"next": len(inbox), "messages": [m for _, item in found for m in item.get("messages", [])]},
        dumps=lambda v: json.dumps(v, ensure_ascii=False),
    )


def add_demo_platform(app: web.Application) -> None:
    app[INBOX] = []
    app.router.add_post(PATH_SEND, receive)
    app.router.add_get(PATH_INBOX, read)
