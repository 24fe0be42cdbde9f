"""`warden score`, `warden model pull|train`, `warden mention label`: sentiment from the shell."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from warden.cli.common import (
    add_config_option,
    load_for_command,
    plural,
    print_json,
    print_table,
)
from warden.config import READ_ONLY_UNUSED
from warden.errors import ConfigError, ModelLoadError, WardenError
from warden.log import configure_logging
from warden.sentiment.settings import SentimentSettings

SCORE_EPILOG = """\
examples:
  warden score "Le service client est injoignable depuis hier"
  warden score "great support" "worst bank ever" --json
  cut -f2 posts.tsv | warden score            one post per line on stdin
  warden score --model /srv/models/xlmr "Très déçu"    without a config file
  warden score --backend onnx "..."            the int8 ONNX Runtime backend

columns: label (negative/neutral/positive), score (-1 very negative .. 1 very positive),
confidence (probability of the label), lang (detected language, "und" when unsure).
"""

PULL_EPILOG = """\
examples:
  warden model pull cardiffnlp/twitter-xlm-roberta-base-sentiment --to /srv/models/xlmr
  then, on the offline machine:  sentiment.model: /srv/models/xlmr  (or WARDEN_SENTIMENT_MODEL)
"""

TRAIN_EPILOG = """\
examples:
  warden model train --base /srv/models/minilm --data labelled.csv --out models/acme
  warden model train --base cardiffnlp/twitter-xlm-roberta-base-sentiment \\
      --data fr.jsonl --data en.jsonl --val val.jsonl --epochs 2 --out models/acme-xlmr
  warden model train --base models/acme --data more.csv --head-only --out models/acme-2
  warden model train --base models/acme --data labelled.csv --include-corrections \\
      --config config.yaml --out models/acme-3

data: CSV with columns text,label or JSONL lines {"text": ..., "label": ...}; labels are
negative/neutral/positive or 0/1/2. The output folder is a standard transformers model:
point sentiment.model at it.
"""

MODEL_EPILOG = """\
examples:
  warden model pull cardiffnlp/twitter-xlm-roberta-base-sentiment --to /srv/models/xlmr
  warden model train --base /srv/models/minilm --data labelled.csv --out models/acme
  warden model pull --help           every option of one subcommand
"""

MENTION_EPILOG = """\
examples:
  warden mention label 1234 negative
  warden mention label --help        every option
"""

LABEL_EPILOG = """\
examples:
  warden mention label 1234 negative
  warden mention label 1234 neutral --by alice --note "irony, not a complaint"

The correction replaces the mention's score at once (model "operator", score -1/0/1) and is
used for training with `warden model train --include-corrections`.
"""


def _subparser(
    parent: Any, name: str, help_text: str, description: str, epilog: str
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = parent.add_parser(
        name,
        help=help_text,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def _fail(message: str) -> int:
    print(f"warden: {message}", file=sys.stderr)
    return 1


def sentiment_settings(args: argparse.Namespace) -> SentimentSettings:
    """The config's sentiment section (or defaults when only --model is given), with overrides."""
    config_path = Path(args.config)
    if config_path.exists():
        settings = load_for_command(config_path, READ_ONLY_UNUSED).sentiment
    elif args.model:
        settings = SentimentSettings()
    else:
        raise ConfigError(
            [
                f"{config_path}: file not found (give -c/--config FILE, or --model MODEL "
                "to score without a config file)"
            ]
        )
    overrides: dict[str, Any] = {}
    if args.model:
        overrides["model"] = args.model
    if getattr(args, "backend", None):
        overrides["backend"] = args.backend
    return settings.model_copy(update=overrides) if overrides else settings


