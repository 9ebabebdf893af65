"""The one clock the bot reads, so tests can freeze time instead of sleeping.

CRM timestamps are naive local time (the shop's time zone); so is this clock.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Iterator, Optional

_frozen_at: Optional[datetime] = None


def now() -> datetime:
    return _frozen_at or datetime.now()


@contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    """Within the block, ``now()`` returns ``at``."""
    global _frozen_at
    previous, _frozen_at = _frozen_at, at
    try:
        yield at
    finally:
        _frozen_at = previous
