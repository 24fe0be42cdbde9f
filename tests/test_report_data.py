"""Report numbers read from a seeded store: volume, share of voice, sentiment, trend, series,
alerts, top mentions and the response time of the brand's accounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from report_helpers import END, HOSTILE, START, WEEK, _Seeder, config_for, seed

from warden.report.data import ReportData, comparison_groups, read_report
from warden.report.period import period_ending
from warden.report.response import is_account, percentile, response_time
from warden.rules.loader import load_rules
from warden.store.db import Database
from warden.store.models import Alert, Mention


@pytest.fixture
def report(tmp_path: Path, db: Database) -> ReportData:
    seed(db)
    config = config_for(tmp_path, db.url)
    with db.session() as session:
        return read_report(session, config, WEEK, END)


def test_volume_share_of_voice_and_trend(report: ReportData) -> None:
    (comparison,) = report.comparisons
    assert comparison.subject == "Acme"
    acme, globex = comparison.entities
    assert (acme.name, acme.volume, acme.previous_volume) == ("Acme", 6, 4)  # backfill not counted
    assert (globex.name, globex.volume, globex.previous_volume) == ("Globex", 2, 4)
    assert (acme.share, globex.share) == (0.75, 0.25)
    assert sum(e.share or 0 for e in comparison.entities) == pytest.approx(1.0)
    assert (acme.previous_share, globex.previous_share) == (0.5, 0.5)
    assert (acme.trend, globex.trend) == (0.5, -0.5)


def test_sentiment_takes_the_operator_correction(report: ReportData) -> None:
    acme, globex = report.comparisons[0].entities
    assert acme.sentiment == {"negative": 3, "neutral": 1, "positive": 2, "unscored": 0}
    assert acme.previous_sentiment == {"negative": 0, "neutral": 4, "positive": 0, "unscored": 0}
    assert globex.sentiment == {"negative": 0, "neutral": 1, "positive": 1, "unscored": 0}
    assert acme.negative_share() == 0.5 and acme.negative_share(previous=True) == 0.0


def test_daily_series_of_both_periods(report: ReportData) -> None:
    acme, globex = report.comparisons[0].entities
    paris = ZoneInfo("Europe/Paris")
    days = [start.astimezone(paris) for start in report.period.steps()]
    assert [d.strftime("%d %H:%M") for d in days] == [
        "24 00:00", "25 00:00", "26 00:00", "27 00:00", "28 00:00", "29 00:00", "30 00:00"
    ]  # fmt: skip
    assert report.period.partial  # 30 November until 09:00 only
    assert acme.series == [0, 1, 1, 1, 1, 2, 0]
    assert globex.series == [1, 1, 0, 0, 0, 0, 0]
    # The previous period: as many calendar days, up to the same time of day.
    before = report.period.previous
    assert (before.start.astimezone(paris), before.end.astimezone(paris)) == (
        datetime(2026, 11, 17, tzinfo=paris),
        datetime(2026, 11, 23, 9, tzinfo=paris),
    )
    assert acme.previous_series == [1, 1, 1, 1, 0, 0, 0]


def test_todays_mentions_are_on_today(tmp_path: Path, sqlite_db: Database) -> None:
    """A crisis at 13:20 on 30 November, reported at 13:36: its mentions are on the last day,
    30/11, still counting; nothing is put on 29/11."""
    paris = ZoneInfo("Europe/Paris")
    now = datetime(2026, 11, 30, 13, 36, tzinfo=paris)
    s = _Seeder()
    for i in range(5):
        s.mention(datetime(2026, 11, 30, 13, 20 + i, tzinfo=paris), f"Acme panne {i}")
    s.mention(datetime(2026, 11, 29, 23, 50, tzinfo=paris), "Acme late on Sunday")
    with sqlite_db.session() as session:
        session.add_all([r for r in s.rows if isinstance(r, Mention)])
        session.flush()
        session.add_all([r for r in s.rows if not isinstance(r, Mention)])
    period = period_ending(now, timedelta(days=7), "Europe/Paris")
    with sqlite_db.session() as session:
        data = read_report(session, config_for(tmp_path, sqlite_db.url), period, now)
    acme = data.comparisons[0].entities[0]
    last_days = [b[0].astimezone(paris).date().isoformat() for b in period.buckets()][-2:]
    assert last_days == ["2026-11-29", "2026-11-30"]
    assert acme.series[-2:] == [1, 5]
    assert period.partial and period.buckets()[-1][1] == now


def test_calendar_days_follow_daylight_saving() -> None:
    """Local midnight to midnight: 29 March 2026 lasts 23 hours in Paris, 25 October 25."""
    spring = period_ending(datetime(2026, 3, 31, tzinfo=UTC), timedelta(days=4), "Europe/Paris")
    hours = [(b - a) / timedelta(hours=1) for a, b in spring.buckets()]
    assert hours == [24, 23, 24, 2]  # 28, 29, 30 March, and 31 March until 02:00
    assert spring.partial
    autumn = period_ending(
        datetime(2026, 10, 26, 23, tzinfo=UTC), timedelta(days=3), "Europe/Paris"
    )
    assert [(b - a) / timedelta(hours=1) for a, b in autumn.buckets()] == [24, 25, 24]
    assert not autumn.partial  # ends at midnight in Paris: three whole days


def test_short_periods_are_clock_hours() -> None:
    end = datetime(2026, 11, 30, 12, 36, tzinfo=UTC)
    period = period_ending(end, timedelta(hours=24), "Europe/Paris")
    starts = [a.minute for a, _b in period.buckets()]
    assert period.start == datetime(2026, 11, 29, 12, tzinfo=UTC) and set(starts) == {0}
    assert len(period.buckets()) == 25 and period.partial
    # Compared with the same span exactly 24 hours earlier: 12:00 → 12:36 the day before.
    assert period.shift == 24
    assert period.previous.start == period.start - timedelta(hours=24)
    assert period.previous.end == end - timedelta(hours=24)
    on_the_hour = period_ending(end.replace(minute=0), timedelta(hours=24), "Europe/Paris")
    assert not on_the_hour.partial and on_the_hour.previous.end == on_the_hour.start


def test_a_week_is_compared_with_the_same_local_days_across_a_clock_change() -> None:
    """The week after the October change (Paris, 25 Oct 2026) against the week before it:
    the same weekdays from midnight to the same local time, not 7 × 24 hours back."""
    end = datetime(2026, 10, 30, 13, 30, tzinfo=UTC)  # Friday 14:30 CET
    period = period_ending(end, timedelta(days=7), "Europe/Paris")
    before = period.previous
    zone = period.zone
    assert period.start.astimezone(zone).isoformat() == "2026-10-24T00:00:00+02:00"
    assert before.start.astimezone(zone).isoformat() == "2026-10-17T00:00:00+02:00"
    assert before.end.astimezone(zone).isoformat() == "2026-10-23T14:30:00+02:00"
    assert period.end - before.end == timedelta(days=7, hours=1)  # the hour gained that week


def test_alerts_of_the_period_only(report: ReportData) -> None:
    acme, globex = report.comparisons[0].entities
    assert [(a.id, a.rule, a.entity, a.summary) for a in acme.alerts] == [
        (1, "negative-surge", "Acme", "Negative surge on Acme <b>bold</b>")
    ]
    assert globex.alerts == []


RULES = """\
rules:
  - name: negative-surge
    severity: critical
    condition: {kind: negative_share, window: 1h, above: 0.5}
    annotations:
      summary: "{{ negative }} of {{ scored }} mentions of {{ entity }} are negative ({{ share }})"
