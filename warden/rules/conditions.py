"""The conditions of the rule language: one pydantic model per `kind:` (volume, volume spike,
negative share and surge, sentiment shift, keywords, influential author, virality, new term,
flatline, all/any), their shared types, and walking nested conditions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any, ClassVar, Literal, cast, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from warden.detect.sensitivity import SensitivityLevel
from warden.detect.volume import default_windows
from warden.durations import Duration, PositiveDuration

Severity = Literal["info", "warning", "critical"]
Direction = Literal["up", "down", "both"]
Metric = Literal["count", "negative", "reach", "engagement"]
GroupLabel = Literal["entity", "source", "lang"]

SENSITIVITY_LEVELS = ("low", "medium", "high")
STEP_SECONDS = 300

COMMON_VALUES = (
    "rule",
    "entity",
    "source",
    "lang",
    "severity",
    "count",
    "baseline",
    "observed",
    "expected",
    "reason",
    "top_mentions",
    "since",
    "warming_up",
)
"""Placeholders every rule's annotations may use (a value a condition does not give shows `?`)."""


def _sensitivity(value: Any) -> SensitivityLevel | float:
    text = value.strip().lower() if isinstance(value, str) else None
    for level in get_args(SensitivityLevel):
        if text == level:
            return cast(SensitivityLevel, level)
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1:
        return float(value)
    raise ValueError(
        f"expected one of {', '.join(SENSITIVITY_LEVELS)}, "
        f"or a probability between 0 and 1, got {value!r}"
    )


Sensitivity = Annotated[
    SensitivityLevel | float,
    BeforeValidator(_sensitivity),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "enum": list(SENSITIVITY_LEVELS)},
                {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            ],
            "description": "low, medium or high, or a per-bucket false-alarm probability. "
            "For volume_spike and negative_surge (counts of 5-minute buckets, min_count 10): "
            "expect about 0.5, 1 and 2 false alarms per entity and week (measured on real "
            "tweet volumes, docs/benchmarks.md). For sentiment_shift and new_term: nominally "
            "one false alarm in 5 months, one a month, one a week.",
        }
    ),
]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def step_multiple(value: timedelta) -> timedelta:
    seconds = value.total_seconds()
    if seconds < STEP_SECONDS or seconds % STEP_SECONDS:
        raise ValueError("expected a multiple of 5m (5m, 15m, 1h, ...)")
    return value


class VolumeCondition(StrictModel):
    """More than `above` mentions of the entity within the last `window` (a fixed threshold)."""

    kind: Literal["volume"]
    window: PositiveDuration = Field(
        description="Look-back window, like 10m or 1h. Counted in the 5-minute buckets it "
        "touches, so 10m reads the last 10 to 15 minutes."
    )
    above: int = Field(
        ge=0,
        description="Fire when the count in the window is more than this (above: 15 fires on "
        "the 16th mention; above means more than, in every rule).",
    )

    VALUES: ClassVar[tuple[str, ...]] = ("count", "threshold", "window")


class NegativeShareCondition(StrictModel):
    """Share of negative mentions over `above` (0..1), once at least `min_count` are scored."""

    kind: Literal["negative_share"]
    window: PositiveDuration = Field(
        description="Look-back window, like 15m or 1h. Counted in the 5-minute buckets it "
        "touches, so 15m reads the last 15 to 20 minutes."
    )
    above: float = Field(
        ge=0,
        lt=1,
        description="Fire when the negative share is more than this, e.g. 0.6 for 60% (exactly "
        "60% does not fire; above means more than, in every rule).",
    )
    min_count: int = Field(
        default=10,
        ge=1,
        description="Judge the share only once at least this many mentions are scored.",
    )

    VALUES: ClassVar[tuple[str, ...]] = (
        "count",
        "negative",
        "share",
        "threshold",
        "scored",
        "window",
    )


