"""A built-in stand-in for the messaging platform, for the demo only (``make run`` without PLATFORM_SEND_URL).

Staff answers and follow-ups then land here, and ``python -m bot chat`` polls
this inbox to show them in the terminal. It is switched on by ``serve`` only
when no real send API is configured, and it listens on localhost like the rest.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

from aiohttp import web

INBOX = web.AppKey("demo_inbox", list)
PATH_SEND = "/demo/platform/send"
PATH_INBOX = "/demo/platform/inbox"


async def receive(request: web.Request) -> web.Response:
    try:
        body = json.loads(await request.text())
    except ValueError:
        return web.json_response({"error": "bad json"}, status=400)
    inbox: List[Dict[str, Any]] = request.app[INBOX]
    if all(item.get("message_id") != body.get("message_id") for item in inbox):
        inbox.append(body)
    return web.json_response({"ok": True})


async def read(request: web.Request) -> web.Response:
    """Messages for ``recipient`` after position ``after`` (the caller keeps the position)."""
    recipient = request.query.get("recipient", "")
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
