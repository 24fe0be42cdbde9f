"""Alert messages in operator language: what is seen against what is usual, why, and since when."""

from __future__ import annotations

from datetime import UTC, datetime

from warden.notify.render import render_alert
from warden.notify.words import Words
from warden.rules.schema import Rule
from warden.store.models import Alert, Mention, Score

AT = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)


def _alert(labels: dict[str, str], values: dict[str, object], **kw: object) -> Alert:
    kw.setdefault("state", "firing")
    kw.setdefault("annotations", {})
    return Alert(
        id=7,
        rule="r",
        fingerprint="0123456789abcdef" * 4,
        labels=labels,
        severity="critical",
        active_since=AT,
        fired_at=AT,
        last_true_at=AT,
        last_eval_at=AT,
        values=values,
        evidence=[],
        **kw,
    )


def test_default_summary_is_the_detectors_reason_with_seen_and_usual() -> None:
    rule = Rule.model_validate(
        {"name": "spike", "severity": "critical", "condition": {"kind": "volume_spike"}}
    )
    alert = _alert(
        {"entity": "Acme", "source": "x"},
        {
            "count": 120,
            "observed": 120,
            "expected": 8.0,
            "probability": 2e-9,
            "reason": "120 mentions in the last 5 min vs 8 expected (spike): unusual",
        },
    )
    message = render_alert(alert, rule, "firing", [])
    assert message.title == "[ALERT] CRITICAL spike: Acme (x)"
    lines = message.body.splitlines()
    assert lines[0] == "Acme (x): 120 mentions in the last 5 min vs 8 expected (spike): unusual"
    assert (
        "Seen: 120 · usual: 8 (chance of this by normal variation: less than 1 in a million)"
        in lines
    )
    assert "Since 2026-03-02 09:05 UTC." in lines


def test_warm_up_and_resolution_are_said() -> None:
    rule = Rule.model_validate(
        {
            "name": "quiet",
            "condition": {
                "kind": "any",
                "conditions": [
                    {"kind": "flatline", "source": "rss", "silent_for": "2h"},
                    {"kind": "volume_spike", "direction": "down"},
                ],
            },
        }
    )
    firing = _alert({"source": "rss"}, {"reason": "silent for 3h", "warming_up": True})
    message = render_alert(firing, rule, "firing", [])
    assert message.title == "[ALERT] CRITICAL quiet: source rss"
    assert "still learning what is usual" in message.body
    resolved = _alert(
        {"source": "rss"},
        {"reason": "silent for 0:05:00"},
        resolved_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        state="resolved",
    )
    message = render_alert(resolved, rule, "resolved", [])
    assert message.title.startswith("[RESOLVED]")
    assert (
        "Resolved at 2026-03-02 10:00 UTC (firing since 2026-03-02 09:05 UTC, lasted 55 min)."
        in message.body
    )


def test_numbers_are_written_one_way_in_a_message() -> None:
    rule = Rule.model_validate(
        {
            "name": "neg",
            "condition": {"kind": "negative_share", "window": "1h", "above": 0.6},
            "annotations": {
                "summary": "{{ negative }} of {{ count }} negative ({{ share }}, "
                "threshold {{ threshold }})"
            },
        }
    )
    alert = _alert(
        {"entity": "Acme"}, {"negative": 1520, "count": 152000, "share": 0.85, "threshold": 0.6}
    )
    body = render_alert(alert, rule, "firing", []).body
    assert body.splitlines()[0] == "1,520 of 152,000 negative (85%, threshold 60%)"


def test_a_long_message_drops_quoted_mentions_before_it_is_cut() -> None:
    from warden.store.models import Mention

    rule = Rule.model_validate(
        {"name": "neg", "condition": {"kind": "volume", "window": "1h", "above": 5}}
    )
    mentions = [
        Mention(
            id=n,
            source="x",
            author_handle=f"user{n}",
            text=f"{n} " + "word " * 80,
            url=f"https://social.example/{n}",
            published_at=AT,
            likes=0,
            reposts=0,
            replies=0,
        )
        for n in range(20)
    ]
    alert = _alert({"entity": "Acme"}, {"count": 120, "reason": "120 mentions"})
    slack = render_alert(alert, rule, "firing", mentions, "slack").body
    assert len(slack) <= 3000
    assert "*Read first:*" in slack and "user0" in slack and "user19" not in slack
    assert "cut to fit" not in slack
    email = render_alert(alert, rule, "firing", mentions, "email").body
    assert "user19" in email  # e-mail has room for all of them


def _mention(n: int, label: str | None, handle: str | None, followers: int) -> Mention:
    mention = Mention(
        id=n,
        source="x",
        external_id=str(n),
        author_handle=handle,
        author_name=None,
        author_followers=followers,
        likes=1,
        reposts=0,
        published_at=AT,
        text=f"post {n}",
        url=None,
    )
    if label is not None:
        mention.score = Score(mention_id=n, label=label, model="m", scored_at=AT)
    return mention


