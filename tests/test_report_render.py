"""The rendered digest: its numbers in English and French, dates on the audience's clock,
hostile mention text shown as text, and charts whose plotted values are the report's."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from report_helpers import END, WEEK, config_for, seed

from warden.charts.digest import png, sentiment_figure, share_of_voice_figure, volume_figure
from warden.report.data import ReportData, read_report
from warden.report.period import period_ending
from warden.report.render import render_report
from warden.store.db import Database

NBSP = "\u00a0"
NNBSP = "\u202f"


@pytest.fixture
def report(tmp_path: Path, sqlite_db: Database) -> ReportData:
    seed(sqlite_db)
    config = config_for(tmp_path, sqlite_db.url)
    with sqlite_db.session() as session:
        return read_report(session, config, WEEK, END)


def _bars(ax: Axes) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def _cells(html: str) -> list[list[str]]:
    """The summary table's rows, as the text of their cells."""
    table = html.split('class="summary"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)
        ]
        for r in rows
    ]


def test_english_digest_shows_the_numbers_in_the_audience_zone(report: ReportData) -> None:
    rendered = render_report(report, "en", "America/New_York")
    assert _cells(rendered.html) == [
        [
            "Entity",
            "Mentions",
            "Trend",
            "Share of voice",
            "Negative share",
            "Negative",
            "Neutral",
            "Positive",
            "Alerts",
        ],
        ["Acme", "6", "+50%", "75% (50%)", "50% (0%)", "3", "1", "2", "1"],
        ["Globex", "2", "−50%", "25% (50%)", "0% (50%)", "0", "1", "1", "0"],
    ]
    # The week of calendar days in Paris, shown on a New York clock.
    assert "2026-11-23 18:00 EST → 2026-11-30 03:00 EST" in rendered.html
    assert (
        "2 of 3 addressed mentions answered (67%); median 1 h, 90th percentile 1 h 24 min"
        in rendered.html
    )
    # The alert's summary (escaped), then its severity, rule, entity and span.
    assert "<strong>Negative surge on Acme &lt;b&gt;bold&lt;/b&gt;</strong>" in rendered.html
    assert (
        "critical · negative-surge · about Acme · 2026-11-26 05:00 EST → 2026-11-26 07:00 EST"
        in rendered.html
    )
    assert "! Negative surge on Acme <b>bold</b> (critical, negative-surge," in rendered.text
    assert rendered.subject == "Warden report · Acme · 23–30 Nov 2026"
    # A saved report is titled as one; its comparison is one sentence, brackets not nested.
    assert "<title>Warden report · Acme · 23–30 Nov 2026</title>" in rendered.html
    assert rendered.text.splitlines()[:4] == [
        "Warden report · Acme · 23–30 Nov 2026",
        "Period: 2026-11-23 18:00 EST → 2026-11-30 03:00 EST",
        "Compared with 2026-11-16 18:00 EST → 2026-11-23 03:00 EST, the same days a week "
        "earlier, up to the same time.",
        "Figures in brackets are those of the compared period.",
    ]
    assert (
        "- Acme: 6 mentions (trend +50%), share of voice 75% (50%), negative share 50% (0%); "
        "negative 3, neutral 1, positive 2; alerts 1" in rendered.text
    )
    assert "Response time: 2 of 3 addressed mentions answered (67%)" in rendered.text


def test_french_digest(report: ReportData) -> None:
    rendered = render_report(report, "fr", "Europe/Paris")
    assert _cells(rendered.html)[1] == [
        "Acme",
        "6",
        f"+50{NBSP}%",
        f"75{NBSP}% (50{NBSP}%)",
        f"50{NBSP}% (0{NBSP}%)",
        "3",
        "1",
        "2",
        "1",
    ]
    assert (
        f'Période{NNBSP}: <span class="period">2026-11-24 00:00 CET → 2026-11-30 09:00 CET'
        in rendered.html
    )
    assert 'Acme <span style="font-weight:normal; color:#666666">face à Globex' in rendered.html
    assert f"mentions adressées ayant reçu une réponse{NNBSP}: 2 sur 3" in rendered.html
    assert f"(67{chr(0xA0)}%){NNBSP}; médiane" in rendered.html  # spaced as in the text part
    assert "médiane 1 h, 90e centile 1 h 24 min" in rendered.html
    assert (
        "critique · negative-surge · sur Acme · 2026-11-26 11:00 CET → 2026-11-26 13:00 CET"
        in rendered.html
    )
    assert '<html lang="fr">' in rendered.html
    assert rendered.subject == "Rapport Warden · Acme · 24–30 nov. 2026"
    daily = render_report(report, "fr", "Europe/Paris", kind="weekly")
    assert daily.subject == "Synthèse hebdomadaire · Acme · 24–30 nov. 2026"
    assert "<h1" in daily.html and "Synthèse hebdomadaire</h1>" in daily.html
    assert (
        f"Temps de réponse{NNBSP}: mentions adressées ayant reçu une réponse{NNBSP}: 2 sur 3"
        in rendered.text
    )


def test_hostile_mention_text_is_shown_as_text(report: ReportData) -> None:
    html = render_report(report, "en", "UTC").html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "[x](javascript:alert(3)) Acme is terrible" in html
    assert "<script" not in html and "<img src=x" not in html
    assert 'href="javascript' not in html.lower()  # its link is not http(s): no link at all
    assert 'href="https://news.example/a5"' in html
    assert re.findall(r"<img [^>]*>", html) == re.findall(
        r'<img src="data:image/png;base64,[^"]+" [^>]*>', html
    )


