"""Which order does the buyer mean? Pure resolution of an order reference.

Buyers name an order by number ("3850274619384756"), as "my latest order"
(最近那单, 刚买的), by product (我买的羽绒服), or by picking from a list the bot
showed (第二个). This module turns what they said plus their own orders into
one order, a short list to choose from, or a clear "not found". It never looks
outside the buyer's own orders, so another buyer's order cannot leak.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Iterable, List, Optional, Sequence, Tuple

from bot.crm.formats import ORDER_NO_PATTERN
from bot.crm.models import OrderStatus

LATEST_WORDS = (
    "最近",
    "最新",
    "刚买",
    "刚拍",
    "刚下",
    "刚刚",
    "上一单",
    "上一个订单",
    "这单",
    "今天拍",
    "昨天拍",
    "今天买",
    "昨天买",
    "最后一单",
    "最后那",
)
CHINESE_ORDINALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
ORDINAL_PATTERN = re.compile(r"第\s*([1-9一二两三四五六七八九])\s*(?:个|单|条|笔|项)?")
BARE_CHOICE_PATTERN = re.compile(r"^\s*([1-9])\s*[.。、号]?\s*$")
LAST_CHOICE_WORDS = ("最后一个", "最下面", "最后那个")
FIRST_CHOICE_WORDS = ("最上面", "第一个", "上面那个")


class Purpose(str, Enum):
    """What the buyer wants to do with the order; decides which orders are relevant."""

    STATUS = "status"
    LOGISTICS = "logistics"
    URGE = "urge"
    CANCEL = "cancel"
    CHANGE_ADDRESS = "change_address"
    AFTERSALES = "aftersales"  # return, exchange, refund, defect, damage, wrong or missing item


RELEVANT_STATUSES = {
    Purpose.STATUS: set(OrderStatus),
    Purpose.LOGISTICS: {OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.AWAITING_SHIPMENT},
    Purpose.URGE: {OrderStatus.AWAITING_SHIPMENT},
    Purpose.CANCEL: {OrderStatus.PENDING_PAYMENT, OrderStatus.AWAITING_SHIPMENT},
    Purpose.CHANGE_ADDRESS: {OrderStatus.PENDING_PAYMENT, OrderStatus.AWAITING_SHIPMENT},
    Purpose.AFTERSALES: {OrderStatus.DELIVERED, OrderStatus.COMPLETED},
}


@dataclass(frozen=True)
class OrderCandidate:
    """The little the resolver needs to know about one of the buyer's orders."""

    order_no: str
    status: OrderStatus
    created_at: datetime
    product_names: List[str]  # item names plus their catalogue aliases
    variants: List[str] = field(default_factory=list)  # "黑色 XL" per item
    amount: Optional[Decimal] = None  # what the order cost
    categories: List[str] = field(default_factory=list)  # catalogue categories of its items (clothes, food …)


@dataclass(frozen=True)
class OrderReference:
    """What the buyer said that points at an order."""

    order_no: Optional[str] = None
    product: Optional[str] = None
    latest: bool = False
    choice: Optional[int] = None  # 1-based position in the list shown; -1 = last
    text: str = field(default="", compare=False)  # the message: colours, sizes, status words, "最贵那单"

    @property
    def names_itself(self) -> bool:
        """True when the message points at an order on its own: number, product, list pick or description."""
        return bool(self.order_no or self.product or self.choice or self.describes)

    @property
    def describes(self) -> bool:
        """True when the message picks among orders by colour, size, status or price, not by name."""
        return bool(
            status_hints(self.text) or PRICE_WORDS.search(self.text) or DETAIL_WORDS.search(self.text)
            or any(words.search(self.text) for words, _ in DATE_HINTS)
            or any(words.search(self.text) for words in CATEGORY_WORDS.values())
        )


class Outcome(str, Enum):
    FOUND = "found"
    AMBIGUOUS = "ambiguous"
    NOT_FOUND = "not_found"  # a named order number that is not among the buyer's orders
    NO_MATCH = "no_match"  # product named but no order contains it
    NO_ORDERS = "no_orders"


@dataclass(frozen=True)
class Resolution:
    outcome: Outcome
    order_no: Optional[str] = None
    candidates: List[str] = field(default_factory=list)


