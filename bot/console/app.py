"""The console web app (``python -m bot console``): the staff pages and the staff API."""

from __future__ import annotations

import logging
import os
from typing import Callable, Optional

from aiohttp import web

from bot import clock
from bot.channels.outbox import Outbox
from bot.complaints.service import ComplaintDesk
from bot.console import api
from bot.console import web as web_pages
from bot.console.demo_platform import add_demo_platform
from bot.console.handoffs import StaffDesk
from bot.handoff.rasa_client import RasaClient
from bot.handoff.service import HandoffDesk
from bot.policy.model import load_policy
from bot.settings import get_settings
from bot.staff.accounts import StaffAccounts

MAX_BODY = 64 * 1024  # a staff message is at most 2000 characters; anything bigger is refused early

#: Sent with every response, pages, API, static files and errors alike. The console's pages load their one script
#: and one stylesheet from /static; no inline script or style, no framing by other sites, no sniffing of types.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith(("/api/", "/login", "/logout")) or response.content_type == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")  # buyers' data and tokens stay out of caches


def make_app(
    rasa_url: Optional[str] = None,
    send_url: Optional[str] = None,
    now: Callable = clock.now,
) -> web.Application:
    app = web.Application(
        middlewares=[api.errors_as_json, api.token_required, web_pages.session_required], client_max_size=MAX_BODY
    )
    policy = load_policy()
    desk = StaffDesk(HandoffDesk(), ComplaintDesk(policy), RasaClient(rasa_url), Outbox(send_url, now=now), now)
    accounts = StaffAccounts()
    app[api.DESK] = desk
    app[api.ACCOUNTS] = accounts
    app[api.NOW] = now
    app.on_response_prepare.append(add_security_headers)
    api.add_routes(app)
    web_pages.add_pages(app)
    if os.environ.get("DEMO_PLATFORM") == "1" and not get_settings().production:  # never served in production
        add_demo_platform(app)
    return app


def main(port: Optional[int] = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    web.run_app(make_app(), host=settings.bind_host, port=port or settings.console_port, print=None)


if __name__ == "__main__":
    main()
