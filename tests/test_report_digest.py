"""Scheduled digests: when they are due on their own clock, the e-mail that reaches a real SMTP
server (charts as inline parts), exactly once per period across restarts, and the config checks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import structlog
from report_helpers import END, config_for, seed, write_config
from smtp_server import SmtpSink
from sqlalchemy import update

from warden.cli import main
from warden.clock import SimulatedClock
from warden.config import load_config
from warden.daemon import Daemon
from warden.errors import EXIT_CONFIG, ConfigError
from warden.report.schedule import due_digests, grace, latest_time
from warden.store.db import Database
from warden.store.models import Mention, MentionEntity, Notification

WEEKLY = """\
receivers:
  - name: comms
    urls: ["{url}"]
digests:
  - name: weekly-fr
    receivers: [comms]
    schedule: {{weekly: "monday 09:00"}}
    timezone: Europe/Paris
    language: fr
"""


def _config_text(smtp_url: str) -> str:
    return WEEKLY.format(url=smtp_url)


def test_daily_and_weekly_times_on_the_digest_clock(tmp_path: Path) -> None:
    config = config_for(
        tmp_path,
        "sqlite:///x.db",
        'receivers: [{name: m, urls: ["mailto://h?to=a@b.c"]}]\n'
        "digests:\n"
        '  - {name: d, receivers: [m], schedule: {daily: "08:00", weekly: "monday 08:30"}}\n',
    )
    (digest,) = config.digests
    # 08:00 in Paris is 07:00 UTC in winter and 06:00 UTC in summer (29 March 2026).
    assert latest_time(
        digest, "daily", datetime(2026, 3, 28, 7, 30, tzinfo=UTC), "Europe/Paris"
    ) == datetime(2026, 3, 28, 7, tzinfo=UTC)
    assert latest_time(
        digest, "daily", datetime(2026, 3, 29, 6, 30, tzinfo=UTC), "Europe/Paris"
    ) == datetime(2026, 3, 29, 6, tzinfo=UTC)
    assert latest_time(
        digest, "daily", datetime(2026, 3, 29, 5, 30, tzinfo=UTC), "Europe/Paris"
    ) == datetime(2026, 3, 28, 7, tzinfo=UTC)
    monday = datetime(2026, 11, 30, 7, 29, tzinfo=UTC)  # 08:29 in Paris, a minute early
    assert latest_time(digest, "weekly", monday, "Europe/Paris") == datetime(
        2026, 11, 23, 7, 30, tzinfo=UTC
    )
    due = {d.kind: d.period for d in due_digests(config, monday + timedelta(minutes=1))}
    # The weekly digest: seven calendar days in Paris, from Tuesday 00:00 to Monday 08:30.
    assert due["weekly"].start == datetime(2026, 11, 23, 23, tzinfo=UTC)
    assert due["weekly"].end == datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
    assert due["daily"].start == datetime(2026, 11, 29, 7, tzinfo=UTC)
    assert due["daily"].end == datetime(2026, 11, 30, 7, tzinfo=UTC)
    # More than six hours late, neither is due any more (the next one will be).
    assert due_digests(config, datetime(2026, 11, 30, 13, 31, tzinfo=UTC)) == []


def _run_daemon_jobs(config_path: Path, at: datetime) -> None:
    """One pass of the digests and dispatch jobs of a freshly started daemon (a restart)."""
    daemon = Daemon(load_config(config_path), clock=SimulatedClock(at), config_path=config_path)
    try:
        daemon.digests_job()
        daemon.dispatch_job()
    finally:
        daemon.http.close()
        daemon.db.dispose()


def test_weekly_digest_arrives_once_with_inline_charts(
    tmp_path: Path, smtp: SmtpSink, db_url: str
) -> None:
    db = Database(db_url)
    db.upgrade()
    seed(db)
    db.dispose()
    path = write_config(tmp_path, db_url, _config_text(smtp.url("comms@example.com")))
    _run_daemon_jobs(path, END + timedelta(minutes=1))  # Monday 09:01 in Paris
    (mail,) = smtp.wait_for(1)
    assert mail.recipients == ["comms@example.com"]
    assert mail.subject == "Synthèse hebdomadaire · Acme · 24–30 nov. 2026"
    assert (
        "- Acme\u202f: 6 mentions (évolution +50\u00a0%), "
        "part de voix 75\u00a0% (50\u00a0%)" in mail.text
    )
    html_part = mail.message.get_body(preferencelist=("html",))
    assert html_part is not None
    html = html_part.get_content()
    assert "2026-11-24 00:00 CET → 2026-11-30 09:00 CET" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    cids = re.findall(r'src="cid:([^"]+)"', html)
    assert len(cids) == 3 and "data:image" not in html
    related = mail.message.get_payload()[1]
    assert related.get_content_type() == "multipart/related"
    images = [p for p in related.iter_parts() if p.get_content_type() == "image/png"]
    assert sorted(p["Content-ID"].strip("<>") for p in images) == sorted(cids)
    assert all(p.get_content().startswith(b"\x89PNG") for p in images)

    # Restarted later in the same week: nothing new is enqueued or sent.
    _run_daemon_jobs(path, END + timedelta(hours=5))
    _run_daemon_jobs(path, END + timedelta(days=6, hours=23))
    assert len(smtp.messages) == 1
    db = Database(db_url)
    with db.session() as session:
        rows = session.query(Notification).all()
        assert [(r.kind, r.status, r.idempotency_key) for r in rows] == [
            ("digest", "sent", "digest:weekly-fr:weekly:20261123T230000Z:comms:0")
        ]
    db.dispose()
    # The next Monday's digest is a new period: it goes out.
    _run_daemon_jobs(path, END + timedelta(days=7, minutes=1))
    assert len(smtp.wait_for(2)) == 2


def test_a_digest_enqueued_before_a_crash_is_sent_after_the_restart(
    tmp_path: Path, smtp: SmtpSink
) -> None:
    db_url = f"sqlite:///{tmp_path / 'warden.db'}"
    db = Database(db_url)
    db.upgrade()
    seed(db)
    db.dispose()
    path = write_config(tmp_path, db_url, _config_text(smtp.url()))
    first = Daemon(load_config(path), clock=SimulatedClock(END + timedelta(minutes=1)))
    first.digests_job()  # enqueued; the process dies before dispatching
    first.http.close()
    first.db.dispose()
    assert smtp.messages == []
    _run_daemon_jobs(path, END + timedelta(minutes=3))
    (mail,) = smtp.wait_for(1)
    assert "Synthèse hebdomadaire" in mail.subject
    assert len(smtp.messages) == 1


SCHEDULED = """\
receivers:
  - name: comms
    urls: ["{url}"]