def parse_reference(text: str, entities: Iterable[dict] = ()) -> OrderReference:
    """Read an order reference out of a message and its extracted entities."""
    text = text or ""
    entity_list = list(entities)
    order_no = entity_or_match(entity_list, "order_id", ORDER_NO_PATTERN, text)
    product = first_entity(entity_list, "product")
    return OrderReference(
        order_no=order_no,
        product=product,
        latest=any(word in text for word in LATEST_WORDS),
        choice=parse_choice(text),
        text=text,
    )


#: "不是这单 / 我说的是… / 说错了 是…": the buyer corrects what they named a moment ago.
CORRECTION = re.compile(r"不是|说的是|我是说|说错|打错|写错|搞错|弄错|不对|另(一|外)(那|个|件|单)|是那")
#: What comes after the correcting "是": "不是T恤 是帆布鞋" → 帆布鞋, "说错了 是键盘 鼠标我还要" → 键盘.
CORRECTED_NAME = re.compile(r"(?<![不还就])(?:说的是|我是说|是)\s*([^\s，,。.!！？?；;]+)")


def corrected_span(text: str) -> Optional[Tuple[int, int]]:
    """Where in a correcting message the right thing is named, or None when the message corrects nothing.

    The last "是…" wins ("不是T恤 是帆布鞋"); "不是X" names what was wrong and is skipped.
    """
    text = text or ""
    if not CORRECTION.search(text):
        return None
    found = [m for m in CORRECTED_NAME.finditer(text) if not m.group(1).startswith("不")]
    return found[-1].span(1) if found else None


def entities_within(entities: Iterable[dict], start: int, end: int) -> List[dict]:
    """The entities of one part of a message (a clause, what a correction names)."""
    return [e for e in entities if e.get("start") is not None and start <= e["start"] and e.get("end", end) <= end]


def corrected_part(text: str, entities: Iterable[dict] = ()) -> Optional[Tuple[str, List[dict]]]:
    """What a correction names and the entities inside it ("不是T恤 是帆布鞋" → "帆布鞋"); None when nothing is corrected."""
    span = corrected_span(text)
    if span is None:
        return None
    start, end = span
    return text[start:end], entities_within(entities, start, end)


def corrected_reference(text: str, entities: Iterable[dict] = ()) -> Optional[OrderReference]:
    """The reference a correction makes, read only from what follows its "是"."""
    part = corrected_part(text, entities)
    return parse_reference(*part) if part is not None else None


def parse_choice(text: str) -> Optional[int]:
    """A pick from a shown list: 第二个, 2, 最后一个 … (1-based; -1 for the last)."""
    if any(word in text for word in LAST_CHOICE_WORDS):
        return -1
    match = ORDINAL_PATTERN.search(text) or BARE_CHOICE_PATTERN.match(text)
    if match:
        token = match.group(1)
        return int(token) if token.isdigit() else CHINESE_ORDINALS[token]
    if any(word in text for word in FIRST_CHOICE_WORDS):
        return 1
    return None


def first_entity(entities: Iterable[dict], name: str) -> Optional[str]:
    """The value of the first extracted entity called ``name``."""
    for entity in entities:
        if entity.get("entity") == name and entity.get("value"):
            return str(entity["value"]).strip()
    return None


def entity_or_match(entities: Iterable[dict], name: str, pattern: re.Pattern, text: str) -> Optional[str]:
    """The extracted entity, or else the identifier's pattern in the raw text."""
    found = first_entity(entities, name)
    if found is None:
        match = pattern.search(text or "")
        found = match.group(0) if match else None
    return found


