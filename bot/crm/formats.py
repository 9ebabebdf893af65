"""How the shop's identifiers look, defined once for the NLU matcher and the order logic.

Order numbers are 16 digits, the first not 0 (and not glued to letters, which
would make them part of a tracking number such as SF…); phones are mainland
mobiles, 1[3-9] followed by 9 digits.
"""

import re

ORDER_NO_PATTERN = re.compile(r"(?<![\dA-Za-z])[1-9]\d{15}(?!\d)")
PHONE_PATTERN = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
