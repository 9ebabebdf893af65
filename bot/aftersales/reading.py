"""Reading a buyer's after-sales answers: the reason, wear, photos, a quantity, a size or colour.

Buyers answer the form's questions in their own words ("穿了一次就开线了",
"换大一码", "两件都退", "照片等下发你"). These pure functions turn such
answers into facts the policy can decide on; a message they cannot read
yields None and the form asks again instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Iterable, List, Optional, Sequence, Tuple

from bot.nlu.numbers import chinese_number
from bot.nlu.simplified import to_simplified
from bot.policy.decisions import RequestKind

K = RequestKind

#: Checked in this order: the first family whose words appear wins, so
#: "尺码发错了" is a wrong item and "质量不好不想要了" a quality problem.
REASON_WORDS: Tuple[Tuple[RequestKind, Tuple[str, ...]], ...] = (
    (K.DAMAGED, ("破损", "碎了", "碎的", "压坏", "压扁", "摔坏", "磕坏", "压烂", "漏液", "洒了", "外箱破", "盒子破", "包装破",
                 "袋子破", "袋破", "箱子破", "压出", "压得", "压变形", "摔碎", "磕碰")),
    (
        K.WRONG_OR_MISSING,
        (
            "发错",
            "错发",
            "寄错",
            "漏发",
            "少发",
            "少了",
            "缺了",
            "少一",
            "不是我买的",
            "不是我要的",
            "没有赠品",
            "赠品没",
            "没收到赠品",
            "缺赠品",
            "少赠品",
        ),
    ),
    (K.NOT_RECEIVED, ("没收到", "没有收到", "没拿到", "收不到", "丢件", "快递丢", "没见到货", "显示签收但")),
    (K.PRICE_DIFFERENCE, ("降价", "差价", "便宜了", "价保")),
    (
        K.QUALITY_ISSUE,
        (
            "质量",
            "坏了",
            "坏的",
            "开线",
            "掉色",
            "褪色",
            "起球",
            "破洞",
            "脱胶",
            "开胶",
            "断了",
            "故障",
            "瑕疵",
            "异味",
            "有味道",
            "过敏",
            "假货",
            "不是正品",
            "描述不符",
            "和图片不一样",
            "跟图片不一样",
            "色差",
            "开不了机",
            "充不进",
            "充不上",
            "没反应",
            "不亮",
            "失灵",
            "不能用",
            "用不了",
            "有问题",
            "漏气",
            "卡顿",
            "死机",
            "破了",
            "有个洞",
            "有洞",
            "松了",
            "变形",
            "受潮",
            "发霉",
            "霉了",
            "过期",
            "变质",
            "脱线",
            "掉毛",
            "划痕",
            "缩水",
            "缩了",
            "缩小了",
            "开裂",
            "裂了",
            "异物",
            "絮状",
            "红疹",
            "不充电",
            "充不了电",
            "漏水",
            "掉漆",
            "生锈",
            "压不下去",
            "按不下去",
            "按不动",
            "卡死",
            "卡住了",
            "挤不出",
            "打不开",
            "拧不开",
            "坏掉",
        ),
    ),
    (
        K.NO_REASON_RETURN,
        (
            "不想要",
            "不要了",
            "不喜欢",
            "不合适",
            "买错",
            "拍错",
            "买多",
            "多买",
            "尺码",
            "偏大",
            "偏小",
            "太大",
            "太小",
            "大了",
            "小了",
            "不好看",
            "家里有",
            "不需要",
            "用不上",
            "无理由",
            "后悔",
            "个人原因",
            "其他原因",
            "不适合",
            "颜色不",
            "款式",
            "不太想要",
            "不太喜欢",
            "不太合适",
            "不合身",
            "不合脚",
            "挤脚",
            "有点挤",
            "太挤",
            "有点紧",
            "太紧",
            "磨脚",
            "夹脚",
            "太硬",
            "偏硬",
            "没啥用",
            "没什么用",
            "没效果",
            "没啥效果",
            "没什么效果",
            "效果不好",
            "效果一般",
            "显黑",
            "显胖",
            "显老",
            "不显白",
            "不衬",
            "感觉一般",
            "一般般",
            "吃不完",
            "用不着",
            "不想穿",
        ),
    ),
)

#: "质量没问题", "没有破损": a problem named only to say there is none is no reason.
NEGATED_PROBLEM = re.compile(
    r"(没有|没|无|不是)(什么)?(质量问题|质量|破损|损坏|坏|问题|瑕疵)|质量(都)?(没有|没|无)问题|质量(挺|还|很|也)?(好|行|不错|可以)"
    r"|(别|不要|别再)(给我)?(发|寄)错"
)
USED_NEGATED = re.compile(r"(没|未|没有|还没)(穿|用|洗|拆|戴|使用|拆封|激活|下过水)")
USED_WORDS = ("穿过", "用过", "洗过", "洗了", "穿了", "用了", "戴过", "拆封", "激活", "剪了吊牌", "吊牌剪", "吊牌摘", "下过水",
              "穿出去", "穿出门", "穿着上班", "穿去", "穿了一天", "用了一天", "上脚走", "开机用")
CLAUSE_BREAK = re.compile(r"[，,。.!！?？;；、\s]|但是|但|不过|就是|可是")

PHOTO_PLACEHOLDER = re.compile(r"\[(图片|照片|视频|image|photo)\]", re.IGNORECASE)
PHOTO_SENT_WORDS = (
    "照片发了",
    "图片发了",
    "发你了",
    "发给你了",
    "发过去了",
    "拍好了",
    "已上传",
    "已经发了",
    "上传了",
    "传了",
    "看图",
    "如图",
)
PHOTO_LATER_WORDS = ("等下", "等会", "稍后", "晚点", "一会", "待会", "马上", "回头", "明天", "回家")
PHOTO_WORDS = ("拍", "照片", "图片", "图", "发")
PHOTO_NONE_WORDS = ("拍不了", "没法拍", "没有照片", "没拍", "不方便拍", "扔了", "丢了")

RESHIP_WORDS = ("补发", "补寄", "重新发", "再发", "补一", "重发", "换新", "换一个新的", "换个新的")
#: "给俺换双新的 / 换台新的": a new one sent, whatever the measure word.
RESHIP_NEW = re.compile(r"换(一)?(个|双|件|盒|份|条|台|只|袋|支|瓶)?新的")
#: "换成白色的 / 给我换一下": for goods sent wrong or broken, a swap is the right goods sent again.
SWAP_FOR_RIGHT_ONE = re.compile(r"换(成|个|一下|一件|一双|一个|回)|给我换|调换")
NO_RESHIP = re.compile(r"(不用|不要|别|不想|不需要)(再)?(补发|补寄|重发|重新发|再发)")
REFUND_WORDS = ("退款", "退钱", "退差价", "退我钱", "把钱退", "钱退", "退回钱", "仅退款")

ALL_WORDS = ("全部", "都退", "都换", "全退", "全换", "两件都", "都要", "所有", "一起", "整单", "全都", "整箱")
ASKED_COUNT = re.compile(r"(?:退|换|申请|要退|要换)\s*(\d{1,3}|[一两二三四五六七八九十]{1,3})\s*(?:件|个|双|条|盒|袋|瓶|只|台|支|包|套|份|片)")
COUNT_PATTERN = re.compile(
    r"(?<![第\d一两二三四五六七八九十])(\d{1,3}|[一两二三四五六七八九十]{1,3})\s*(件|个|双|条|盒|袋|瓶|只|台|支|包|套|份|片)"
)

BIGGER_WORDS = ("大一码", "大一号", "大点", "大一点", "加大")
SMALLER_WORDS = ("小一码", "小一号", "小点", "小一点")
WISH_PATTERN = re.compile(r"换成|换个|换|改成|要")


class Evidence(str, Enum):
    SENT = "已发照片"
    PROMISED = "稍后补照片"
    NONE = "无照片"


class Resolution(str, Enum):
    RESHIP = "reship"
    REFUND = "refund"


def reason_kind(text: str) -> Optional[RequestKind]:
    """The kind of case a stated reason describes, or None when it names none ("補差價" as "补差价")."""
    text = NEGATED_PROBLEM.sub("", to_simplified(text))
    for kind, words in REASON_WORDS:
        if any(word in text for word in words):
            return kind
    return None


def mentions_use(text: str) -> bool:
    """True when the buyer says the goods were worn or used (no-reason returns need them unused)."""
    for clause in CLAUSE_BREAK.split(to_simplified(text)):
        clause = clause.replace("试穿", "试").replace("试用", "试")  # trying on is not wearing
        if clause and not USED_NEGATED.search(clause) and any(word in clause for word in USED_WORDS):
            return True
    return False


def evidence_in(text: str, intent: str = "") -> Optional[Evidence]:
    """Whether photos were sent, promised or cannot be had; None when the message says nothing about them."""
    if PHOTO_PLACEHOLDER.search(text) or any(word in text for word in PHOTO_SENT_WORDS):
        return Evidence.SENT
    if any(word in text for word in PHOTO_NONE_WORDS):
        return Evidence.NONE
    if any(word in text for word in PHOTO_LATER_WORDS) and any(word in text for word in PHOTO_WORDS):
        return Evidence.PROMISED
    if intent == "affirm" or any(word in text for word in ("好的我拍", "我拍", "可以拍", "这就拍", "拍给你")):
        return Evidence.PROMISED
    return None


def resolution_in(text: str) -> Optional[Resolution]:
    """Reship or refund, for a wrong, missing or damaged item."""
    if NO_RESHIP.search(text):
        return Resolution.REFUND if any(word in text for word in REFUND_WORDS) else None
    if any(word in text for word in RESHIP_WORDS) or RESHIP_NEW.search(text):
        return Resolution.RESHIP
    if any(word in text for word in REFUND_WORDS):
        return Resolution.REFUND
    if SWAP_FOR_RIGHT_ONE.search(text):
        return Resolution.RESHIP  # "给我换成白色的就行" about goods sent wrong: the right ones sent
    return None


def quantity_in(text: str, entities: Iterable[dict], available: int) -> Optional[int]:
    """How many items the buyer means; ``available`` for "全部", None when not said."""
    entities = list(entities)
    asked = ASKED_COUNT.search(text)
    if asked and sum(e.get("entity") == "quantity" for e in entities) != 1:
        return chinese_number(asked.group(1))  # "买了两件 退一件就行": the count beside the verb, not the one bought
    for entity in entities:
        if entity.get("entity") == "quantity":
            value = chinese_number(str(entity.get("value", "")))
            if value is not None:
                return value
    if any(word in text for word in ALL_WORDS):
        return available
    match = COUNT_PATTERN.search(text)
    if match:
        return chinese_number(match.group(1))
    bare = text.strip().rstrip("件个双条")
    return chinese_number(bare) if bare and len(bare) <= 3 else None


@dataclass(frozen=True)
class VariantOption:
    id: int
    size: str
    color: str
    stock: int

    def label(self) -> str:
        return " ".join(p for p in (self.color, self.size) if p) or "标准款"


def wanted_variant(
    text: str, options: Sequence[VariantOption], current: Optional[VariantOption]
) -> Tuple[Optional[VariantOption], bool]:
    """The variant the buyer wants in exchange, and whether they named anything at all.

    What follows "换" is the wish ("M码小了，换L"); elsewhere the current size
    or colour is only the complaint. A size alone keeps the current colour and
    vice versa; "大一码" moves one size along the product's own size list.
    """
    sizes = _ordered_unique(o.size for o in options if o.size)
    colors = _ordered_unique(o.color for o in options if o.color)
    wish = WISH_PATTERN.split(text)[-1] if WISH_PATTERN.search(text) else text
    avoid_size, avoid_color = (current.size, current.color) if current else ("", "")
    size = _size_in(wish, sizes, avoid_size) or _step(text, sizes, current)
    color = _color_in(wish, colors, avoid_color)
    if size is None and wish is not text:
        size = _size_in(text, sizes, avoid_size)
    if color is None and wish is not text:
        color = _color_in(text, colors, avoid_color)
    if size is None and color is None:
        return None, any(w in text for w in BIGGER_WORDS + SMALLER_WORDS)
    size = size if size is not None else avoid_size
    color = color if color is not None else avoid_color
    return next((o for o in options if o.size == size and o.color == color), None), True


def _step(text: str, sizes: List[str], current: Optional[VariantOption]) -> Optional[str]:
    """One size up or down from the current one; None at either end of the list."""
    if current is None or current.size not in sizes:
        return None
    step = 1 if any(w in text for w in BIGGER_WORDS) else -1 if any(w in text for w in SMALLER_WORDS) else 0
    index = sizes.index(current.size) + step
    return sizes[index] if step and 0 <= index < len(sizes) else None


def _size_in(text: str, sizes: List[str], avoid: str = "") -> Optional[str]:
    """The size named, preferring one other than ``avoid`` (the size the buyer has now)."""
    upper = text.upper()
    named = [s for s in sizes if re.search(rf"(?<![A-Z0-9]){re.escape(s.upper())}(?![A-Z0-9])", upper)]
    return next((s for s in named if s != avoid), named[0] if named else None)


def _color_in(text: str, colors: List[str], avoid: str = "") -> Optional[str]:
    named = [c for c in sorted(colors, key=len, reverse=True) if c and c in text]
    return next((c for c in named if c != avoid), named[0] if named else None)


def _ordered_unique(values: Iterable[str]) -> List[str]:
    seen: List[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen
