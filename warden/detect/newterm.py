"""New term: a word or hashtag suddenly associated with the entity (``#boycott``, ``rappel``).

Terms are counted once per post. A term is new when its recent count is improbable under
its baseline rate (Poisson tail, with half a post of prior so unseen terms have a rate),
at least ``min_count`` posts use it and it is ``min_ratio`` times more frequent than usual.
The threshold is shared among the candidate terms (Bonferroni), since many are tested.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from warden.detect.counts import poisson_sf
from warden.detect.decision import Decision
from warden.detect.reason import Reason
from warden.detect.sensitivity import Sensitivity, tail_probability
from warden.detect.text import is_elision, words

NAME = "new_term"

# Frequent function words of French and English, never reported as new terms.
_STOPWORDS_TEXT = """
a an and are as at be but by for from has have he her his i in is it its me my not of on or
our she so that the their them they this to us was we were what when which who will with you
your rt http https amp au aux avec ce ces dans de des du elle en est et eux il ils je la le
les leur lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa
se ses son sur ta te tes toi ton tu un une vos votre vous y ca cest
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


@dataclass(frozen=True, slots=True)
class TermCounts:
    """How many posts there were and how many used each term."""

    posts: int
    counts: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class NewTermParams:
    """``ignore`` holds the entity's own names; ``every`` is the evaluation cadence."""

    sensitivity: Sensitivity = "medium"
    min_count: int = 5
    min_ratio: float = 5.0
    min_length: int = 3
    ignore: tuple[str, ...] = ()
    every: timedelta = timedelta(hours=1)
    max_reported: int = 3


@functools.lru_cache(maxsize=256)
def _ignored(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for name in names for w in words(name))


def post_terms(text: str, params: NewTermParams | None = None) -> frozenset[str]:
    """The terms of one post: its words but stop words, elisions, numbers, short words and
    the ignored names (``params.ignore``)."""
    p = params or NewTermParams()
    ignored = _ignored(p.ignore)
    terms = set()
    for w in words(text):
        bare = w.lstrip("#@")
        if (
            len(bare) >= p.min_length
            and w not in STOPWORDS
            and not is_elision(w)
            and not w.isdigit()
            and bare not in ignored
        ):
            terms.add(w)
    return frozenset(terms)


def count_terms(texts: Iterable[str], params: NewTermParams | None = None) -> TermCounts:
    """Count, per term, the posts that use it (the terms of each post: `post_terms`)."""
    p = params or NewTermParams()
    counts: Counter[str] = Counter()
    posts = 0
    for text in texts:
        posts += 1
        counts.update(post_terms(text, p))
    return TermCounts(posts, counts)


def detect_new_terms(
    baseline: TermCounts, recent: TermCounts, params: NewTermParams | None = None
) -> Decision:
    """Fire when some term of ``recent`` is far more frequent than in ``baseline``."""
    p = params or NewTermParams()
    threshold_total = tail_probability(p.sensitivity, p.every)
    if baseline.posts == 0:
        return Decision(
            fired=False,
            reason="warming up: no baseline posts yet",
            detector=NAME,
            warming_up=True,
            why=Reason("terms_no_baseline"),
            threshold=threshold_total,
        )
    candidates = {t: c for t, c in recent.counts.items() if c >= p.min_count}
    threshold = threshold_total / max(1, len(candidates))
    hits: list[tuple[float, str, int, float]] = []
    for term, count in candidates.items():
        rate = (baseline.counts.get(term, 0) + 0.5) / (baseline.posts + 1)
        expected = rate * recent.posts
        if count < p.min_ratio * expected:
            continue
        prob = poisson_sf(count, expected)
        if prob <= threshold:
            hits.append((prob, term, count, expected))
    hits.sort()
    if not hits:
        return Decision(
            fired=False,
            reason="no new term",
            detector=NAME,
            why=Reason("no_new_term"),
            threshold=threshold,
        )
    shown = ", ".join(f"“{t}” in {c} posts (usually {e:.1f})" for _, t, c, e in hits)
    best = hits[0]
    return Decision(
        fired=True,
        reason="new term(s): " + shown
        if len(hits) <= p.max_reported
        else "new terms: "
        + ", ".join(
            f"“{t}” in {c} posts (usually {e:.1f})" for _, t, c, e in hits[: p.max_reported]
        ),
        detector=NAME,
        value=float(best[2]),
        expected=best[3],
        probability=best[0],
        threshold=threshold,
        why=Reason(
            "new_terms",
            {
                "terms": [
                    {"term": t, "posts": c, "usual": round(e, 1)}
                    for _, t, c, e in hits[: p.max_reported]
                ]
            },
        ),
    )
