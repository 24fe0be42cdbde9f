"""The rule language: pydantic models of a rule file, from which the editors' JSON Schema is made.

A rule file holds `rules:`, a list of rules. Each rule names the entities it watches, one
condition (`kind:` picks which), how long the condition must hold before it fires (`for`), how
long it keeps firing after it clears (`keep_firing_for`), a severity, and where to send it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from warden.durations import Duration
from warden.rules.template import unknown_placeholders

Severity = Literal["info", "warning", "critical"]

COMMON_VALUES = ("rule", "entity", "severity", "window", "count", "top_mentions", "since")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VolumeCondition(_Strict):
    """At least `above` mentions of the entity within the last `window`."""

    kind: Literal["volume"]
    window: Duration = Field(description="Look-back window, like 10m or 1h.")
    above: int = Field(ge=1, description="Fire when the count in the window reaches this.")

    VALUES: ClassVar[tuple[str, ...]] = ("count", "threshold")


class NegativeShareCondition(_Strict):
    """Share of negative mentions over `above` (0..1), once at least `min_count` are scored."""

    kind: Literal["negative_share"]
    window: Duration = Field(description="Look-back window, like 15m or 1h.")
    above: float = Field(gt=0, lt=1, description="Share of negative mentions, e.g. 0.6 for 60%.")
    min_count: int = Field(
        default=10, ge=1, description="Scored mentions needed before the share is judged."
    )

    VALUES: ClassVar[tuple[str, ...]] = ("count", "negative", "share", "threshold", "scored")


Condition = Annotated[VolumeCondition | NegativeShareCondition, Field(discriminator="kind")]


class Rule(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.:-]+$", description="Unique rule name.")
    description: str = Field(default="", description="What this rule watches, for the reader.")
    entity: str = Field(
        default="*",
        description="Entity name from config.yaml, or * for every entity (one alert each).",
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
    labels: dict[str, str] = Field(
        default_factory=dict, description="Extra labels attached to the alert (team, region)."
    )
    annotations: dict[str, str] = Field(
        default_factory=dict,
        description="Texts for the message, with {{ placeholders }}: summary, description, "
        "runbook. Placeholders: rule, entity, severity, window, count, top_mentions, since, "
        "and the condition's own values (threshold, negative, share, ...).",
    )
    receivers: list[str] | None = Field(
        default=None,
        description="Receivers to notify; when omitted, every receiver that takes this severity.",
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _check_placeholders(self) -> Rule:
        known = (*COMMON_VALUES, *self.condition.VALUES)
        for key, template in self.annotations.items():
            bad = unknown_placeholders(template, known)
            if bad:
                raise ValueError(
                    f"annotations.{key}: unknown placeholder {{{{ {bad[0]} }}}}; "
                    f"known: {', '.join(sorted(set(known)))}"
                )
        return self


class RuleFile(_Strict):
    rules: list[Rule] = Field(default_factory=list)