digests:
  - name: banque
    receivers: [comms]
    schedule: {{daily: "{daily}", weekly: "monday {weekly}"}}
    timezone: Europe/Paris
"""


def _seeded(tmp_path: Path, smtp: SmtpSink, daily: str, weekly: str) -> Path:
    db_url = f"sqlite:///{tmp_path / 'warden.db'}"
    db = Database(db_url)
    db.upgrade()
    seed(db)
    db.dispose()
    text = SCHEDULED.format(url=smtp.url("comms@example.com"), daily=daily, weekly=weekly)
    return write_config(tmp_path, db_url, text)


def test_a_schedule_change_sends_no_out_of_date_digest(tmp_path: Path, smtp: SmtpSink) -> None:
    """Changed at 13:38 on Monday to 14:00: yesterday's daily and last week's weekly are a day
    and a week late, so they are skipped (and logged); at 14:01 today's two go out, each with
    its own subject."""
    path = _seeded(tmp_path, smtp, "14:00", "14:00")
    changed = datetime(2026, 11, 30, 12, 38, tzinfo=UTC)  # 13:38 in Paris
    with structlog.testing.capture_logs() as logs:
        _run_daemon_jobs(path, changed)
        _run_daemon_jobs(path, changed + timedelta(minutes=1))  # one line per skipped digest
    assert smtp.messages == []
    skipped = [e for e in logs if e["event"] == "digest.skipped"]
    assert sorted((e["kind"], e["reason"]) for e in skipped) == [
        ("daily", "late"), ("weekly", "late")
    ]  # fmt: skip
    assert {e["due_at"] for e in skipped} == {
        "2026-11-29T13:00:00+00:00", "2026-11-23T13:00:00+00:00"
    }  # fmt: skip
    _run_daemon_jobs(path, changed + timedelta(minutes=23))  # 14:01 in Paris
    mails = smtp.wait_for(2)
    assert sorted(m.subject for m in mails) == [
        "Daily digest · Acme · 30 Nov 2026",
        "Weekly digest · Acme · 24–30 Nov 2026",
    ]
    _run_daemon_jobs(path, changed + timedelta(minutes=30))
    assert len(smtp.messages) == 2


def test_a_digest_missed_within_its_grace_is_sent_late(tmp_path: Path, smtp: SmtpSink) -> None:
    path = _seeded(tmp_path, smtp, "09:00", "09:00")
    _run_daemon_jobs(path, END + timedelta(hours=5, minutes=59))  # stopped until 14:59
    assert len(smtp.wait_for(2)) == 2
    assert grace("daily") == grace("weekly") == timedelta(hours=6)


def test_a_fresh_install_sends_no_all_zero_digest(tmp_path: Path, smtp: SmtpSink) -> None:
    db_url = f"sqlite:///{tmp_path / 'warden.db'}"
    Database(db_url).upgrade()
    text = SCHEDULED.format(url=smtp.url(), daily="09:00", weekly="09:00")
    path = write_config(tmp_path, db_url, text)
    with structlog.testing.capture_logs() as logs:
        _run_daemon_jobs(path, END + timedelta(minutes=1))
    assert smtp.messages == []
    skipped = [e for e in logs if e["event"] == "digest.skipped"]
    assert sorted((e["kind"], e["reason"], e["log_level"]) for e in skipped) == [
        ("daily", "no_data_yet", "warning"),
        ("weekly", "no_data_yet", "warning"),
    ]


def test_imported_history_is_reported_on_the_day_it_is_imported(
    tmp_path: Path, smtp: SmtpSink
) -> None:
    """Mentions published over the past fortnight but fetched (imported) only after both
    periods began: the digests have data, so they go out; nothing is skipped."""
    path = _seeded(tmp_path, smtp, "09:00", "09:00")
    db = Database(f"sqlite:///{tmp_path / 'warden.db'}")
    with db.session() as session:
        session.execute(update(Mention).values(fetched_at=END - timedelta(minutes=30)))
    db.dispose()
    with structlog.testing.capture_logs() as logs:
        _run_daemon_jobs(path, END + timedelta(minutes=1))
    assert sorted(m.subject for m in smtp.wait_for(2)) == [
        "Daily digest · Acme · 30 Nov 2026",
        "Weekly digest · Acme · 24–30 Nov 2026",
    ]
    assert [e for e in logs if e["event"] == "digest.skipped"] == []


def test_a_period_with_no_mention_of_the_digest_entities_is_skipped_with_a_warning(
    tmp_path: Path, smtp: SmtpSink
) -> None:
    """Mentions exist, but only months before: the daily digest's day and the day before
    hold none, so it is skipped (a warning says why); the weekly one is not asked for."""
    db_url = f"sqlite:///{tmp_path / 'warden.db'}"
    db = Database(db_url)
    db.upgrade()
    seed(db)
    with db.session() as session:
        session.execute(update(MentionEntity).values(published_at=END - timedelta(days=90)))
    db.dispose()
    text = (
        SCHEDULED.format(url=smtp.url(), daily="09:00", weekly="09:00")
        .replace(', weekly: "monday 09:00"', "")
        .replace("name: banque", "name: banque-jour")
    )
    path = write_config(tmp_path, db_url, text)
    with structlog.testing.capture_logs() as logs:
        _run_daemon_jobs(path, END + timedelta(minutes=1))
    assert smtp.messages == []
    (skipped,) = [e for e in logs if e["event"] == "digest.skipped"]
    assert (skipped["kind"], skipped["reason"], skipped["log_level"]) == (
        "daily", "no_data_yet", "warning"
    )  # fmt: skip


def test_check_refuses_digests_with_bad_receivers_or_times(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = """\
receivers:
  - {name: mail, urls: ["mailto://smtp.example?to=a@example.com"]}
  - {name: chat, urls: ["slack://T000/B000/XXXX"]}
digests:
  - name: d
    receivers: [mail, chat, nobody]
    schedule: {daily: "8h"}
"""
    path = write_config(tmp_path, "sqlite:///x.db", extra)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (problem,) = info.value.problems
    assert (
        "digests[0].schedule.daily: expected a time of day as HH:MM (08:00, 17:30), got '8h'"
        in problem
    )
    path.write_text(path.read_text().replace('daily: "8h"', 'weekly: "someday 08:00"'))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "expected a weekday and a time such as 'monday 08:30'" in info.value.problems[0]
    path.write_text(path.read_text().replace('weekly: "someday 08:00"', 'daily: "08:00"'))
    assert main(["check", "-c", str(path)]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "digests[0].receivers[1]: receiver 'chat' is not e-mail (slack://)" in err
    assert "digests[0].receivers[2]: 'nobody' is not a receiver (receivers: chat, mail)" in err


def test_competitors_must_be_entities(tmp_path: Path) -> None:
    path = write_config(tmp_path, "sqlite:///x.db")
    path.write_text(path.read_text().replace("competitors: [Globex]", "competitors: [Initech]"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "entity 'Acme' names competitor 'Initech', which is not an entity" in str(
        info.value.problems
    )
