"""The rule language: pydantic models of a rule file, from which the editors' JSON Schema is made.

A rule file holds `rules:`, a list of rules. Each rule names the entities it watches, one
condition (`kind:` picks which; `all`/`any` combine several), how long the condition must hold
before it fires (`for`), how long it keeps firing after it clears (`keep_firing_for`), a
severity, how alerts are split (`group_by`), the message texts, and where to send it. The
conditions themselves are in `warden.rules.conditions` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any, get_args

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from warden.durations import Duration
from warden.notify.words import Language
from warden.rules.conditions import (
    COMMON_VALUES,
    SENSITIVITY_LEVELS,
    STEP_SECONDS,
    AllCondition,
    AnyCondition,
    AnyConditionModel,
    Condition,
    Direction,
    FlatlineCondition,
    GroupLabel,
    InfluentialAuthorCondition,
    KeywordsCondition,
    Metric,
    NegativeShareCondition,
    NegativeSurgeCondition,
    NewTermCondition,
    Sensitivity,
    SentimentShiftCondition,
    Severity,
    StrictModel,
    ViralityCondition,
    VolumeCondition,
    VolumeSpikeCondition,
    step_multiple,
    walk,
    walk_paths,
)
from warden.rules.template import FALLBACK_LANGUAGE, placeholders, unknown_placeholders
from warden.yamlfile import PathError

__all__ = [
    "COMMON_VALUES",
    "SENSITIVITY_LEVELS",
    "STEP_SECONDS",
    "AllCondition",
    "Annotation",
    "AnyCondition",
    "AnyConditionModel",
    "Condition",
    "Direction",
    "FlatlineCondition",
    "GroupLabel",
    "InfluentialAuthorCondition",
    "KeywordsCondition",
    "Metric",
    "NegativeShareCondition",
    "NegativeSurgeCondition",
    "NewTermCondition",
    "Route",
    "Rule",
    "RuleFile",
    "Sensitivity",
    "SentimentShiftCondition",
    "Severity",
    "StrictModel",
    "Texts",
    "ViralityCondition",
    "VolumeCondition",
    "VolumeSpikeCondition",
    "step_multiple",
    "walk",
    "walk_paths",
]


LANGUAGES: tuple[str, ...] = get_args(Language)
"""The languages an annotation may have a text in: those receivers, the status page and
digests can be read in."""


def _known_languages(texts: str | dict[str, str]) -> str | dict[str, str]:
    """Texts per language must include the fallback (`en`) and only the languages receivers,
    the status page and digests can have; an unknown one is named at its own line."""
    if isinstance(texts, Mapping):
        unknown = [k for k in texts if k not in LANGUAGES]
        if unknown:
            raise PathError(
                (unknown[0],),
                f"unknown language {unknown[0]!r}; expected one of {', '.join(LANGUAGES)}",
            )
        if FALLBACK_LANGUAGE not in texts:
            raise ValueError(
                f"a text per language must include `{FALLBACK_LANGUAGE}`, the text readers "
                "of the other languages get"
            )
    return texts


def _known_placeholders(
    template: str | dict[str, str], info: ValidationInfo
) -> str | dict[str, str]:
    """An annotation may only use the placeholders its rule gives: the common values, its
    condition's own and its labels. Checked where the annotation is written (each language's
    text at its own line), so an error names its line."""
    condition = info.data.get("condition")
    if condition is None:
        return template  # the condition has an error of its own, reported instead
    known = {*COMMON_VALUES, *(v for c in walk(condition) for v in c.VALUES)}
    known |= set(info.data.get("labels") or {})
    texts = template.items() if isinstance(template, Mapping) else [(None, template)]
    for language, text in texts:
        bad = unknown_placeholders(text, known)
        if bad:
            message = f"unknown placeholder {{{{ {bad[0]} }}}}; known: {', '.join(sorted(known))}"
            raise PathError((language,), message) if language else ValueError(message)
    return template


def _text_or_texts(value: Any) -> Any:
    """One error for a value that is neither a text nor texts per language (rather than one per
    shape the union tries)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        for key, text in value.items():
            if not isinstance(text, str):
                raise PathError((str(key),), f"expected a text, got {text!r}")
        return value
    raise ValueError(
        f"expected a text or one text per language ({{en: ..., fr: ...}}), got {value!r}"
    )


_TEXTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "One text per language (the receiver's, the page's or the digest's "
    f"`language`); readers of a language without a text get `{FALLBACK_LANGUAGE}`.",
    "properties": {lang: {"type": "string"} for lang in LANGUAGES},
    "required": [FALLBACK_LANGUAGE],
    "additionalProperties": False,
}