def _score(args: argparse.Namespace) -> int:
    configure_logging("warning")
    from warden.sentiment.language import detect_language
    from warden.sentiment.loader import load_scorer

    if not args.texts and sys.stdin.isatty():
        print("reading posts from stdin, one per line; end with Ctrl-D", file=sys.stderr)
    texts = list(args.texts) or [line.strip() for line in sys.stdin if line.strip()]
    if not texts:
        return _fail("nothing to score: give texts as arguments or one per line on stdin")
    try:
        scorer = load_scorer(sentiment_settings(args), environment=not args.model)
    except ModelLoadError as exc:
        return _fail(str(exc))
    results = scorer.score_texts(texts)
    languages = [detect_language(text)[0] for text in texts]
    if args.json:
        for text, result, lang in zip(texts, results, languages, strict=True):
            print_json(
                {
                    "text": text,
                    "label": result.label,
                    "score": round(result.score, 4),
                    "confidence": round(result.confidence, 4),
                    "lang": lang,
                    "model": scorer.model_name,
                }
            )
        return 0
    rows = [
        (r.label, f"{r.score:+.2f}", f"{r.confidence:.2f}", lang, _shorten(text, 70))
        for text, r, lang in zip(texts, results, languages, strict=True)
    ]
    print_table(("label", "score", "confidence", "lang", "text"), rows)
    print(f"model: {scorer.model_name}", file=sys.stderr)
    return 0


