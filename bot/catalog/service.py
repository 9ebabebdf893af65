"""Answering pre-sale product questions from the CRM catalogue."""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Dict, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.crm.db import session_factory
from bot.crm.models import Product


@dataclass(frozen=True)
class ProductFacts:
    name: str
    price: Decimal
    in_stock: List[str]  # variant labels with stock
    sold_out: List[str]
    no_reason_return: bool
    no_reason_note: Optional[str]
    warranty_days: int = 0

    def stock_text(self) -> str:
        if not self.in_stock:
            return "目前全部售罄，补货后会第一时间上架。"
        if not self.sold_out:
            return "所有款式都有货。" if len(self.in_stock) > 1 or self.in_stock[0] else "现在有货。"
        shown = "、".join(self.in_stock[:8])
        return f"有货：{shown}{'等' if len(self.in_stock) > 8 else ''}；暂时缺货：{'、'.join(self.sold_out[:5])}。"

    def return_note(self) -> str:
        if self.no_reason_return:
            return "支持7天无理由退换。"
        return f"注意：{self.no_reason_note or '该商品不支持7天无理由退换'}。"


@dataclass(frozen=True)
class _Entry:
    names: List[str]  # lower-cased name and aliases
    facts: ProductFacts


_cache: Dict[str, Tuple[float, List[_Entry]]] = {}
CACHE_SECONDS = 30.0


def _catalogue(url: Optional[str]) -> List[_Entry]:
    """The catalogue with stock, cached briefly: buyers ask about products far more often than stock changes."""
    key = url or "default"
    cached = _cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    with session_factory(url)() as session:
        products = session.execute(select(Product).options(selectinload(Product.variants))).scalars().all()
        entries = [
            _Entry(
                names=[n.lower() for n in [product.name, *(product.aliases or [])]],
                facts=ProductFacts(
                    name=product.name,
                    price=product.price,
                    in_stock=[v.label() for v in product.variants if v.stock > 0],
                    sold_out=[v.label() for v in product.variants if v.stock <= 0],
                    no_reason_return=product.no_reason_return,
                    no_reason_note=product.no_reason_note,
                    warranty_days=product.warranty_days or 0,
                ),
            )
            for product in products
        ]
    _cache[key] = (time.monotonic(), entries)
    return entries


def find_product(term: str, url: Optional[str] = None) -> Optional[ProductFacts]:
    """The product whose name or alias best matches ``term`` (longest alias wins)."""
    needle = term.strip().lower()
    if not needle:
        return None
    best: Optional[ProductFacts] = None
    best_len = 0
    for entry in _catalogue(url):
        for name in entry.names:
            if (needle in name or name in needle) and len(name) > best_len:
                best, best_len = entry.facts, len(name)
    return best