def resolve(
    reference: OrderReference,
    orders: Sequence[OrderCandidate],
    purpose: Purpose = Purpose.STATUS,
    shown: Sequence[str] = (),
    max_candidates: int = 5,
    today: Optional[datetime] = None,
) -> Resolution:
    """Pick the order the buyer means among their own ``orders`` (newest first is not assumed)."""
    if not orders:
        return Resolution(Outcome.NO_ORDERS)
    newest_first = sorted(orders, key=lambda o: o.created_at, reverse=True)

    if reference.order_no:
        owned = next((o for o in newest_first if o.order_no == reference.order_no), None)
        if owned is None:
            return Resolution(Outcome.NOT_FOUND)
        return Resolution(Outcome.FOUND, owned.order_no)

    if reference.choice is not None and shown:
        picked = _pick_shown(reference.choice, shown)
        if picked is not None and any(o.order_no == picked for o in newest_first):
            return Resolution(Outcome.FOUND, picked)

    pool: List[OrderCandidate] = newest_first
    if reference.product:
        pool = [o for o in newest_first if _contains_product(o, reference.product)]
        if not pool:  # the buyer typed more than the alias (我的黑色羽绒服)
            pool = [o for o in newest_first if _mentioned_in(o, reference.product)]
        if not pool:
            return Resolution(Outcome.NO_MATCH)
        if shown:
            # answering "which one?" with a product narrows the list that was shown
            narrowed = [o for o in pool if o.order_no in shown]
            pool = narrowed or pool

    if reference.latest:
        return Resolution(Outcome.FOUND, pool[0].order_no)
    pool = narrowed_by_description(pool, reference.text, today)

    relevant = [o for o in pool if o.status in RELEVANT_STATUSES[purpose]]
    if len(relevant) == 1:
        return Resolution(Outcome.FOUND, relevant[0].order_no)
    if len(pool) == 1:
        return Resolution(Outcome.FOUND, pool[0].order_no)
    return Resolution(Outcome.AMBIGUOUS, candidates=shortlist(pool, purpose, max_candidates))


#: Status words that pick orders: "已经在路上的那个" → shipped, "还没发的" → waiting to ship.
STATUS_HINTS = (
    (re.compile(r"在路上|已经发|已发货|发出来了|发了的|运输中|派送中"), {OrderStatus.SHIPPED}),
    (re.compile(r"还没发|没发货|未发货|待发货|没发的|还没寄"), {OrderStatus.AWAITING_SHIPMENT}),
    (re.compile(r"没付|未付|待付款|没付款|没付钱"), {OrderStatus.PENDING_PAYMENT}),
    (re.compile(r"已签收|签收了的|收到的那|已经收到|取消的那|被取消"), {OrderStatus.DELIVERED, OrderStatus.COMPLETED,
                                                            OrderStatus.CANCELLED}),
)
PRICE_WORDS = re.compile(r"最贵|最便宜|贵的那|便宜的那")
#: A colour or a size named to pick an order ("黑色那件", "M码的").
DETAIL_WORDS = re.compile(r"[黑白红蓝灰绿粉黄紫棕米驼青](色|的那|那件|那双|那个)|(?<![A-Za-z])(XXL|XL|S|M|L)(码|号)|\d{2}码")
SIZE_TOKEN = re.compile(r"^(XXXL|XXL|XL|XS|S|M|L|\d{2}(-\d{2})?|\d{2}[A-Z]|均码)$")


#: When the buyer says they bought it, as the range of the order's age in days ("一个多月前买的那件白T").
DATE_HINTS = (
    (re.compile(r"一个多月|一个月前|上个月|上月|好几周前"), (25.0, 90.0)),
    (re.compile(r"上周|上个星期|上礼拜|一周前|一个星期前|上星期"), (4.0, 15.0)),
    (re.compile(r"前天"), (1.0, 3.5)),
    (re.compile(r"昨天"), (0.3, 2.0)),
    (re.compile(r"今天(买|拍|下)|刚(刚)?(买|拍|下)"), (0.0, 1.0)),
)
DAYS_AGO = re.compile(r"(\d{1,2}|[一二两三四五六七八九十]{1,2})\s*天前")


def _fits_date(order: OrderCandidate, text: str, today: datetime) -> bool:
    age = (today - order.created_at).total_seconds() / 86400
    ranges = [days for words, days in DATE_HINTS if words.search(text)]
    said = DAYS_AGO.search(text)
    if said:
        token = said.group(1)
        n = int(token) if token.isdigit() else CHINESE_ORDINALS.get(token[-1], 0) + (10 if len(token) > 1 else 0)
        ranges.append((n - 1.5, n + 1.5))
    return any(low <= age <= high for low, high in ranges)


def status_hints(text: str) -> List[set]:
    """The order statuses the message's status words point at, one set per matching hint."""
    return [statuses for pattern, statuses in STATUS_HINTS if pattern.search(text or "")]