"""


def test_alert_summary_is_what_its_messages_say(tmp_path: Path, sqlite_db: Database) -> None:
    """The rule's summary annotation, rendered with the alert's values in the report's
    language, not the rule's name; an alert whose rule is gone gets the messages' sentence."""
    config = config_for(tmp_path, sqlite_db.url)
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    at = datetime(2026, 11, 30, 12, 29, tzinfo=UTC)
    common = dict(
        fingerprint="f", severity="critical", state="firing", last_true_at=at, last_eval_at=at,
        evidence=[], active_since=at, fired_at=at, labels={"entity": "Acme"}, annotations={},
    )  # fmt: skip
    values = {"negative": 59, "scored": 75, "share": 0.787, "window": "1h", "count": 76}
    with sqlite_db.session() as session:
        session.add(Alert(id=1, rule="negative-surge", values=values, **common))  # type: ignore[arg-type]
        session.add(Alert(id=2, rule="gone", values={}, **common))  # type: ignore[arg-type]
    period = period_ending(at + timedelta(minutes=7), timedelta(hours=24), "Europe/Paris")
    with sqlite_db.session() as session:
        data = read_report(
            session, config, period, at, ruleset=load_rules(config, [rules]), language="fr"
        )
    first, gone = data.comparisons[0].entities[0].alerts
    assert first.summary == "59 of 75 mentions of Acme are negative (79\u00a0%)"
    assert gone.summary.startswith("Acme") and gone.summary != "gone"
    assert data.as_json()["comparisons"][0]["entities"][0]["alerts"][0]["summary"] == (
        first.summary
    )


def test_alert_summary_is_in_the_reports_language(tmp_path: Path, sqlite_db: Database) -> None:
    """A rule with a summary per language: a French report reads the French text, an English
    one the English text."""
    config = config_for(tmp_path, sqlite_db.url)
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        RULES.replace(
            'summary: "{{ negative }} of {{ scored }} mentions of {{ entity }} are negative '
            '({{ share }})"',
            'summary:\n        en: "{{ negative }} of {{ scored }} negative"\n'
            '        fr: "{{ negative }} sur {{ scored }} négatives"',
        ),
        encoding="utf-8",
    )
    at = datetime(2026, 11, 30, 12, 29, tzinfo=UTC)
    with sqlite_db.session() as session:
        session.add(
            Alert(
                id=1, rule="negative-surge", fingerprint="f", severity="critical",
                state="firing", last_true_at=at, last_eval_at=at, evidence=[], active_since=at,
                fired_at=at, labels={"entity": "Acme"}, annotations={},
                values={"negative": 1259, "scored": 1575, "share": 0.8, "count": 1600},
            )
        )  # fmt: skip
    period = period_ending(at + timedelta(minutes=7), timedelta(hours=24), "Europe/Paris")
    ruleset = load_rules(config, [rules])
    summaries = {}
    for language in ("en", "fr"):
        with sqlite_db.session() as session:
            data = read_report(session, config, period, at, ruleset=ruleset, language=language)
        summaries[language] = data.comparisons[0].entities[0].alerts[0].summary
    assert summaries == {
        "en": "1,259 of 1,575 negative",
        "fr": "1\u202f259 sur 1\u202f575 négatives",
    }


def test_top_mentions_by_engagement(report: ReportData) -> None:
    acme = report.comparisons[0].entities[0]
    assert [(m.text, m.engagement) for m in acme.top_negative] == [
        (HOSTILE, 523),
        ("@AcmeHelp my card is blocked", 10),
        ("@acmehelp where is my parcel?", 5),
    ]
    assert [(m.text, m.engagement, m.url) for m in acme.top_positive] == [
        ("Acme support was great", 40, "https://news.example/a5"),
        ("Love the new Acme app", 7, None),
    ]


def test_response_time_of_the_brand_accounts(report: ReportData) -> None:
    acme, globex = report.comparisons[0].entities
    response = acme.response
    assert response is not None
    assert (response.addressed, response.answered) == (3, 2)  # the stranger's reply is no answer
    assert response.share == pytest.approx(2 / 3)
    assert response.median == timedelta(minutes=60)  # answers after 30 and 90 minutes
    assert response.p90 == timedelta(minutes=84)
    assert response.sources == ("x",)
    assert globex.response is None and not globex.has_accounts


def test_no_reply_data_without_a_source_that_gives_replies(
    tmp_path: Path, sqlite_db: Database
) -> None:
    seed(sqlite_db)
    with sqlite_db.session() as session:
        # Before the seeded replies exist: no source of that fortnight records replies.
        assert (
            response_time(
                session, ["@AcmeHelp"], START - timedelta(days=30), START - timedelta(days=15)
            )
            is None
        )
        assert response_time(session, [], START, END) is None


def test_a_mention_answered_on_a_reply_to_the_brand_counts(
    tmp_path: Path, sqlite_db: Database
) -> None:
    """A reply to one of the brand's posts is addressed to it even without the handle."""
    from report_helpers import _Seeder, day

    s = _Seeder()
    own = s.mention(
        day(1),
        "New opening hours",
        entity=None,
        label=None,
        source="masto",
        author="acme@mastodon.social",
    )
    ask = s.mention(
        day(1, 11),
        "and on Sundays?",
        entity=None,
        label=None,
        source="masto",
        reply_to=own.external_id,
    )
    s.mention(
        day(1, 12),
        "closed",
        entity=None,
        label=None,
        source="masto",
        author="acme",
        reply_to=ask.external_id,
    )
    with sqlite_db.session() as session:
        session.add_all(s.rows)
    with sqlite_db.session() as session:
        response = response_time(session, ["@acme@mastodon.social"], START, END)
    assert response is not None
    assert (response.addressed, response.answered, response.median) == (1, 1, timedelta(hours=1))


