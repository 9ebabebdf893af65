"""How the shop's identifiers look, defined once for the NLU matcher and the order logic.

Order numbers are 16 digits, the first not 0 (and not glued to letters, which
would make them part of a tracking number such as SF…); phones are mainland
mobiles, 1[3-9] followed by 9 digits.
"""

import re

ORDER_NO_PATTERN = re.compile(r"(?<![\dA-Za-z])[1-9]\d{15}(?!\d)")
PHONE_PATTERN = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
#: After-sales case numbers: RMA + yymmdd + a four-digit sequence of the day (RMA2611250001).
RMA_PATTERN = re.compile(r"(?<![A-Za-z0-9])RMA\d{10}(?!\d)", re.IGNORECASE)
