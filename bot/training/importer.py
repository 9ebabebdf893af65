"""Reading chat logs for training: one message a row, as JSONL or CSV, each row checked.

A row has a conversation id, the sender's role, the text, and optionally an
intent label. Buyers' messages become candidate NLU examples; staff and bot
messages are context only. A bad row is reported with its line number and
what is wrong, and the rest of the file still counts; a text seen before (in
this file, among earlier candidates, or in the training data) is a duplicate.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple, Union

BUYER_ROLES = {"buyer", "customer", "user", "买家", "顾客", "客户"}
OTHER_ROLES = {"bot", "agent", "staff", "assistant", "客服", "机器人", "小二"}
TEXT_MAX = 1000
FIELDS = ("conversation_id", "role", "text", "intent")
ALIASES = {"sender_role": "role", "sender": "role", "conversation": "conversation_id", "label": "intent", "message": "text"}
ENTITY_MARKUP = re.compile(r"\[([^\]]+)\]\([^)]+\)")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (missing, unknown format, no header)."""


@dataclass(frozen=True)
class DialogueRow:
    line: int
    conversation_id: str
    role: str  # buyer / other
    text: str
    intent: Optional[str]


@dataclass
class RowProblem:
    line: int
    message: str


@dataclass
class ReadResult:
    rows: List[DialogueRow] = field(default_factory=list)
    problems: List[RowProblem] = field(default_factory=list)


def tidy(text: str) -> str:
    """The text as kept: the buyer's own characters, runs of spaces collapsed, trimmed."""
    return re.sub(r"\s+", " ", text).strip()


def normalise(text: str) -> str:
    """The form duplicates are compared in: also NFKC, so "，" and "," or full-width letters match."""
    return tidy(unicodedata.normalize("NFKC", text))


def raw_rows(path: Path) -> Iterator[Tuple[int, Union[Dict[str, object], str]]]:
    """(line number, parsed row or the reason it could not be parsed) for every non-empty row."""
    if not path.exists():
        raise ImportFileError(f"找不到文件 {path}")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        with path.open(encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except ValueError as exc:
                    yield number, f"不是合法的 JSON：{exc.msg}"
                    continue
                yield number, value if isinstance(value, dict) else "每行应为一个 JSON 对象"
    elif suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames:
                raise ImportFileError(f"{path.name} 没有表头（需要 conversation_id, role, text[, intent]）")
            for record in reader:
                yield reader.line_num, {k.strip() if k else "": v for k, v in record.items()}
    else:
        raise ImportFileError(f"只支持 .jsonl 和 .csv 文件，{path.name} 不是")


def check_row(line: int, data: Dict[str, object], intents: Set[str]) -> Union[DialogueRow, RowProblem]:
    values = {ALIASES.get(str(k).strip().lower(), str(k).strip().lower()): v for k, v in data.items()}
    conversation = _text(values.get("conversation_id"))
    role = _text(values.get("role")).lower()
    text = tidy(ENTITY_MARKUP.sub(r"\1", _text(values.get("text"))))
    intent = _text(values.get("intent")) or None
    if not conversation:
        return RowProblem(line, "缺少 conversation_id")
    if len(conversation) > 128:
        return RowProblem(line, "conversation_id 超过 128 个字符")
    if role not in BUYER_ROLES | OTHER_ROLES:
        return RowProblem(line, f"role 应为 buyer（买家）或 agent / bot（客服 / 机器人），实际是 {role or '空'}")
    if not text:
        return RowProblem(line, "text 为空")
    if len(text) > TEXT_MAX:
        return RowProblem(line, f"text 超过 {TEXT_MAX} 个字符")
    if intent is not None and intent not in intents:
        return RowProblem(line, f"未知的意图 {intent}（domain.yml 里没有）")
    if intent is not None and role not in BUYER_ROLES:
        return RowProblem(line, "只有买家的消息可以带意图标签")
    return DialogueRow(line, conversation, "buyer" if role in BUYER_ROLES else "other", text, intent)


def _text(value: object) -> str:
    if value is None:
        return ""
    return str(value).strip()


def read_dialogues(path: Path, intents: Set[str]) -> ReadResult:
    result = ReadResult()
    for line, raw in raw_rows(path):
        checked = RowProblem(line, raw) if isinstance(raw, str) else check_row(line, raw, intents)
        (result.problems if isinstance(checked, RowProblem) else result.rows).append(checked)
    return result