def test_account_names_and_percentiles() -> None:
    assert is_account("AcmeHelp", ["acmehelp"]) and is_account("@acmehelp", ["acmehelp"])
    assert is_account("acme", ["acme@mastodon.social"])
    assert not is_account("acmehelp2", ["acmehelp"]) and not is_account(None, ["acmehelp"])
    assert percentile([30.0, 90.0], 0.5) == 60.0 and percentile([5.0], 0.9) == 5.0


def test_groups_default_to_every_brand_with_its_competitors(tmp_path: Path) -> None:
    config = config_for(tmp_path, "sqlite:///x.db", "")
    assert comparison_groups(config) == [["Acme", "Globex"]]
    assert comparison_groups(config, ["Globex"]) == [["Globex"]]


def test_an_entity_without_competitors_has_the_whole_voice(
    tmp_path: Path, sqlite_db: Database
) -> None:
    seed(sqlite_db)
    config = config_for(tmp_path, sqlite_db.url)
    with sqlite_db.session() as session:
        data = read_report(session, config, WEEK, END, ["Globex"], top=0)
    ((globex,),) = [c.entities for c in data.comparisons]
    assert (globex.volume, globex.share, globex.top_negative, globex.top_positive) == (
        2,
        1.0,
        [],
        [],
    )