def test_counts_agree_in_both_languages_and_telegram_says_what_the_others_say() -> None:
    rule = Rule.model_validate(
        {
            "name": "neg",
            "condition": {"kind": "volume_spike"},
            "annotations": {"summary": "Acme under fire"},
        }
    )
    alert = _alert({"entity": "Acme"}, {"reason": "3 mentions in 5m"})
    mentions = [
        _mention(1, "negative", "a", 1),
        _mention(2, "negative", None, 2_000),
        _mention(3, "negative", "c", 0),
        _mention(4, "positive", "d", 0),
    ]
    fr = render_alert(alert, rule, "firing", mentions, "text", Words("fr")).body
    assert "Tonalité des mentions citées\u202f: 3 négatives · 1 positive" in fr
    assert "1 abonné," in fr and "2\u202f000 abonnés" in fr and "1 interaction," in fr
    assert "auteur inconnu (x" in fr
    en = render_alert(alert, rule, "firing", mentions, "text", Words("en")).body
    assert "Sentiment of quoted mentions: 3 negative · 1 positive" in en
    assert "1 follower," in en and "2,000 followers" in en and "unknown author" in en
    telegram = render_alert(alert, rule, "firing", mentions, "telegram", Words("en")).body
    assert "<i>Why:</i> 3 mentions in 5m" in telegram
    assert "Sentiment of quoted mentions: 3 negative" in telegram
    assert "warden silence add --alert 0123456789ab" in telegram


def test_a_resolution_gives_what_fired_how_long_and_offers_no_ack() -> None:
    rule = Rule.model_validate(
        {
            "name": "vol",
            "condition": {"kind": "volume_spike"},
            "annotations": {"summary": "{{ count }} mentions of {{ entity }}"},
        }
    )
    resolved = _alert(
        {"entity": "Acme"},
        {"count": 4, "observed": 4, "peak": 9, "reason": "4 mentions in the last 5m"},
        annotations={"resolved_reason": "0 mentions in the last 5m"},
        resolved_at=datetime(2026, 3, 2, 10, 15, tzinfo=UTC),
        state="resolved",
    )
    for kind in ("text", "slack", "markdown", "telegram", "html", "sms"):
        body = render_alert(resolved, rule, "resolved", [], kind, Words("fr")).body
        assert "4 mentions of Acme" in body, kind
        assert "ack" not in body.lower().replace("acme", ""), kind
        if kind != "sms":
            assert "en cours depuis 2026-03-02 09:05 UTC, durée 1 h 10 min" in body.replace(
                "\\", ""
            ), kind
            assert "Pic pendant l’alerte\u202f: 9" in body.replace("&#39;", "'"), kind


def test_the_peak_of_a_negative_share_is_a_percentage_as_on_the_page() -> None:
    rule = Rule.model_validate(
        {"name": "neg", "condition": {"kind": "negative_share", "window": "1h", "above": 0.6}}
    )
    resolved = _alert(
        {"entity": "Acme"},
        {
            "count": 90,
            "scored": 80,
            "negative": 62,
            "share": 0.78,
            "observed": 0.78,
            "threshold": 0.6,
            "window": "1h",
            "peak": 0.853,
        },
        annotations={"resolved_reason": "10 of 80 scored mentions negative"},
        resolved_at=datetime(2026, 3, 2, 10, 15, tzinfo=UTC),
        state="resolved",
    )
    for kind in ("text", "slack", "markdown", "telegram", "html"):
        body = render_alert(resolved, rule, "resolved", [], kind, Words("en")).body
        assert "Peak while firing: 85%" in body, kind


def test_annotation_placeholders_are_written_for_each_receiver() -> None:
    rule = Rule.model_validate(
        {
            "name": "vol",
            "condition": {"kind": "volume_spike"},
            "annotations": {
                "summary": "Acme since {{ since }}",
                "detail": "Among them: {{ top_mentions }}",
            },
        }
    )
    alert = _alert({"entity": "Acme"}, {"count": 4})
    mentions = [_mention(1, "negative", "client4", 2_000)]
    words = Words("fr", "America/New_York")
    for kind in ("text", "sms", "slack"):
        body = render_alert(alert, rule, "firing", mentions, kind, words).body
        body = body.replace("\u202f", " ")
        assert "Acme since 2026-03-02 04:05 EST" in body, kind  # 09:05 UTC in New York
        if kind != "sms":
            assert "@client4 (x, 2 000 abonnés, négative, 1 interaction, 04:05 EST)" in body, kind
            assert "followers" not in body and "UTC" not in body, kind
