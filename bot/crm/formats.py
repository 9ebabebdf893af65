"""How the shop's identifiers look, defined once for the NLU matcher and the order logic.

Order numbers are 16 digits, the first not 0 (and not glued to letters, which
would make them part of a tracking number such as SF…); phones are mainland
mobiles, 1[3-9] followed by 9 digits.
"""

import re
from typing import Optional

ORDER_NO_PATTERN = re.compile(r"(?<![\dA-Za-z])[1-9]\d{15}(?!\d)")
PHONE_PATTERN = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
#: After-sales case numbers: RMA + yymmdd + a four-digit sequence of the day (RMA2611250001).
RMA_PATTERN = re.compile(r"(?<![A-Za-z0-9])RMA\d{10}(?!\d)", re.IGNORECASE)


def mask_phone(phone: Optional[str]) -> str:
    """"13800000005" → "138****0005": enough for the buyer to recognise, useless to anyone else; what agents see
    of a phone until they reveal it on purpose."""
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def mask_phones_in(text: str) -> str:
    """Every mainland mobile number in a message masked: buyers type theirs to be verified, agents need not read it."""
    return PHONE_PATTERN.sub(lambda found: mask_phone(found.group()), text)
