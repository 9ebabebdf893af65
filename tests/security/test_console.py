"""The console's doors (issue 15, finding 7): sign-in throttled and locked, no timing oracle for user names, no
open redirect, security headers everywhere, a disabled account shut out at once, odd form values never a 500."""

from __future__ import annotations

import re
from typing import Tuple

import pytest
import requests

from bot import clock
from bot.crm.db import session_factory
from bot.staff.accounts import StaffAccounts
from bot.staff.throttle import ACCOUNT
from tests.integration.conftest import RunningBot


def login(bot: RunningBot, username: str, password: str, next_page: str = "/") -> Tuple[requests.Session, requests.Response]:
    http = requests.Session()
    page = http.get(f"{bot.console_url}/login", timeout=30)
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
    answer = http.post(f"{bot.console_url}/login", timeout=60, allow_redirects=False,
                       data={"_csrf": csrf, "username": username, "password": password, "next": next_page})
    return http, answer


@pytest.fixture(scope="module")
def accounts(running_bot: RunningBot) -> StaffAccounts:
    accounts = StaffAccounts(session_factory(running_bot.database_url))
    for name, role in (("sec_locked", "agent"), ("sec_leaver", "agent"), ("sec_admin", "admin"), ("sec_redirect", "agent")):
        accounts.create_user(name, name, "right-password-1", role, clock.now())
    return accounts


def test_repeated_failures_lock_the_account_even_for_the_right_password(running_bot: RunningBot, accounts: StaffAccounts) -> None:
    for _ in range(ACCOUNT.max_failures):
        assert login(running_bot, "sec_locked", "wrong-password")[1].status_code in (401, 429)
    _, answer = login(running_bot, "sec_locked", "right-password-1")
    assert answer.status_code == 429 and "登录失败次数过多" in answer.text
    _, unknown = login(running_bot, "sec_nobody_" + "x" * 8, "wrong-password")
    assert unknown.status_code == 401  # a name that does not exist is answered like a real one


def test_an_unknown_name_costs_the_same_work_as_a_known_one(accounts: StaffAccounts,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted, not timed: a wall-clock comparison flakes on a loaded CI machine. Both a real and an unknown
    name must run scrypt exactly once with the same cost parameters, so neither answer is cheaper."""
    import hashlib

    from bot.staff import accounts as accounts_module

    real_scrypt = hashlib.scrypt
    calls: list = []

    def counting_scrypt(password: bytes, *, salt: bytes, n: int, r: int, p: int, **rest: int) -> bytes:
        calls.append((n, r, p, len(salt)))
        return real_scrypt(password, salt=salt, n=n, r=r, p=p, **rest)

    monkeypatch.setattr(accounts_module.hashlib, "scrypt", counting_scrypt)

    def work(username: str) -> list:
        calls.clear()
        assert accounts.check_password(username, "wrong-password") is None
        return list(calls)

    known, unknown = work("sec_admin"), work("sec_nobody")
    assert len(known) == 1 and known == unknown, (known, unknown)
    assert known[0][:3] == tuple(accounts_module.SCRYPT[key] for key in ("n", "r", "p"))


@pytest.mark.parametrize(
    ("wanted", "landed"),
    [("/\t/evil.example", "/"), ("//evil.example", "/"), ("/\\evil.example", "/"), ("https://evil.example/", "/"),
     ("/\n/evil.example", "/"), ("/handoffs/1?tab=360", "/handoffs/1?tab=360")],
)
def test_after_sign_in_only_a_page_of_the_console(running_bot: RunningBot, accounts: StaffAccounts, wanted: str,
                                                  landed: str) -> None:
    _, answer = login(running_bot, "sec_redirect", "right-password-1", wanted)
    assert answer.status_code == 302 and answer.headers["Location"] == landed


@pytest.mark.parametrize("path", ["/login", "/api/health", "/static/console.css", "/no-such-page", "/api/handoffs"])
def test_every_response_carries_the_security_headers(running_bot: RunningBot, path: str) -> None:
    answer = requests.get(f"{running_bot.console_url}{path}", timeout=30, allow_redirects=False)
    policy = answer.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert answer.headers.get("X-Frame-Options") == "DENY" and answer.headers.get("X-Content-Type-Options") == "nosniff"
    assert answer.headers.get("Referrer-Policy")


def test_no_page_has_inline_script(running_bot: RunningBot, accounts: StaffAccounts) -> None:
    http, answer = login(running_bot, "sec_admin", "right-password-1")
    assert answer.status_code == 302
    for path in ("/", "/care", "/complaints", "/dashboard", "/training", "/segments", "/models", "/admin/staff"):
        page = http.get(f"{running_bot.console_url}{path}", timeout=30).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path  # only <script src=…>
        assert " style=" not in page and "onclick" not in page, path


def test_a_disabled_account_is_shut_out_at_once(running_bot: RunningBot, accounts: StaffAccounts) -> None:
    leaver, answer = login(running_bot, "sec_leaver", "right-password-1")
    assert answer.status_code == 302 and leaver.get(f"{running_bot.console_url}/", timeout=30).status_code == 200
    token = accounts.issue_token("sec_leaver", "test", clock.now())
    assert running_bot.staff_api("GET", "/api/handoffs", token)[0] == 200

    admin, _ = login(running_bot, "sec_admin", "right-password-1")
    staff_page = admin.get(f"{running_bot.console_url}/admin/staff", timeout=30).text
    csrf = re.search(r'name="_csrf" value="([^"]+)"', staff_page).group(1)
    done = admin.post(f"{running_bot.console_url}/admin/staff/sec_leaver/active", data={"_csrf": csrf, "active": "0"},
                      timeout=30, allow_redirects=False)
    assert done.status_code == 302 and "error" not in done.headers["Location"]

    after = leaver.get(f"{running_bot.console_url}/", timeout=30, allow_redirects=False)
    assert after.status_code == 302 and after.headers["Location"].startswith("/login")
    assert running_bot.staff_api("GET", "/api/handoffs", token)[0] == 401
    assert login(running_bot, "sec_leaver", "right-password-1")[1].status_code == 401
    audit = admin.get(f"{running_bot.console_url}/audit", timeout=30).text
    assert "staff_disable" in audit


@pytest.mark.parametrize("csrf", ["令牌", "\u0000", "x" * 5000, "é"])
def test_odd_csrf_values_are_refused_not_a_crash(running_bot: RunningBot, accounts: StaffAccounts, csrf: str) -> None:
    http, _ = login(running_bot, "sec_admin", "right-password-1")
    answer = http.post(f"{running_bot.console_url}/handoffs/1/take", data={"_csrf": csrf}, timeout=30, allow_redirects=False)
    assert answer.status_code == 403
    anonymous = requests.post(f"{running_bot.console_url}/login", data={"_csrf": csrf, "username": "a", "password": "b"},
                              cookies={"xiaoer_login_csrf": "expected"}, timeout=30)
    assert anonymous.status_code == 403
