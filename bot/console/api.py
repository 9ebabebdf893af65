"""The staff HTTP API (JSON, ``Authorization: Bearer <token>``), used by the console and by integrations.

Every failure is a JSON body ``{"error": "…"}`` with a 4xx status for what the
caller can fix, 502/503 when Rasa or the database is unreachable; nothing a
caller sends produces a 500.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any, Awaitable, Callable, Dict, Optional

from aiohttp import web
from sqlalchemy.exc import OperationalError

from bot.channels.outbox import Delivery
from bot.complaints.service import ComplaintError
from bot.console.handoffs import BadRequest, StaffDesk, blocking
from bot.crm.db import DatabaseUnavailable
from bot.crm.models import OPEN_HANDOFF, Complaint, HandoffStatus
from bot.handoff.rasa_client import RasaUnavailable
from bot.handoff.service import HandoffError, HandoffView
from bot.staff.accounts import StaffAccounts, StaffIdentity

logger = logging.getLogger(__name__)

DESK = web.AppKey("desk", StaffDesk)
ACCOUNTS = web.AppKey("accounts", StaffAccounts)
NOW = web.AppKey("now", Callable)
STAFF = "staff"

STATUS_FILTERS = {
    "open": OPEN_HANDOFF,
    "closed": (HandoffStatus.RESOLVED.value, HandoffStatus.HANDED_BACK.value),
    "all": tuple(s.value for s in HandoffStatus),
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PAGE_ERROR = (
    '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><link rel="stylesheet" href="/static/console.css">'
    '<main><section class="card narrow"><h1>出错了</h1><p>服务器内部错误，已记录日志。</p><p><a href="/">返回工作台</a></p>'
    "</section></main></html>"
)


def error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    raise TypeError(type(value).__name__)


def ok(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=_dumps)


@web.middleware
async def errors_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Known failures become clear JSON errors; anything unforeseen is logged and still answered in JSON."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if not request.path.startswith("/api/"):
            raise  # pages: aiohttp's own 404 / 405 page
        return error(exc.status, exc.reason if exc.status != 404 else "没有这个接口")
    except BadRequest as exc:
        return error(400, str(exc))
    except (HandoffError, ComplaintError) as exc:
        return error(exc.status, str(exc))
    except RasaUnavailable as exc:
        return error(502, f"机器人服务暂时无法访问：{exc}")
    except (DatabaseUnavailable, OperationalError) as exc:
        logger.error("CRM database unavailable: %s", exc)
        return error(503, "CRM 数据库暂时无法访问，请稍后重试")
    except Exception:  # a bug: the caller still gets a readable answer, the log gets the traceback
        logger.exception("console failed on %s %s", request.method, request.path)
        if not request.path.startswith("/api/"):
            return web.Response(text=PAGE_ERROR, content_type="text/html", status=500)
        return error(500, "服务器内部错误，已记录日志")


@web.middleware
async def token_required(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every /api/ route but health needs a valid staff token (the demo platform lives outside /api/)."""
    if not request.path.startswith("/api/") or request.path == "/api/health":
        return await handler(request)
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not token:
        return error(401, "缺少访问令牌（Authorization: Bearer <token>）")
    accounts = request.app[ACCOUNTS]
    staff = await blocking(accounts.by_token, token, request.app[NOW]())
    if staff is None:
        return error(401, "访问令牌无效或已吊销")
    request[STAFF] = staff
    return await handler(request)


