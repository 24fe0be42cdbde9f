"""The charts of a digest, drawn with matplotlib: share of voice (bars), sentiment breakdown
per entity (stacked bars), and volume per day (or hour) of each entity against the previous
period (lines).

Each call builds its own :class:`matplotlib.figure.Figure` on an Agg canvas (no pyplot), so
digests can be drawn from several threads. Entity names are drawn as written: mathtext parsing
is off on every text, so ``$x$`` stays dollars. Words are English or French; dates are on the
reader's clock.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

DPI = 120
WIDTH = 6.4
"""Inches: 768 pixels at DPI, shown 640 pixels wide in the digest."""

SENTIMENT_COLOURS = {"negative": "#d6443c", "neutral": "#b8b8b8", "positive": "#3c9d5d"}
PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2", "#9d755d")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "share": "Share of voice (% of mentions)",
        "sentiment": "Sentiment of mentions",
        "negative": "negative",
        "neutral": "neutral",
        "positive": "positive",
        "per_day": "Mentions per day",
        "per_hour": "Mentions per hour",
        "previous": "previous period",
        "date": "%m-%d",
        "hour": "%H:%M",
    },
    "fr": {
        "share": "Part de voix (% des mentions)",
        "sentiment": "Tonalité des mentions",
        "negative": "négatives",
        "neutral": "neutres",
        "positive": "positives",
        "per_day": "Mentions par jour",
        "per_hour": "Mentions par heure",
        "previous": "période précédente",
        "date": "%d/%m",
        "hour": "%H:%M",
    },
}


def words_for(language: str) -> dict[str, str]:
    return WORDS.get(language, WORDS["en"])


def colour_of(index: int) -> str:
    """The colour of the `index`-th entity of a comparison, the same in every chart."""
    return PALETTE[index % len(PALETTE)]


def _figure(height: float) -> Figure:
    fig = Figure(figsize=(WIDTH, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _plain(fig: Figure) -> Figure:
    """Every text of `fig` drawn as written (no mathtext)."""
    for text in fig.findobj(Text):
        if isinstance(text, Text):
            text.set_parse_math(False)
    return fig


def share_of_voice_figure(
    names: Sequence[str], shares: Sequence[float | None], language: str = "en"
) -> Figure:
    """Horizontal bars: each entity's share of its comparison's mentions, in percent (0..100;
    a missing share draws 0). Bars are in the order of `names`, top to bottom."""
    w = words_for(language)
    fig = _figure(0.6 + 0.45 * max(len(names), 1))
    ax = fig.add_subplot()
    values = [100 * (s or 0.0) for s in shares]
    rows = list(range(len(names)))[::-1]
    bars = ax.barh(rows, values, color=[colour_of(i) for i in range(len(names))], height=0.6)
    ax.set_yticks(rows, labels=list(names))
    ax.set_xlim(0, 100)
    ax.bar_label(bars, labels=[f"{v:.0f}" for v in values], padding=3, fontsize=8)
    ax.set_title(w["share"], fontsize=10, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return _plain(fig)


def sentiment_figure(
    names: Sequence[str], counts: Sequence[Mapping[str, int]], language: str = "en"
) -> Figure:
    """Stacked horizontal bars: per entity, its negative, neutral and positive mentions
    (counts, in that order from the left)."""
    w = words_for(language)
    fig = _figure(0.9 + 0.45 * max(len(names), 1))
    ax = fig.add_subplot()
    rows = list(range(len(names)))[::-1]
    left = [0] * len(names)
    for label in ("negative", "neutral", "positive"):
        values = [int(c.get(label, 0)) for c in counts]
        ax.barh(rows, values, left=left, color=SENTIMENT_COLOURS[label], height=0.6, label=w[label])
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(rows, labels=list(names))
    ax.set_title(w["sentiment"], fontsize=10, loc="left")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.legend(loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _plain(fig)


def volume_figure(
    steps: Sequence[datetime],
    step: timedelta,
    series: Mapping[str, Sequence[int]],
    previous: Mapping[str, Sequence[int]],
    language: str = "en",
    timezone: str = "UTC",
) -> Figure:
    """Lines: mentions per step of each entity (solid) and of the previous period (dashed,
    drawn on the same steps), x labelled with each step's start on the reader's clock."""
    w = words_for(language)
    zone = ZoneInfo(timezone)
    fig = _figure(2.6)
    ax = fig.add_subplot()
    xs = list(range(len(steps)))
    for i, (name, values) in enumerate(series.items()):
        ax.plot(xs, list(values), color=colour_of(i), marker="o", markersize=3, label=name)
        before = previous.get(name)
        if before is not None:
            ax.plot(
                xs,
                list(before),
                color=colour_of(i),
                linestyle="--",
                alpha=0.5,
                label=f"{name} ({w['previous']})",
            )
    fmt = w["date"] if step >= timedelta(days=1) else w["hour"]
    every = max(1, len(steps) // 8)
    ax.set_xticks(xs[::every], labels=[s.astimezone(zone).strftime(fmt) for s in steps][::every])
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(
        w["per_day"] if step >= timedelta(days=1) else w["per_hour"], fontsize=10, loc="left"
    )
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return _plain(fig)


def png(fig: Figure) -> bytes:
    """PNG bytes of `fig` (no timestamp metadata: the same chart gives the same bytes)."""
    out = io.BytesIO()
    fig.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
