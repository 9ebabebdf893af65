"""``python -m bot models``: the registry, and rolling back to an earlier model."""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from bot.runtime.keys import RASA_TOKEN, key_value
from bot.settings import get_settings
from bot.training.registry import ModelRegistry


def add_parser(sub: "argparse._SubParsersAction") -> None:
    parser = sub.add_parser("models", help="模型登记簿：每个训练过的模型（数据指纹、时间、指标、是否上线），以及回滚")
    parser.set_defaults(func=_list, models_command="list")
    verbs = parser.add_subparsers(dest="models_command", metavar="ACTION")
    verbs.add_parser("list", help="列出全部模型（默认）").set_defaults(func=_list)
    rollback = verbs.add_parser("rollback", help="让一个较早的模型重新上线（运行中的服务器会热加载）")
    rollback.add_argument("id", help="模型编号，见 python -m bot models")
    rollback.set_defaults(func=_rollback)


def _registry() -> ModelRegistry:
    return ModelRegistry(get_settings().models_dir)


def _list(args: argparse.Namespace) -> int:
    entries = _registry().entries()
    if not entries:
        print("登记簿是空的（python -m bot train 训练的模型会登记在 models/registry/）")
        return 0
    for entry in entries:
        mark = "● 在用" if entry.in_service else ("  已上线过" if entry.promoted else "  未上线")
        f1 = entry.metrics.get("macro_f1")
        figure = f"macro-F1 {f1:.3f}" if isinstance(f1, (int, float)) else "未评估"
        print(f"{mark}  {entry.id}  {figure}  数据 {entry.data_hash[:10]}  {entry.trained_at}")
        for reason in entry.reasons:
            print(f"          {reason}")
    return 0


def _rollback(args: argparse.Namespace) -> int:
    try:
        served = _registry().serve(args.id, [f"回滚到 {args.id}"])
    except KeyError as exc:
        print(f"错误: {exc.args[0]}", file=sys.stderr)
        return 1
    print(f"{args.id} 已上线（{served}）")
    print(reload_running_server(served))
    return 0


def reload_running_server(model: Path) -> str:
    """Ask a running Rasa server to load ``model`` in place (Rasa's PUT /model): conversations stay in the tracker store."""
    url = f"{os.environ.get('RASA_URL', f'http://127.0.0.1:{get_settings().rasa_port}')}/model"
    url += f"?token={quote(key_value(RASA_TOKEN), safe='')}"
    body = json.dumps({"model_file": str(model.resolve())}).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return f"运行中的 Rasa 服务器已加载新模型（HTTP {response.status}）"
    except urllib.error.HTTPError as exc:
        return f"运行中的 Rasa 服务器拒绝加载（HTTP {exc.code}）：{exc.read()[:200]!r}"
    except (urllib.error.URLError, TimeoutError):
        return "没有运行中的 Rasa 服务器；下次启动时会用这个模型"
