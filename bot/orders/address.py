"""Reading a new delivery address out of a buyer's message.

Buyers type the new address the way they would on a parcel: 省市区, street and
house number, often with the recipient's name and phone. We accept it when it
names an administrative area and a street-level detail, and keep the rest as
typed; anything vaguer is asked again rather than written to an order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from bot.crm.formats import PHONE_PATTERN

LEAD_IN = re.compile(
    r"^(?:(?:帮我|麻烦|请|亲|你好|您好)[，,\s]*)*"
    r"(?:把?(?:收货)?地址|新地址|地址)?\s*(?:改成|改为|换成|换到|改到|是|为|:|：)?\s*",
)
AREA_MARKERS = ("省", "市", "区", "县", "自治区", "旗", "镇", "乡")
DETAIL_MARKERS = (
    "路",
    "街",
    "道",
    "号",
    "村",
    "巷",
    "弄",
    "栋",
    "幢",
    "楼",
    "室",
    "单元",
    "小区",
    "大厦",
    "花园",
    "公寓",
    "苑",
    "组",
)
NAME_PATTERN = re.compile(r"(?:收件人|收货人|联系人|姓名)?[:：\s]*([\u4e00-\u9fa5]{2,4}?)(?:收)?$")


@dataclass(frozen=True)
class ParsedAddress:
    address: str
    recipient: Optional[str] = None
    phone: Optional[str] = None


def parse_address(text: str) -> Optional[ParsedAddress]:
    """The address, plus a recipient name and phone when given; None if it is not an address."""
    if not text:
        return None
    cleaned = re.sub(r"\s+", " ", text.strip())
    phone_match = PHONE_PATTERN.search(cleaned)
    phone = phone_match.group(0) if phone_match else None
    if phone:
        cleaned = cleaned.replace(phone, " ")
    cleaned = LEAD_IN.sub("", cleaned, count=1).strip(" ，,。;；")
    parts = [p for p in re.split(r"[ ，,;；]+", cleaned) if p]
    recipient = None
    if len(parts) > 1:
        name_match = NAME_PATTERN.fullmatch(parts[-1]) or NAME_PATTERN.fullmatch(parts[0])
        if name_match and not _looks_like_address(name_match.group(1)):
            recipient = name_match.group(1)
            parts.remove(parts[-1] if NAME_PATTERN.fullmatch(parts[-1]) else parts[0])
    address = "".join(parts).strip("。")
    if not _looks_like_address(address) or len(address) < 8 or len(address) > 120:
        return None
    return ParsedAddress(address=address, recipient=recipient, phone=phone)


def _looks_like_address(text: str) -> bool:
    return any(m in text for m in AREA_MARKERS) and any(m in text for m in DETAIL_MARKERS)
