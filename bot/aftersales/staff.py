"""``python -m bot returns …``: staff move after-sales cases through their stages from a terminal.

The console (a later release) calls the same service; both obey the one table
in ``bot.aftersales.stages`` and every move is stored as a timestamped stage.
"""

from __future__ import annotations

import argparse
from typing import Callable, List

from bot import clock
from bot.aftersales.service import AftersalesService, RequestView
from bot.aftersales.stages import StaffAction, next_stages
from bot.crm.models import ReturnStatus
from bot.policy.model import load_policy

PAYER_TEXT = {"buyer": "买家", "shop": "店铺", "insurance": "运费险"}
VERB_HELP = {
    StaffAction.APPROVE: "审核通过",
    StaffAction.RECEIVED: "仓库已收到退回的商品",
    StaffAction.REFUNDED: "已退款",
    StaffAction.COMPLETED: "换货/维修/补发的商品已发出",
    StaffAction.REJECT: "拒绝（必须写明原因 --reason）",
}


def add_parser(sub: "argparse._SubParsersAction") -> None:
    parser = sub.add_parser("returns", help="售后单：查看、审核、收货、退款、拒绝（每次变更都有时间记录）")
    verbs = parser.add_subparsers(dest="returns_command", metavar="ACTION")
    verbs.required = True
    listing = verbs.add_parser("list", help="列出售后单（最新的在前）")
    listing.add_argument("--status", choices=[s.value for s in ReturnStatus], help="只看某个状态")
    listing.add_argument("--limit", type=int, default=30)
    listing.set_defaults(func=_run(_list))
    show = verbs.add_parser("show", help="一个售后单的详情和全部进度")
    show.add_argument("rma_no")
    show.set_defaults(func=_run(_show))
    for action, text in VERB_HELP.items():
        verb = verbs.add_parser(action.value, help=text)
        verb.add_argument("rma_no")
        verb.add_argument("--by", default="staff", help="操作人（写入进度记录）")
        verb.add_argument("--reason" if action == StaffAction.REJECT else "--note", dest="note", help="原因或备注")
        verb.set_defaults(func=_run(_mover(action)))


def _run(work: Callable[[AftersalesService, argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        from bot.crm.db import check_connection, session_factory

        check_connection(args.database_url)
        return work(AftersalesService(load_policy(), session_factory(args.database_url)), args)

    return command


def _list(service: AftersalesService, args: argparse.Namespace) -> int:
    found = service.list(ReturnStatus(args.status) if args.status else None, args.limit)
    if not found:
        print("没有符合条件的售后单")
        return 0
    for request in found:
        print(summary_line(request))
    return 0


def _show(service: AftersalesService, args: argparse.Namespace) -> int:
    request = service.find(args.rma_no)
    if request is None:
        print(f"没有售后单 {args.rma_no}")
        return 1
    print("\n".join(details(request)))
    return 0


def _mover(action: StaffAction) -> Callable[[AftersalesService, argparse.Namespace], int]:
    def move(service: AftersalesService, args: argparse.Namespace) -> int:
        result = service.move(args.rma_no, action, f"staff:{args.by}", args.note, clock.now())
        if not result.done:
            print(f"未变更：{result.reason}")
            return 1
        assert result.request is not None
        print(f"已更新：{summary_line(result.request)}")
        return 0

    return move


def summary_line(request: RequestView) -> str:
    amount = f" ¥{request.refund_amount:.2f}" if request.refund_amount is not None else ""
    return (
        f"{request.rma_no}  {request.status.value:<5}  {request.kind.value:<4}  订单 {request.order_no}  "
        f"{request.item_name}×{request.quantity}{amount}  {request.updated_at:%Y-%m-%d %H:%M}"
    )


def details(request: RequestView) -> List[str]:
    lines = [
        f"售后单 {request.rma_no}（{request.kind.value}）：{request.status.value}",
        f"  订单 {request.order_no}，{request.item_name}（{request.item_variant or '—'}）×{request.quantity}",
        f"  原因：{request.reason}",
        f"  依据：{request.rule_cited or '—'}",
    ]
    optional = [
        ("退款", f"¥{request.refund_amount:.2f}" if request.refund_amount is not None else None),
        ("换成", request.exchange_to),
        ("退货运费", PAYER_TEXT.get(request.shipping_payer or "", None)),
        ("照片", request.evidence),
    ]
    lines.extend(f"  {label}：{value}" for label, value in optional if value)
    ahead = next_stages(request.kind, request.status)
    if ahead:
        lines.append("  下一步：" + " → ".join(s.value for s in ahead))
    lines.append("  进度：")
    lines.extend(f"    {s.at:%Y-%m-%d %H:%M}  {s.status.value}  {s.actor}  {s.note or ''}".rstrip() for s in request.stages)
    return lines
