"""``python -m bot``: the command line for shop owners, staff and developers."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import List, Optional

from bot.settings import get_settings


def _cmd_init_db(args: argparse.Namespace) -> int:
    from bot.crm import schema

    schema.upgrade(args.database_url)
    print(f"CRM 数据库已就绪: {_safe(args.database_url)}")
    return 0


def _cmd_reset_db(args: argparse.Namespace) -> int:
    from bot.crm import schema

    if not args.yes:
        print("这会删除 CRM 里的全部数据。确认请加 --yes", file=sys.stderr)
        return 2
    schema.downgrade(args.database_url)
    schema.upgrade(args.database_url)
    print("CRM 数据库已清空并重建")
    return 0


def _cmd_seed_demo(args: argparse.Namespace) -> int:
    from bot.crm import schema
    from bot.crm.db import session_scope
    from bot.crm.demo.seed import seed_demo

    schema.upgrade(args.database_url)
    as_of = datetime.fromisoformat(args.as_of) if args.as_of else None
    with session_scope(args.database_url) as session:
        if args.if_empty and not _is_empty(session):
            print("CRM 里已有数据，跳过演示数据")
            return 0
        created = seed_demo(session, as_of=as_of, customers=args.customers, orders=args.orders)
    print("演示店铺已生成: " + ", ".join(f"{k} {v}" for k, v in created.items()))
    return 0


def _is_empty(session) -> bool:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from bot.crm.models import Customer

    return session.execute(select(func.count(Customer.id))).scalar_one() == 0


def _cmd_export_lexicon(args: argparse.Namespace) -> int:
    from bot.nlu.lexicon import export_lexicon

    written = export_lexicon(args.database_url)
    for path in written:
        print(f"已写入 {path}")
    return 0


def _cmd_check_policy(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.policy.model import load_policy

    policy = load_policy(Path(args.file) if args.file else None)
    excluded = "、".join(sorted(policy.no_reason_excluded_categories)) or "无"
    print(f"售后政策有效（{policy.shop_name}）：")
    print(f"  无理由退货 {policy.no_reason_days} 天（不适用类目：{excluded}），换货 {policy.exchange_days} 天")
    print(f"  质量问题退换 {policy.quality_return_days} 天，保修维修 {policy.quality_repair_days} 天")
    print(f"  运输破损 {policy.damage_report_hours} 小时内反馈，发错漏发 {policy.wrong_or_missing_days} 天内反馈")
    print(f"  价保 {policy.price_protection_days} 天；退款原路退回，{policy.refund_arrival_days} 个工作日内到账")
    print(f"  退货地址：{policy.return_address.text()}")
    spans = policy.service_hours
    shown = [
        f"{label} {span[0]:%H:%M}–{span[1]:%H:%M}" if span else f"{label}休息"
        for label, span in (("工作日", spans.workday), ("周末", spans.weekend), ("法定节假日", spans.public_holiday))
    ]
    print("  客服时间：" + "，".join(shown))
    automatic = "、".join(sorted(policy.auto_approve)) or "无（全部由客服审核）"
    print(f"  机器人直接同意：{automatic}")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from bot import clock
    from bot.crm import schema
    from bot.training.pipeline import train_and_promote
    from bot.training.registry import ModelRegistry
    from bot.training.train import latest_model

    if args.if_missing and latest_model() is not None:
        print(f"模型: {latest_model()}（已有，不重新训练）")
        return 0
    if args.merge:
        schema.upgrade(args.database_url)  # accepted examples come from the CRM
    outcome = train_and_promote(clock.now(), force=args.force, reload=args.reload, merge=args.merge)
    verdict = "已上线" if outcome.promoted else "未上线，继续使用原来的模型"
    print(f"新模型 {outcome.entry_id}：macro-F1 {outcome.evaluation.macro_f1:.3f}，准确率 {outcome.evaluation.accuracy:.3f}，{verdict}")
    for reason in outcome.reasons:
        print(f"  {reason}")
    print(f"评估报告：{ModelRegistry(get_settings().models_dir).folder / outcome.entry_id}/report.json 和 confusion.png")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from bot.runtime.serve import serve

    return serve(args.only)


def _cmd_import_dialogues(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tqdm import tqdm

    from bot import clock
    from bot.crm import schema
    from bot.crm.db import session_factory
    from bot.training.candidates import CandidateStore, ModelLabeller, import_dialogues
    from bot.training.importer import ImportFileError
    from bot.training.train import latest_model

    schema.upgrade(args.database_url)
    labeller = None
    if not args.no_prelabel:
        model = Path(args.model) if args.model else latest_model()
        if model is None:
            print("models/ 里没有模型，无法预标注；先训练，或加 --no-prelabel", file=sys.stderr)
            return 1
        print(f"用模型 {model.name} 预标注未标注的买家消息…")
        labeller = ModelLabeller(model)
    try:
        report = import_dialogues(
            Path(args.file),
            labeller,
            clock.now(),
            CandidateStore(session_factory(args.database_url)),
            progress=lambda rows: tqdm(rows, desc="导入", unit="条"),
        )
    except ImportFileError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 1
    print(
        f"读取 {report.rows} 行，买家消息 {report.buyer_messages} 条：新增候选 {report.imported} 条"
        f"（带标签 {report.imported_labelled}，模型预标注 {report.imported_prelabelled}），重复 {report.duplicates} 条，"
        f"有问题的行 {len(report.problems)} 行"
    )
    for problem in report.problems[:30]:
        print(f"  第 {problem.line} 行：{problem.message}")
    if len(report.problems) > 30:
        print(f"  …另有 {len(report.problems) - 30} 行")
    return 0


def _cmd_customers(args: argparse.Namespace) -> int:
    from bot import clock
    from bot.crm import schema
    from bot.crm.db import session_factory
    from bot.customers.archive import CustomerArchive
    from bot.customers.segments import LIFECYCLES, sizes

    schema.upgrade(args.database_url)
    archive = CustomerArchive(sessions=session_factory(args.database_url))
    now = clock.now()
    changed = archive.refresh_tiers(now)
    counted = sizes(archive.profiles(now))
    total = sum(counted.tiers.values())
    print(f"顾客 {total} 位（{now:%Y-%m-%d}），会员等级已更新 {changed} 位")
    print("等级：" + "，".join(f"{tier} {n}" for tier, n in counted.tiers.items()))
    print("生命周期：" + "，".join(f"{stage} {counted.lifecycles.get(stage, 0)}" for stage in LIFECYCLES))
    print(f"有流失风险：{counted.at_risk}")
    return 0


def _cmd_console(args: argparse.Namespace) -> int:
    from bot.console.app import main as console_main

    console_main(args.port)
    return 0


def _cmd_chat(args: argparse.Namespace) -> int:
    from bot.runtime.chat import chat

    return chat(args.sender, args.url)


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    settings = get_settings()
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="小二 (Xiaoer): 网店中文客服机器人。管理 CRM 数据库、训练模型、启动服务。",
        epilog="环境变量: DATABASE_URL (默认 var/crm.db 的 SQLite), RASA_PORT, ACTION_PORT, CONSOLE_PORT, MODELS_DIR, "
        "RASA_TOKEN, PLATFORM_SEND_URL。",
    )
    parser.add_argument(
        "--database-url",
        default=settings.database_url,
        help="CRM 数据库 URL（默认取 DATABASE_URL）",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("init-db", help="创建或升级 CRM 数据库结构（Alembic 迁移，可重复运行）")
    p.set_defaults(func=_cmd_init_db)

    p = sub.add_parser("reset-db", help="清空并重建 CRM 数据库")
    p.add_argument("--yes", action="store_true", help="确认删除全部数据")
    p.set_defaults(func=_cmd_reset_db)

    p = sub.add_parser("seed-demo", help="生成演示店铺：商品、顾客、各种状态的订单和物流轨迹")
    p.add_argument("--if-empty", action="store_true", help="库里已有数据时什么也不做")
    p.add_argument("--as-of", help="以这个时间为'现在'生成日期（ISO 格式，默认当前时间）")
    p.add_argument("--customers", type=int, default=220, help="顾客数（默认 220）")
    p.add_argument("--orders", type=int, default=1000, help="订单数（默认 1000）")
    p.set_defaults(func=_cmd_seed_demo)

    p = sub.add_parser("export-lexicon", help="从 CRM 商品目录导出 NLU 商品词表和 jieba 用户词典")
    p.set_defaults(func=_cmd_export_lexicon)

    p = sub.add_parser("check-policy", help="检查售后政策文件 shop_policy.yml 并显示要点")
    p.add_argument("--file", help="要检查的文件（默认项目根目录的 shop_policy.yml）")
    p.set_defaults(func=_cmd_check_policy)

    from bot.aftersales import staff

    staff.add_parser(sub)

    from bot.staff import cli as staff_cli

    staff_cli.add_parser(sub)

    from bot.training import models_cli

    models_cli.add_parser(sub)

    from bot.care import cli as care_cli

    care_cli.add_parser(sub)

    from bot.privacy import cli as privacy_cli

    privacy_cli.add_parser(sub)

    p = sub.add_parser("import-dialogues", help="导入聊天记录（JSONL 或 CSV，一行一条消息），买家消息成为待审核的训练候选")
    p.add_argument("file", help="文件：conversation_id, role, text[, intent]")
    p.add_argument("--no-prelabel", action="store_true", help="不用模型预标注没有意图标签的消息")
    p.add_argument("--model", help="预标注用的模型（默认 models/ 里最新的）")
    p.set_defaults(func=_cmd_import_dialogues)

    p = sub.add_parser("train", help="合并审核通过的样本、训练、在保留测试集上评估，比在用模型不差才上线")
    p.add_argument("--force", action="store_true", help="不复用 Rasa 的训练缓存，全部重新训练")
    p.add_argument("--if-missing", action="store_true", help="models/ 里已有模型时不训练")
    p.add_argument("--no-merge", dest="merge", action="store_false",
                   help="只用 data/ 里现有的样本，不合并 CRM 里审核通过的样本（make test 用：结果只取决于代码库）")
    p.add_argument("--no-reload", dest="reload", action="store_false",
                   help="上线后不通知运行中的 Rasa 服务器加载（make test 用：不动正在服务的机器人）")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("serve", help="启动 Rasa 服务器、动作服务器和员工后台（前台运行，Ctrl-C 退出）")
    p.add_argument("--only", choices=["rasa", "actions", "console"], default=None,
                   help="只启动其中一个（deploy/ 里每个服务各跑一个）")
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("customers", help="顾客档案：按会员等级、生命周期和风险分群，显示各群人数（并更新会员等级）")
    p.set_defaults(func=_cmd_customers)

    p = sub.add_parser("console", help="只启动员工后台（员工接口 /api/…），serve 已包含它")
    p.add_argument("--port", type=int, default=None, help="端口（默认 CONSOLE_PORT 或 5002）")
    p.set_defaults(func=_cmd_console)

    p = sub.add_parser("chat", help="在终端里以买家身份和正在运行的机器人聊天")
    p.add_argument("--sender", default="tb_xiaoyu", help="买家的 sender id（默认演示买家 tb_xiaoyu）")
    p.add_argument("--url", default=f"http://127.0.0.1:{settings.rasa_port}", help="Rasa 服务器地址")
    p.set_defaults(func=_cmd_chat)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI reports, it does not dump traces
        from bot.crm.db import DatabaseUnavailable

        if isinstance(exc, (DatabaseUnavailable, RuntimeError, ValueError, FileNotFoundError)):  # PolicyError is a ValueError
            print(f"错误: {exc}", file=sys.stderr)
            return 1
        raise
