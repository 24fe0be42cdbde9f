"""Charts drawn as PNG with matplotlib: an alert's or entity's volume, and a status sparkline.

Each call builds its own :class:`matplotlib.figure.Figure` on an Agg canvas (no pyplot, no
global figure state), so charts can be drawn from several threads at once. Text from outside
(entity names, labels, rule names) is drawn as written: mathtext parsing is off on every text
the chart draws, so ``$\\alpha$`` stays dollars and a backslash, and nothing is markup.

What a chart shows (see :mod:`warden.charts.data`): mentions per bucket as bars, the
negative ones stacked at the bottom in red, the baseline's expectation as a line over the
band of normal variation, the periods an alert was firing shaded, and a still-filling last
bucket hatched. Words are English or French; times are on the reader's clock.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from matplotlib import dates as _mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from warden.charts.data import AlertChartData, ChartData
from warden.notify.words import Words

COLOURS = {
    "mentions": "#4c78a8",
    "negative": "#d6443c",
    "expected": "#222222",
    "band": "#7f7f7f",
    "firing": "#f2a93b",
    "fired": "#b3620b",
}

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "mentions": "Mentions",
        "negative": "Negative mentions",
        "expected": "Expected",
        "band": "Normal variation",
        "firing": "Alert firing",
        "fired_span": "Alert fired",
        "fired": "fired {time}",
        "partial": "Still counting",
        "per": "Mentions per {step}",
        "hour": "hour",
        "minutes": "{n} min",
        "time": "Time ({zone})",
        "learning": "Baseline still learning what is usual (warming up)",
        "days": "Mon Tue Wed Thu Fri Sat Sun",
        "alt": "Mentions of {entity} over the last {hours} h, against the expected volume",
    },
    "fr": {
        "mentions": "Mentions",
        "negative": "Mentions négatives",
        "expected": "Attendu",
        "band": "Variation normale",
        "firing": "Alerte en cours",
        "fired_span": "Alerte déclenchée",
        "fired": "déclenchée à {time}",
        "partial": "Comptage en cours",
        "per": "Mentions par {step}",
        "hour": "heure",
        "minutes": "{n} min",
        "time": "Heure ({zone})",
        "learning": "Référence encore en apprentissage (mise en route)",
        "days": "lun. mar. mer. jeu. ven. sam. dim.",
        "alt": "Mentions de {entity} sur les dernières {hours} h, face au volume attendu",
    },
}
"""Every word a chart shows, per language (``en`` when the language is not listed)."""

_dates: Any = _mdates  # matplotlib.dates carries no type annotations

DPI = 150
SIZE = (6.4, 2.9)
"""Inches: 960 x 435 pixels at ``DPI``, shown 640 pixels wide (sharp on dense screens)."""
SPARK_SIZE = (1.6, 0.4)
SPARK_DPI = 100


def words_for(language: str) -> dict[str, str]:
    """The chart's words in ``language`` (``en`` or ``fr``; anything else gives English)."""
    return WORDS.get(language, WORDS["en"])


def chart_alt(data: ChartData | AlertChartData, language: str = "en") -> str:
    """A sentence saying what the chart shows, for the ``alt`` text of an image (raw text:
    the entity name is not escaped here)."""
    chart = data.chart if isinstance(data, AlertChartData) else data
    hours = round(len(chart.times) * chart.step.total_seconds() / 3600)
    return words_for(language)["alt"].format(entity=chart.entity, hours=hours)


def _nan(values: Sequence[float | None]) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]


def _x(moment: datetime) -> float:
    """``moment`` as a matplotlib date number (days since its epoch)."""
    return float(_dates.date2num(moment))


def _edges(chart: ChartData) -> list[float]:
    """Bucket edges as matplotlib date numbers: each start, then the end of the last."""
    times = [*chart.times, chart.times[-1] + chart.step] if chart.times else []
    return [_x(t) for t in times]


def _title(data: ChartData | AlertChartData) -> str:
    if isinstance(data, AlertChartData):
        extra = [v for k, v in sorted(data.labels.items()) if k in ("source", "lang") and v]
        scope = data.chart.entity + (f" ({', '.join(extra)})" if extra else "")
        return f"{data.rule} · {scope}"
    return data.entity


