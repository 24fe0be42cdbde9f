"""Charts: what a chart shows is read from a real store, and drawn as a valid, honest PNG."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

import pytest
from alerting_helpers import add_alert
from charts_helpers import HOUR, SURGE, seed_volume
from matplotlib.dates import date2num
from matplotlib.text import Text
from rules_helpers import add_mention
from sqlalchemy import update

from warden.charts.data import AlertChartData, ChartData, alert_window, chart_params, entity_window
from warden.charts.draw import alert_chart_png, chart_figure, sparkline_png
from warden.detect.series import Series
from warden.detect.volume import detect_volume_spike
from warden.store.db import Database
from warden.store.models import Alert
from warden.store.rollup import roll_up

NOW = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)
"""Half way through the 14:00 bucket: the chart's last bucket is still filling."""


def _seed(db: Database, entity: str = "Acme", days: int = 10) -> dict[datetime, tuple[int, int]]:
    return seed_volume(db, NOW, entity, days)


def _fire(db: Database, fired: datetime, resolved: datetime | None = None, **kw: object) -> int:
    alert_id = add_alert(db, rule="acme-volume", at=fired, **kw)  # type: ignore[arg-type]
    if resolved is not None:
        with db.session() as session:
            session.execute(
                update(Alert)
                .where(Alert.id == alert_id)
                .values(state="resolved", resolved_at=resolved)
            )
    return alert_id


def test_an_alert_chart_holds_the_seeded_counts_the_detectors_baseline_and_its_firing(
    db: Database,
) -> None:
    """On SQLite and PostgreSQL alike."""
    seeded = _seed(db)
    fired = NOW - 2 * HOUR + timedelta(minutes=10)
    alert_id = _fire(db, fired)
    with db.session() as session:
        data = alert_window(session, alert_id, NOW)
    assert isinstance(data, AlertChartData)
    assert (data.rule, data.labels, data.state) == ("acme-volume", {"entity": "Acme"}, "firing")
    chart = data.chart
    assert len(chart.times) == 48 and chart.partial
    assert chart.times[-1] == datetime(2026, 3, 10, 14, tzinfo=UTC)
    assert chart.times[0] == datetime(2026, 3, 8, 15, tzinfo=UTC)
    assert all(t.tzinfo is not None for t in chart.times)
    assert list(chart.counts) == [seeded[t][0] for t in chart.times]
    assert list(chart.negatives) == [seeded[t][1] for t in chart.times]
    assert chart.firing == ((fired, None),)

    # Ten days of history: the detector judges every bucket, none is warming up.
    assert all(e is not None for e in chart.expected)
    for t, e, lo, hi in zip(chart.times, chart.expected, chart.low, chart.high, strict=True):
        assert e is not None and lo is not None and hi is not None
        assert lo <= e <= hi
        usual = 8 if t.hour < 7 else 30
        assert usual / 2 < e < usual * 2, (t, e)
    # The surge is outside the normal range; the hours before it are inside it, mostly.
    assert all(c > hi for c, hi in zip(chart.counts[-3:], chart.high[-3:], strict=True))  # type: ignore[operator]
    inside = [
        lo <= c <= hi  # type: ignore[operator]
        for c, lo, hi in zip(chart.counts[:-3], chart.low[:-3], chart.high[:-3], strict=True)
    ]
    assert sum(inside) >= len(inside) - 2

    # The expectation is the volume detector's own, on the history before the bucket.
    history = Series(
        NOW.replace(minute=0) - timedelta(days=10),
        HOUR,
        [float(seeded[t][0]) for t in sorted(seeded)][:-1],
    )
    decision = detect_volume_spike(history, SURGE, chart_params())
    assert decision.fired
    assert chart.expected[-1] == pytest.approx(decision.expected)
    assert detect_volume_spike(history, chart.high[-1] or 0, chart_params()).fired is False
    assert detect_volume_spike(history, (chart.high[-1] or 0) + 1, chart_params()).fired


def test_a_resolved_alert_is_charted_around_its_episode(sqlite_db: Database) -> None:
    _seed(sqlite_db, days=12)
    fired = NOW - timedelta(days=3)
    resolved = fired + 3 * HOUR
    alert_id = _fire(sqlite_db, fired, resolved)
    with sqlite_db.session() as session:
        data = alert_window(session, alert_id, NOW)
        assert alert_window(session, alert_id + 100, NOW) is None
    assert data is not None
    # The window ends 12 h (a quarter of 48 h) after the resolution, so the episode shows.
    assert data.chart.end == resolved + timedelta(hours=12)
    assert data.chart.firing == ((fired, resolved),)
    assert data.state == "resolved"
    # Its legend says the alert fired there, not that it is firing.
    for language, said, not_said in (
        ("en", "Alert fired", "Alert firing"),
        ("fr", "Alerte déclenchée", "Alerte en cours"),
    ):
        legend = [t.get_text() for t in chart_figure(data, language).legends[0].get_texts()]
        assert said in legend and not_said not in legend