Texts = Annotated[
    str | Annotated[dict[str, str], WithJsonSchema(_TEXTS_SCHEMA)],
    BeforeValidator(_text_or_texts),
    AfterValidator(_known_languages),
]
"""A text for readers: one for every language, or one per language (`{en: ..., fr: ...}`,
`en` required: the fallback); `warden.rules.template.text_for` picks a reader's."""


def _plain(texts: str | dict[str, str]) -> str | dict[str, str]:
    """A description is shown as written: a `{{ placeholder }}` in it would reach readers."""
    items = texts.items() if isinstance(texts, Mapping) else [(None, texts)]
    for language, text in items:
        found = placeholders(text)
        if found:
            message = (
                f"a description has no placeholders ({{{{ {found[0]} }}}}): it is shown as "
                "written; put figures in annotations.summary"
            )
            raise PathError((language,), message) if language else ValueError(message)
    return texts


Description = Annotated[Texts, AfterValidator(_plain)]
"""A rule's description: texts (see `Texts`) without placeholders."""

Annotation = Annotated[Texts, AfterValidator(_known_placeholders)]
"""An annotation's template: texts (see `Texts`) whose placeholders are checked against its
rule."""


class Route(StrictModel):
    """Send the alerts whose labels match to these receivers (first matching route wins)."""

    match: dict[str, str] = Field(
        default_factory=dict,
        description="Labels the alert must have, e.g. {entity: Acme, severity: critical}; "
        "rule and severity can be matched too. Empty: every alert.",
    )
    receivers: list[str] = Field(min_length=1, description="Receiver names from config.yaml.")

    def matches(self, labels: dict[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in self.match.items())


class Rule(StrictModel):
    name: str = Field(pattern=r"^[A-Za-z0-9_.:-]+$", description="Unique rule name.")
    description: Description = Field(
        default="",
        description="What this rule watches, for the reader of its messages: one text for "
        "every language, or one per language ({en: ..., fr: ...}; en is required and is what "
        "readers of a language without a text get). No placeholders.",
    )
    entity: str | list[str] = Field(
        default="*",
        description="Entity name from config.yaml, a list of them, or * for every entity "
        "(one alert each).",
    )
    condition: Condition
    for_: Duration = Field(
        default=timedelta(0),
        alias="for",
        description="How long the condition must hold before the alert fires (0 = at once).",
    )
    keep_firing_for: Duration = Field(
        default=timedelta(0),
        description="How long the alert stays firing after the condition clears.",
    )
    severity: Severity = "warning"
    group_by: list[GroupLabel] = Field(
        default_factory=lambda: list[GroupLabel](["entity"]),
        description="One alert per entity (default), or per entity and source and/or lang.",
    )
    labels: dict[str, str] = Field(
        default_factory=dict, description="Extra labels attached to the alert (team, region)."
    )
    annotations: dict[str, Annotation] = Field(
        default_factory=dict,
        description="Texts for the message, with {{ placeholders }}: summary, description, "
        "runbook. Placeholders: rule, entity, source, lang, severity, count, baseline, "
        "observed, expected, reason, top_mentions, since, and the condition's own values "
        "(threshold, negative, share, window, ...). Each text is one string for every "
        "language, or one per language ({en: ..., fr: ...}; en is required and is what "
        "readers of a language without a text get).",
    )
    receivers: list[str] | None = Field(
        default=None,
        description="Receivers to notify; when omitted, the file's `routes`, else every "
        "receiver that takes this severity.",
    )
    routes: SkipJsonSchema[tuple[Route, ...]] = Field(default=(), exclude=True)
    """The routes of the rule's file, attached when the file is loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def entities(self) -> list[str]:
        """The entity names this rule names (empty for `*`)."""
        if isinstance(self.entity, list):
            return list(self.entity)
        return [] if self.entity == "*" else [self.entity]

    @field_validator("routes", mode="before")
    @classmethod
    def _routes_per_file(cls, v: Any) -> Any:
        if v:
            raise ValueError("go at the top of the file, next to `rules:`")
        return v

    @field_validator("group_by")
    @classmethod
    def _entity_first(cls, v: list[str]) -> list[str]:
        if "entity" not in v:
            raise ValueError("must include entity (alerts are always per entity)")
        return v


class RuleFile(StrictModel):
    rules: list[Rule] = Field(default_factory=list)
    routes: list[Route] = Field(
        default_factory=list,
        description="Where the alerts of this file's rules go when a rule names no receivers: "
        "the first route whose labels match; without a match, every receiver taking the "
        "alert's severity.",
    )
