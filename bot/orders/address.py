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
    """The address, plus a recipient name and phone when given; None if it is not an address.

    The address is the part of the message that reads as one ("地址我填错了 帮我改成江苏省…号"
    gives "江苏省…号", not the whole sentence); chatter around it ("谢谢啦") is no recipient.
    """
    if not text:
        return None
    cleaned = re.sub(r"\s+", " ", text.strip())
    phone_match = PHONE_PATTERN.search(cleaned)
    phone = phone_match.group(0) if phone_match else None
    if phone:
        cleaned = cleaned.replace(phone, " ")
    cleaned = LEAD_IN.sub("", cleaned, count=1).strip(" ，,。;；")
    parts = [_after_intro(p) for p in re.split(r"[ ，,;；。！!~～]+", cleaned) if p]
    start = next((i for i, part in enumerate(parts) if _looks_like_address(part) or _is_area(part)), None)
    if start is None:
        return None
    end = start + 1
    while end < len(parts) and not _looks_like_address("".join(parts[start:end])) and _continues_address(parts[end]):
        end += 1  # "浙江省杭州市 西湖区文三路259号"
    address = "".join(parts[start:end]).strip("。")
    rest = [p for p in parts[:start] + parts[end:] if p]
    recipient = next((m.group(1) for p in reversed(rest) if (m := NAME_PATTERN.fullmatch(p))
                      and not CHATTER.search(p) and not _looks_like_address(m.group(1))), None)
    if not _looks_like_address(address) or len(address) < 8 or len(address) > 120:
        return None
    return ParsedAddress(address=address, recipient=recipient, phone=phone)


#: Words before the new address inside one clause: "帮我改成…", "寄到…", "新地址是…".
INTRO = re.compile(r"^.*?(?:改成|改为|换成|换到|改到|寄到|送到|发到|地址是|地址为|地址[:：])")
#: Words that are no one's name: thanks, particles, the buyer's own chatter.
CHATTER = re.compile(r"谢|麻烦|好的|哈|呀|吧|啦|了|吗|呢|单位|公司|家里|我|不变|不用|一样|电话|手机|地址|都")


def _after_intro(part: str) -> str:
    trimmed = INTRO.sub("", part, count=1)
    return trimmed if trimmed != part and (_looks_like_address(trimmed) or _is_area(trimmed)) else part


def _is_area(part: str) -> bool:
    return bool(re.match(r"^[\u4e00-\u9fa5]{2,8}(省|市|自治区)", part))


def _continues_address(part: str) -> bool:
    return any(m in part for m in AREA_MARKERS + DETAIL_MARKERS) or bool(re.search(r"\d", part))


def _looks_like_address(text: str) -> bool:
    return any(m in text for m in AREA_MARKERS) and any(m in text for m in DETAIL_MARKERS)


#: A street and house number ("张杨路501号"), the part of an address buyers retype when they correct it.
STREET_NUMBER = re.compile(r"([\u4e00-\u9fa5]{1,12}?(?:大道|路|街|巷|弄|道))\s*(\d+(?:-\d+)?)\s*号")


def corrected_address(previous: ParsedAddress, text: str) -> Optional[ParsedAddress]:
    """The address given a moment ago with the part the buyer corrects ("门牌号打错了 是张杨路501号 华润时代广场3楼").

    The corrected street and everything after it replace the same street (or, for a street not in the
    address, everything after the district) of the previous address; recipient and phone are kept.
    None when the message retypes no street and house number.
    """
    swapped = _house_number_swapped(previous, text or "")
    if swapped is not None:
        return swapped
    match = STREET_NUMBER.search(text or "")
    if match is None:
        return None
    road = match.group(1)
    start = match.start(1)
    anchor = -1
    for skip in range(len(road) - 1):  # "是张杨路": the longest tail of the words before 路 found in the address
        anchor = previous.address.find(road[skip:])
        if anchor >= 0:
            start += skip
            break
    if anchor < 0:
        anchor = max(previous.address.rfind(marker) + len(marker) for marker in ("区", "县", "市", "旗"))
        start += next((i for i, ch in enumerate(road) if ch not in "是在到为"), 0)
        if anchor <= 0:
            return None
    parts = [p for p in re.split(r"[ ，,;；。！!~～]+", text[start:]) if p]
    kept = [parts[0]]
    for part in parts[1:]:
        if not _continues_address(part) or CHATTER.search(part):
            break
        kept.append(part)
    return ParsedAddress(address=previous.address[:anchor] + "".join(kept), recipient=previous.recipient, phone=previous.phone)


#: "是99号不是88" / "不是88号 是99号" / "88号改成99号": only the house number corrected.
NUMBER_SWAP = re.compile(r"(?:是|改成|改为|应该是)\s*(?P<new>\d+)\s*号?\s*[，,]?\s*不是\s*(?P<old>\d+)"
                         r"|不是\s*(?P<old2>\d+)\s*号?\s*[，,]?\s*(?:是|而是|应该是|改成)\s*(?P<new2>\d+)"
                         r"|(?P<old3>\d+)\s*号?\s*(?:改成|改为|换成)\s*(?P<new3>\d+)")


def _house_number_swapped(previous: ParsedAddress, text: str) -> Optional[ParsedAddress]:
    """The previous address with one number replaced, when the buyer names the old and the new one."""
    match = NUMBER_SWAP.search(text)
    if match is None:
        return None
    old = match.group("old") or match.group("old2") or match.group("old3")
    new = match.group("new") or match.group("new2") or match.group("new3")
    if previous.address.count(f"{old}号") != 1:
        return None
    return ParsedAddress(address=previous.address.replace(f"{old}号", f"{new}号"), recipient=previous.recipient,
                         phone=previous.phone)