def test_an_entity_chart_shows_every_alert_of_the_entity_and_no_other(
    sqlite_db: Database,
) -> None:
    _seed(sqlite_db)
    first = _fire(sqlite_db, NOW - 20 * HOUR, NOW - 18 * HOUR)
    _fire(sqlite_db, NOW - 2 * HOUR)
    _fire(sqlite_db, NOW - 3 * HOUR, labels={"entity": "Other"})
    _fire(sqlite_db, NOW - 90 * HOUR, NOW - 80 * HOUR)  # over before the window
    with sqlite_db.session() as session:
        chart = entity_window(session, "Acme", NOW)
        empty = entity_window(session, "Nobody", NOW)
        first_alert = session.get(Alert, first)
    assert first_alert is not None
    assert chart.firing == ((NOW - 20 * HOUR, NOW - 18 * HOUR), (NOW - 2 * HOUR, None))
    assert sum(empty.counts) == 0 and all(e is None for e in empty.expected)
    assert len(empty.times) == 48


def test_chart_counts_follow_the_rollup_of_real_mentions(db: Database) -> None:
    """On SQLite and PostgreSQL alike."""
    at = datetime(2026, 3, 10, 9, 12, tzinfo=UTC)
    add_mention(db, "Acme", at, label="negative")
    add_mention(db, "Acme", at + timedelta(minutes=30), label="positive", source="x")
    add_mention(db, "Acme", at + 2 * HOUR, label="negative")
    with db.session() as session:
        roll_up(session, NOW)
    with db.session() as session:
        chart = entity_window(session, "Acme", NOW, hours=12)
    by_hour = dict(zip(chart.times, zip(chart.counts, chart.negatives, strict=True), strict=True))
    assert by_hour[datetime(2026, 3, 10, 9, tzinfo=UTC)] == (2, 1)
    assert by_hour[datetime(2026, 3, 10, 11, tzinfo=UTC)] == (1, 1)
    assert sum(chart.counts) == 3
    # Less than the detector's two days of warm-up: no baseline is drawn, and the chart says so.
    assert all(e is None for e in chart.expected)
    texts = [t.get_text() for t in chart_figure(chart).axes[0].texts]
    assert any("warming up" in t for t in texts)


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_the_alert_chart_is_a_png_with_bars_baseline_and_firing(sqlite_db: Database) -> None:
    _seed(sqlite_db)
    alert_id = _fire(sqlite_db, NOW - 2 * HOUR)
    with sqlite_db.session() as session:
        data = alert_window(session, alert_id, NOW)
    assert data is not None
    png = alert_chart_png(data, "en", "Europe/Paris")
    assert _png_size(png) == (960, 435)
    assert 10_000 < len(png) < 300_000

    fig = chart_figure(data, "en", "Europe/Paris")
    ax = fig.axes[0]
    negatives, others = ax.containers[0], ax.containers[1]
    heights = [n.get_height() + o.get_height() for n, o in zip(negatives, others, strict=True)]
    assert heights == list(data.chart.counts)
    assert [n.get_height() for n in negatives] == list(data.chart.negatives)
    expected_line = next(line for line in ax.lines if line.get_label() == "Expected")
    assert list(expected_line.get_ydata())[:-1] == pytest.approx(list(data.chart.expected))  # type: ignore[arg-type]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [
        "Mentions",
        "Negative mentions",
        "Expected",
        "Normal variation",
        "Alert firing",
        "Still counting",
    ]
    assert ax.get_title(loc="left") == "acme-volume · Acme"
    assert ax.get_xlabel() == "Time (Europe/Paris)"
    assert ax.get_ylabel() == "Mentions per hour"
    # Times on the reader's clock: 14:00 UTC is 15:00 in Paris in March.
    ticks = ax.xaxis.get_major_formatter()
    assert ticks(date2num(data.chart.times[-1])) == "15:00"  # type: ignore[no-untyped-call]


def test_chart_words_are_french_for_a_french_audience(sqlite_db: Database) -> None:
    _seed(sqlite_db)
    alert_id = _fire(sqlite_db, NOW - 2 * HOUR)
    with sqlite_db.session() as session:
        data = alert_window(session, alert_id, NOW)
    assert data is not None
    fig = chart_figure(data, "fr", "Europe/Paris")
    ax = fig.axes[0]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Mentions négatives" in legend and "Attendu" in legend
    assert "Variation normale" in legend and "Alerte en cours" in legend
    assert ax.get_ylabel() == "Mentions par heure"
    assert ax.get_xlabel() == "Heure (Europe/Paris)"
    fig.canvas.draw()
    days = [t.get_text() for t in ax.get_xticklabels() if not t.get_text()[0].isdigit()]
    assert days and all(d.split()[0] in {"lun.", "mar.", "mer."} for d in days), days