class VolumeSpikeCondition(StrictModel):
    """Far more (or fewer) mentions than usual for this time of day and weekday."""

    @property
    def widths(self) -> tuple[int, ...]:
        """The windows tested, in buckets: ``windows`` or the step's default."""
        return tuple(self.windows) if self.windows else default_windows(self.step)

    kind: Literal["volume_spike"]
    sensitivity: Sensitivity = "medium"
    min_count: float = Field(
        default=5, ge=0, description="Never fire on fewer mentions than this in the tested window."
    )
    direction: Direction = Field(
        default="up", description="up: a surge; down: a sudden silence; both."
    )
    metric: Metric = Field(
        default="count",
        description="What is counted: mentions, negative mentions, reach (followers), engagement.",
    )
    step: PositiveDuration = Field(
        default=timedelta(minutes=5), description="Bucket size: 5m, 15m, 1h (multiple of 5m)."
    )
    warm_up: Duration = Field(
        default=timedelta(days=2),
        description="History needed before judging; the rule reports it is warming up before.",
    )
    windows: list[int] | None = Field(
        default=None,
        min_length=1,
        description="Numbers of buckets summed by each test (1: the bucket alone). Default: "
        "1 and 3 buckets, an hour's and six hours' worth (1, 3, 12, 72 for 5-minute buckets: "
        "5 minutes, 15 minutes, an hour and six hours). A window of k buckets fires at k times "
        "the one-bucket probability: its excess lasts k buckets.",
    )

    VALUES: ClassVar[tuple[str, ...]] = ("probability", "threshold", "step")

    @field_validator("step")
    @classmethod
    def _step_multiple(cls, v: timedelta) -> timedelta:
        return step_multiple(v)

    @field_validator("windows")
    @classmethod
    def _positive_windows(cls, v: list[int] | None) -> list[int] | None:
        if v is not None and min(v) < 1:
            raise ValueError("expected numbers of buckets of at least 1")
        return v


class NegativeSurgeCondition(StrictModel):
    """More negative mentions than usual and a larger negative share than usual, both."""

    kind: Literal["negative_surge"]
    sensitivity: Sensitivity = "medium"
    min_count: float = Field(
        default=5, ge=0, description="Fire only on at least this many negative mentions."
    )
    step: PositiveDuration = Field(
        default=timedelta(minutes=15), description="Bucket size (5m multiple)."
    )
    warm_up: Duration = Field(default=timedelta(days=2), description="History needed first.")
    min_share_increase: float = Field(
        default=0.10, ge=0, le=1, description="Smallest rise of the negative share that counts."
    )
    share_days: int = Field(default=7, ge=1, description="Days the usual share is learnt from.")

    VALUES: ClassVar[tuple[str, ...]] = ("negative", "share", "probability", "threshold", "step")

    @field_validator("step")
    @classmethod
    def _step_multiple(cls, v: timedelta) -> timedelta:
        return step_multiple(v)


class SentimentShiftCondition(StrictModel):
    """Mean sentiment of the recent mentions far from the usual mean."""

    kind: Literal["sentiment_shift"]
    sensitivity: Sensitivity = "medium"
    window: PositiveDuration = Field(
        default=timedelta(hours=1), description="Recent period judged."
    )
    baseline: PositiveDuration = Field(
        default=timedelta(days=7), description="Usual period before it."
    )
    min_delta: float = Field(
        default=0.2, gt=0, le=2, description="Fire only on a shift of at least this (-1..1 scale)."
    )
    min_count: int = Field(
        default=10,
        ge=1,
        description="Judge only once at least this many recent mentions are scored.",
    )
    direction: Direction = "down"

    VALUES: ClassVar[tuple[str, ...]] = ("mean", "probability", "threshold", "window")


class KeywordsCondition(StrictModel):
    """Posts containing watched words or phrases (any case or accents), minus exclusions."""

    kind: Literal["keywords"]
    phrases: list[str] = Field(min_length=1, description="Words or phrases to look for.")
    exclude: list[str] = Field(default_factory=list, description="Phrases that veto a post.")
    min_count: int = Field(
        default=1, ge=1, description="Fire once at least this many posts match in the window."
    )
    window: PositiveDuration = Field(default=timedelta(minutes=15), description="Look-back window.")

    VALUES: ClassVar[tuple[str, ...]] = ("matches", "threshold", "window")


