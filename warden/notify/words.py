"""The words and number formats of messages, in English or French, times in a receiver's zone.

One way to write each kind of figure, in every message: whole numbers with a thousands
separator (152,000 / 152 000), shares and probabilities as percentages (85% / 85 %), times as
`2026-03-02 10:05 CET` in the receiver's time zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from warden.notify.reasons import explain

Language = Literal["en", "fr"]

NARROW_NBSP = "\u202f"
"""French thousands separator and the space before : ; ! ? and inside « »."""

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "firing": "ALERT",
        "repeat": "STILL FIRING",
        "resolved": "RESOLVED",
        "test": "TEST",
        "critical": "critical",
        "warning": "warning",
        "info": "info",
        "since": "Since",
        "resolved_at": "Resolved at",
        "firing_since": "firing since",
        "why": "Why",
        "now": "Now",
        "seen": "Seen",
        "usual": "usual",
        "chance": "chance of this by normal variation",
        "sentiment": "Sentiment of quoted mentions",
        "negative": "negative",
        "neutral": "neutral",
        "positive": "positive",
        "not_scored": "not scored yet",
        "negative_other": "negative",
        "neutral_other": "neutral",
        "positive_other": "positive",
        "not_scored_other": "not scored yet",
        "followers_one": "follower",
        "interactions_one": "interaction",
        "unknown_author": "unknown author",
        "read_first": "Read first",
        "followers": "followers",
        "interactions": "interactions",
        "rule": "Rule",
        "labels": "Labels",
        "warming_up": "Part of this rule is still learning what is usual here (warming up); "
        "it judges with less history for now.",
        "alert": "Alert",
        "fingerprint": "fingerprint",
        "ack": "Acknowledge",
        "silence": "Silence for 2h",
        "silence_comment": "silenced from the alert message",
        "lasted": "lasted",
        "held_resolved": "Condition last held at {time}, {lasted} after it fired{colon} the rule "
        "keeps an alert firing {hold} longer (keep_firing_for), so that a story flaring up "
        "again stays one alert",
        "held_firing": "Condition last held at {time}{colon} the alert stays firing until "
        "{until} unless it holds again (keep_firing_for {hold})",
        "peak": "Peak while firing",
        "label_mention": "Correct a sentiment",
        "more": "more",
        "open_alert": "Open the alert",
        "chart_link": "Chart of the last 48 h",
        "alerts_in_group": "alerts",
        "test_body": "Test message from Warden: this receiver works.",
        "more_alerts": "more alerts not shown",
        "cut": "message cut to fit the channel",
        "condition_holds": "the rule's condition holds",
        "undelivered": "UNDELIVERED to {receiver}",
        "undelivered_body": "Warden could not deliver this to {receiver}: {error}",
        "mention": "mention",
        "mention_other": "mentions",
        "share_summary": "{count} of {entity} in the last {window}, {negative} ({share} of scored)",
        "colon": ":",
        "open_quote": "“",
        "close_quote": "”",
    },
    "fr": {
        "firing": "ALERTE",
        "repeat": "TOUJOURS EN COURS",
        "resolved": "RÉSOLU",
        "test": "TEST",
        "critical": "critique",
        "warning": "avertissement",
        "info": "info",
        "since": "Depuis le",
        "resolved_at": "Résolue le",
        "firing_since": "en cours depuis",
        "why": "Pourquoi",
        "now": "Maintenant",
        "seen": "Observé",
        "usual": "habituel",
        "chance": "probabilité d’une variation normale",
        "sentiment": "Tonalité des mentions citées",
        "negative": "négative",
        "neutral": "neutre",
        "positive": "positive",
        "not_scored": "pas encore évaluée",
        "negative_other": "négatives",
        "neutral_other": "neutres",
        "positive_other": "positives",
        "not_scored_other": "pas encore évaluées",
        "followers_one": "abonné",
        "interactions_one": "interaction",
        "unknown_author": "auteur inconnu",
        "read_first": "À lire d’abord",
        "followers": "abonnés",
        "interactions": "interactions",
        "rule": "Règle",
        "labels": "Étiquettes",
        "warming_up": "Une partie de cette règle apprend encore ce qui est habituel ici "
        "(mise en route)\u202f; elle juge avec moins d’historique pour l’instant.",
        "alert": "Alerte",
        "fingerprint": "empreinte",
        "ack": "Acquitter",
        "silence": "Mettre en silence 2 h",
        "silence_comment": "mis en silence depuis le message d’alerte",
        "lasted": "durée",
        "held_resolved": "Condition vérifiée pour la dernière fois le {time}, {lasted} après "
        "le déclenchement{colon} la règle garde une alerte en cours {hold} de plus "
        "(keep_firing_for), pour qu’une histoire qui reprend reste une seule alerte",
        "held_firing": "Condition vérifiée pour la dernière fois le {time}{colon} l’alerte "
        "reste en cours jusqu’au {until}, sauf si la condition est de nouveau vérifiée "
        "(keep_firing_for {hold})",
        "peak": "Pic pendant l’alerte",
        "label_mention": "Corriger une tonalité",
        "more": "suite",
        "open_alert": "Voir l’alerte",
        "chart_link": "Graphique des dernières 48 h",
        "alerts_in_group": "alertes",
        "test_body": "Message de test de Warden\u202f: ce destinataire fonctionne.",
        "more_alerts": "autres alertes non affichées",
        "cut": "message raccourci pour ce canal",
        "condition_holds": "la condition de la règle est remplie",
        "undelivered": "NON REMIS à {receiver}",
        "undelivered_body": "Warden n’a pas pu remettre ce message à {receiver}\u202f: {error}",
        "mention": "mention",
        "mention_other": "mentions",
        "share_summary": "{count} de {entity} sur {window}, dont {negative} "
        "({share} des mentions évaluées)",
        # French typography: a narrow no-break space before : ; ! ? and inside « »
        "colon": "\u202f:",
        "open_quote": "«\u202f",
        "close_quote": "\u202f»",
    },
}


_LARGE: dict[str, list[tuple[float, str]]] = {
    # (odds from which the phrase applies, the phrase), largest first
    "en": [
        (1e12, "less than 1 in a trillion"),
        (1e9, "less than 1 in a billion"),
        (1e6, "less than 1 in a million"),
    ],
    "fr": [
        (1e12, "moins d’une chance sur mille milliards"),
        (1e9, "moins d’une chance sur un milliard"),
        (1e6, "moins d’une chance sur un million"),
    ],
}


def odds_text(probability: Any, language: str = "en") -> str:
    """A probability (0 to 1) written as odds for a reader, in English or French.

    Up to one in a million: `1 in 59,000` (`1 sur 59 000`), the odds rounded to two
    significant digits. Beyond: `less than 1 in a million` / `… billion` / `… trillion`
    (`moins d’une chance sur un million` / `un milliard` / `mille milliards`), never a long
    row of digits. Not a positive number: as written (`str`)."""
    if isinstance(probability, bool) or not isinstance(probability, int | float):
        return str(probability)
    if not probability >= 0:
        return str(probability)
    language = language if language in _LARGE else "en"
    odds = 1.0 / min(float(probability), 1.0) if probability > 0 else float("inf")
    for bound, phrase in _LARGE[language]:
        if odds > bound:
            return phrase
    rounded = max(1, int(float(f"{odds:.2g}")))
    text = f"{rounded:,}"
    if language == "fr":
        return f"1 sur {text.replace(',', NARROW_NBSP)}"
    return f"1 in {text}"


class Words:
    """Phrases and formatters for one language and time zone (what templates call `t` and `f`)."""

    def __init__(self, language: str = "en", timezone: str = "UTC") -> None:
        self.language = language if language in PHRASES else "en"
        self.phrases = PHRASES[self.language]
        self.zone = ZoneInfo(timezone)

    def __getitem__(self, key: str) -> str:
        return self.phrases.get(key, key)

    def __getattr__(self, key: str) -> str:
        if key.startswith("_"):
            raise AttributeError(key)
        return self[key]

    def count(self, n: Any, key: str) -> str:
        """`n` and the phrase `key` agreeing with it: `1 follower`, `3 négatives` (a mention is
        feminine in French). English takes the singular for 1 only, French for 0 and 1; the
        phrase `key` is the form of one mention, `key_one` / `key_other` the forms when they
        differ from it."""
        one = isinstance(n, int | float) and (abs(n) < 2 if self.language == "fr" else n == 1)
        if one:
            word = self.phrases.get(f"{key}_one", self[key])
        else:
            word = self.phrases.get(f"{key}_other", self[key])
        return f"{self.number(n)} {word}"

    def number(self, value: Any) -> str:
        """152000 → `152,000` (en) or `152 000` (fr); 8.25 → `8.2` / `8,2`; text unchanged."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        if isinstance(value, float) and not value.is_integer():
            text = f"{value:,.1f}"
        else:
            text = f"{int(value):,}"
        if self.language == "fr":
            return text.replace(",", "\u202f").replace(".", ",")
        return text

    def percent(self, share: Any) -> str:
        """0.853 → `85%` (en) or `85 %` (fr); tiny non-zero shares keep one significant digit."""
        if not isinstance(share, int | float) or isinstance(share, bool):
            return str(share)
        pct = float(share) * 100
        text = f"{pct:.1g}" if 0 < pct < 1 else f"{pct:.0f}"
        if self.language == "fr":
            return text.replace(".", ",") + "\u00a0%"
        return text + "%"

    def odds(self, probability: Any) -> str:
        """A probability as odds a reader can take in: see `odds_text`."""
        return odds_text(probability, self.language)

    def duration(self, span: timedelta) -> str:
        """How long something lasted: `45 s`, `12 min`, `1 h 10 min`, `2 d 3 h` (`j` in French)."""
        seconds = max(0, int(span.total_seconds()))
        if seconds < 60:
            return f"{seconds} s"
        minutes, hours, days = seconds // 60 % 60, seconds // 3600 % 24, seconds // 86400
        day = "j" if self.language == "fr" else "d"
        if days:
            return f"{days} {day} {hours} h" if hours else f"{days} {day}"
        if hours:
            return f"{hours} h {minutes} min" if minutes else f"{hours} h"
        return f"{minutes} min"

    def reason(self, why: Any, fallback: str | None = None) -> str:
        """A detector's reason (`{"code": ..., "params": {...}}`, an alert's `why`) written in
        this language and its formats; `fallback` (the stored English sentence) for a reason
        that is not data or not known here. See `warden.notify.reasons`."""
        return explain(why, self, fallback)

    def time(self, moment: datetime | None, with_date: bool = True) -> str:
        """`2026-03-02 10:05 CET` in the receiver's zone (`10:05 CET` without the date)."""
        if moment is None:
            return "?"
        local = moment.astimezone(self.zone)
        return local.strftime("%Y-%m-%d %H:%M %Z" if with_date else "%H:%M %Z")