def test_a_config_without_entities_reports_nothing(tmp_path: Path, sqlite_db: Database) -> None:
    from warden.config import load_config
    from warden.report.render import render_report

    path = tmp_path / "config.yaml"
    path.write_text(f'database: {{url: "{sqlite_db.url}"}}\n', encoding="utf-8")
    with sqlite_db.session() as session:
        data = read_report(session, load_config(path), WEEK, END)
    assert data.comparisons == []
    assert "No entity to report" in render_report(data, "en", "UTC").html
    assert "Aucune entité à présenter" in render_report(data, "fr", "UTC").text


def test_a_longer_handle_is_not_the_brand_account(tmp_path: Path, sqlite_db: Database) -> None:
    from report_helpers import _Seeder, day

    s = _Seeder()
    s.mention(day(1), "@AcmeHelpdesk is another company", entity=None, label=None, source="x")
    s.mention(day(1), "ask @acmehelp.", entity=None, label=None, source="x")
    s.mention(day(2), "a reply", entity=None, label=None, source="x", reply_to="elsewhere")
    with sqlite_db.session() as session:
        session.add_all(s.rows)
    with sqlite_db.session() as session:
        response = response_time(session, ["@AcmeHelp"], START, END)
    assert response is not None and (response.addressed, response.answered) == (1, 0)
    assert response.share == 0.0 and response.median is None
