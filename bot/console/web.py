"""The console's pages: sign-in, the queue, a conversation with its reply box, the audit log.

Server-rendered (jinja2) and guarded by ``session_required``: every page but
the sign-in needs a session cookie (HttpOnly, SameSite=Strict), and every POST
carries the session's CSRF token. Staff actions go through the same
``StaffDesk`` as the staff API and are written to the audit log.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional
from urllib.parse import quote, urlsplit

import jinja2
from aiohttp import web

from bot.aftersales.stages import StaffAction
from bot.care.book import CareBook
from bot.care.replies import ReplyWatch
from bot.care.rules import KIND_LABELS, load_care_rules
from bot.complaints.service import ComplaintError
from bot.console.api import ACCOUNTS, DESK, NOW
from bot.console.customer360 import CustomerFile
from bot.console.dashboard import CATEGORIES, DashboardFigures, stacked_bars
from bot.console.handoffs import BadRequest, StaffDesk, blocking
from bot.crm.models import OPEN_HANDOFF, ComplaintStatus
from bot.customers.archive import CustomerArchive
from bot.customers.segments import LIFECYCLES, sizes
from bot.handoff.rasa_client import RasaUnavailable
from bot.handoff.service import HandoffError
from bot.orders.verification import VerificationGuard
from bot.policy.model import load_policy
from bot.settings import get_settings
from bot.staff.accounts import AccountError
from bot.staff.sessions import ConsoleSession, StaffSessions
from bot.staff.throttle import LoginThrottle, backoff
from bot.training.candidates import CandidateStore, ReviewError, domain_intents
from bot.training.material import TrainingMaterialStore
from bot.training.registry import ModelRegistry

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "xiaoer_session"
LOGIN_CSRF_COOKIE = "xiaoer_login_csrf"
SESSIONS = web.AppKey("sessions", StaffSessions)
CUSTOMERS = web.AppKey("customers", CustomerFile)
FIGURES = web.AppKey("figures", DashboardFigures)
MATERIAL = web.AppKey("material", TrainingMaterialStore)
CANDIDATES = web.AppKey("candidates", CandidateStore)
INTENTS = web.AppKey("intents", set)
ARCHIVE = web.AppKey("archive", CustomerArchive)
CARE = web.AppKey("care", CareBook)
REPLIES = web.AppKey("replies", ReplyWatch)
LOCKOUTS = web.AppKey("lockouts", VerificationGuard)
THROTTLE = web.AppKey("throttle", LoginThrottle)
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=jinja2.select_autoescape(["html"])
)
PUBLIC = ("/login", "/static/", "/api/", "/demo/", "/favicon.ico")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def render(request: Optional[web.Request], name: str, status: int = 200, **values: Any) -> web.Response:
    session: Optional[ConsoleSession] = request.get("console") if request is not None else None
    context = {
        "staff": session.staff if session else None,
        "csrf": session.csrf_token if session else "",
        "notice": request.query.get("notice") if request is not None else None,
        "error": request.query.get("error") if request is not None else None,
        **values,
    }
    html = TEMPLATES.get_template(name).render(**context)
    return web.Response(text=html, content_type="text/html", status=status)


def tokens_match(sent: object, expected: str) -> bool:
    """Constant-time comparison of a submitted token (any text, any type) with the expected one, as bytes:
    secrets.compare_digest refuses non-ASCII str with a TypeError, which would be a 500."""
    return bool(expected) and secrets.compare_digest(str(sent or "").encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


#: Where a sign-in may send the browser afterwards: a path of this console, nothing else.
SAFE_NEXT = re.compile(r"/(?![/\\])[^\s\\]*")


def safe_next(target: object) -> str:
    """``next`` if it is a same-origin path, else "/". Browsers drop tabs and newlines and read a backslash as
    a slash, so "/\t/evil.example" or "/\\evil.example" would leave the site; no control or space character,
    no backslash and no second slash at the start pass."""
    text = str(target or "")
    if not SAFE_NEXT.fullmatch(text) or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        return "/"
    parts = urlsplit(text)
    return text if not parts.scheme and not parts.netloc else "/"


def client_address(request: web.Request) -> str:
    """The address sign-in attempts are counted for: the peer, or the client nginx names when the console is
    told it runs behind it (CONSOLE_TRUST_PROXY=1 in deploy/, where only nginx can reach it)."""
    if os.environ.get("CONSOLE_TRUST_PROXY") == "1" and request.headers.get("X-Real-IP"):
        return request.headers["X-Real-IP"][:64]
    return (request.remote or "?")[:64]


def _cookie_options() -> Dict[str, Any]:
    return {"httponly": True, "samesite": "Strict", "path": "/", "secure": os.environ.get("CONSOLE_SECURE_COOKIES") == "1"}


@web.middleware
async def session_required(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Pages need a session; POSTs need its CSRF token. The sign-in page, static files and the API do not."""
    if request.path.startswith(PUBLIC):
        return await handler(request)
    now = request.app[NOW]()
    session = await blocking(request.app[SESSIONS].find, request.cookies.get(SESSION_COOKIE, ""), now)
    if session is None:
        if request.method == "GET":
            raise web.HTTPFound(f"/login?next={quote(request.path_qs)}")
        return render(None, "error.html", status=401, heading="请先登录", message="登录已过期或尚未登录。")
    request["console"] = session
    if request.method == "POST":
        form = await request.post()
        sent = form.get("_csrf") or request.headers.get("X-CSRF-Token", "")
        if not tokens_match(sent, session.csrf_token):
            return render(request, "error.html", status=403, heading="请求已失效", message="表单校验失败（缺少或错误的 CSRF 令牌），请刷新页面后重试。")
    return await handler(request)


