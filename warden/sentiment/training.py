"""Fine-tuning a sentiment classifier from labelled examples (CSV, JSONL, operator corrections).

A plain PyTorch loop: any transformers encoder (with or without a classification head) gets a
3-class head (negative, neutral, positive) and is trained with AdamW and a linear decay; with
`head_only` the encoder is frozen and only the head (plus the pooler, where the model has one)
learns, which is quick on a CPU. The result is a standard transformers folder that
`sentiment.model` can point at.
"""

from __future__ import annotations

import csv
import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import structlog

from warden.errors import ModelLoadError, WardenError
from warden.sentiment.corrections import parse_label
from warden.sentiment.labels import LABELS
from warden.sentiment.loader import explain_unavailable, hub_offline_from_env, quiet_transformers

log = structlog.get_logger(__name__)

ID2LABEL = dict(enumerate(LABELS))
LABEL2ID = {label: i for i, label in ID2LABEL.items()}


@dataclass(frozen=True)
class Example:
    """One labelled text; `label` is a class index (0 negative, 1 neutral, 2 positive)."""

    text: str
    label: int


@dataclass(frozen=True)
class TrainingOptions:
    base: str
    out: Path
    epochs: int = 3
    batch_size: int = 16
    learning_rate: float | None = None
    """None: 5e-5 for a full fine-tune, 1e-3 when only the head is trained."""
    max_length: int = 128
    head_only: bool = False
    seed: int = 0
    weight_decay: float = 0.01

    @property
    def effective_learning_rate(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return 1e-3 if self.head_only else 5e-5


@dataclass(frozen=True)
class Progress:
    epoch: int
    epochs: int
    step: int
    steps: int
    loss: float


@dataclass(frozen=True)
class Evaluation:
    """Quality on one labelled set."""

    name: str
    examples: int
    accuracy: float
    macro_f1: float
    f1_by_label: dict[str, float]


@dataclass
class TrainingReport:
    base: str
    out: str
    examples: int
    epochs: int
    head_only: bool
    learning_rate: float
    trainable_parameters: int
    seconds: float
    final_loss: float
    evaluations: list[Evaluation] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class DataError(WardenError):
    """A training file is unreadable or has a bad row; the message names file and line."""


def read_examples(path: Path) -> list[Example]:
    """Labelled examples from CSV (columns text,label) or JSONL ({"text": ..., "label": ...})."""
    if not path.exists():
        raise DataError(f"{path}: file not found")
    rows: list[tuple[int, Any, Any]] = []
    if path.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
        with path.open(encoding="utf-8") as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(f"{path}:{line_no}: not valid JSON: {exc.msg}") from None
                if not isinstance(record, dict):
                    raise DataError(f"{path}:{line_no}: expected an object with text and label")
                rows.append((line_no, record.get("text"), record.get("label")))
    else:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"text", "label"} <= set(reader.fieldnames):
                raise DataError(
                    f"{path}:1: expected a header with columns text,label "
                    f"(found {', '.join(reader.fieldnames or []) or 'none'})"
                )
            for record in reader:
                rows.append((reader.line_num, record.get("text"), record.get("label")))
    examples = []
    for line_no, text, label in rows:
        if not isinstance(text, str) or not text.strip():
            raise DataError(f"{path}:{line_no}: missing or empty text")
        try:
            examples.append(Example(text=text, label=LABEL2ID[parse_label(str(label))]))
        except ValueError as exc:
            raise DataError(f"{path}:{line_no}: {exc}") from None
    if not examples:
        raise DataError(f"{path}: no examples")
    return examples


def correction_examples(database_url: str) -> list[Example]:
    """Operators' corrections (with their mentions' text) as training examples."""
    from sqlalchemy import select

    from warden.store import Correction, Database, Mention

    db = Database(database_url, existing=True)
    try:
        db.upgrade()
        with db.session() as session:
            rows = session.execute(
                select(Mention.text, Correction.label).join(
                    Correction, Correction.mention_id == Mention.id
                )
            ).all()
    finally:
        db.dispose()
    examples = []
    for text, label in rows:
        try:
            examples.append(Example(text=text, label=LABEL2ID[parse_label(label)]))
        except ValueError:
            log.warning("sentiment.correction_skipped", label=label)
    return examples


def macro_f1(gold: Sequence[int], predicted: Sequence[int]) -> tuple[float, dict[str, float]]:
    """Macro-averaged F1 over the three labels (a label absent from both counts as 0)."""
    by_label: dict[str, float] = {}
    for index, label in ID2LABEL.items():
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == index)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if p == index != g)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == index != p)
        by_label[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return sum(by_label.values()) / len(by_label), by_label


def evaluate_predictions(name: str, gold: Sequence[int], predicted: Sequence[int]) -> Evaluation:
    score, by_label = macro_f1(gold, predicted)
    correct = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p)
    return Evaluation(
        name=name,
        examples=len(gold),
        accuracy=correct / len(gold) if gold else 0.0,
        macro_f1=score,
        f1_by_label=by_label,
    )