def narrowed_by_description(pool: List[OrderCandidate], text: str, today: Optional[datetime] = None) -> List[OrderCandidate]:
    """Among several orders, the ones the buyer's colour, size, status and price words fit.

    "黑色那件", "M码的", "已经在路上的那个", "最贵那单": each narrows the list only when
    some order fits it, so a word that fits none never empties it.
    """
    if len(pool) <= 1 or not text:
        return pool
    for fits in (_fits_category, _fits_colour, _fits_size, _fits_status):  # "奶白色M码": the colour, then the size
        narrowed = [o for o in pool if fits(o, text)]
        if narrowed and len(narrowed) < len(pool):
            pool = narrowed
    if today is not None and len(pool) > 1:
        narrowed = [o for o in pool if _fits_date(o, text, today)]
        if narrowed and len(narrowed) < len(pool):
            pool = narrowed
    if len(pool) > 1 and PRICE_WORDS.search(text) and all(o.amount is not None for o in pool):
        cheapest = "便宜" in text
        return [min(pool, key=lambda o: o.amount) if cheapest else max(pool, key=lambda o: o.amount)]  # type: ignore
    return pool


#: What buyers call a catalogue category ("衣服有质量问题" is about clothes, not the nuts).
CATEGORY_WORDS = {
    "clothes": re.compile(r"衣服|衣裳|服装|上衣|裤子"),
    "shoes": re.compile(r"鞋"),
    "electronics": re.compile(r"数码|电子产品|电器"),
    "cosmetics": re.compile(r"化妆品|护肤品|彩妆"),
    "food": re.compile(r"吃的|食品|零食"),
}


def _fits_category(order: OrderCandidate, text: str) -> bool:
    return any(CATEGORY_WORDS[c].search(text) for c in order.categories if c in CATEGORY_WORDS)


def _fits_size(order: OrderCandidate, text: str) -> bool:
    upper = text.upper()
    return any(
        re.search(rf"(?<![A-Z0-9]){re.escape(token.upper())}(?![A-Z0-9])", upper)
        for variant in order.variants for token in variant.split() if SIZE_TOKEN.match(token.upper())
    )


def _fits_colour(order: OrderCandidate, text: str) -> bool:
    return any(_names_colour(token, text)
               for variant in order.variants for token in variant.split() if not SIZE_TOKEN.match(token.upper()))


def _names_colour(colour: str, text: str) -> bool:
    """"黑色" in "黑色那件" or "黑的"; "奶白" in "奶白那件" or "白色那件"."""
    base = colour.removesuffix("色")
    if len(base) >= 2 and base in text:
        return True
    return bool(base) and (base[-1] + "色" in text or base[-1] + "的" in text)


def _fits_status(order: OrderCandidate, text: str) -> bool:
    hints = status_hints(text)
    return bool(hints) and any(order.status in statuses for statuses in hints)


def shortlist(orders: Sequence[OrderCandidate], purpose: Purpose, limit: int = 5) -> List[str]:
    """The orders to offer when asking "which one?": newest first, those that fit the purpose if any."""
    newest_first = sorted(orders, key=lambda o: o.created_at, reverse=True)
    relevant = [o for o in newest_first if o.status in RELEVANT_STATUSES[purpose]]
    return [o.order_no for o in (relevant or newest_first)[:limit]]


def _pick_shown(choice: int, shown: Sequence[str]) -> Optional[str]:
    if choice == -1:
        return shown[-1]
    if 1 <= choice <= len(shown):
        return shown[choice - 1]
    return None


def _contains_product(order: OrderCandidate, product: str) -> bool:
    needle = product.lower()
    return any(needle in name.lower() for name in order.product_names if name)


def _mentioned_in(order: OrderCandidate, product: str) -> bool:
    text = product.lower()
    return any(name.lower() in text for name in order.product_names if len(name) >= 2)


#: Where one ask ends and the next begins: punctuation, spaces, "还有 / 另外 / 然后".
ASK_BREAK = re.compile(r"[？?。！!；;，,\s]+|还有|另外|然后|以及")


def split_asks(text: str) -> List[Tuple[int, int]]:
    """(start, end) of each clause of a message, for messages that ask about several orders at once."""
    spans, start = [], 0
    for match in ASK_BREAK.finditer(text or ""):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text or ""):
        spans.append((start, len(text)))
    return spans


def clause_reference(text: str, entities: Sequence[dict], start: int, end: int) -> OrderReference:
    """What one clause of a message says about an order: the product that starts in it, and its words."""
    product = next(
        (str(e["value"]) for e in entities if e.get("entity") == "product" and start <= int(e.get("start", -1)) < end), None
    )
    return OrderReference(product=product, text=text[start:end])