async def _json_body(request: web.Request) -> Dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = json.loads(await request.text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("请求体不是合法的 JSON") from exc
    if not isinstance(body, dict):
        raise BadRequest("请求体应为 JSON 对象")
    return body


def _text_field(body: Dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"字段 {name} 应为字符串")
    return value


def handoff_json(view: HandoffView, now: datetime) -> Dict[str, Any]:
    return {
        "id": view.id,
        "sender_id": view.sender_id,
        "customer": {"id": view.customer_id, "name": view.customer_name, "tier": view.tier} if view.customer_id else None,
        "reason": view.reason,
        "reason_label": view.reason_label,
        "priority": view.priority,
        "status": view.status,
        "complaint_no": view.complaint_no,
        "severity": view.severity,
        "assigned_to": view.assigned_to,
        "summary": view.summary,
        "note": view.note,
        "created_at": view.created_at,
        "taken_at": view.taken_at,
        "first_answer_at": view.first_answer_at,
        "resolved_at": view.resolved_at,
        "waiting_minutes": view.waiting_minutes(now),
    }


def delivery_json(delivery: Optional[Delivery]) -> Optional[Dict[str, Any]]:
    if delivery is None:
        return None
    return {"id": delivery.id, "status": delivery.status, "attempts": delivery.attempts, "error": delivery.error}


def complaint_json(record: Complaint) -> Dict[str, Any]:
    return {
        "complaint_no": record.complaint_no,
        "category": record.category,
        "severity": record.severity,
        "status": record.status,
        "text": record.text,
        "due_at": record.due_at,
        "compensation": record.compensation,
        "resolution": record.resolution,
        "satisfaction": record.satisfaction,
        "reopened_count": record.reopened_count,
        "created_at": record.created_at,
        "resolved_at": record.resolved_at,
    }


def _handoff_id(request: web.Request) -> int:
    return int(request.match_info["handoff_id"])


def _staff(request: web.Request) -> StaffIdentity:
    return request[STAFF]


async def health(request: web.Request) -> web.Response:
    return ok({"status": "ok"})


async def list_handoffs(request: web.Request) -> web.Response:
    wanted = request.query.get("status", "open")
    if wanted not in STATUS_FILTERS:
        raise BadRequest(f"status 只能是 {' / '.join(STATUS_FILTERS)}")
    desk = request.app[DESK]
    views = await blocking(desk.handoffs.list_cases, STATUS_FILTERS[wanted])
    now = request.app[NOW]()
    return ok({"handoffs": [handoff_json(v, now) for v in views]})


async def show_handoff(request: web.Request) -> web.Response:
    conversation = await request.app[DESK].conversation(_handoff_id(request), reveal=request[STAFF].is_admin)
    return ok(
        {
            "handoff": handoff_json(conversation.handoff, request.app[NOW]()),
            "unanswered": conversation.unanswered,
            "transcript": [entry.as_dict() for entry in conversation.entries],
        }
    )


async def take_handoff(request: web.Request) -> web.Response:
    desk = request.app[DESK]
    view = await desk.take(_handoff_id(request), _staff(request))
    return ok({"handoff": handoff_json(view, request.app[NOW]())})


async def send_message(request: web.Request) -> web.Response:
    body = await _json_body(request)
    delivery = await request.app[DESK].answer(_handoff_id(request), _staff(request), _text_field(body, "text"))
    return ok({"delivery": delivery_json(delivery)}, status=201)


async def hand_back(request: web.Request) -> web.Response:
    return await _close(request, resolved=False)


async def resolve_handoff(request: web.Request) -> web.Response:
    return await _close(request, resolved=True)


async def _close(request: web.Request, resolved: bool) -> web.Response:
    body = await _json_body(request)
    result = await request.app[DESK].close(_handoff_id(request), _staff(request), resolved, _text_field(body, "note"))
    return ok(
        {
            "handoff": handoff_json(result["handoff"], request.app[NOW]()),
            "deliveries": [delivery_json(d) for d in result["deliveries"]],
        }
    )


async def list_complaints(request: web.Request) -> web.Response:
    desk = request.app[DESK]
    records = await blocking(
        lambda: desk.complaints.list_complaints(
            request.app[NOW](),
            status=request.query.get("status") or None,
            severity=request.query.get("severity") or None,
            overdue=request.query.get("overdue") in ("1", "true", "yes"),
        )
    )
    return ok({"complaints": [complaint_json(r) for r in records]})


async def resolve_complaint(request: web.Request) -> web.Response:
    body = await _json_body(request)
    result = await request.app[DESK].resolve_complaint(
        request.match_info["complaint_no"],
        _staff(request),
        _text_field(body, "resolution"),
        _text_field(body, "compensation") or None,
    )
    return ok({"complaint": complaint_json(result["complaint"]), "followup": delivery_json(result["followup"])})


async def retry_delivery(request: web.Request) -> web.Response:
    try:
        delivery = await request.app[DESK].outbox.retry(int(request.match_info["outbound_id"]))
    except KeyError as exc:
        raise web.HTTPNotFound() from exc
    return ok({"delivery": delivery_json(delivery)})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/health", health)
    app.router.add_get("/api/handoffs", list_handoffs)
    app.router.add_get(r"/api/handoffs/{handoff_id:\d+}", show_handoff)
    app.router.add_post(r"/api/handoffs/{handoff_id:\d+}/take", take_handoff)
    app.router.add_post(r"/api/handoffs/{handoff_id:\d+}/messages", send_message)
    app.router.add_post(r"/api/handoffs/{handoff_id:\d+}/handback", hand_back)
    app.router.add_post(r"/api/handoffs/{handoff_id:\d+}/resolve", resolve_handoff)
    app.router.add_get("/api/complaints", list_complaints)
    app.router.add_post(r"/api/complaints/{complaint_no:[A-Z]{2}\d{6,14}}/resolve", resolve_complaint)
    app.router.add_post(r"/api/outbound/{outbound_id:\d+}/retry", retry_delivery)