def test_charts_are_embedded_as_data_uris(report: ReportData) -> None:
    rendered = render_report(report, "en", "UTC")
    assert list(rendered.charts) == ["share-1", "sentiment-1", "volume-1"]
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', rendered.html)
    assert [base64.b64decode(e) for e in embedded] == list(rendered.charts.values())
    assert all(png.startswith(b"\x89PNG") for png in rendered.charts.values())
    assert "data:image" not in render_report(report, "en", "UTC", charts=False).html


def test_share_of_voice_chart_plots_the_shares(report: ReportData) -> None:
    entities = report.comparisons[0].entities
    fig = share_of_voice_figure([e.name for e in entities], [e.share for e in entities], "fr")
    ax = fig.axes[0]
    assert [p.get_width() for p in _bars(ax)] == [75.0, 25.0]
    rows = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()}
    assert rows == {"Acme": 1, "Globex": 0}  # in the table's order, top to bottom
    assert [p.get_y() + p.get_height() / 2 for p in _bars(ax)] == [1, 0]
    assert ax.get_title(loc="left") == "Part de voix (% des mentions)"


def test_sentiment_chart_stacks_the_counts(report: ReportData) -> None:
    entities = report.comparisons[0].entities
    fig = sentiment_figure([e.name for e in entities], [e.sentiment for e in entities])
    ax = fig.axes[0]
    widths = [p.get_width() for p in _bars(ax)]  # negative, neutral, positive; Acme then Globex
    assert widths == [3, 0, 1, 1, 2, 1]
    assert [p.get_x() for p in _bars(ax)] == [0, 0, 3, 0, 4, 1]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["negative", "neutral", "positive"]


def test_volume_chart_plots_both_periods_on_local_dates(report: ReportData) -> None:
    entities = report.comparisons[0].entities
    fig = volume_figure(
        report.period.buckets(),
        report.period.unit,
        {e.name: e.series for e in entities},
        {e.name: e.previous_series for e in entities},
        "en",
        "Europe/Paris",
        report.period.partial,
    )
    ax = fig.axes[0]
    lines = {
        line.get_label(): list(line.get_ydata())  # type: ignore[arg-type]
        for line in ax.get_lines()
        if not line.get_label().startswith("_")
    }
    assert lines == {
        "Acme": [0, 1, 1, 1, 1, 2, 0],
        "Acme (previous period)": [1, 1, 1, 1, 0, 0, 0],
        "Globex": [1, 1, 0, 0, 0, 0, 0],
        "Globex (previous period)": [1, 1, 1, 1, 0, 0, 0],
    }
    # Each point is a calendar day in Paris, labelled with its date; today is still counting.
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "Tue 24 Nov" and labels[-1] == "Mon 30 Nov\n(so far)"
    assert ax.get_xlabel() == "Days (Europe/Paris)"
    assert ax.get_title(loc="left") == "Mentions per day"
    assert fig.legends and ax.get_legend() is None  # the legend is below, not beside


def test_hourly_chart_on_clock_hours_with_dates_and_zone() -> None:
    """24 hours: ticks on whole hours of the reader's clock, a date where the day changes,
    the zone named, whole numbers from 0, and at least 0..1 when all is quiet."""
    end = datetime(2026, 11, 30, 12, 36, tzinfo=UTC)
    period = period_ending(end, timedelta(hours=24), "Europe/Paris")
    quiet = [0] * len(period.buckets())
    fig = volume_figure(
        period.buckets(), period.unit, {"Banque Exemple": quiet, "Autre Banque": quiet},
        {"Banque Exemple": quiet, "Autre Banque": quiet}, "fr", "Europe/Paris", period.partial,
    )  # fmt: skip
    png(fig)  # lay it out
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels and all(":30" not in label for label in labels)
    assert "30/11" in labels  # the day changes at midnight in Paris
    assert 3 <= len(labels) <= 9
    assert ax.get_xlabel() == "Heure (Europe/Paris)"
    bottom, top = ax.get_ylim()
    assert bottom == 0 and top >= 1
    assert all(float(y).is_integer() for y in ax.get_yticks())
    assert fig.legends and ax.get_legend() is None


def test_an_empty_period_says_so_instead_of_empty_charts(
    tmp_path: Path, sqlite_db: Database
) -> None:
    config = config_for(tmp_path, sqlite_db.url)
    with sqlite_db.session() as session:
        data = read_report(session, config, WEEK, END)
    for language, words in (("en", "No mentions in this period"), ("fr", "Aucune mention")):
        rendered = render_report(data, language, "Europe/Paris")
        assert words in rendered.html and words in rendered.text
        assert rendered.charts == {} and "<img" not in rendered.html
    fig = sentiment_figure(["Acme", "Globex"], [{}, {}])
    assert fig.axes[0].get_xlim() == (0, 1)


def test_hourly_steps_for_a_day_and_no_mathtext_in_names() -> None:
    start = datetime(2026, 3, 29, 0, tzinfo=UTC)
    period = period_ending(start + timedelta(hours=24), timedelta(hours=24), "UTC")
    assert period.unit == timedelta(hours=1) and len(period.steps()) == 24
    name = r"$\alpha$ & co"
    fig = share_of_voice_figure([name], [1.0])
    texts = [t for t in fig.findobj(Text) if isinstance(t, Text)]
    assert name in [t.get_text() for t in texts]
    assert all(not t.get_parse_math() for t in texts)  # drawn as written
    assert png(fig).startswith(b"\x89PNG")  # and drawable