def several_orders(text: str, entities: Sequence[dict], orders: Sequence[OrderCandidate], purpose: Purpose) -> List[str]:
    """The distinct orders a message asks about clause by clause ("羽绒服到哪了？跑鞋啥时候发？"); [] for one or none.

    A clause counts only when it names its order itself (a product, a colour, size,
    status or price word) and that picks exactly one order.
    """
    found: List[str] = []
    for start, end in split_asks(text):
        reference = clause_reference(text, entities, start, end)
        if not reference.names_itself:
            continue
        result = resolve(reference, orders, purpose)
        if result.outcome == Outcome.FOUND and result.order_no not in found:
            found.append(result.order_no)  # type: ignore[arg-type]
    return found if len(found) >= 2 else []


def one_on_the_way(reference: OrderReference, orders: Sequence[OrderCandidate]) -> List[str]:
    """"我羽绒服到哪了" with two jackets, one on its way and one not yet sent: both, the travelling one first,
    so the buyer hears where the parcel is and that the other has not left, instead of "which one?".
    [] unless the product names several open orders and exactly one of them is on its way."""
    if not reference.product or reference.order_no or reference.choice is not None or reference.describes:
        return []
    pool = [o for o in orders if _contains_product(o, reference.product)
            and o.status in (OrderStatus.SHIPPED, OrderStatus.AWAITING_SHIPMENT)]
    moving = [o for o in pool if o.status == OrderStatus.SHIPPED]
    if len(pool) < 2 or len(moving) != 1:
        return []
    return [moving[0].order_no, *(o.order_no for o in pool if o is not moving[0])]


def shipped_siblings(reference: OrderReference, orders: Sequence[OrderCandidate], chosen: str, purpose: Purpose) -> List[OrderCandidate]:
    """Orders of the product named that a change can no longer reach because they shipped ("羽绒服地址要改"
    with one jacket shipped and one not): the buyer is told, not left to think both were changed."""
    if purpose not in (Purpose.CANCEL, Purpose.CHANGE_ADDRESS) or not reference.product:
        return []
    return [o for o in orders if o.order_no != chosen and o.status == OrderStatus.SHIPPED and _contains_product(o, reference.product)]


#: "最近买的几样东西都到了没", "我的订单都啥情况": every recent order at once, not one to pick.
ALL_ORDERS = re.compile(
    r"(几样|几个|几件|几单|这些|那些|这几|那几|每个|每一?单|各个)(东西|订单|宝贝|包裹|单|件|样)?[^，,。]{0,14}(都|全)"
    r"|(东西|订单|宝贝|包裹|单子)(都|全)(到|发|是|怎么|咋|什么|啥)|(所有|全部)(的)?(订单|东西|宝贝|包裹)"
)


def asks_about_all(text: str) -> bool:
    return bool(ALL_ORDERS.search(text or ""))


def recent_orders(orders: Sequence[OrderCandidate], limit: int = 5) -> List[str]:
    """The buyer's newest orders, for "都什么情况": each is answered."""
    return [o.order_no for o in sorted(orders, key=lambda o: o.created_at, reverse=True)[:limit]]


#: Words of a change an order form carries out: the clause they are in, or the one before, names its order.
CHANGE_CLAUSE = re.compile(r"改|取消|不要了|地址")


def changed_order(text: str, entities: Sequence[dict], orders: Sequence[OrderCandidate], purpose: Purpose) -> Optional[str]:
    """In a message about several orders, the one the change is for: named in the clause asking the change,
    or in the nearest clause before it ("黑色那件到哪了 然后另外那件奶白色的 能不能改个地址"). None when the
    message names one order or none (the usual reading applies)."""
    clauses = split_asks(text)
    if sum(clause_reference(text, entities, start, end).names_itself for start, end in clauses) < 2:
        return None  # one order named (or none): the usual reading
    asking = next((i for i, (start, end) in enumerate(clauses) if CHANGE_CLAUSE.search(text[start:end])), None)
    if asking is None:
        return None
    for start, end in reversed(clauses[: asking + 1]):
        reference = clause_reference(text, entities, start, end)
        if reference.names_itself:
            result = resolve(reference, orders, purpose)
            return result.order_no if result.outcome == Outcome.FOUND else None
    return None
