"""The action server (``python -m bot.runtime.action_server``): rasa_sdk's app, closed to everyone but Rasa.

rasa_sdk's own launcher binds every interface, allows any CORS origin, trusts any tracker it is
sent and answers a failing action with the exception text and the request body. An action acts on
a buyer's orders with the slots it is given, so a forged call could list or cancel someone else's
orders. Here the same app binds ``BIND_HOST`` (loopback by default), has no CORS, refuses a call
without the shared token that Rasa sends in a header (``ACTION_SERVER_TOKEN``, configured in the
endpoints file ``serve`` writes), limits request bodies, and says nothing about a failure but that
it failed. ``/health`` stays open: it tells nothing.
"""

from __future__ import annotations

import argparse
import hmac
import logging
from typing import Optional

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.runtime.keys import ACTION_TOKEN, ACTION_TOKEN_HEADER, key_value
from bot.settings import get_settings

logger = logging.getLogger(__name__)

#: A tracker with the whole session is what Rasa sends; far below Sanic's default 100 MB.
MAX_REQUEST_BYTES = 1024 * 1024
OPEN_PATHS = ("/health",)


def token_matches(sent: str, expected: str) -> bool:
    """Constant-time comparison of a header value (any text) with the token."""
    return bool(expected) and hmac.compare_digest(sent.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


def make_app(token: str, actions_package: str = "actions") -> Sanic:
    from rasa_sdk.endpoint import create_app

    app = create_app(actions_package, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES

    @app.middleware("request")
    async def require_token(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        if not token_matches(request.headers.get(ACTION_TOKEN_HEADER, ""), token):
            return response.json({"error": "unauthorized"}, status=401)
        return None

    @app.exception(Exception)
    async def failed(request: Request, exception: Exception) -> HTTPResponse:
        status = getattr(exception, "status_code", 500)
        if status < 500:  # Sanic's own refusals: unknown path, body too large, bad method
            return response.json({"error": type(exception).__name__}, status=status)
        logger.error("action call failed", exc_info=exception)
        return response.json({"error": "action failed"}, status=500)

    return app


def main(argv: Optional[list] = None) -> None:
    parser = argparse.ArgumentParser(description="小二的动作服务器（只接受带令牌的 Rasa 调用）")
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = make_app(key_value(ACTION_TOKEN))
    port = args.port or settings.action_port
    logger.info("action server on http://%s:%s", settings.bind_host, port)
    app.run(settings.bind_host, port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