def _shorten(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _pull(args: argparse.Namespace) -> int:
    configure_logging("warning")
    from warden.sentiment.pull import pull_model

    try:
        summary = pull_model(args.model, Path(args.to), revision=args.revision)
    except WardenError as exc:
        return _fail(str(exc))
    print(summary)
    return 0


def _train(args: argparse.Namespace) -> int:
    configure_logging("warning")
    from warden.sentiment.training import (
        Progress,
        TrainingOptions,
        correction_examples,
        read_examples,
        train_classifier,
    )

    if args.include_corrections and not Path(args.config).exists():
        return _fail(f"--include-corrections needs the config file; {args.config} not found")
    try:
        train = [example for path in args.data for example in read_examples(Path(path))]
        if args.include_corrections:
            config = load_for_command(Path(args.config), READ_ONLY_UNUSED)
            corrections = correction_examples(config.database_url)
            print(f"{len(corrections)} operator corrections added", file=sys.stderr)
            train += corrections
        validation = [(Path(path).name, read_examples(Path(path))) for path in args.val or ()]
    except WardenError as exc:
        return _fail(str(exc))
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    options = TrainingOptions(
        base=args.base,
        out=Path(args.out),
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        max_length=args.max_length,
        head_only=args.head_only,
        seed=args.seed,
    )
    print(
        f"training {args.base} on {plural(len(train), 'example')}, "
        f"{plural(args.epochs, 'epoch')}, "
        f"{'head only' if args.head_only else 'full fine-tune'}, "
        f"lr {options.effective_learning_rate:g}",
        file=sys.stderr,
    )

    def show(progress: Progress) -> None:
        every = max(1, progress.steps // 10)
        if progress.step % every == 0 or progress.step == progress.steps:
            print(
                f"epoch {progress.epoch}/{progress.epochs}  step {progress.step}/{progress.steps}"
                f"  loss {progress.loss:.4f}",
                file=sys.stderr,
                flush=True,
            )

    try:
        report = train_classifier(train, options, validation, on_progress=show)
    except WardenError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
        return 0
    print(f"saved {report.out} ({plural(report.examples, 'example')}, {report.seconds:.0f} s)")
    for evaluation in report.evaluations:
        print(
            f"{evaluation.name}: macro-F1 {evaluation.macro_f1:.3f}, "
            f"accuracy {evaluation.accuracy:.3f} ({plural(evaluation.examples, 'example')})"
        )
    print(f"use it with  sentiment.model: {Path(report.out).resolve()}")
    return 0


def _label(args: argparse.Namespace) -> int:
    configure_logging("warning")
    from warden.clock import SystemClock
    from warden.sentiment.corrections import parse_label, record_correction
    from warden.store import Database, Score

    try:
        label = parse_label(args.label)
    except ValueError as exc:
        return _fail(str(exc))
    config = load_for_command(Path(args.config), READ_ONLY_UNUSED)
    db = Database(config.database_url, existing=True)  # no database: no mention to label
    try:
        db.upgrade()
        with db.session() as session:
            previous = session.get(Score, args.mention_id)
            before = f"{previous.label} by {previous.model}" if previous else "not scored yet"
            record_correction(
                session,
                args.mention_id,
                label,
                corrected_by=args.by,
                note=args.note,
                now=SystemClock().now(),
            )
    finally:
        db.dispose()
    print(f"mention {args.mention_id}: {label} (was {before})")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    score = _subparser(
        subparsers,
        "score",
        "score the sentiment of texts",
        "Score texts with the configured sentiment model and print label, score and language.",
        SCORE_EPILOG,
    )
    score.add_argument("texts", nargs="*", metavar="TEXT", help="texts (default: stdin lines)")
    add_config_option(score)
    score.add_argument("--model", help="model hub id or folder (overrides sentiment.model)")
    score.add_argument("--backend", choices=("torch", "onnx"), help="override sentiment.backend")
    score.add_argument("--json", action="store_true", help="one JSON object per line")
    score.set_defaults(func=_score)

    model = _subparser(
        subparsers,
        "model",
        "download or train sentiment models",
        "Get a sentiment model for offline use, or fine-tune one on labelled examples.",
        MODEL_EPILOG,
    )
    model_commands = model.add_subparsers(dest="model_command", metavar="SUBCOMMAND", required=True)
    pull = _subparser(
        model_commands,
        "pull",
        "save a model and its tokenizer to a folder",
        "Download a sequence-classification model from the Hugging Face hub and save it "
        "(weights and tokenizer) to a folder that works offline.",
        PULL_EPILOG,
    )
    pull.add_argument("model", metavar="MODEL", help="hub id, e.g. cardiffnlp/twitter-...")
    pull.add_argument("--to", required=True, metavar="DIR", help="folder to write")
    pull.add_argument("--revision", help="hub branch, tag or commit")
    pull.set_defaults(func=_pull)

    train = _subparser(
        model_commands,
        "train",
        "fine-tune a classifier on labelled texts",
        "Fine-tune a transformers model (with or without a classification head) into a "
        "negative/neutral/positive classifier. Progress goes to stderr.",
        TRAIN_EPILOG,
    )
    train.add_argument("--base", required=True, help="hub id or folder of the starting model")
    train.add_argument(
        "--data", required=True, action="append", metavar="FILE", help="CSV or JSONL (repeatable)"
    )
    train.add_argument("--out", required=True, metavar="DIR", help="folder to write the model to")
    train.add_argument(
        "--val", action="append", metavar="FILE", help="labelled file to evaluate on (repeatable)"
    )
    train.add_argument("--head-only", action="store_true", help="freeze the encoder (fast)")
    train.add_argument("--epochs", type=int, default=3, help="passes over the data (default 3)")
    train.add_argument("--batch-size", type=int, default=16, help="examples per step (16)")
    train.add_argument(
        "--lr", type=float, help="learning rate (default 5e-5, or 1e-3 with --head-only)"
    )
    train.add_argument("--max-length", type=int, default=128, help="tokens per text (128)")
    train.add_argument("--seed", type=int, default=0, help="random seed (0)")
    train.add_argument("--threads", type=int, help="CPU threads for torch (default: all cores)")
    train.add_argument(
        "--include-corrections",
        action="store_true",
        help="add operators' corrections from the database of --config",
    )
    add_config_option(train)
    train.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    train.set_defaults(func=_train)

    mention = _subparser(
        subparsers,
        "mention",
        "act on stored mentions",
        "Act on stored mentions: correct the sentiment the model gave one.",
        MENTION_EPILOG,
    )
    mention_commands = mention.add_subparsers(
        dest="mention_command", metavar="SUBCOMMAND", required=True
    )
    label = _subparser(
        mention_commands,
        "label",
        "correct a mention's sentiment",
        "Record an operator's verdict on a mention's sentiment; it wins over the model.",
        LABEL_EPILOG,
    )
    label.add_argument("mention_id", type=int, metavar="ID", help="mention id")
    label.add_argument("label", metavar="LABEL", help="negative, neutral or positive")
    label.add_argument("--by", default=os.environ.get("USER"), help="who corrects (default $USER)")
    label.add_argument("--note", help="why, for the record")
    add_config_option(label)
    label.set_defaults(func=_label)