class InfluentialAuthorCondition(StrictModel):
    """A post by an account with many followers, or an author whose posts reach many people."""

    kind: Literal["influential_author"]
    followers: int | None = Field(
        default=100_000, ge=1, description="Fire on a post by an account with at least this many."
    )
    reach: int | None = Field(
        default=None,
        ge=1,
        description="Fire when the summed followers of one author's posts in the window "
        "(repeated posts) are at least this.",
    )
    window: PositiveDuration = Field(default=timedelta(minutes=15), description="Look-back window.")

    VALUES: ClassVar[tuple[str, ...]] = ("author", "followers", "threshold", "window")

    @model_validator(mode="after")
    def _one_threshold(self) -> InfluentialAuthorCondition:
        if self.followers is None and self.reach is None:
            raise ValueError("set followers, reach or both")
        return self


class ViralityCondition(StrictModel):
    """One post whose engagement (likes, shares, replies) grew fast since it was published."""

    kind: Literal["virality"]
    min_gain: int = Field(
        default=500,
        ge=1,
        description="Fire on a post that gained at least this many interactions within `within`.",
    )
    within: PositiveDuration = Field(
        default=timedelta(hours=1), description="How fast: posts this young."
    )

    VALUES: ClassVar[tuple[str, ...]] = ("engagement", "threshold")


class NewTermCondition(StrictModel):
    """A word or hashtag suddenly associated with the entity (#boycott, recall)."""

    kind: Literal["new_term"]
    sensitivity: Sensitivity = "medium"
    min_count: int = Field(default=5, ge=1, description="At least this many posts use the term.")
    min_ratio: float = Field(
        default=5.0, ge=1, description="At least this many times more frequent than usual."
    )
    window: PositiveDuration = Field(
        default=timedelta(hours=1), description="Recent period judged."
    )
    baseline: PositiveDuration = Field(
        default=timedelta(days=7), description="Usual period before it."
    )
    ignore: list[str] = Field(
        default_factory=list, description="Terms never reported (the entity's own names are)."
    )

    VALUES: ClassVar[tuple[str, ...]] = ("terms", "threshold", "window")


class FlatlineCondition(StrictModel):
    """A source silent for too long (nothing about any watched entity)."""

    kind: Literal["flatline"]
    source: str = Field(default="*", description="Source name from config.yaml, or * for each.")
    silent_for: PositiveDuration = Field(
        description="Longest acceptable silence, like 2h: fires once a source has been silent "
        "for longer."
    )

    VALUES: ClassVar[tuple[str, ...]] = ("silent_for", "threshold")


class AllCondition(StrictModel):
    """Every nested condition holds at once."""

    kind: Literal["all"]
    conditions: list[Condition] = Field(min_length=1)

    VALUES: ClassVar[tuple[str, ...]] = ()


class AnyCondition(StrictModel):
    """At least one nested condition holds."""

    kind: Literal["any"]
    conditions: list[Condition] = Field(min_length=1)

    VALUES: ClassVar[tuple[str, ...]] = ()


AnyConditionModel = (
    VolumeCondition
    | NegativeShareCondition
    | VolumeSpikeCondition
    | NegativeSurgeCondition
    | SentimentShiftCondition
    | KeywordsCondition
    | InfluentialAuthorCondition
    | ViralityCondition
    | NewTermCondition
    | FlatlineCondition
    | AllCondition
    | AnyCondition
)
Condition = Annotated[AnyConditionModel, Field(discriminator="kind")]
"""One condition of a rule; its `kind` key picks which."""
AllCondition.model_rebuild()
AnyCondition.model_rebuild()


def walk_paths(
    condition: AnyConditionModel, path: tuple[str | int, ...] = ("condition",)
) -> Iterator[tuple[AnyConditionModel, tuple[str | int, ...]]]:
    """The condition and every condition nested in it, depth first, each with its key path
    in the rule (``("condition", "conditions", 1)``)."""
    yield condition, path
    if isinstance(condition, AllCondition | AnyCondition):
        for i, child in enumerate(condition.conditions):
            yield from walk_paths(child, (*path, "conditions", i))


def walk(condition: AnyConditionModel) -> list[AnyConditionModel]:
    """The condition and every condition nested in it, depth first."""
    return [c for c, _ in walk_paths(condition)]
