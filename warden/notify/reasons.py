"""Detector reasons written for a reader: the sentence of each reason code, in English and French.

Detectors give their reason as data (`warden.detect.reason.Reason`: a code and its figures,
stored with the alert as `why`); `explain` writes it in a receiver's language with its number,
percentage and duration formats. A reason this version does not know (or an alert stored
before reasons were data) is shown by its stored English sentence instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warden.notify.words import Words


class Figures:
    """A reason's parameters as a sentence needs them, written in `words`' formats."""

    def __init__(self, params: Mapping[str, Any], words: Words) -> None:
        self.params = params
        self.words = words

    def __getitem__(self, key: str) -> str:
        """The parameter `key`, written by its kind (see `warden.detect.reason`)."""
        value = self.params.get(key)
        if value is None:
            return "?"
        if key.endswith("_s") and isinstance(value, int | float):
            return self.words.duration(timedelta(seconds=float(value)))
        if key.endswith("_share"):
            return self.words.percent(value)
        if key.endswith("_score") and isinstance(value, int | float):
            text = f"{float(value):+.2f}"
            return text.replace(".", ",") if self.words.language == "fr" else text
        if key in ("part", "parts"):
            parts = value if isinstance(value, list) else [value]
            joint = "\u202f; " if self.words.language == "fr" else "; "
            return joint.join(explain(p, self.words) for p in parts)
        return self.words.number(value)

    def one(self, key: str) -> bool:
        """Whether the count `key` takes the singular (French: 0 and 1; English: 1)."""
        n = self.params.get(key)
        if not isinstance(n, int | float):
            return False
        return abs(n) < 2 if self.words.language == "fr" else n == 1

    def count(self, key: str, one: str, many: str) -> str:
        """``0 mention`` / ``2 mentions`` in French, ``1 mention`` / ``0 mentions`` in English."""
        return f"{self[key]} {one if self.one(key) else many}"

    def quoted(self, text: object) -> str:
        return f"«\u202f{text}\u202f»" if self.words.language == "fr" else f"“{text}”"


_Sentence = Callable[[Figures], str]


def _terms_en(f: Figures) -> str:
    return "new terms: " + ", ".join(
        f"{f.quoted(t.get('term'))} in {f.words.number(t.get('posts'))} posts "
        f"(usually {f.words.number(t.get('usual'))})"
        for t in f.params.get("terms", [])
    )


def _terms_fr(f: Figures) -> str:
    return "nouveaux termes\u202f: " + ", ".join(
        f"{f.quoted(t.get('term'))} dans {f.words.number(t.get('posts'))} messages "
        f"({f.words.number(t.get('usual'))} d’habitude)"
        for t in f.params.get("terms", [])
    )


def _phrases(f: Figures) -> str:
    return ", ".join(f.quoted(p) for p in f.params.get("phrases", []))


def _by(f: Figures, en: bool) -> str:
    author = f.params.get("author")
    if en:
        return f"a post by @{author}" if author else "a post"
    return f"un message de @{author}" if author else "un message"


SENTENCES: dict[str, dict[str, _Sentence]] = {
    "en": {
        "text": lambda f: str(f.params.get("text", "")),
        "all_hold": lambda f: f"all conditions hold: {f['parts']}",
        "some_fail": lambda f: (
            f"{f['missing']} of {f['total']} conditions do not hold: {f['parts']}"
        ),
        "any_holds": lambda f: f"condition holds: {f['parts']}",
        "none_hold": lambda f: "no condition holds",
        "no_data": lambda f: "warming up: no mention seen yet",
        "warming_up": lambda f: (
            f"warming up: {f['history_s']} of history, {f['needed_s']} needed before judging"
        ),
        "volume_usual": lambda f: (
            f"{f.count('mentions', 'mention', 'mentions')}"
            + (f" in the last {f['window_s']}" if f.params.get("window_s") else "")
            + f", {f['expected']} expected: nothing unusual"
        ),
        "volume_up": lambda f: (
            f"{f['mentions']} mentions in the last {f['window_s']} vs {f['expected']} "
            "expected (spike): unusual"
        ),
        "volume_up_normal": lambda f: (
            f"{f['mentions']} mentions in the last {f['window_s']} vs {f['expected']} "
            "expected (spike): within normal variation"
        ),
        "volume_down": lambda f: (
            f"{f['mentions']} mentions in the last {f['window_s']} vs {f['expected']} "
            "expected (drop): unusual"
        ),
        "volume_down_normal": lambda f: (
            f"{f['mentions']} mentions in the last {f['window_s']} vs {f['expected']} "
            "expected (drop): within normal variation"
        ),
        "volume_above": lambda f: (
            f"{f['mentions']} mentions in the last {f['window_s']} (fires above {f['above']})"
        ),
        "negative_surge": lambda f: (
            f"{f['negative']} negative of {f['total']} mentions ({f['now_share']} vs usual "
            f"{f['usual_share']}); count: {f['part']}"
        ),
        "negative_share": lambda f: (
            f"{f['negative']} of {f['scored']} scored mentions negative ({f['now_share']}, "
            f"fires above {f['above_share']}) in the last {f['window_s']}"
            + (f"; {f['needed']} scored mentions needed" if f.params.get("needed") else "")
        ),
        "keywords": lambda f: (
            f"{f['posts']} post{'' if f.one('posts') else 's'} "
            f"mention{'s' if f.one('posts') else ''} {_phrases(f)}"
        ),
        "no_keywords": lambda f: "no post matches the watched phrases",
        "influential_followers": lambda f: (
            f"{f.params.get('author')} ({f['size']} followers) mentioned the entity"
        ),
        "influential_reach": lambda f: (
            f"{f.params.get('author')} (reach {f['size']}) mentioned the entity"
        ),
        "no_influential_author": lambda f: "no influential author",
        "flatline": lambda f: (
            f"silent for {f['silent_s']} since the last item (allowed {f['allowed_s']})"
        ),
        "flatline_never": lambda f: (
            f"nothing received in the {f['silent_s']} since the watch started "
            f"(allowed {f['allowed_s']})"
        ),
        "flatline_no_start": lambda f: "nothing received yet and no start time to count from",
        "terms_no_baseline": lambda f: "warming up: no baseline posts yet",
        "no_new_term": lambda f: "no new term",
        "new_terms": _terms_en,
        "shift_warming": lambda f: (
            f"warming up: {f['have']} baseline mentions, {f['needed']} needed"
        ),
        "shift_few": lambda f: f"only {f['have']} recent mentions ({f['needed']} needed)",
        "shift": lambda f: (
            f"mean sentiment {f['mean_score']} over {f['mentions']} mentions vs "
            f"{f['usual_score']} usual"
        ),
        "virality_warming": lambda f: "not enough engagement snapshots yet",
        "virality": lambda f: (
            f"engagement {f['before']} → {f['after']} within {f['within_s']} (viral)"
        ),
        "virality_below": lambda f: (
            f"engagement {f['before']} → {f['after']} within {f['within_s']} "
            "(below the virality threshold)"
        ),
        "no_viral_post": lambda f: (
            f"no post gained {f['gain']} interactions within {f['within_s']}"
        ),
        "viral_post": lambda f: (
            f"{_by(f, True)} gained {f['interactions']} interactions within "
            f"{f['within_s']} of being published"
        ),
        "rule_changed": lambda f: "rule changed",
        "rule_removed": lambda f: "rule removed",
    },
    "fr": {
        "text": lambda f: str(f.params.get("text", "")),
        "all_hold": lambda f: f"toutes les conditions sont remplies\u202f: {f['parts']}",
        "some_fail": lambda f: (
            f"{f['missing']} conditions sur {f['total']} ne sont pas remplies\u202f: {f['parts']}"
        ),
        "any_holds": lambda f: f"condition remplie\u202f: {f['parts']}",
        "none_hold": lambda f: "aucune condition n’est remplie",
        "no_data": lambda f: "mise en route\u202f: aucune mention vue pour l’instant",
        "warming_up": lambda f: (
            f"mise en route\u202f: {f['history_s']} d’historique, {f['needed_s']} nécessaires "
            "avant de juger"
        ),
        "volume_usual": lambda f: (
            f"{f.count('mentions', 'mention', 'mentions')}"
            + (f" en {f['window_s']}" if f.params.get("window_s") else "")
            + f", {f.count('expected', 'attendue', 'attendues')}\u202f: rien d’inhabituel"
        ),
        "volume_up": lambda f: (
            f"{f.count('mentions', 'mention', 'mentions')} en {f['window_s']} contre "
            f"{f.count('expected', 'attendue', 'attendues')} "
            "(pic)\u202f: inhabituel"
        ),
        "volume_up_normal": lambda f: (
            f"{f.count('mentions', 'mention', 'mentions')} en {f['window_s']} contre "
            f"{f.count('expected', 'attendue', 'attendues')} "
            "(pic)\u202f: dans la variation normale"
        ),
        "volume_down": lambda f: (
            f"{f.count('mentions', 'mention', 'mentions')} en {f['window_s']} contre "
            f"{f.count('expected', 'attendue', 'attendues')} "
            "(baisse)\u202f: inhabituel"
        ),
        "volume_down_normal": lambda f: (
            f"{f.count('mentions', 'mention', 'mentions')} en {f['window_s']} contre "
            f"{f.count('expected', 'attendue', 'attendues')} "
            "(baisse)\u202f: dans la variation normale"
        ),
        "volume_above": lambda f: (
            f"{f.count('mentions', 'mention', 'mentions')} en {f['window_s']} "
            f"(alerte au-delà de {f['above']})"
        ),
        "negative_surge": lambda f: (
            f"{f.count('negative', 'mention négative', 'mentions négatives')} sur {f['total']} "
            f"({f['now_share']} contre "
            f"{f['usual_share']} d’habitude)\u202f; nombre\u202f: {f['part']}"
        ),
        "negative_share": lambda f: (
            f"{f.count('negative', 'mention négative', 'mentions négatives')} "
            f"sur {f['scored']} évaluée{'' if f.one('scored') else 's'} "
            f"({f['now_share']}, alerte au-delà de {f['above_share']}) en {f['window_s']}"
            + (
                "\u202f; "
                + f.count("needed", "mention évaluée nécessaire", "mentions évaluées nécessaires")
                if f.params.get("needed")
                else ""
            )
        ),
        "keywords": lambda f: (
            f"{f['posts']} message{'' if f.one('posts') else 's'} "
            f"{'contient' if f.one('posts') else 'contiennent'} {_phrases(f)}"
        ),
        "no_keywords": lambda f: "aucun message ne contient les expressions surveillées",
        "influential_followers": lambda f: (
            f"{f.params.get('author')} ({f['size']} abonnés) a mentionné l’entité"
        ),
        "influential_reach": lambda f: (
            f"{f.params.get('author')} (audience {f['size']}) a mentionné l’entité"
        ),
        "no_influential_author": lambda f: "aucun auteur influent",
        "flatline": lambda f: (
            f"aucun élément depuis {f['silent_s']} (tolérance\u202f: {f['allowed_s']})"
        ),
        "flatline_never": lambda f: (
            f"rien reçu en {f['silent_s']} depuis le début de la surveillance "
            f"(tolérance\u202f: {f['allowed_s']})"
        ),
        "flatline_no_start": lambda f: (
            "rien reçu pour l’instant et aucune heure de départ à partir de laquelle compter"
        ),
        "terms_no_baseline": lambda f: "mise en route\u202f: pas encore de messages de référence",
        "no_new_term": lambda f: "aucun nouveau terme",
        "new_terms": _terms_fr,
        "shift_warming": lambda f: (
            f"mise en route\u202f: {f.count('have', 'mention', 'mentions')} de référence, "
            f"{f['needed']} nécessaire{'' if f.one('needed') else 's'}"
        ),
        "shift_few": lambda f: (
            f"seulement {f.count('have', 'mention récente', 'mentions récentes')} "
            f"({f['needed']} nécessaire{'' if f.one('needed') else 's'})"
        ),
        "shift": lambda f: (
            f"tonalité moyenne {f['mean_score']} "
            f"sur {f.count('mentions', 'mention', 'mentions')} contre "
            f"{f['usual_score']} d’habitude"
        ),
        "virality_warming": lambda f: "pas encore assez de relevés d’interactions",
        "virality": lambda f: (
            f"interactions {f['before']} → {f['after']} en {f['within_s']} (viral)"
        ),
        "virality_below": lambda f: (
            f"interactions {f['before']} → {f['after']} en {f['within_s']} "
            "(sous le seuil de viralité)"
        ),
        "no_viral_post": lambda f: (
            f"aucun message n’a gagné {f['gain']} interactions en {f['within_s']}"
        ),
        "viral_post": lambda f: (
            f"{_by(f, False)} a gagné {f['interactions']} interactions dans les "
            f"{f['within_s']} suivant sa publication"
        ),
        "rule_changed": lambda f: "règle modifiée",
        "rule_removed": lambda f: "règle supprimée",
    },
}
"""The sentence of each reason code, per language; both languages have every code."""


def explain(why: Any, words: Words, fallback: str | None = None) -> str:
    """The reason `why` (`{"code": ..., "params": {...}}` as stored) in `words`' language.

    `fallback` (the stored English sentence) is returned for a reason that is not data or
    whose code is unknown; without one, such a reason is shown as its code.
    """
    if not isinstance(why, Mapping) or not isinstance(why.get("code"), str):
        return fallback if fallback is not None else str(why or "")
    sentence = SENTENCES.get(words.language, SENTENCES["en"]).get(why["code"])
    if sentence is None:
        return fallback if fallback is not None else why["code"]
    params = why.get("params")
    return sentence(Figures(params if isinstance(params, Mapping) else {}, words))
