"""The shop's after-sales policy: loaded from ``shop_policy.yml`` and checked strictly.

A shop owner edits that file by hand, so a typo must stop the bot at start with
a message naming the field, never surface later as a wrong decision to a buyer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any, Dict, FrozenSet, Mapping, Optional

import yaml

from bot.handoff.hours import ServiceHours, Span
from bot.settings import PROJECT_ROOT

DEFAULT_POLICY_PATH = PROJECT_ROOT / "shop_policy.yml"
PAYERS = ("buyer", "shop")
KNOWN_CATEGORIES = ("服装", "鞋靴", "数码", "美妆", "食品")
#: After-sales kinds a shop may let the bot approve by itself (values of decisions.RequestKind).
APPROVABLE_KINDS = ("no_reason_return", "exchange", "quality_issue", "damaged", "wrong_or_missing", "price_difference")


SEVERITY_LEVELS = ("高", "中", "低")
DEFAULT_SERVICE_HOURS = ServiceHours((time(9), time(22)), (time(9), time(22)), (time(9), time(22)))
SPAN_PATTERN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class PolicyError(ValueError):
    """The policy file is missing, malformed or contradictory; the message says where."""


@dataclass(frozen=True)
class ReturnAddress:
    recipient: str
    phone: str
    address: str

    def text(self) -> str:
        return f"{self.address}，{self.recipient}，{self.phone}"


@dataclass(frozen=True)
class Policy:
    shop_name: str
    no_reason_days: int
    no_reason_excluded_categories: FrozenSet[str]
    no_reason_requires_unused: bool
    no_reason_shipping_payer: str
    exchange_days: int
    exchange_shipping_payer: str
    quality_return_days: int
    quality_repair_days: int
    quality_shipping_payer: str
    damage_report_hours: int
    damage_photos_required: bool
    damage_shipping_payer: str
    wrong_or_missing_days: int
    wrong_or_missing_shipping_payer: str
    price_protection_days: int
    refund_to: str
    refund_after_received_days: int
    refund_arrival_days: int
    counterfeit_compensation: str
    return_address: ReturnAddress
    auto_approve: FrozenSet[str] = frozenset()  # RequestKind values the bot approves at once
    service_hours: ServiceHours = DEFAULT_SERVICE_HOURS  # when staff answer
    complaint_due_hours: Mapping[str, int] = field(default_factory=lambda: {"高": 2, "中": 8, "低": 24})
    complaint_compensation: Mapping[str, str] = field(default_factory=lambda: {"高": "无", "中": "无", "低": "无"})
    partial_refund_max_percent: int = 0  # what staff may refund to a buyer who keeps a flawed item; 0 = not offered
    verify_max_failures: int = 3  # failed identity checks within the window that lock the phone, order, chat, address
    verify_window_minutes: int = 60
    verify_lockout_minutes: int = 60
    retention_days: int = 180  # conversation texts older than this are redacted (python -m bot privacy prune)


class _Reader:
    """Reads typed fields out of the parsed YAML, collecting every problem with its path."""

    def __init__(self, data: Mapping[str, Any]):
        self.data = data
        self.problems: list = []

    def section(self, name: str) -> Mapping[str, Any]:
        value = self.data.get(name)
        if not isinstance(value, Mapping):
            self.problems.append(f"{name}: 缺少这一节（应为键值对）")
            return {}
        return value

    def integer(self, section: Mapping[str, Any], path: str, key: str, low: int, high: int) -> int:
        value = section.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problems.append(f"{path}.{key}: 应为整数，实际是 {value!r}")
            return low
        if not low <= value <= high:
            self.problems.append(f"{path}.{key}: 应在 {low} 到 {high} 之间，实际是 {value}")
        return value

    def flag(self, section: Mapping[str, Any], path: str, key: str) -> bool:
        value = section.get(key)
        if not isinstance(value, bool):
            self.problems.append(f"{path}.{key}: 应为 true 或 false，实际是 {value!r}")
            return False
        return value

    def text(self, section: Mapping[str, Any], path: str, key: str) -> str:
        value = section.get(key)
        if not isinstance(value, str) or not value.strip():
            self.problems.append(f"{path}.{key}: 应为非空文字，实际是 {value!r}")
            return ""
        return value.strip()

    def span(self, section: Mapping[str, Any], path: str, key: str) -> Optional[Span]:
        """'09:00-22:00' → (09:00, 22:00); 'closed' → None."""
        value = section.get(key)
        if value == "closed":
            return None
        match = SPAN_PATTERN.match(str(value or "").replace(" ", ""))
        if match is None:
            self.problems.append(f'{path}.{key}: 应为 "09:00-22:00" 这样的时段或 closed，实际是 {value!r}')
            return None
        start = time(int(match.group(1)), int(match.group(2)))
        end = time(23, 59, 59) if match.group(3) == "24" else time(int(match.group(3)), int(match.group(4)))
        if end <= start:
            self.problems.append(f"{path}.{key}: 结束时间应晚于开始时间，实际是 {value!r}")
            return None
        return start, end

    def optional_integer(self, section: Mapping[str, Any], path: str, key: str, default: int, low: int, high: int) -> int:
        """A field the owner may leave out (older policy files): its default then."""
        return default if key not in section else self.integer(section, path, key, low, high)

    def optional_section(self, name: str) -> Mapping[str, Any]:
        value = self.data.get(name, {})
        if not isinstance(value, Mapping):
            self.problems.append(f"{name}: 应为键值对，实际是 {value!r}")
            return {}
        return value

    def payer(self, section: Mapping[str, Any], path: str) -> str:
        value = section.get("shipping_paid_by")
        if value not in PAYERS:
            self.problems.append(f"{path}.shipping_paid_by: 应为 buyer 或 shop，实际是 {value!r}")
            return "shop"
        return str(value)


def parse_policy(data: Any, source: str = "shop_policy.yml") -> Policy:
    """Build a Policy from parsed YAML, or raise PolicyError listing every problem."""
    if not isinstance(data, Mapping):
        raise PolicyError(f"{source}: 文件内容应为键值对")
    r = _Reader(data)
    no_reason = r.section("no_reason_return")
    exchange = r.section("exchange")
    quality = r.section("quality_issue")
    damaged = r.section("damaged_in_transit")
    wrong = r.section("wrong_or_missing")
    price = r.section("price_protection")
    refund = r.section("refund")
    address = r.section("return_address")
    complaints = r.section("complaints")
    due = complaints.get("due_service_hours")
    compensation = complaints.get("compensation")
    if (
        not isinstance(due, Mapping)
        or set(due) != set(SEVERITY_LEVELS)
        or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 72 for v in due.values())
    ):
        r.problems.append(f"complaints.due_service_hours: 应为 高/中/低 各 1 到 72 小时，实际是 {due!r}")
        due = {"高": 2, "中": 8, "低": 24}
    if not isinstance(compensation, Mapping) or set(compensation) != set(SEVERITY_LEVELS):
        r.problems.append(f"complaints.compensation: 应为 高/中/低 各一项（没有就写 无），实际是 {compensation!r}")
        compensation = {"高": "无", "中": "无", "低": "无"}
    partial = complaints.get("partial_refund_max_percent", 0)
    if not isinstance(partial, int) or isinstance(partial, bool) or not 0 <= partial <= 50:
        r.problems.append(f"complaints.partial_refund_max_percent: 应为 0 到 50 的整数（0 表示不提供），实际是 {partial!r}")
        partial = 0
    verification = r.optional_section("verification")
    privacy = r.optional_section("privacy")
    approval = r.section("approval")
    hours = r.section("service_hours")
    service_hours = ServiceHours(
        r.span(hours, "service_hours", "workday"),
        r.span(hours, "service_hours", "weekend"),
        r.span(hours, "service_hours", "public_holiday"),
    )
    if hours and service_hours.workday is None and service_hours.weekend is None:
        r.problems.append("service_hours: 工作日和周末不能都不上班，转人工的买家需要有人回复")
    automatic = approval.get("automatic", None)
    if not isinstance(automatic, list) or any(k not in APPROVABLE_KINDS for k in automatic):
        r.problems.append(f"approval.automatic: 应为 {list(APPROVABLE_KINDS)} 中的列表（可以为空），实际是 {automatic!r}")
        automatic = []
    excluded = no_reason.get("excluded_categories", [])
    if not isinstance(excluded, list) or any(c not in KNOWN_CATEGORIES for c in excluded):
        r.problems.append(
            f"no_reason_return.excluded_categories: 应为 {list(KNOWN_CATEGORIES)} 中的类目列表，实际是 {excluded!r}"
        )
        excluded = []
    policy = Policy(
        shop_name=r.text(data, "", "shop_name"),
        no_reason_days=r.integer(no_reason, "no_reason_return", "days", 7, 30),
        no_reason_excluded_categories=frozenset(excluded),
        no_reason_requires_unused=r.flag(no_reason, "no_reason_return", "requires_unused"),
        no_reason_shipping_payer=r.payer(no_reason, "no_reason_return"),
        exchange_days=r.integer(exchange, "exchange", "days", 1, 60),
        exchange_shipping_payer=r.payer(exchange, "exchange"),
        quality_return_days=r.integer(quality, "quality_issue", "return_days", 7, 365),
        quality_repair_days=r.integer(quality, "quality_issue", "repair_days", 0, 3650),
        quality_shipping_payer=r.payer(quality, "quality_issue"),
        damage_report_hours=r.integer(damaged, "damaged_in_transit", "report_within_hours", 1, 720),
        damage_photos_required=r.flag(damaged, "damaged_in_transit", "photos_required"),
        damage_shipping_payer=r.payer(damaged, "damaged_in_transit"),
        wrong_or_missing_days=r.integer(wrong, "wrong_or_missing", "report_within_days", 1, 365),
        wrong_or_missing_shipping_payer=r.payer(wrong, "wrong_or_missing"),
        price_protection_days=r.integer(price, "price_protection", "days", 0, 365),
        refund_to=r.text(refund, "refund", "to"),
        refund_after_received_days=r.integer(refund, "refund", "after_return_received_days", 0, 30),
        refund_arrival_days=r.integer(refund, "refund", "arrival_days", 0, 30),
        counterfeit_compensation=r.text(data, "", "counterfeit_compensation"),
        return_address=ReturnAddress(
            recipient=r.text(address, "return_address", "recipient"),
            phone=r.text(address, "return_address", "phone"),
            address=r.text(address, "return_address", "address"),
        ),
        auto_approve=frozenset(automatic),
        service_hours=service_hours,
        complaint_due_hours=dict(due),
        complaint_compensation={k: str(v) for k, v in compensation.items()},
        partial_refund_max_percent=partial,
        verify_max_failures=r.optional_integer(verification, "verification", "max_failures", 3, 1, 20),
        verify_window_minutes=r.optional_integer(verification, "verification", "window_minutes", 60, 1, 7 * 24 * 60),
        verify_lockout_minutes=r.optional_integer(verification, "verification", "lockout_minutes", 60, 1, 7 * 24 * 60),
        retention_days=r.optional_integer(privacy, "privacy", "retention_days", 180, 7, 3650),
    )
    if not r.problems and policy.quality_return_days < policy.no_reason_days:
        r.problems.append("quality_issue.return_days: 质量问题的退换期限不能短于7天无理由的期限")
    if r.problems:
        raise PolicyError(f"{source} 有 {len(r.problems)} 处错误：\n" + "\n".join(f"  - {p}" for p in r.problems))
    return policy


def load_policy(path: Optional[Path] = None) -> Policy:
    """Load and check the policy file (default: shop_policy.yml at the project root)."""
    path = path or DEFAULT_POLICY_PATH
    try:
        data: Dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PolicyError(f"找不到售后政策文件 {path}") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path} 不是有效的 YAML：{exc}") from exc
    return parse_policy(data, str(path.name))