def _step_text(step: timedelta, w: dict[str, str]) -> str:
    minutes = int(step.total_seconds() // 60)
    if minutes == 60:
        return w["hour"]
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return w["minutes"].format(n=minutes)


def _time_axis(ax: Axes, chart: ChartData, zone: ZoneInfo, w: dict[str, str]) -> None:
    days = w["days"].split()
    span_hours = max(1.0, len(chart.times) * chart.step.total_seconds() / 3600)
    every = 6 if span_hours > 24 else 3 if span_hours > 8 else 1

    def label(x: float, _pos: int | None = None) -> str:
        local: datetime = _dates.num2date(x).astimezone(zone)
        if local.hour == 0 and local.minute == 0:
            return f"{days[local.weekday()]} {local.day}"
        return local.strftime("%H:%M")

    ax.xaxis.set_major_locator(_dates.HourLocator(byhour=range(0, 24, every), tz=zone))
    ax.xaxis.set_major_formatter(FuncFormatter(label))


def _firing_spans(chart: ChartData) -> list[tuple[float, float]]:
    """Firing periods as (start, end) date numbers within the chart's buckets; a period
    shorter than one bucket (an alert that fired minutes ago) is widened to the bucket it
    fired in, so it shows on a 48-bar chart."""
    if not chart.times:
        return []
    edges = _edges(chart)
    lo, hi = edges[0], edges[-1]
    step = chart.step / timedelta(days=1)
    out = []
    for started, ended in chart.firing:
        a = max(lo, _x(started))
        b = min(hi, _x(ended if ended is not None else chart.end))
        if b < a or a >= hi:
            continue
        if b - a < step:
            a = lo + math.floor((a - lo) / step + 1e-9) * step
            b = min(hi, a + step)
            a = min(a, b - step)
        out.append((a, b))
    return out


def _fired_marks(ax: Axes, chart: ChartData, zone: ZoneInfo, w: dict[str, str]) -> None:
    """A line at each moment an alert fired inside the window, labelled with its time."""
    if not chart.times:
        return
    lo, hi = _x(chart.start), _edges(chart)[-1]
    for started, _ in chart.firing:
        x = _x(started)
        if not lo <= x <= hi:
            continue
        ax.axvline(x, color=COLOURS["fired"], linewidth=1.2, zorder=4.5)
        right_half = (x - lo) > (hi - lo) / 2
        ax.annotate(
            w["fired"].format(time=started.astimezone(zone).strftime("%H:%M")),
            xy=(x, 0.93), xycoords=("data", "axes fraction"),
            xytext=(-4 if right_half else 4, 0), textcoords="offset points",
            ha="right" if right_half else "left", va="top", fontsize=7,
            color=COLOURS["fired"], parse_math=False,
        )  # fmt: skip


def _top(chart: ChartData) -> float:
    """The highest value drawn: every bar (the still-filling one too) and the band."""
    values = [*chart.counts, *(v for v in (*chart.high, *chart.expected) if v is not None)]
    return max([1.0, *values])


def chart_figure(data: ChartData | AlertChartData, language: str = "en", tz: str = "UTC") -> Figure:
    """The chart of ``data`` as a Figure (not yet drawn), words in ``language``, times in ``tz``.

    Axes content, for tests and callers that want the values: ``fig.axes[0]`` holds the bars
    (``containers[0]`` the negative mentions, ``containers[1]`` the others, one bar per
    bucket, stacked), the line labelled with the "expected" word (its y data is
    ``expected``, then its last value again), the band and firing spans, and the title;
    ``fig.legends[0]`` is the legend, below the axes. Raises
    ``zoneinfo.ZoneInfoNotFoundError`` for an unknown ``tz``.
    """
    chart = data.chart if isinstance(data, AlertChartData) else data
    w = words_for(language)
    zone = ZoneInfo(tz)
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    edges = _edges(chart)
    width = chart.step / timedelta(days=1)
    lefts = edges[:-1]
    negatives = list(chart.negatives)
    others = [max(0.0, c - n) for c, n in zip(chart.counts, negatives, strict=True)]
    handles: list[object] = []
    learnt = any(v is not None for v in chart.expected) and bool(edges)
    if learnt:
        low, high, expected = _nan(chart.low), _nan(chart.high), _nan(chart.expected)
        band = ax.fill_between(
            edges, [*low, low[-1]], [*high, high[-1]], step="post",
            color=COLOURS["band"], alpha=0.25, linewidth=0, label=w["band"], zorder=1,
        )  # fmt: skip
        (line,) = ax.plot(
            edges, [*expected, expected[-1]], drawstyle="steps-post", zorder=3,
            color=COLOURS["expected"], linewidth=1.3, linestyle="--", label=w["expected"],
        )  # fmt: skip
    firing = _firing_spans(chart)
    for a, b in firing:
        # Shaded behind the bars, and a solid strip along the top that no bar hides.
        ax.axvspan(a, b, color=COLOURS["firing"], alpha=0.3, linewidth=0, zorder=1.5)
        ax.axvspan(a, b, ymin=0.97, color=COLOURS["firing"], linewidth=0, zorder=4)
    # Bars a little narrower than their bucket, centred in it: buckets stay apart.
    centres = [x + width / 2 for x in lefts]
    bars = {"width": width * 0.86, "align": "center", "zorder": 2}
    neg = ax.bar(centres, negatives, color=COLOURS["negative"], **bars)  # type: ignore[arg-type]
    rest = ax.bar(centres, others, bottom=negatives, color=COLOURS["mentions"], **bars)  # type: ignore[arg-type]
    neg.set_label(w["negative"])
    rest.set_label(w["mentions"])
    handles += [rest, neg]
    if learnt:
        handles += [line, band]
    if firing:
        # "firing" only while a span is still open: a resolved episode is one that fired.
        still = any(ended is None for _, ended in chart.firing)
        label = w["firing"] if still else w["fired_span"]
        handles.append(Patch(color=COLOURS["firing"], alpha=0.3, label=label))
    if chart.partial and lefts:
        for bar in (neg[-1], rest[-1]):
            bar.set_alpha(0.45)
            bar.set_hatch("///")
        handles.append(
            Patch(facecolor="white", edgecolor="#555555", hatch="///", label=w["partial"])
        )
    if not learnt:
        ax.text(
            0.5, 0.95, w["learning"], transform=ax.transAxes, ha="center", va="top",
            fontsize=8, color="#555555", parse_math=False,
        )  # fmt: skip
    _fired_marks(ax, chart, zone, w)
    if edges:
        ax.set_xlim(edges[0], edges[-1])
    # Head room over the tallest bar or band for the firing strip and the labels.
    ax.set_ylim(0, _top(chart) * (1.2 if firing or not learnt else 1.08))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    number = Words(language).number
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: number(int(y))))
    _time_axis(ax, chart, zone, w)
    ax.set_title(_title(data), loc="left", fontsize=10, parse_math=False)
    ax.set_ylabel(w["per"].format(step=_step_text(chart.step, w)), fontsize=8, parse_math=False)
    ax.set_xlabel(w["time"].format(zone=tz), fontsize=8, parse_math=False)
    ax.tick_params(labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    legend = fig.legend(
        handles=handles, fontsize=7, loc="outside lower center", frameon=False, ncols=3
    )
    for text in legend.get_texts():
        text.set_parse_math(False)
    return fig


def _png(fig: Figure, **options: object) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", metadata={"Software": None}, **options)  # type: ignore[arg-type]
    return out.getvalue()


def alert_chart_png(
    data: ChartData | AlertChartData, language: str = "en", tz: str = "UTC"
) -> bytes:
    """PNG bytes (960 x 435 pixels) of :func:`chart_figure`; about 30 to 60 kB."""
    return _png(chart_figure(data, language, tz))


def sparkline_figure(data: ChartData | AlertChartData) -> Figure:
    """A word-free thumbnail: the volume as a line over the normal band, firing shaded."""
    chart = data.chart if isinstance(data, AlertChartData) else data
    fig = Figure(figsize=SPARK_SIZE, dpi=SPARK_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    edges = _edges(chart)
    if edges:
        for a, b in _firing_spans(chart):
            ax.axvspan(a, b, color=COLOURS["firing"], alpha=0.35, linewidth=0)
        if any(v is not None for v in chart.expected):
            low, high = _nan(chart.low), _nan(chart.high)
            ax.fill_between(
                edges, [*low, low[-1]], [*high, high[-1]], step="post",
                color=COLOURS["band"], alpha=0.25, linewidth=0,
            )  # fmt: skip
        counts = list(chart.counts)
        ax.plot(
            edges,
            [*counts, counts[-1]],
            drawstyle="steps-post",
            color=COLOURS["mentions"],
            linewidth=1,
        )
        top = max([*counts, *(h for h in _nan(chart.high) if not math.isnan(h))], default=0.0)
        ax.set_xlim(edges[0], edges[-1])
        ax.set_ylim(0, max(1.0, top) * 1.08)
    return fig


def sparkline_png(data: ChartData | AlertChartData) -> bytes:
    """PNG bytes of a 160 x 40 pixel sparkline (:func:`sparkline_figure`), transparent."""
    return _png(sparkline_figure(data), transparent=True)
