"""Shared fixtures for the sentiment tests: tiny random classification models saved to disk.

The models are real transformers checkpoints (a one-layer BERT with a word-level tokenizer), so
the tests load them through exactly the code path a real model takes, in milliseconds.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import torch
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import Whitespace
from tokenizers.processors import TemplateProcessing
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

from warden.cli.sentiment import register
from warden.errors import ConfigError, WardenError
from warden.sentiment.scorer import FloatArray, InferenceBackend, IntArray
from warden.store import Database, Mention

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

WORDS = [
    "good",
    "great",
    "love",
    "excellent",
    "happy",
    "bad",
    "awful",
    "hate",
    "terrible",
    "angry",
    "the",
    "a",
    "service",
    "product",
    "brand",
    "is",
    "was",
    "very",
    "not",
    "ok",
    "fine",
    "bien",
    "super",
    "nul",
    "horrible",
    "merci",
    "client",
    "le",
    "la",
    "est",
    "très",
    "pas",
    "and",
    "or",
    "it",
    "this",
    "that",
    "i",
    "you",
    "we",
    "they",
    "my",
    "our",
]


@contextlib.contextmanager
def single_torch_thread() -> Iterator[None]:
    """Run torch on one thread: tiny models on a shared 2-core machine are much faster so."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def build_tokenizer(words: Sequence[str] = WORDS) -> PreTrainedTokenizerFast:
    """A word-level fast tokenizer over `words`, with BERT's special tokens."""
    vocab = {token: i for i, token in enumerate([*SPECIAL_TOKENS, *words])}
    backend = Tokenizer(WordLevel(vocab=vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = Whitespace()
    backend.post_processor = TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=512,
    )


NEGATIVE_WORDS = ("bad", "awful", "hate", "terrible", "angry", "horrible", "nul")
POSITIVE_WORDS = ("good", "great", "love", "excellent", "happy", "super", "bien")
NEUTRAL_WORDS = ("the", "service", "product", "brand", "is", "le", "la", "est", "client")


def _polarity_classes(labels: Sequence[str]) -> dict[str, int]:
    """Which class index stands for negative, neutral and positive under Warden's reading."""
    from warden.sentiment.labels import UnknownLabelScheme, scheme_from_id2label

    try:
        values = scheme_from_id2label(dict(enumerate(labels))).class_values
    except UnknownLabelScheme:
        values = tuple(i / max(1, len(labels) - 1) * 2 - 1 for i in range(len(labels)))
    ranked = sorted(range(len(values)), key=values.__getitem__)
    middle = min(range(len(values)), key=lambda i: abs(values[i]))
    return {"negative": ranked[0], "neutral": middle, "positive": ranked[-1]}


def make_tiny_model(
    path: Path,
    labels: Sequence[str] = ("negative", "neutral", "positive"),
    *,
    seed: int = 1,
    max_positions: int = 64,
    fit_steps: int = 150,
) -> Path:
    """Save a one-layer BERT classifier with `labels` as its id2label to `path`.

    The weights start random and are fitted for a few milliseconds so that the
    words in POSITIVE_WORDS / NEGATIVE_WORDS / NEUTRAL_WORDS, alone, get their class with high
    confidence. That makes label checks (and comparisons between backends) meaningful.
    """
    tokenizer = build_tokenizer()
    with single_torch_thread():
        for attempt in range(6):
            model = _fit_tiny_classifier(
                tokenizer, labels, seed + attempt, max_positions, fit_steps
            )
            if model is not None:
                break
        else:
            raise RuntimeError(f"could not fit a tiny classifier for labels {labels}")
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def _fit_tiny_classifier(
    tokenizer: PreTrainedTokenizerFast,
    labels: Sequence[str],
    seed: int,
    max_positions: int,
    fit_steps: int,
) -> BertForSequenceClassification | None:
    """A tiny classifier that gets every anchor word right, or None if this seed failed."""
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=max_positions,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        pad_token_id=0,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    model = BertForSequenceClassification(config)
    if fit_steps == 0:
        return model.eval()
    classes = _polarity_classes(labels)
    words = [*NEGATIVE_WORDS, *POSITIVE_WORDS]
    targets = [classes["negative"]] * len(NEGATIVE_WORDS) + [classes["positive"]] * len(
        POSITIVE_WORDS
    )
    if len(labels) > 2:
        words += NEUTRAL_WORDS
        targets += [classes["neutral"]] * len(NEUTRAL_WORDS)
    encoded = tokenizer(list(words), return_tensors="pt")
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    for _ in range(fit_steps):
        optimizer.zero_grad()
        logits = model(**encoded).logits
        torch.nn.functional.cross_entropy(logits, torch.tensor(targets)).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        probabilities = model(**encoded).logits.softmax(-1)
    predicted = probabilities.argmax(-1).tolist()
    if predicted != targets or probabilities.max(-1).values.min().item() < 0.8:
        return None
    return model


def make_tiny_encoder(path: Path, *, seed: int = 0) -> Path:
    """Save a random one-layer BERT encoder without a classification head to `path`."""
    from transformers import BertModel

    torch.manual_seed(seed)
    tokenizer = build_tokenizer()
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        pad_token_id=0,
    )
    BertModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def add_mentions(db: Database, texts: Sequence[str], *, source: str = "test") -> list[int]:
    """Store one unscored mention per text; return their ids in order."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    mentions = [
        Mention(
            source=source,
            external_id=f"{source}-{uuid.uuid4().hex}",
            text=text,
            text_key=hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest(),
            published_at=now,
            fetched_at=now,
        )
        for text in texts
    ]
    with db.session() as session:
        session.add_all(mentions)
        session.flush()
        return [m.id for m in mentions]


class CountingBackend:
    """Wraps an inference backend and records how many texts each call carried."""

    def __init__(self, inner: InferenceBackend) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls: list[int] = []

    def logits(self, features: Mapping[str, IntArray]) -> FloatArray:
        self.calls.append(len(features["input_ids"]))
        return self.inner.logits(features)


def run_cli(argv: Sequence[str]) -> int:
    """`warden ARGV` with only the sentiment commands, handling errors as warden.cli.main does."""
    parser = argparse.ArgumentParser(prog="warden")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    except WardenError as exc:
        print(f"warden: {exc}", file=sys.stderr)
        return 1
