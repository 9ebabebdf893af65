"""The console refuses the unauthenticated, a wrong password, a missing CSRF token and an agent doing an admin's job."""

from __future__ import annotations

import re
from typing import Tuple

import pytest
import requests

from bot import clock
from bot.crm.db import session_factory
from bot.staff.accounts import StaffAccounts
from tests.integration.conftest import RunningBot


def login(bot: RunningBot, username: str, password: str) -> Tuple[requests.Session, requests.Response]:
    http = requests.Session()
    page = http.get(f"{bot.console_url}/login", timeout=30)
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
    answer = http.post(
        f"{bot.console_url}/login",
        data={"_csrf": csrf, "username": username, "password": password, "next": "/"},
        allow_redirects=False,
        timeout=30,
    )
    return http, answer


@pytest.fixture(scope="module")
def accounts(running_bot: RunningBot) -> StaffAccounts:
    accounts = StaffAccounts(session_factory(running_bot.database_url))
    accounts.create_user("agent_sec", "安全测试客服", "agent-password-1", "agent", clock.now())
    accounts.create_user("admin_sec", "安全测试主管", "admin-password-1", "admin", clock.now())
    return accounts


def csrf_of(page: str) -> str:
    return re.search(r'name="_csrf" value="([^"]+)"', page).group(1)


def test_pages_refuse_the_unauthenticated(running_bot: RunningBot) -> None:
    page = requests.get(f"{running_bot.console_url}/", allow_redirects=False, timeout=30)
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert requests.get(f"{running_bot.console_url}/audit", allow_redirects=False, timeout=30).status_code == 302
    posted = requests.post(f"{running_bot.console_url}/handoffs/1/reply", data={"text": "x"}, allow_redirects=False, timeout=30)
    assert posted.status_code == 401
    forged = requests.get(f"{running_bot.console_url}/", cookies={"xiaoer_session": "forged"}, allow_redirects=False, timeout=30)
    assert forged.status_code == 302


def test_a_wrong_password_is_refused(running_bot: RunningBot, accounts: StaffAccounts) -> None:
    _, answer = login(running_bot, "agent_sec", "not-the-password")
    assert answer.status_code == 401 and "用户名或密码不正确" in answer.text and "xiaoer_session" not in answer.cookies


def test_a_login_without_its_csrf_token_is_refused(running_bot: RunningBot, accounts: StaffAccounts) -> None:
    answer = requests.post(
        f"{running_bot.console_url}/login", data={"username": "agent_sec", "password": "agent-password-1"},
        allow_redirects=False, timeout=30,
    )
    assert answer.status_code == 403


def test_the_session_cookie_is_httponly_and_samesite(running_bot: RunningBot, accounts: StaffAccounts) -> None:
    _, answer = login(running_bot, "agent_sec", "agent-password-1")
    assert answer.status_code == 302
    cookie = answer.headers["Set-Cookie"]
    assert "xiaoer_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_a_form_without_the_csrf_token_is_refused(running_bot: RunningBot, accounts: StaffAccounts) -> None:
    http, _ = login(running_bot, "agent_sec", "agent-password-1")
    running_bot.texts("tb_u00170", "转人工")
    queue = http.get(f"{running_bot.console_url}/", timeout=30)
    handoff_id = re.search(r'data-handoff="(\d+)"', queue.text).group(1)
    refused = http.post(f"{running_bot.console_url}/handoffs/{handoff_id}/take", data={}, allow_redirects=False, timeout=30)
    assert refused.status_code == 403
    wrong = http.post(
        f"{running_bot.console_url}/handoffs/{handoff_id}/take", data={"_csrf": "wrong"}, allow_redirects=False, timeout=30
    )
    assert wrong.status_code == 403
    taken = http.post(
        f"{running_bot.console_url}/handoffs/{handoff_id}/take", data={"_csrf": csrf_of(queue.text)},
        allow_redirects=False, timeout=30,
    )
    assert taken.status_code == 302 and "已接待" in requests.utils.unquote(taken.headers["Location"])


def test_an_agent_cannot_do_an_admins_job(running_bot: RunningBot, accounts: StaffAccounts) -> None:
    agent, _ = login(running_bot, "agent_sec", "agent-password-1")
    assert agent.get(f"{running_bot.console_url}/audit", timeout=30).status_code == 403
    queue = agent.get(f"{running_bot.console_url}/", timeout=30)
    made = agent.post(
        f"{running_bot.console_url}/admin/staff",
        data={"_csrf": csrf_of(queue.text), "username": "sneaky", "password": "sneaky-pass-1", "role": "admin"},
        allow_redirects=False,
        timeout=30,
    )
    assert made.status_code == 403 and accounts.check_password("sneaky", "sneaky-pass-1") is None
    admin, _ = login(running_bot, "admin_sec", "admin-password-1")
    page = admin.get(f"{running_bot.console_url}/audit", timeout=30)
    assert page.status_code == 200 and "agent_sec" in page.text and "login_failed" in page.text
    made = admin.post(
        f"{running_bot.console_url}/admin/staff",
        data={"_csrf": csrf_of(page.text), "username": "new_agent", "display_name": "新同事", "password": "new-agent-pass", "role": "agent"},
        allow_redirects=False,
        timeout=30,
    )
    assert made.status_code == 302 and accounts.check_password("new_agent", "new-agent-pass") is not None


def test_signing_out_ends_the_session(running_bot: RunningBot, accounts: StaffAccounts) -> None:
    http, _ = login(running_bot, "agent_sec", "agent-password-1")
    queue = http.get(f"{running_bot.console_url}/", timeout=30)
    token = http.cookies.get("xiaoer_session")
    assert token and queue.status_code == 200
    http.post(f"{running_bot.console_url}/logout", data={"_csrf": csrf_of(queue.text)}, timeout=30)
    again = requests.get(f"{running_bot.console_url}/", cookies={"xiaoer_session": token}, allow_redirects=False, timeout=30)
    assert again.status_code == 302  # the old cookie no longer opens anything
