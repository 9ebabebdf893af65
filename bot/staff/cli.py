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
