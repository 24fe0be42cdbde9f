"""Label normalisation: any model's class names → Warden's negative/neutral/positive and a score.

A model's `id2label` is read once at load time into a `LabelScheme`: for each output class, the
Warden label it counts towards and its value on the -1 (very negative) … 1 (very positive) axis.
Accepted forms:

- named labels in any case or language spelling: negative/neg/négatif/negativo,
  neutral/neu/neutre/neutro, positive/pos/positif/positivo (2 or 3 classes);
- `LABEL_n` names (the transformers default): 3 classes → negative, neutral, positive;
  2 classes → negative, positive;
- star ratings "1 star" … "5 stars": 1–2 count as negative, 3 neutral, 4–5 positive, and the
  score is the expected rating mapped from 1..5 onto -1..1.

The score is the expected value of the class values under the model's probabilities, so for three
classes it is P(positive) - P(negative).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, ...] = get_args(Label)

LABEL_VALUES: dict[Label, float] = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}
"""The score an operator's correction (or a certain model) gives each label."""

ACCEPTED_FORMS = (
    "named labels negative/neutral/positive in any case (also neg/neu/pos, négatif/neutre/positif, "
    "negativo/neutro/positivo), LABEL_0..LABEL_2 (3 classes: negative, neutral, positive) or "
    "LABEL_0..LABEL_1 (2 classes: negative, positive), or star ratings '1 star'..'5 stars'"
)

_NAMED: dict[str, Label] = {
    **dict.fromkeys(
        ("negative", "neg", "negatif", "negativ", "negativo", "negativa", "negatief"), "negative"
    ),
    **dict.fromkeys(
        ("neutral", "neu", "neut", "neutre", "neutro", "neutra", "neutraal"), "neutral"
    ),
    **dict.fromkeys(
        ("positive", "pos", "positif", "positiv", "positivo", "positiva", "positief"), "positive"
    ),
}
_DEFAULT_NAME = re.compile(r"^label_(\d+)$")
_STARS = re.compile(r"^([1-5])\s*(?:stars?|etoiles?)$")


class UnknownLabelScheme(ValueError):
    """The model's class names match none of the accepted forms."""


@dataclass(frozen=True)
class SentimentResult:
    """Warden's verdict on one text."""

    label: Label
    score: float
    """-1 (very negative) to 1 (very positive): expected value under the model's probabilities."""
    confidence: float
    """Probability mass of the chosen label, 0..1."""


@dataclass(frozen=True)
class LabelScheme:
    """How a model's output classes map onto Warden's labels and the -1..1 axis."""

    kind: Literal["named", "default", "stars"]
    class_labels: tuple[Label, ...]
    """For each class index, the Warden label it counts towards."""
    class_values: tuple[float, ...]
    """For each class index, its value on the -1..1 axis."""

    @property
    def num_classes(self) -> int:
        return len(self.class_labels)

    def interpret(self, probabilities: Sequence[float]) -> SentimentResult:
        """Turn one probability vector (one entry per class) into a SentimentResult."""
        if len(probabilities) != self.num_classes:
            raise ValueError(
                f"expected {self.num_classes} class probabilities, got {len(probabilities)}"
            )
        mass: dict[Label, float] = dict.fromkeys(LABELS, 0.0)
        score = 0.0
        for label, value, p in zip(
            self.class_labels, self.class_values, probabilities, strict=True
        ):
            mass[label] += float(p)
            score += value * float(p)
        label = max(LABELS, key=lambda name: mass[name])
        return SentimentResult(
            label=label, score=max(-1.0, min(1.0, score)), confidence=mass[label]
        )


def _canonical(name: str) -> str:
    """Lower case, accents and punctuation stripped: 'Négatif' → 'negatif'."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return re.sub(r"[\s\-]+", " ", re.sub(r"[^\w\s\-]", "", bare)).strip()


def scheme_from_id2label(id2label: Mapping[int, str] | Mapping[str, str]) -> LabelScheme:
    """Read a model's `config.id2label` into a LabelScheme; raise UnknownLabelScheme if unknown."""
    try:
        by_index = {int(index): str(name) for index, name in id2label.items()}
    except (TypeError, ValueError):
        raise UnknownLabelScheme(f"class indices are not integers: {dict(id2label)!r}") from None
    if sorted(by_index) != list(range(len(by_index))) or len(by_index) < 2:
        raise UnknownLabelScheme(f"expected classes numbered 0..n-1, got {sorted(by_index)}")
    names = [_canonical(by_index[i]) for i in range(len(by_index))]

    if all(name in _NAMED for name in names):
        labels = tuple(_NAMED[name] for name in names)
        if "negative" in labels and "positive" in labels and len(set(labels)) == len(labels):
            return LabelScheme("named", labels, tuple(LABEL_VALUES[label] for label in labels))

    defaults = [_DEFAULT_NAME.match(name.replace(" ", "_")) for name in names]
    if all(defaults) and [int(m.group(1)) for m in defaults if m] == list(range(len(names))):
        if len(names) == 3:
            labels = ("negative", "neutral", "positive")
            return LabelScheme("default", labels, (-1.0, 0.0, 1.0))
        if len(names) == 2:
            return LabelScheme("default", ("negative", "positive"), (-1.0, 1.0))

    stars = [_STARS.match(name) for name in names]
    if all(stars):
        ratings = [int(m.group(1)) for m in stars if m]
        if sorted(ratings) == [1, 2, 3, 4, 5]:
            star_labels: dict[int, Label] = {
                1: "negative",
                2: "negative",
                3: "neutral",
                4: "positive",
                5: "positive",
            }
            return LabelScheme(
                "stars",
                tuple(star_labels[r] for r in ratings),
                tuple((r - 3) / 2.0 for r in ratings),
            )

    found = ", ".join(repr(by_index[i]) for i in range(len(by_index)))
    raise UnknownLabelScheme(f"unrecognised class labels [{found}]; accepted: {ACCEPTED_FORMS}")
