"""Every label of the status page in English and French, and the formats of its figures.

`PageWords` extends the notification formatter (`warden.notify.words.Words`: numbers,
percentages, durations, times in a zone) with the page's own phrases; templates call it `t`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warden.notify.message import held_text, reason_text, resolved_text, rule_annotations
from warden.notify.values import INTERNAL, shown, window_of, write
from warden.notify.words import Words
from warden.rules.schema import Rule
from warden.store.models import Alert

PAGE_PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "title": "Warden status",
        "overview": "Overview",
        "stream": "Live stream",
        "lookup": "Look up",
        "lookup_placeholder": "Name to look up",
        "search": "Search",
        "entities": "Entities",
        "entity": "Entity",
        "volume_last_hour": "Mentions, last hour",
        "volume_this_hour": "This hour so far",
        "from": "from",
        "usual": "usual",
        "baseline_learning": "baseline still learning",
        "negative_share": "Negative share (last hour → this hour)",
        "chart": "Mentions over the last days",
        "alerts": "Alerts",
        "firing_alerts": "Firing alerts",
        "recent_alerts": "Recent alerts",
        "no_alerts": "No alert is firing.",
        "no_recent": "No alert in the last 24 hours.",
        "rule": "Rule",
        "severity": "Severity",
        "state": "State",
        "since": "Since",
        "evidence": "Evidence",
        "silences": "Active silences",
        "no_silences": "No active silence.",
        "matchers": "Matches",
        "until": "Until",
        "by": "By",
        "comment": "Comment",
        "sources": "Sources",
        "source": "Source",
        "status": "Status",
        "last_success": "Last success",
        "last_error": "Last error",
        "items": "Items",
        "never": "never",
        "author": "Author",
        "audience": "Audience",
        "followers": "followers",
        "followers_one": "follower",
        "when": "Published",
        "text": "Text",
        "link": "link",
        "sentiment": "Sentiment",
        "keyword": "Keyword",
        "any": "any",
        "filter": "Filter",
        "refresh": "Refresh",
        "live_on": "Live: new mentions appear as they arrive, in order of publication, and "
        "get their sentiment once scored.",
        "no_mentions": "No mention matches.",
        "negative": "negative",
        "neutral": "neutral",
        "positive": "positive",
        "unscored": "not scored yet",
        "firing": "firing",
        "pending": "pending",
        "resolved": "resolved",
        "critical": "critical",
        "warning": "warning",
        "info": "info",
        "ok": "ok",
        "failing": "failing",
        "backing_off": "backing off",
        "disabled": "disabled",
        "never_polled": "never polled",
        "alert": "Alert",
        "values": "Values",
        "reasons": "Why",
        "acked": "Acknowledged",
        "acked_by": "acknowledged by",
        "not_acked": "not acknowledged",
        "silenced": "silenced",
        "silenced_by": "silenced by silence",
        "inhibited_by": "inhibited by alert",
        "labels": "Labels",
        "fired_at": "Fired at",
        "resolved_at": "Resolved at",
        "held": "Kept firing",
        "not_found": "Not found",
        "not_found_text": "There is nothing at this address.",
        "unauthorized": "Authentication required",
        "unauthorized_token": "Open this page with ?token=… once (or send an Authorization: "
        "Bearer header); the browser then keeps a cookie.",
        "unauthorized_basic": "Your browser asks for the user name and password set in "
        "web.auth.basic.",
        "results_for": "Results for",
        "open_quote": "“",
        "close_quote": "”",
        "no_results": "Nothing found.",
        "lookup_unavailable": "Look-up is not available in this installation.",
        "lookup_failed": "The look-up failed",
        "lookup_hint": "Searches the configured sources for a name that is not watched yet.",
        "updated": "Updated",
        "switch_language": "Français",
        "other_lang": "fr",
        "colon": ":",
        "chart_alt": "Chart of mentions and baseline",
        "mentions": "mentions",
        "mentions_one": "mention",
        "page_failed": "The page could not be built",
        "value_count": "Mentions",
        "value_observed": "Observed",
        "value_expected": "Expected",
        "value_baseline": "Usual",
        "value_share": "Negative share",
        "value_negative": "Negative mentions",
        "value_probability": "Chance by normal variation",
        "value_threshold": "Threshold",
        "value_window": "Window",
        "value_step": "Bucket",
        "value_engagement": "Engagement",
        "value_reach": "Reach",
        "value_scored": "Scored",
        "value_terms": "Terms",
        "value_matches": "Matches",
        "value_followers": "Followers",
        "value_author": "Author",
        "value_source": "Source",
        "value_silent_for": "Silent for",
        "value_mean": "Mean",
        "value_peak": "Peak while firing",
        "no_mention_yet": "no mention seen yet",
        "unknown_entity": "No watched entity is called",
        "unknown_source": "No source is called",
        "unknown_sentiment": "Not a sentiment (negative, neutral or positive):",
        "ignored": "filter ignored",
        "waiting_push": "waiting for its first push",
        "lookup_empty": "the name has no printable characters; type a name to look up",
        "summary": "Summary",
        "value_usual_share": "Usual negative share",
        "resolved_why": "Why it resolved",
    },
    "fr": {
        "title": "État de Warden",
        "overview": "Vue d’ensemble",
        "stream": "Flux en direct",
        "lookup": "Recherche",
        "lookup_placeholder": "Nom à rechercher",
        "search": "Chercher",
        "entities": "Entités",
        "entity": "Entité",
        "volume_last_hour": "Mentions, dernière heure",
        "volume_this_hour": "Heure en cours",
        "from": "depuis",
        "usual": "habituel",
        "baseline_learning": "référence en apprentissage",
        "negative_share": "Part négative (dernière heure → heure en cours)",
        "chart": "Mentions des derniers jours",
        "alerts": "Alertes",
        "firing_alerts": "Alertes en cours",
        "recent_alerts": "Alertes récentes",
        "no_alerts": "Aucune alerte en cours.",
        "no_recent": "Aucune alerte ces dernières 24 heures.",
        "rule": "Règle",
        "severity": "Gravité",
        "state": "État",
        "since": "Depuis",
        "evidence": "Exemples",
        "silences": "Silences actifs",
        "no_silences": "Aucun silence actif.",
        "matchers": "Critères",
        "until": "Jusqu’à",
        "by": "Par",
        "comment": "Commentaire",
        "sources": "Sources",
        "source": "Source",
        "status": "État",
        "last_success": "Dernier succès",
        "last_error": "Dernière erreur",
        "items": "Éléments",
        "never": "jamais",
        "author": "Auteur",
        "audience": "Audience",
        "followers": "abonnés",
        "followers_one": "abonné",
        "when": "Publiée",
        "text": "Texte",
        "link": "lien",
        "sentiment": "Sentiment",
        "keyword": "Mot-clé",
        "any": "tous",
        "filter": "Filtrer",
        "refresh": "Actualiser",
        "live_on": "En direct\u202f: les nouvelles mentions apparaissent dès leur arrivée, "
        "par date de publication, et reçoivent leur sentiment une fois évaluées.",
        "no_mentions": "Aucune mention ne correspond.",
        "negative": "négative",
        "neutral": "neutre",
        "positive": "positive",
        "unscored": "pas encore évaluée",
        "firing": "en cours",
        "pending": "en attente",
        "resolved": "résolue",
        "critical": "critique",
        "warning": "avertissement",
        "info": "info",
        "ok": "ok",
        "failing": "en échec",
        "backing_off": "en pause",
        "disabled": "désactivée",
        "never_polled": "jamais interrogée",
        "alert": "Alerte",
        "values": "Valeurs",
        "reasons": "Pourquoi",
        "acked": "Prise en compte",
        "acked_by": "prise en compte par",
        "not_acked": "pas prise en compte",
        "silenced": "en silence",
        "silenced_by": "mise en silence par le silence",
        "inhibited_by": "inhibée par l’alerte",
        "labels": "Étiquettes",
        "fired_at": "Déclenchée le",
        "resolved_at": "Résolue le",
        "held": "Maintien",
        "not_found": "Introuvable",
        "not_found_text": "Il n’y a rien à cette adresse.",
        "unauthorized": "Authentification requise",
        "unauthorized_token": "Ouvrez cette page une fois avec ?token=… (ou envoyez un en-tête "
        "Authorization: Bearer) ; le navigateur garde ensuite un cookie.",
        "unauthorized_basic": "Votre navigateur demande l’utilisateur et le mot de passe "
        "définis dans web.auth.basic.",
        "results_for": "Résultats pour",
        # French quotes, a narrow no-break space inside, as in messages
        "open_quote": "«\u202f",
        "close_quote": "\u202f»",
        "no_results": "Rien trouvé.",
        "lookup_unavailable": "La recherche n’est pas disponible dans cette installation.",
        "lookup_failed": "La recherche a échoué",
        "lookup_hint": "Cherche dans les sources configurées un nom qui n’est pas encore suivi.",
        "updated": "Mis à jour",
        "switch_language": "English",
        "other_lang": "en",
        "colon": "\u202f:",
        "chart_alt": "Graphique des mentions et de la référence",
        "mentions": "mentions",
        "mentions_one": "mention",
        "page_failed": "La page n’a pas pu être construite",
        "value_count": "Mentions",
        "value_observed": "Observé",
        "value_expected": "Attendu",
        "value_baseline": "Habituel",
        "value_share": "Part négative",
        "value_negative": "Mentions négatives",
        "value_probability": "Probabilité par variation normale",
        "value_threshold": "Seuil",
        "value_window": "Fenêtre",
        "value_step": "Intervalle",
        "value_engagement": "Engagement",
        "value_reach": "Portée",
        "value_scored": "Évaluées",
        "value_terms": "Termes",
        "value_matches": "Correspondances",
        "value_followers": "Abonnés",
        "value_author": "Auteur",
        "value_source": "Source",
        "value_silent_for": "Silencieuse depuis",
        "value_mean": "Moyenne",
        "value_peak": "Pic pendant l’alerte",
        "no_mention_yet": "aucune mention vue pour l’instant",
        "unknown_entity": "Aucune entité surveillée ne s’appelle",
        "unknown_source": "Aucune source ne s’appelle",
        "unknown_sentiment": "Ce n’est pas un sentiment (négative, neutre ou positive) :",
        "ignored": "filtre ignoré",
        "waiting_push": "en attente de son premier envoi",
        "lookup_empty": "le nom ne contient aucun caractère imprimable\u202f; "
        "saisissez un nom à chercher",
        "summary": "Résumé",
        "value_usual_share": "Part négative habituelle",
        "resolved_why": "Pourquoi elle est résolue",
    },
}


class PageWords(Words):
    """The page's phrases (falling back to the notification phrases) and formatters."""

    def __init__(self, language: str = "en", timezone: str = "UTC") -> None:
        super().__init__(language, timezone)
        self.phrases = {**self.phrases, **PAGE_PHRASES[self.language]}

    def value_name(self, key: str) -> str:
        """The label of an alert value (`count`, `expected`, ...); unknown keys as written."""
        return self.phrases.get(f"value_{key}", key)

    def alert_values(self, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        """An alert's Values table: (label, value written by what it is), internal keys left
        out; the formats are the messages' (`warden.notify.values`)."""
        return [(self._row_name(k, values), write(self, k, v, values)) for k, v in shown(values)]

    def _row_name(self, key: str, values: Mapping[str, Any]) -> str:
        """`Mentions (5 min)`: a count's label with the span it was counted over, if known."""
        span = window_of(key, values)
        name = self.value_name(key)
        return name if span is None else f"{name} ({self.duration(span)})"

    def alert_notes(self, alert: Alert, rule: Rule | None = None) -> list[tuple[str, str]]:
        """The alert's annotations a reader is shown (`summary`, ...): its rule's, rendered in
        this language (the rule's text in it, else its English one) with the alert's values,
        as the messages write them; those stored on the alert where the rule is gone. The
        resolution's reason is shown by `alert_resolved`, its data never."""
        notes = {k: str(v) for k, v in (alert.annotations or {}).items() if k not in INTERNAL}
        notes.update(rule_annotations(alert, rule, [], self))
        return [(self.phrases.get(k) or k.capitalize(), v) for k, v in sorted(notes.items())]

    def alert_reason(self, alert: Alert) -> str | None:
        """Why the alert's rule decided what it did, in this language (as the messages)."""
        return reason_text(alert, self)

    def alert_held(self, alert: Alert, rule: Rule | None = None) -> str | None:
        """When the condition last held while the rule's `keep_firing_for` holds (or held) the
        alert, in this language (as the messages); None when there is no hold to tell of."""
        return held_text(alert, rule, self)

    def alert_resolved(self, alert: Alert) -> str | None:
        """What the rule saw when the alert resolved, in this language; None if not resolved."""
        return resolved_text(alert, self) if alert.state == "resolved" else None