# ---- sign-in ------------------------------------------------------------------------


async def login_page(request: web.Request) -> web.Response:
    # one token per browser: a second tab (or the browser's own favicon request) must not void the first form
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render(None, "login.html", csrf=token, next=safe_next(request.query.get("next", "/")), error=request.query.get("error"))
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, **_cookie_options())
    return response


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not tokens_match(form.get("_csrf", ""), expected):
        return render(None, "error.html", status=403, heading="请求已失效", message="登录表单已过期，请刷新后重试。")
    username, password = str(form.get("username", "")).strip()[:64], str(form.get("password", ""))[:256]
    target = safe_next(form.get("next", "/"))
    now, address = request.app[NOW](), client_address(request)
    sessions, throttle = request.app[SESSIONS], request.app[THROTTLE]

    def refused(status: int, error: str) -> web.Response:
        return render(None, "login.html", status=status, csrf=expected, next=target, error=error)

    locked = await blocking(throttle.locked_until, username, address, now)
    if locked is not None:  # not even the right password while locked; said the same for names that do not exist
        return refused(429, f"登录失败次数过多，请在 {locked:%H:%M} 之后再试，或请管理员协助。")
    staff = await blocking(request.app[ACCOUNTS].check_password, username, password)
    await blocking(throttle.record, username, address, staff is not None, now)
    if staff is None:
        await blocking(lambda: sessions.audit(None, "login_failed", username, now, username=username[:32], address=address))
        failures = await blocking(throttle.recent_failures, username, address, now)
        await asyncio.sleep(backoff(failures))
        locked = await blocking(throttle.locked_until, username, address, now)
        if locked is not None:
            await blocking(lambda: sessions.audit(None, "login_locked", username, now, username=username[:32],
                                                  address=address, until=f"{locked:%Y-%m-%d %H:%M}"))
            return refused(429, f"登录失败次数过多，请在 {locked:%H:%M} 之后再试，或请管理员协助。")
        return refused(401, "用户名或密码不正确")
    token, _ = await blocking(sessions.open, staff, now)
    await blocking(lambda: sessions.audit(staff, "login", staff.username, now, address=address))
    response = web.HTTPFound(target)
    response.set_cookie(SESSION_COOKIE, token, **_cookie_options())
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    sessions, now = request.app[SESSIONS], request.app[NOW]()
    await blocking(sessions.close, request.cookies.get(SESSION_COOKIE, ""), now)
    await blocking(lambda: sessions.audit(request["console"].staff, "logout", "", now))
    response = web.HTTPFound("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


# ---- the queue and a conversation -----------------------------------------------------


def _desk(request: web.Request) -> StaffDesk:
    return request.app[DESK]


async def queue_page(request: web.Request) -> web.Response:
    now = request.app[NOW]()
    cases = await blocking(_desk(request).handoffs.list_cases, OPEN_HANDOFF)
    dues = await blocking(request.app[REPLIES].waiting, now)
    return render(request, "queue.html", cases=cases, now=now, dues=dues)


async def conversation_page(request: web.Request, reveal: bool = False) -> web.Response:
    unmasked = reveal or request["console"].staff.is_admin
    try:
        conversation = await _desk(request).conversation(int(request.match_info["handoff_id"]), unmasked)
    except HandoffError as exc:
        return render(request, "error.html", status=exc.status, heading="找不到这个会话", message=str(exc))
    except RasaUnavailable as exc:
        return render(request, "error.html", status=502, heading="机器人服务暂时无法访问", message=str(exc))
    case = conversation.handoff
    customer = None
    if case.customer_id:
        customer = await blocking(request.app[CUSTOMERS].load, case.customer_id, unmasked, request.app[NOW]())
    marked = await blocking(request.app[MATERIAL].is_marked, case.id)
    return render(
        request,
        "conversation.html",
        case=case,
        entries=[e.as_dict() for e in conversation.entries],
        customer=customer,
        move_labels=MOVE_LABELS,
        marked=marked,
    )


async def mark_training(request: web.Request) -> web.StreamResponse:
    """The reviewed conversation becomes training material (issue: retraining on new dialogues)."""
    form = await request.post()
    handoff_id = int(request.match_info["handoff_id"])
    staff, now = request["console"].staff, request.app[NOW]()
    case = await blocking(_desk(request).handoffs.get, handoff_id)
    note = str(form.get("note", "")).strip()
    added = await blocking(request.app[MATERIAL].mark, case.sender_id, handoff_id, staff.username, note, now)
    if added:
        await blocking(lambda: request.app[SESSIONS].audit(staff, "training_mark", f"handoff:{handoff_id}", now, note=note))
    message = "已标记为训练素材" if added else "这个会话已经标记过了"
    raise web.HTTPFound(f"/handoffs/{handoff_id}?notice={quote(message)}")


async def reveal(request: web.Request) -> web.Response:
    """An agent shows a buyer's full phone and addresses on purpose; the audit log keeps who and when."""
    handoff_id = int(request.match_info["handoff_id"])
    case = await blocking(_desk(request).handoffs.get, handoff_id)
    now = request.app[NOW]()
    await blocking(lambda: request.app[SESSIONS].audit(request["console"].staff, "reveal", f"customer:{case.customer_id}", now))
    return await conversation_page(request, reveal=True)


#: The after-sales moves as staff read them on the button.
MOVE_LABELS = {
    StaffAction.APPROVE.value: "审核通过",
    StaffAction.RECEIVED.value: "已收到退货",
    StaffAction.REFUNDED.value: "已退款",
    StaffAction.COMPLETED.value: "已发出（换货/维修/补发）",
    StaffAction.REJECT.value: "拒绝（写明原因）",
}


def _back(form: Any) -> str:
    back = str(form.get("back", ""))
    return f"/handoffs/{back}" if back.isdigit() else "/"


async def move_return(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    staff, now, rma_no = request["console"].staff, request.app[NOW](), request.match_info["rma_no"]
    try:
        action = StaffAction(str(form.get("action", "")))
    except ValueError:
        raise web.HTTPFound(f"{_back(form)}?error={quote('未知的售后操作')}") from None
    note = str(form.get("note", "")).strip() or None
    result = await blocking(request.app[CUSTOMERS].aftersales.move, rma_no, action, staff.username, note, now)
    if not result.done:
        raise web.HTTPFound(f"{_back(form)}?error={quote(result.reason)}")
    await blocking(lambda: request.app[SESSIONS].audit(staff, f"return_{action.value}", rma_no, now, note=note))
    raise web.HTTPFound(f"{_back(form)}?notice={quote(f'{rma_no} 已更新为 {result.request.status.value}')}")


async def update_complaint(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    staff, now, complaint_no = request["console"].staff, request.app[NOW](), request.match_info["complaint_no"]
    status = str(form.get("status", ""))
    compensation = str(form.get("compensation", "")).strip() or None
    resolution = str(form.get("resolution", "")).strip()
    desk = _desk(request)
    try:
        if status == "已解决":
            await desk.resolve_complaint(complaint_no, staff, resolution, compensation)
        else:
            await blocking(desk.complaints.update, complaint_no, staff.id, status, compensation, resolution or None)
    except (BadRequest, ComplaintError, RasaUnavailable) as exc:
        raise web.HTTPFound(f"{_back(form)}?error={quote(str(exc))}") from None
    detail = {"status": status, "compensation": compensation, "resolution": resolution}
    await blocking(lambda: request.app[SESSIONS].audit(staff, "complaint_update", complaint_no, now, **detail))
    raise web.HTTPFound(f"{_back(form)}?notice={quote(f'投诉 {complaint_no} 已更新为 {status}')}")


async def opt_in(request: web.Request) -> web.StreamResponse:
    """The buyer asked staff to hear from the shop again (they had replied 退订)."""
    form = await request.post()
    staff, now, customer_id = request["console"].staff, request.app[NOW](), int(request.match_info["customer_id"])
    await blocking(request.app[CARE].opt_in, customer_id)
    await blocking(lambda: request.app[SESSIONS].audit(staff, "care_opt_in", f"customer:{customer_id}", now))
    raise web.HTTPFound(f"{_back(form)}?notice={quote('已恢复该买家的主动消息')}")


async def care_page(request: web.Request) -> web.Response:
    """回复时效与待办: buyers waiting on staff against the reply standard, and follow-up tasks (stalled parcels)."""
    now = request.app[NOW]()
    dues = await blocking(request.app[REPLIES].waiting, now)
    cases = {case.id: case for case in await blocking(_desk(request).handoffs.list_cases, OPEN_HANDOFF)}
    waiting = sorted((d for d in dues.values() if d.handoff_id in cases), key=lambda d: d.due_at)
    tasks = await blocking(request.app[CARE].tasks, True, 100)
    return render(
        request,
        "care.html",
        now=now,
        waiting=waiting,
        cases=cases,
        overdue=sum(d.overdue for d in waiting),
        tasks=tasks,
        open_tasks=sum(t.status == "待处理" for t in tasks),
        week=await blocking(request.app[CARE].week_counts, now),
        kind_labels=KIND_LABELS,
        lockouts=await blocking(request.app[LOCKOUTS].active_lockouts, now),
    )


async def complete_task(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    staff, now, task_id = request["console"].staff, request.app[NOW](), int(request.match_info["task_id"])
    note = str(form.get("note", "")).strip()[:500]
    try:
        task = await blocking(request.app[CARE].complete_task, task_id, staff.username, note, now)
    except KeyError:
        raise web.HTTPFound(f"/care?error={quote(f'没有待办 #{task_id}')}") from None
    await blocking(lambda: request.app[SESSIONS].audit(staff, "task_done", f"task:{task_id}", now, note=note))
    raise web.HTTPFound(f"/care?notice={quote(f'待办已完成：{task.title}')}")


async def transcript_fragment(request: web.Request) -> web.Response:
    """The transcript list for the page's polling: new buyer messages appear within seconds."""
    try:
        unmasked = request["console"].staff.is_admin
        conversation = await _desk(request).conversation(int(request.match_info["handoff_id"]), unmasked)
    except (HandoffError, RasaUnavailable) as exc:
        return web.json_response({"error": str(exc)}, status=404 if isinstance(exc, HandoffError) else 502)
    entries = [e.as_dict() for e in conversation.entries]
    html = TEMPLATES.get_template("transcript.html").render(entries=entries)
    return web.json_response({"count": len(entries), "html": html, "status": conversation.handoff.status})


async def _act(request: web.Request, action: str, work: Callable[[], Awaitable[Any]], done: str) -> web.StreamResponse:
    """Carry out a staff action, audit it, and come back to the conversation with what happened."""
    handoff_id = request.match_info["handoff_id"]
    back = f"/handoffs/{handoff_id}"
    try:
        await work()
    except (BadRequest, HandoffError, ComplaintError, RasaUnavailable) as exc:
        raise web.HTTPFound(f"{back}?error={quote(str(exc))}") from None
    now = request.app[NOW]()
    await blocking(lambda: request.app[SESSIONS].audit(request["console"].staff, action, f"handoff:{handoff_id}", now))
    raise web.HTTPFound(f"{back}?notice={quote(done)}" if action != "resolve" and action != "handback" else f"/?notice={quote(done)}")


async def take(request: web.Request) -> web.StreamResponse:
    staff, desk = request["console"].staff, _desk(request)
    handoff_id = int(request.match_info["handoff_id"])
    return await _act(request, "take", lambda: desk.take(handoff_id, staff), "已接待")


async def reply(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    staff, desk = request["console"].staff, _desk(request)
    handoff_id = int(request.match_info["handoff_id"])

    async def send() -> None:
        delivery = await desk.answer(handoff_id, staff, str(form.get("text", "")))
        if not delivery.delivered:
            raise BadRequest(f"消息已记录，但未能送达买家：{delivery.error}")

    return await _act(request, "reply", send, "已发送")


async def hand_back(request: web.Request) -> web.StreamResponse:
    staff, desk = request["console"].staff, _desk(request)
    handoff_id = int(request.match_info["handoff_id"])
    return await _act(request, "handback", lambda: desk.close(handoff_id, staff, False, ""), "已交还给机器人")


async def resolve(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    staff, desk = request["console"].staff, _desk(request)
    handoff_id = int(request.match_info["handoff_id"])
    note = str(form.get("note", ""))
    return await _act(request, "resolve", lambda: desk.close(handoff_id, staff, True, note), "会话已结束")


async def complaints_page(request: web.Request) -> web.Response:
    query = request.query
    filters = {
        "category": query.get("category") or None,
        "severity": query.get("severity") or None,
        "status": query.get("status") or None,
        "overdue": query.get("overdue") == "1",
    }
    now = request.app[NOW]()
    rows = await blocking(lambda: _desk(request).complaints.list_complaints(now, **filters))
    return render(
        request, "complaints.html", rows=rows, filters=filters, now=now,
        categories=CATEGORIES, statuses=[s.value for s in ComplaintStatus],
    )


async def dashboard_page(request: web.Request) -> web.Response:
    board = await blocking(request.app[FIGURES].compute, request.app[NOW]())
    labels = [f"{w:%m-%d}" for w in board.weeks]
    return render(
        request,
        "dashboard.html",
        board=board,
        rows=list(zip(labels, board.handoffs, board.buyers)),
        complaints_chart=stacked_bars(labels, board.complaints_by_category),
        handoff_chart=stacked_bars(labels, {"转人工率 %": board.handoff_rate}),
        answer_chart=stacked_bars(labels, {"分钟": board.first_answer_minutes}),
        satisfaction_chart=stacked_bars([f"{s} 分" for s in board.satisfaction], {"人数": list(board.satisfaction.values())}),
    )


async def training_page(request: web.Request) -> web.Response:
    store = request.app[CANDIDATES]
    candidates = await blocking(store.for_review)
    material = await blocking(request.app[MATERIAL].unused)
    return render(request, "training.html", candidates=candidates, material=material, intents=sorted(request.app[INTENTS]))


async def review_candidate(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    staff, now = request["console"].staff, request.app[NOW]()
    candidate_id = int(request.match_info["candidate_id"])
    accept = form.get("decision") == "accept"
    intent = str(form.get("intent", "")) or None
    try:
        status = await blocking(request.app[CANDIDATES].review, candidate_id, intent, accept, staff.username, now, request.app[INTENTS])
    except ReviewError as exc:
        raise web.HTTPFound(f"/training?error={quote(str(exc))}") from None
    await blocking(lambda: request.app[SESSIONS].audit(staff, "candidate_review", f"candidate:{candidate_id}", now, status=status, intent=intent))
    raise web.HTTPFound(f"/training?notice={quote(status)}")


async def training_conversation(request: web.Request) -> web.Response:
    conversation = await _desk(request).conversation(int(request.match_info["handoff_id"]))
    messages = [e for e in conversation.entries if e.role == "buyer"]
    return render(
        request, "training_conversation.html", case=conversation.handoff, messages=messages, intents=sorted(request.app[INTENTS])
    )


async def add_from_conversation(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    staff, now = request["console"].staff, request.app[NOW]()
    handoff_id = int(request.match_info["handoff_id"])
    case = await blocking(_desk(request).handoffs.get, handoff_id)
    back = f"/training/conversations/{handoff_id}"
    provenance = {"conversation_id": case.sender_id, "handoff_id": handoff_id, "file": "console"}
    try:
        added = await blocking(
            request.app[CANDIDATES].add_reviewed, str(form.get("text", "")), str(form.get("intent", "")), provenance,
            staff.username, now, request.app[INTENTS],
        )
    except ReviewError as exc:
        raise web.HTTPFound(f"{back}?error={quote(str(exc))}") from None
    if added:
        await blocking(lambda: request.app[SESSIONS].audit(staff, "candidate_add", f"handoff:{handoff_id}", now, intent=form.get("intent")))
    raise web.HTTPFound(f"{back}?notice={quote('已加入训练数据' if added else '训练数据里已经有这句话')}")


async def segments_page(request: web.Request) -> web.Response:
    archive = request.app[ARCHIVE]
    found = await blocking(archive.profiles, request.app[NOW]())
    names = await blocking(archive.names)
    counted = sizes(found)
    tiers = [t.name for t in archive.rules.tiers]
    watch = sorted((p for p in found if p.at_risk or p.lifecycle == "沉睡"), key=lambda p: p.monetary, reverse=True)[:50]
    return render(
        request,
        "segments.html",
        counted=counted,
        total=len(found),
        watch=watch,
        names=names,
        tier_chart=stacked_bars(tiers, {"人数": [counted.tiers.get(t, 0) for t in tiers]}),
        lifecycle_chart=stacked_bars(list(LIFECYCLES), {"人数": [counted.lifecycles.get(s, 0) for s in LIFECYCLES]}),
    )


def _registry() -> ModelRegistry:
    return ModelRegistry(get_settings().models_dir)


async def models_page(request: web.Request) -> web.Response:
    return render(request, "models.html", entries=await blocking(lambda: _registry().entries()))


async def model_report(request: web.Request) -> web.Response:
    registry = _registry()
    entry = await blocking(registry.find, request.match_info["model_id"])
    report_file = registry.folder / request.match_info["model_id"] / "report.json"
    if entry is None or not report_file.exists():
        return render(request, "error.html", status=404, heading="找不到这个模型", message="它不在登记簿里，或还没有评估报告。")
    report = json.loads(report_file.read_text(encoding="utf-8"))
    return render(request, "model_report.html", entry=entry, report=report)


async def model_confusion(request: web.Request) -> web.StreamResponse:
    picture = _registry().folder / request.match_info["model_id"] / "confusion.png"
    if not picture.exists():
        raise web.HTTPNotFound()
    return web.FileResponse(picture)


def _admin_only(request: web.Request) -> Optional[web.Response]:
    if request["console"].staff.is_admin:
        return None
    return render(request, "error.html", status=403, heading="没有权限", message="这个操作只有管理员可以做。")


async def staff_page(request: web.Request) -> web.Response:
    refused = _admin_only(request)
    if refused is not None:
        return refused
    return render(request, "staff.html", users=await blocking(request.app[ACCOUNTS].list_users))


async def add_staff(request: web.Request) -> web.StreamResponse:
    refused = _admin_only(request)
    if refused is not None:
        return refused
    form = await request.post()
    admin, now = request["console"].staff, request.app[NOW]()
    username, role = str(form.get("username", "")), str(form.get("role", "agent"))
    try:
        await blocking(request.app[ACCOUNTS].create_user, username, str(form.get("display_name", "")), str(form.get("password", "")), role, now)
    except AccountError as exc:
        raise web.HTTPFound(f"/admin/staff?error={quote(str(exc))}") from None
    await blocking(lambda: request.app[SESSIONS].audit(admin, "staff_add", username, now, role=role))
    raise web.HTTPFound(f"/admin/staff?notice={quote(f'已创建 {username}')}")


async def set_staff_active(request: web.Request) -> web.StreamResponse:
    """停用 / 启用: a disabled account's sessions and API tokens end at once."""
    refused = _admin_only(request)
    if refused is not None:
        return refused
    form = await request.post()
    admin, now = request["console"].staff, request.app[NOW]()
    username, active = request.match_info["username"], str(form.get("active", "")) == "1"
    if username == admin.username and not active:
        raise web.HTTPFound(f"/admin/staff?error={quote('不能停用自己的账号')}")
    try:
        ended = await blocking(request.app[ACCOUNTS].set_active, username, active, now)
    except AccountError as exc:
        raise web.HTTPFound(f"/admin/staff?error={quote(str(exc))}") from None
    await blocking(lambda: request.app[SESSIONS].audit(admin, "staff_enable" if active else "staff_disable", username, now,
                                                       ended=ended))
    notice = f"已启用 {username}" if active else f"已停用 {username}（结束了 {ended} 个登录和令牌）"
    raise web.HTTPFound(f"/admin/staff?notice={quote(notice)}")


async def reset_staff_password(request: web.Request) -> web.StreamResponse:
    refused = _admin_only(request)
    if refused is not None:
        return refused
    form = await request.post()
    admin, now = request["console"].staff, request.app[NOW]()
    username = request.match_info["username"]
    try:
        await blocking(request.app[ACCOUNTS].reset_password, username, str(form.get("password", "")), now)
    except AccountError as exc:
        raise web.HTTPFound(f"/admin/staff?error={quote(str(exc))}") from None
    await blocking(lambda: request.app[SESSIONS].audit(admin, "staff_password_reset", username, now))
    raise web.HTTPFound(f"/admin/staff?notice={quote(f'已重置 {username} 的密码，其登录已全部退出')}")


async def favicon(_: web.Request) -> web.Response:
    return web.Response(status=204)


async def audit_page(request: web.Request) -> web.Response:
    refused = _admin_only(request)
    if refused is not None:
        return refused
    rows = await blocking(request.app[SESSIONS].recent_audit)
    return render(request, "audit.html", rows=rows)


def add_pages(app: web.Application) -> None:
    """The pages; the desk, accounts and clock are the ones the staff API uses (``bot.console.api`` keys)."""
    app[SESSIONS] = StaffSessions()
    policy = load_policy()
    app[CUSTOMERS] = CustomerFile(policy)
    app[FIGURES] = DashboardFigures()
    app[MATERIAL] = TrainingMaterialStore()
    app[CANDIDATES] = CandidateStore()
    app[ARCHIVE] = CustomerArchive()
    app[CARE] = CareBook()
    app[REPLIES] = ReplyWatch(policy.service_hours, load_care_rules())
    app[LOCKOUTS] = VerificationGuard.from_policy(policy)
    app[THROTTLE] = LoginThrottle()
    app[INTENTS] = domain_intents()
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/", queue_page)
    app.router.add_get(r"/handoffs/{handoff_id:\d+}", conversation_page)
    app.router.add_get(r"/handoffs/{handoff_id:\d+}/transcript", transcript_fragment)
    app.router.add_post(r"/handoffs/{handoff_id:\d+}/take", take)
    app.router.add_post(r"/handoffs/{handoff_id:\d+}/reply", reply)
    app.router.add_post(r"/handoffs/{handoff_id:\d+}/handback", hand_back)
    app.router.add_post(r"/handoffs/{handoff_id:\d+}/resolve", resolve)
    app.router.add_post(r"/handoffs/{handoff_id:\d+}/reveal", reveal)
    app.router.add_post(r"/returns/{rma_no:RMA\d{6,14}}/move", move_return)
    app.router.add_post(r"/complaints/{complaint_no:TS\d{6,14}}/update", update_complaint)
    app.router.add_post(r"/handoffs/{handoff_id:\d+}/training", mark_training)
    app.router.add_get("/training", training_page)
    app.router.add_post(r"/training/candidates/{candidate_id:\d+}", review_candidate)
    app.router.add_get(r"/training/conversations/{handoff_id:\d+}", training_conversation)
    app.router.add_post(r"/training/conversations/{handoff_id:\d+}/add", add_from_conversation)
    app.router.add_get("/segments", segments_page)
    app.router.add_get("/care", care_page)
    app.router.add_post(r"/care/tasks/{task_id:\d+}/done", complete_task)
    app.router.add_post(r"/customers/{customer_id:\d+}/opt-in", opt_in)
    app.router.add_get("/models", models_page)
    app.router.add_get(r"/models/{model_id:\d{8}-\d{6}}", model_report)
    app.router.add_get(r"/models/{model_id:\d{8}-\d{6}}/confusion.png", model_confusion)
    app.router.add_get("/admin/staff", staff_page)
    app.router.add_post("/admin/staff", add_staff)
    app.router.add_post(r"/admin/staff/{username:[A-Za-z0-9_.]{1,32}}/active", set_staff_active)
    app.router.add_post(r"/admin/staff/{username:[A-Za-z0-9_.]{1,32}}/password", reset_staff_password)
    app.router.add_get("/complaints", complaints_page)
    app.router.add_get("/dashboard", dashboard_page)
    app.router.add_get("/audit", audit_page)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_static("/static/", HERE / "static")
