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
from typing import Any
from zoneinfo import ZoneInfo

from matplotlib import dates as _mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

_dates: Any = _mdates  # matplotlib.dates carries no type annotations

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
        "days": "Mon Tue Wed Thu Fri Sat Sun",
        "months": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
        "partial": "so far",
        "days_in": "Days ({zone})",
        "time_in": "Time ({zone})",
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
        "days": "lun. mar. mer. jeu. ven. sam. dim.",
        "months": "",
        "partial": "en cours",
        "days_in": "Jours ({zone})",
        "time_in": "Heure ({zone})",
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
    ax.set_xlim(0, max([1, *(sum(int(c.get(k, 0)) for k in SENTIMENT_COLOURS) for c in counts)]))
    fig.legend(loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _plain(fig)


def _day_label(day: datetime, w: Mapping[str, str]) -> str:
    """`Mon 30 Nov` / `lun. 30/11`: a calendar day as the reader writes it."""
    weekday = w["days"].split()[day.weekday()]
    if w["months"]:
        return f"{weekday} {day.day} {w['months'].split()[day.month - 1]}"
    return f"{weekday} {day:%d/%m}"


def _hour_axis(ax: Axes, zone: ZoneInfo, language: str) -> None:
    """Clock times on the reader's zone, as few as fit, with the date where the day changes."""
    locator = _dates.AutoDateLocator(tz=zone, minticks=4, maxticks=8)
    formatter = _dates.ConciseDateFormatter(locator, tz=zone)
    day = "%d/%m" if language == "fr" else "%b %d"
    full = "%d/%m/%Y" if language == "fr" else "%Y-%m-%d"
    formatter.formats = ["%Y", "%m", day, "%H:%M", "%H:%M", "%S.%f"]
    formatter.zero_formats = ["", "%Y", day, day, "%H:%M", "%H:%M"]
    formatter.offset_formats = ["", "%Y", full, full, full, full + " %H:%M"]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(formatter)


def volume_figure(
    buckets: Sequence[tuple[datetime, datetime]],
    step: timedelta,
    series: Mapping[str, Sequence[int]],
    previous: Mapping[str, Sequence[int]],
    language: str = "en",
    timezone: str = "UTC",
    partial: bool = False,
) -> Figure:
    """Lines: mentions per bucket of each entity (solid) and of the previous period (dashed,
    drawn on the same buckets). `buckets` are (start, end) in UTC: calendar days of
    `timezone` when `step` is a day (x labelled with each date), else hours (x on a time axis
    of `timezone`, named under it). `partial`: the last bucket is still counting (hollow
    marker, labelled so). The y axis counts whole mentions from 0 to at least 1; the legend
    is below the plot."""
    w = words_for(language)
    zone = ZoneInfo(timezone)
    daily = step >= timedelta(days=1)
    fig = _figure(3.0)
    ax = fig.add_subplot()
    if daily:
        xs: list[float] = [float(i) for i in range(len(buckets))]
    else:
        xs = [float(_dates.date2num(start)) for start, _end in buckets]
    top = 0
    for i, (name, values) in enumerate(series.items()):
        ys = list(values)
        top = max([top, *ys])
        ax.plot(xs, ys, color=colour_of(i), marker="o", markersize=3, label=name)
        if partial and ys:
            ax.plot(xs[-1:], ys[-1:], marker="o", markersize=7, markerfacecolor="white",
                    color=colour_of(i), linestyle="none")  # fmt: skip
        before = previous.get(name)
        if before is not None:
            top = max([top, *before])
            ax.plot(xs, list(before), color=colour_of(i), linestyle="--", alpha=0.5,
                    label=f"{name} ({w['previous']})")  # fmt: skip
    if daily:
        labels = [_day_label(start.astimezone(zone), w) for start, _end in buckets]
        if partial and labels:
            labels[-1] += f"\n({w['partial']})"
        every = max(1, -(-len(buckets) // 8))
        ax.set_xticks(xs[::every], labels=labels[::every])
        ax.set_xlabel(w["days_in"].format(zone=timezone), fontsize=8)
    else:
        _hour_axis(ax, zone, language)
        if buckets:
            ax.set_xlim(xs[0], float(_dates.date2num(buckets[-1][1])))
        ax.xaxis.get_offset_text().set_fontsize(8)
        ax.set_xlabel(w["time_in"].format(zone=timezone), fontsize=8)
    ax.tick_params(labelsize=8)
    ax.set_ylim(0, max(1.0, top * 1.1))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=2))
    ax.set_title(w["per_day"] if daily else w["per_hour"], fontsize=10, loc="left")
    fig.legend(loc="outside lower center", ncols=2, fontsize=7, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _plain(fig)


def png(fig: Figure) -> bytes:
    """PNG bytes of `fig` (no timestamp metadata: the same chart gives the same bytes)."""
    out = io.BytesIO()
    fig.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
