"""``python -m bot staff …``: create staff accounts and issue API tokens from a terminal."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from bot import clock
from bot.crm.models import StaffRole
from bot.staff.accounts import AccountError, StaffAccounts


def add_parser(sub: "argparse._SubParsersAction") -> None:
    parser = sub.add_parser("staff", help="员工账号：创建账号、签发/吊销 API 令牌")
    verbs = parser.add_subparsers(dest="staff_command", metavar="ACTION")
    verbs.required = True
    add = verbs.add_parser("add", help="创建员工账号（密码从 STAFF_PASSWORD 环境变量或终端输入读取）")
    add.add_argument("username")
    add.add_argument("--name", default="", help="显示名（默认同用户名）")
    add.add_argument("--role", choices=[r.value for r in StaffRole], default=StaffRole.AGENT.value)
    add.set_defaults(func=_add)
    token = verbs.add_parser("token", help="为员工签发一个新的 API 令牌（只显示这一次）")
    token.add_argument("username")
    token.add_argument("--label", default="", help="备注，例如令牌用在哪里")
    token.set_defaults(func=_token)
    revoke = verbs.add_parser("revoke", help="吊销员工的全部 API 令牌")
    revoke.add_argument("username")
    revoke.set_defaults(func=_revoke)
    disable = verbs.add_parser("disable", help="停用账号：立刻结束它的全部登录和 API 令牌（员工离职时）")
    disable.add_argument("username")
    disable.set_defaults(func=_disable)
    enable = verbs.add_parser("enable", help="重新启用停用的账号（需要重新登录、重新签发令牌）")
    enable.add_argument("username")
    enable.set_defaults(func=_enable)
    reset = verbs.add_parser("reset-password", help="重置密码（从 STAFF_PASSWORD 或终端输入读取），结束该账号的全部登录")
    reset.add_argument("username")
    reset.set_defaults(func=_reset_password)


def _accounts(args: argparse.Namespace) -> StaffAccounts:
    from bot.crm import schema
    from bot.crm.db import session_factory

    schema.upgrade(args.database_url)
    return StaffAccounts(session_factory(args.database_url))


def _add(args: argparse.Namespace) -> int:
    password = os.environ.get("STAFF_PASSWORD") or getpass.getpass("密码（至少 8 位）: ")
    try:
        staff = _accounts(args).create_user(args.username, args.name, password, args.role, clock.now())
    except AccountError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 1
    print(f"已创建员工 {staff.username}（{staff.display_name}，角色 {staff.role}）")
    return 0


def _token(args: argparse.Namespace) -> int:
    try:
        token = _accounts(args).issue_token(args.username, args.label, clock.now())
    except AccountError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 1
    print(token)
    print("请妥善保存：令牌只显示这一次，调用员工接口时放在 Authorization: Bearer <令牌> 里。", file=sys.stderr)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    try:
        count = _accounts(args).revoke_tokens(args.username, clock.now())
    except AccountError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 1
    print(f"已吊销 {count} 个令牌")
    return 0


def _disable(args: argparse.Namespace) -> int:
    try:
        ended = _accounts(args).set_active(args.username, False, clock.now())
    except AccountError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 1
    _audit(args, "staff_disable", args.username, ended=ended)
    print(f"已停用 {args.username}，结束了 {ended} 个登录和令牌")
    return 0


def _enable(args: argparse.Namespace) -> int:
    try:
        _accounts(args).set_active(args.username, True, clock.now())
    except AccountError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 1
    _audit(args, "staff_enable", args.username)
    print(f"已启用 {args.username}")
    return 0


def _reset_password(args: argparse.Namespace) -> int:
    password = os.environ.get("STAFF_PASSWORD") or getpass.getpass("新密码（至少 8 位）: ")
    try:
        ended = _accounts(args).reset_password(args.username, password, clock.now())
    except AccountError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 1
    _audit(args, "staff_password_reset", args.username)
    print(f"已重置 {args.username} 的密码，结束了 {ended} 个登录")
    return 0


def _audit(args: argparse.Namespace, action: str, target: str, **detail: object) -> None:
    """What the command line does to accounts is in the audit log too, as done from the terminal."""
    from bot.crm.db import session_factory
    from bot.staff.sessions import StaffSessions

    StaffSessions(session_factory(args.database_url)).audit(None, action, target, clock.now(), username="命令行", **detail)