def _batches(items: Sequence[Example], size: int) -> Iterable[Sequence[Example]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def predict(model: Any, tokenizer: Any, texts: Sequence[str], max_length: int) -> list[int]:
    """Class indices for `texts` (plain argmax, in batches of 64)."""
    import torch

    model.eval()
    predicted: list[int] = []
    with torch.inference_mode():
        for start in range(0, len(texts), 64):
            chunk = list(texts[start : start + 64])
            inputs = tokenizer(
                chunk, padding=True, truncation=True, max_length=max_length, return_tensors="pt"
            )
            predicted.extend(model(**inputs).logits.argmax(-1).tolist())
    return predicted


def load_base(base: str) -> tuple[Any, Any, set[str]]:
    """(model with a fresh 3-class head, tokenizer, names of weights not in the checkpoint)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    quiet_transformers()
    folder = Path(base).expanduser()
    offline = hub_offline_from_env()
    source = str(folder) if folder.is_dir() else base
    kwargs: dict[str, Any] = {"local_files_only": offline or folder.is_dir()}
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
        model, info = AutoModelForSequenceClassification.from_pretrained(
            source,
            num_labels=len(LABELS),
            id2label=ID2LABEL,
            label2id=LABEL2ID,
            ignore_mismatched_sizes=True,
            output_loading_info=True,
            **kwargs,
        )
    except (OSError, ValueError) as exc:
        raise ModelLoadError(explain_unavailable(base, exc, offline=offline)) from None
    fresh = set(info.get("missing_keys", ())) | {
        str(key[0] if isinstance(key, tuple) else key) for key in info.get("mismatched_keys", ())
    }
    return model, tokenizer, fresh


def _freeze_encoder(model: Any, fresh: set[str]) -> None:
    """Leave trainable only the head: weights outside the encoder, the pooler, new weights."""
    prefix = f"{getattr(model, 'base_model_prefix', '')}."
    for name, parameter in model.named_parameters():
        is_head = not name.startswith(prefix) or ".pooler." in name or name in fresh
        parameter.requires_grad_(is_head)


def train_classifier(
    train: Sequence[Example],
    options: TrainingOptions,
    validation: Sequence[tuple[str, Sequence[Example]]] = (),
    on_progress: Callable[[Progress], None] | None = None,
) -> TrainingReport:
    """Fine-tune options.base on `train`, save it to options.out, evaluate on `validation`."""
    import torch

    if not train:
        raise DataError("no training examples")
    started = time.perf_counter()
    torch.manual_seed(options.seed)
    shuffler = random.Random(options.seed)
    model, tokenizer, fresh = load_base(options.base)
    if options.head_only:
        _freeze_encoder(model, fresh)
    trainable = [p for p in model.parameters() if p.requires_grad]
    learning_rate = options.effective_learning_rate
    optimizer = torch.optim.AdamW(trainable, lr=learning_rate, weight_decay=options.weight_decay)
    steps_per_epoch = -(-len(train) // options.batch_size)
    total_steps = steps_per_epoch * options.epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: max(0.0, 1.0 - step / max(1, total_steps))
    )
    log.info(
        "sentiment.training_started",
        base=options.base,
        examples=len(train),
        epochs=options.epochs,
        head_only=options.head_only,
        trainable=sum(p.numel() for p in trainable),
    )
    order = list(train)
    loss_value = float("nan")
    for epoch in range(1, options.epochs + 1):
        model.train()
        if options.head_only:
            model.base_model.eval()  # no dropout in the frozen encoder
        shuffler.shuffle(order)
        for step, batch in enumerate(_batches(order, options.batch_size), start=1):
            inputs = tokenizer(
                [example.text for example in batch],
                padding=True,
                truncation=True,
                max_length=options.max_length,
                return_tensors="pt",
            )
            labels = torch.tensor([example.label for example in batch])
            loss = model(**inputs, labels=labels).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            loss_value = float(loss.item())
            if on_progress is not None:
                on_progress(Progress(epoch, options.epochs, step, steps_per_epoch, loss_value))

    options.out.mkdir(parents=True, exist_ok=True)
    model.config.id2label = ID2LABEL
    model.config.label2id = LABEL2ID
    for parameter in model.parameters():
        parameter.requires_grad_(True)
    model.save_pretrained(options.out)
    tokenizer.save_pretrained(options.out)

    evaluations = [
        evaluate_predictions(
            name,
            [example.label for example in examples],
            predict(model, tokenizer, [example.text for example in examples], options.max_length),
        )
        for name, examples in validation
    ]
    report = TrainingReport(
        base=options.base,
        out=str(options.out),
        examples=len(train),
        epochs=options.epochs,
        head_only=options.head_only,
        learning_rate=learning_rate,
        trainable_parameters=sum(p.numel() for p in trainable),
        seconds=round(time.perf_counter() - started, 1),
        final_loss=loss_value,
        evaluations=evaluations,
    )
    (options.out / "warden_training.json").write_text(
        json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8"
    )
    log.info(
        "sentiment.training_finished",
        out=str(options.out),
        seconds=report.seconds,
        evaluations=[
            {"name": e.name, "macro_f1": round(e.macro_f1, 4), "accuracy": round(e.accuracy, 4)}
            for e in evaluations
        ],
    )
    return report
