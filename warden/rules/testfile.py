"""The rule test file format (like `promtool test rules`): input series, expected alerts.

    rule_files: [../demo.yaml]
    evaluation_interval: 5m
    tests:
      - name: a surge fires
        interval: 5m
        input_series:
          - {entity: Acme, metric: count, values: "5+0x600 40 80"}
        alert_rule_test:
          - eval_time: 3010m
            alertname: volume-spike
            exp_alerts:
              - labels: {entity: Acme}

The value at position i of a series is the 5-minute (or `interval`) bucket starting at
`start + i × interval`; it is judged once the bucket has ended, at `(i + 1) × interval`.
Evaluate on bucket boundaries (`evaluation_interval` a multiple of `interval`) for exact
results: an evaluation inside a bucket already sees that bucket's whole value.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warden.durations import Duration, PositiveDuration
from warden.errors import ConfigError
from warden.notify.words import Language
from warden.rules.notation import expand_series
from warden.rules.schema import step_multiple
from warden.yamlfile import read_yaml, validate_document

SeriesMetric = Literal["count", "negative", "positive", "scored", "reach", "engagement"]
DEFAULT_START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday, midnight UTC


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputSeries(_Strict):
    """Bucket values of one metric of one entity (from one source and language)."""

    entity: str
    metric: SeriesMetric = "count"
    source: str = "test"
    lang: str = ""
    values: str = Field(description="Compact values: '5+0x12 40 80', '_x3 1 2'.")

    @field_validator("values", mode="before")
    @classmethod
    def _readable(cls, v: object) -> str:
        text = str(v)
        expand_series(text)
        return text


class InputMention(_Strict):
    """One post, for conditions that read posts (keywords, authors, virality, new terms)."""

    at: Duration = Field(description="Publication time from the test's start, like 62m.")
    entity: str
    text: str
    source: str = "test"
    lang: str | None = None
    author: str = "someone"
    followers: int | None = None
    likes: int = 0
    reposts: int = 0
    sentiment: Literal["negative", "neutral", "positive"] | None = None


class ExpectedAlert(_Strict):
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(
        default_factory=dict, description="Expected rendered annotations (summary, ...)."
    )


class AlertTest(_Strict):
    """Which alerts of a rule must be firing at `eval_time` (none when `exp_alerts` is empty)."""

    eval_time: Duration
    alertname: str
    language: Language = Field(
        default="en",
        description="Language whose annotation texts `exp_alerts` are compared with (a rule's "
        "text in it, else its `en` one), as a receiver of that language reads them.",
    )
    exp_alerts: list[ExpectedAlert] = Field(default_factory=list)


class TestCase(_Strict):
    name: str = ""
    interval: PositiveDuration = Field(
        default=timedelta(minutes=5), description="Size of one value."
    )
    start: datetime = Field(default=DEFAULT_START, description="Time of the first value (UTC).")
    input_series: list[InputSeries] = Field(default_factory=list)
    input_mentions: list[InputMention] = Field(default_factory=list)
    alert_rule_test: list[AlertTest] = Field(min_length=1)

    @field_validator("interval")
    @classmethod
    def _step(cls, v: timedelta) -> timedelta:
        return step_multiple(v)

    @field_validator("start")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)


class RuleTestFile(_Strict):
    rule_files: list[str] = Field(min_length=1, description="Rule files, relative to this file.")
    evaluation_interval: PositiveDuration = Field(default=timedelta(minutes=5))
    tests: list[TestCase] = Field(min_length=1)


def load_test_file(path: Path) -> RuleTestFile:
    """Read and validate a rule test file; errors are located like rule file errors."""
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise ConfigError([f"{path}:1: expected a mapping with `rule_files:` and `tests:`"])
    return validate_document(doc, RuleTestFile)
