"""Non-volume detectors: negative surge, sentiment shift, flatline, authors, virality, terms."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from warden.detect.authors import AuthorMention, AuthorParams, detect_influential_author
from warden.detect.combine import all_of, any_of
from warden.detect.decision import Decision
from warden.detect.flatline import FlatlineParams, detect_flatline
from warden.detect.negative import detect_negative_surge
from warden.detect.newterm import NewTermParams, count_terms, detect_new_terms
from warden.detect.series import Series
from warden.detect.shift import ShiftParams, detect_sentiment_shift
from warden.detect.virality import ViralityParams, detect_virality

HOUR = timedelta(hours=1)
START = datetime(2026, 3, 2, tzinfo=UTC)


def mentions(days: int = 14, total: int = 100, share: float = 0.1) -> tuple[Series, Series]:
    rng = random.Random(5)
    tot = [float(total + rng.randint(-10, 10)) for _ in range(days * 24)]
    neg = [float(sum(1 for _ in range(int(t)) if rng.random() < share)) for t in tot]
    return Series(START, HOUR, neg), Series(START, HOUR, tot)


def test_negative_surge_needs_count_and_share() -> None:
    neg, tot = mentions()
    # Crisis: volume steady, negatives triple.
    assert detect_negative_surge(neg, tot, 35, 100).fired
    # Launch: volume and negatives triple together, share unchanged: not a negative surge.
    launch = detect_negative_surge(neg, tot, 30, 300)
    assert not launch.fired
    assert launch.value == pytest.approx(0.1)
    # Quiet night: few mentions, all negative: share up but count ordinary.
    assert not detect_negative_surge(neg, tot, 8, 8).fired


def test_negative_surge_warms_up() -> None:
    neg, tot = mentions(days=1)
    d = detect_negative_surge(neg, tot, 50, 100)
    assert d.warming_up and not d.fired


def test_sentiment_shift_down() -> None:
    rng = random.Random(6)
    base = [rng.uniform(-0.2, 0.6) for _ in range(500)]
    worse = [rng.uniform(-0.9, 0.0) for _ in range(40)]
    same = [rng.uniform(-0.2, 0.6) for _ in range(40)]
    assert detect_sentiment_shift(base, worse).fired
    assert not detect_sentiment_shift(base, same).fired
    assert not detect_sentiment_shift(base, worse[:5]).fired  # too few mentions
    assert not detect_sentiment_shift(base, worse, ShiftParams(direction="up")).fired
    assert detect_sentiment_shift(base[:10], worse).warming_up


def test_flatline() -> None:
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    params = FlatlineParams(max_silence=timedelta(minutes=30))
    assert detect_flatline(now - timedelta(hours=2), now, params).fired
    assert not detect_flatline(now - timedelta(minutes=10), now, params).fired
    assert detect_flatline(None, now, params, watching_since=now - HOUR).fired
    assert detect_flatline(None, now, params).warming_up


def test_influential_author() -> None:
    params = AuthorParams(min_followers=100_000, min_reach=1_000_000)
    small = AuthorMention("@someone", followers=300)
    star = AuthorMention("@star", followers=2_000_000)
    reach = AuthorMention("@page", followers=10, reach=5_000_000)
    assert not detect_influential_author([small], params).fired
    d = detect_influential_author([small, star], params)
    assert d.fired and "@star" in d.reason
    assert detect_influential_author([reach], params).fired
    with pytest.raises(ValueError):
        AuthorParams(min_followers=None, min_reach=None)


def test_virality() -> None:
    t = START
    growing = [(t, 100.0), (t + timedelta(minutes=20), 400.0), (t + timedelta(minutes=40), 1500.0)]
    steady = [(t, 100_000.0), (t + timedelta(minutes=40), 100_600.0)]
    params = ViralityParams(min_gain=500, min_ratio=2.0, within=HOUR)
    assert detect_virality(growing, params).fired
    assert not detect_virality(steady, params).fired
    assert detect_virality(growing[:1], params).warming_up


def test_new_term() -> None:
    rng = random.Random(7)
    usual = ["super produit", "livraison rapide", "service client", "bonne qualité"]
    baseline = count_terms(rng.choice(usual) + " Acme" for _ in range(2000))
    recent_texts = [rng.choice(usual) for _ in range(80)] + ["#boycott Acme !"] * 20
    params = NewTermParams(ignore=("Acme",))
    d = detect_new_terms(baseline, count_terms(recent_texts, params), params)
    assert d.fired
    assert "#boycott" in d.reason
    calm = count_terms((rng.choice(usual) for _ in range(100)), params)
    assert not detect_new_terms(baseline, calm, params).fired
    assert detect_new_terms(count_terms([]), calm, params).warming_up


def test_combinations() -> None:
    yes = Decision(fired=True, reason="a", detector="x")
    no = Decision(fired=False, reason="b", detector="y")
    warm = Decision(fired=False, reason="c", detector="z", warming_up=True)
    assert all_of([yes, yes]).fired
    assert not all_of([yes, no]).fired
    assert any_of([no, yes]).fired
    assert not any_of([no, no]).fired
    assert all_of([yes, warm]).warming_up
    assert not any_of([yes, warm]).warming_up
    assert "a" in any_of([no, yes]).reason
    with pytest.raises(ValueError):
        all_of([])
