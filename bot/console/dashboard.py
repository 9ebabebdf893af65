"""Figures for the console's dashboard, and the small SVG charts that show them (no chart library, no CDN).

Weeks are ISO weeks ending with the current one. The handoff rate is handoffs
over the buyers who wrote through the webhook that week (the platform's
buyers; the REST channel for local testing is not counted).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from typing import Dict, List, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.crm.db import UsesCrm
from bot.crm.models import Complaint, Handoff, WebhookMessage

CATEGORIES = ("商品质量", "服务态度", "物流配送", "售后", "其他")
COLOURS = ("#e8542e", "#2f6fdf", "#1f8a4c", "#b7791f", "#8a94a6")


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks_ending(today: date, count: int) -> List[date]:
    last = week_start(today)
    return [last - timedelta(weeks=n) for n in range(count - 1, -1, -1)]


@dataclass
class Dashboard:
    weeks: List[date]
    complaints_by_category: Dict[str, List[int]]
    handoffs: List[int]
    buyers: List[int]
    first_answer_minutes: List[Optional[float]]
    satisfaction: Dict[int, int]

    @property
    def handoff_rate(self) -> List[Optional[float]]:
        return [round(100 * h / b, 1) if b else None for h, b in zip(self.handoffs, self.buyers)]

    @property
    def average_satisfaction(self) -> Optional[float]:
        total = sum(self.satisfaction.values())
        return round(sum(score * n for score, n in self.satisfaction.items()) / total, 2) if total else None


class DashboardFigures(UsesCrm):
    def __init__(self, sessions: Optional[sessionmaker] = None):
        super().__init__(sessions)

    def compute(self, now: datetime, week_count: int = 8) -> Dashboard:
        weeks = weeks_ending(now.date(), week_count)
        since = datetime.combine(weeks[0], datetime.min.time())
        index = {week: n for n, week in enumerate(weeks)}
        by_category = {category: [0] * week_count for category in CATEGORIES}
        handoffs, buyers = [0] * week_count, [set() for _ in weeks]
        waits: List[List[float]] = [[] for _ in weeks]
        satisfaction = {score: 0 for score in range(1, 6)}
        with self.sessions() as session:
            for category, created in session.execute(
                select(Complaint.category, Complaint.created_at).where(Complaint.created_at >= since)
            ):
                by_category.setdefault(category, [0] * week_count)[index[week_start(created.date())]] += 1
            for created, answered in session.execute(
                select(Handoff.created_at, Handoff.first_answer_at).where(Handoff.created_at >= since)
            ):
                slot = index[week_start(created.date())]
                handoffs[slot] += 1
                if answered:
                    waits[slot].append((answered - created).total_seconds() / 60)
            for sender, received in session.execute(
                select(WebhookMessage.sender_id, WebhookMessage.received_at).where(WebhookMessage.received_at >= since)
            ):
                buyers[index[week_start(received.date())]].add(sender)
            for (score,) in session.execute(select(Complaint.satisfaction).where(Complaint.satisfaction.is_not(None))):
                satisfaction[int(score)] = satisfaction.get(int(score), 0) + 1
        return Dashboard(
            weeks=weeks,
            complaints_by_category=by_category,
            handoffs=handoffs,
            buyers=[len(b) for b in buyers],
            first_answer_minutes=[round(statistics.median(w), 1) if w else None for w in waits],
            satisfaction=satisfaction,
        )


def stacked_bars(labels: Sequence[str], series: Dict[str, Sequence[float]], width: int = 560, height: int = 200) -> str:
    """An SVG bar chart, one stacked bar per label, with a legend; values are drawn to scale."""
    names = list(series)
    totals = [sum(series[name][i] or 0 for name in names) for i in range(len(labels))]
    top = max(totals + [1])
    slot = (width - 40) / max(len(labels), 1)
    base = height + 16  # room above the tallest bar for its figure
    parts = [f'<svg class="chart" viewBox="0 0 {width} {base + 40}" role="img" xmlns="http://www.w3.org/2000/svg">']
    for i, label in enumerate(labels):
        x, y = 30 + i * slot + slot * 0.15, float(base)
        for n, name in enumerate(names):
            value = series[name][i] or 0
            h = height * value / top
            y -= h
            if value:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" fill="{COLOURS[n % len(COLOURS)]}">'
                    f"<title>{escape(label)} {escape(name)}: {value:g}</title></rect>"
                )
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{base + 14}" text-anchor="middle">{escape(label)}</text>')
        if totals[i]:
            parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{y - 4:.1f}" text-anchor="middle">{totals[i]:g}</text>')
    if len(names) > 1:
        for n, name in enumerate(names):
            parts.append(
                f'<rect x="{30 + n * 90}" y="{base + 24}" width="10" height="10" fill="{COLOURS[n % len(COLOURS)]}"/>'
                f'<text x="{44 + n * 90}" y="{base + 33}">{escape(name)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
