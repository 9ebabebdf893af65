"""The dashboard's weeks, rates and SVG bars."""

from __future__ import annotations

from datetime import date

from bot.console.dashboard import Dashboard, stacked_bars, week_start, weeks_ending


def test_weeks_are_iso_weeks_ending_with_this_one() -> None:
    assert week_start(date(2026, 11, 25)) == date(2026, 11, 23)  # a Wednesday → its Monday
    assert weeks_ending(date(2026, 11, 25), 3) == [date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]


def test_rates_and_averages() -> None:
    board = Dashboard(
        weeks=[date(2026, 11, 16), date(2026, 11, 23)],
        complaints_by_category={},
        handoffs=[3, 0],
        buyers=[12, 0],
        first_answer_minutes=[4.0, None],
        satisfaction={1: 1, 2: 0, 3: 0, 4: 1, 5: 2},
    )
    assert board.handoff_rate == [25.0, None]
    assert board.average_satisfaction == 3.75


def test_bars_are_drawn_to_scale_with_escaped_labels() -> None:
    svg = stacked_bars(["11-16", "11-23"], {"商品质量": [2, 4], "<物流>": [2, 0]}, height=100)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'height="50.0"' in svg and 'height="100.0"' in svg  # 4 of 4 is the full height, 2 of 4 half
    assert "&lt;物流&gt;" in svg and "<物流>" not in svg
    assert stacked_bars(["a"], {"x": [None]})  # a week without data draws nothing, not an error