@pytest.mark.parametrize(
    "name", ["<script>alert(1)</script>", "$\\alpha$ & $x^2$", "50% $$", "$\\frac{1}{$ Corp"]
)
def test_outside_names_are_drawn_literally(sqlite_db: Database, name: str) -> None:
    _seed(sqlite_db, entity=name, days=3)
    alert_id = _fire(sqlite_db, NOW - 2 * HOUR, labels={"entity": name})
    with sqlite_db.session() as session:
        data = alert_window(session, alert_id, NOW)
    assert data is not None
    fig = chart_figure(data)
    assert fig.axes[0].get_title(loc="left") == f"acme-volume · {name}"
    # Mathtext would turn $...$ into symbols, and refuse to draw a malformed formula at all.
    named = [t for t in fig.findobj(Text) if name in t.get_text()]
    assert named and not any(t.get_parse_math() for t in named)
    png = alert_chart_png(data)
    assert _png_size(png) == (960, 435)


def test_the_sparkline_is_a_small_png(sqlite_db: Database) -> None:
    _seed(sqlite_db)
    with sqlite_db.session() as session:
        chart = entity_window(session, "Acme", NOW)
    assert isinstance(chart, ChartData)
    png = sparkline_png(chart)
    assert _png_size(png) == (160, 40)
    assert len(png) < 20_000


def test_charts_drawn_in_parallel_threads_are_each_whole(sqlite_db: Database) -> None:
    """The daemon draws e-mail charts and the status page serves them from several threads:
    no shared figure state, so each drawing is what it would be alone."""
    from concurrent.futures import ThreadPoolExecutor

    _seed(sqlite_db)
    alert_id = _fire(sqlite_db, NOW - 2 * HOUR)
    with sqlite_db.session() as session:
        data = alert_window(session, alert_id, NOW)
        entity = entity_window(session, "Acme", NOW)
    assert data is not None
    alone = {
        "en": alert_chart_png(data, "en", "UTC"),
        "fr": alert_chart_png(entity, "fr", "Europe/Paris"),
    }
    jobs = ["en", "fr"] * 4

    def draw(language: str) -> bytes:
        if language == "en":
            return alert_chart_png(data, "en", "UTC")
        return alert_chart_png(entity, "fr", "Europe/Paris")

    with ThreadPoolExecutor(4) as pool:
        drawn = list(pool.map(draw, jobs))
    assert all(png == alone[language] for png, language in zip(drawn, jobs, strict=True))


def test_an_alert_that_just_fired_shows_a_bucket_wide_span_and_when_it_fired(
    sqlite_db: Database,
) -> None:
    """Fired a minute ago on a 48-hour chart: the shading covers the whole current bucket (not
    a one-pixel tick), a line marks the minute it fired, labelled on the reader's clock, and
    the still-filling bar and the band fit under the top of the plot."""
    _seed(sqlite_db)
    fired = NOW - timedelta(minutes=1)
    alert_id = _fire(sqlite_db, fired)
    with sqlite_db.session() as session:
        data = alert_window(session, alert_id, NOW)
    assert data is not None
    for language, label in (("en", "fired 15:29"), ("fr", "déclenchée à 15:29")):
        fig = chart_figure(data, language, "Europe/Paris")
        ax = fig.axes[0]
        bucket = date2num(data.chart.times[-1])
        step = 1 / 24
        spans = [p for p in ax.patches if p.get_zorder() == 1.5]
        (shade,) = spans
        x0, x1 = shade.get_x(), shade.get_x() + shade.get_width()  # type: ignore[attr-defined]
        assert x0 == pytest.approx(bucket) and x1 - x0 == pytest.approx(step)
        (mark,) = [line for line in ax.lines if line.get_zorder() == 4.5]
        assert list(mark.get_xdata()) == pytest.approx([date2num(fired)] * 2)  # type: ignore[arg-type]
        assert label in [t.get_text() for t in ax.texts]
        top = ax.get_ylim()[1]
        heights = [n.get_height() + o.get_height() for n, o in zip(*ax.containers[:2], strict=True)]
        assert max(heights) < top
        assert max(h for h in data.chart.high if h is not None) < top
    png = alert_chart_png(data, "fr", "Europe/Paris")
    assert _png_size(png) == (960, 435)
