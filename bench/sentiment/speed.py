"""Speed bench: posts per second and memory, naive `pipeline()` one at a time vs Warden's scorer.

Two models: the MiniLM classifier trained by quality.py (models/sentiment-minilm-full), and a
randomly initialised model with the default model's architecture and size (XLM-RoBERTa base,
vocabulary 250,002; speed does not depend on the weights), with a subword tokenizer built here.
Each variant runs in its own process, so its memory is measured alone: naive
`transformers.pipeline("text-classification")` called once per post, Warden's scorer with the
torch backend, and with the ONNX Runtime int8 backend. On the trained model the bench also
measures what int8 costs in macro-F1 on the French and English validation splits.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from report import ROOT, command_line, load_split, require_shared_data, update_block

EPILOG = """\
examples:
  .venv/bin/python bench/sentiment/speed.py                  both models, 200 posts
  .venv/bin/python bench/sentiment/speed.py --posts 64 --models trained
"""

VARIANTS = ("naive-pipeline", "warden-torch", "warden-onnx")
LABELS = ("negative", "neutral", "positive")


class PeakMemory:
    """Samples this process's RSS every 10 ms; `peak` is the highest value seen (bytes)."""

    def __init__(self) -> None:
        import psutil

        self._process = psutil.Process()
        self.peak = self._process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def bench_posts(count: int) -> list[str]:
    """`count` distinct posts alternating French and English validation posts."""
    french = [t for t, _ in load_split("french", "val")]
    english = [t for t, _ in load_split("english", "val")]
    mixed = [post for pair in zip(french, english, strict=False) for post in pair]
    unique = list(dict.fromkeys(mixed))
    return unique[:count]


# --- worker: one variant, one model, in its own process ---------------------------------------


def run_worker(args: argparse.Namespace) -> dict[str, Any]:
    import psutil
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    posts = bench_posts(args.posts)
    started = time.perf_counter()
    classify: Any
    if args.worker == "naive-pipeline":
        from transformers import pipeline
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        pipe = pipeline("text-classification", model=args.model, tokenizer=args.model, device=-1)

        def classify(texts: list[str]) -> list[str]:
            out = []
            for text in texts:
                (result,) = pipe(text, truncation=True, max_length=args.max_length)
                out.append(str(result["label"]))
            return out

        model_name = "pipeline"
    else:
        from warden.sentiment.loader import load_scorer
        from warden.sentiment.settings import SentimentSettings

        settings = SentimentSettings(
            model=args.model,
            offline=True,
            backend="onnx" if args.worker == "warden-onnx" else "torch",
            batch_size=args.batch_size,
            max_length=args.max_length,
            threads=args.threads,
            cache_size=0,
            onnx_cache_dir=Path(args.onnx_cache),
        )
        scorer = load_scorer(settings, environment=False)

        def classify(texts: list[str]) -> list[str]:
            return [r.label for r in scorer.score_texts(texts)]

        model_name = scorer.model_name
    load_seconds = time.perf_counter() - started
    gc.collect()
    rss_loaded = psutil.Process().memory_info().rss
    classify(posts[:8])  # warm-up
    with PeakMemory() as memory:
        started = time.perf_counter()
        classify(posts)
        seconds = time.perf_counter() - started
    result: dict[str, Any] = {
        "variant": args.worker,
        "model": model_name,
        "posts": len(posts),
        "seconds": seconds,
        "posts_per_second": len(posts) / seconds,
        "load_seconds": load_seconds,
        "rss_loaded_mb": rss_loaded / 2**20,
        "rss_peak_mb": memory.peak / 2**20,
    }
    if args.quality:
        from warden.sentiment.training import evaluate_predictions

        for language in ("french", "english"):
            split = load_split(language, "val")
            predicted = classify([t for t, _ in split])
            index = {name: i for i, name in enumerate(LABELS)}
            if args.worker == "naive-pipeline":
                predicted = [p.lower() for p in predicted]
            evaluation = evaluate_predictions(
                language, [g for _, g in split], [index[p] for p in predicted]
            )
            result[f"{language}_macro_f1"] = evaluation.macro_f1
            result[f"{language}_accuracy"] = evaluation.accuracy
    return result


# --- the random default-sized model ------------------------------------------------------------


def build_random_xlmr(folder: Path) -> Path:
    """XLM-RoBERTa base shapes (hidden 768, 12 layers, vocab 250,002), random weights, and a
    subword tokenizer trained here on the shared train posts (about as many tokens per post)."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
    from transformers import (
        PreTrainedTokenizerFast,
        XLMRobertaConfig,
        XLMRobertaForSequenceClassification,
    )

    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    corpus = [t for lang in ("french", "english") for t, _ in load_split(lang, "train")]
    trainer = trainers.UnigramTrainer(vocab_size=8000, special_tokens=specials, unk_token="<unk>")
    tokenizer.train_from_iterator(corpus, trainer=trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 2)],
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        cls_token="<s>",
        sep_token="</s>",
        mask_token="<mask>",
        model_max_length=512,
    )
    fast.model_input_names = ["input_ids", "attention_mask"]
    config = XLMRobertaConfig(
        vocab_size=250002,
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=3072,
        max_position_embeddings=514,
        type_vocab_size=1,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        num_labels=3,
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
    )
    torch.manual_seed(0)
    model = XLMRobertaForSequenceClassification(config).eval()
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    tokens = [len(fast(t)["input_ids"]) for t in bench_posts(200)]
    (folder / "bench_tokens.json").write_text(
        json.dumps({"mean_tokens": sum(tokens) / len(tokens)})
    )
    return folder


# --- driver ------------------------------------------------------------------------------------


def run_variant(
    variant: str, model: Path, args: argparse.Namespace, cache: Path, quality: bool
) -> dict[str, Any]:
    command = [
        sys.executable, str(Path(__file__).resolve()),
        "--worker", variant, "--model", str(model),
        "--posts", str(args.posts), "--batch-size", str(args.batch_size),
        "--max-length", str(args.max_length), "--onnx-cache", str(cache),
    ]  # fmt: skip
    if args.threads:
        command += ["--threads", str(args.threads)]
    if quality:
        command.append("--quality")
    print(f"  {variant} on {model.name} ...", file=sys.stderr, flush=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{variant} on {model} failed (exit code {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"  {variant}: {result['posts_per_second']:.1f} posts/s, "
        f"peak RSS {result['rss_peak_mb']:.0f} MB",
        file=sys.stderr,
        flush=True,
    )
    return result


def cached_onnx_run(model: Path, args: argparse.Namespace, cache: Path) -> dict[str, Any]:
    """warden-onnx again, now that the export is cached: the memory of a normal restart."""
    row = run_variant("warden-onnx", model, args, cache, quality=False)
    row["variant"] = "warden-onnx, export cached"
    return row


def block_suffix(args: argparse.Namespace) -> str:
    """One docs block per thread setting, so runs with and without --threads both stay."""
    return "" if args.threads == 1 else f"-threads-{args.threads or 'all'}"


def render(
    title: str, rows: list[dict[str, Any]], args: argparse.Namespace, meta: dict[str, Any]
) -> str:
    """The markdown block of one model: throughput and memory per variant (and int8's cost)."""
    naive = next(r for r in rows if r["variant"] == "naive-pipeline")["posts_per_second"]
    lines = [
        f"### Speed: {title}, naive `pipeline()` one post at a time vs Warden's scorer",
        "",
        f"Command: `{command_line()}`",
        "",
        f"{args.posts} distinct posts (French and English validation posts, alternating), "
        f"max length {args.max_length}, Warden batch size {args.batch_size}, "
        f"torch and ONNX Runtime threads: {args.threads or 'all cores'}. Load average when "
        f"the bench started: {args.load_at_start:.1f} on {os.cpu_count()} cores (other work "
        "on the machine makes absolute figures noisy; the ratios are what matter). Each "
        "variant ran in its own process; memory is the process RSS once loaded and its peak "
        "while scoring. Loading (and the one-time ONNX export) is not timed.",
        "",
        "| variant | posts/s | × naive | RSS loaded | peak RSS |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row['variant']} | {row['posts_per_second']:.1f} "
            f"| {row['posts_per_second'] / naive:.1f}× | {row['rss_loaded_mb']:.0f} MB "
            f"| {row['rss_peak_mb']:.0f} MB |"
        )
    if "random_tokens" in meta:
        lines += [
            "",
            "The model has XLM-RoBERTa base shapes (hidden 768, 12 layers, 12 heads, vocabulary "
            "250,002: 278M parameters) and random weights; its Unigram tokenizer, trained here "
            f"on the shared train posts, gives {meta['random_tokens']:.1f} tokens per post.",
        ]
    by_variant = {r["variant"]: r for r in rows}
    if all("french_macro_f1" in by_variant[v] for v in VARIANTS):
        lines += [
            "",
            "Accuracy cost of the faster backend on the validation splits (324 posts each):",
            "",
            "| variant | FR macro-F1 | EN macro-F1 | FR accuracy | EN accuracy |",
            "| --- | --- | --- | --- | --- |",
        ]
        for name in ("warden-torch", "warden-onnx"):
            r = by_variant[name]
            lines.append(
                f"| {name} | {r['french_macro_f1']:.3f} | {r['english_macro_f1']:.3f} "
                f"| {r['french_accuracy']:.3f} | {r['english_accuracy']:.3f} |"
            )
        torch_row, onnx_row = by_variant["warden-torch"], by_variant["warden-onnx"]
        lost = max(
            torch_row["french_macro_f1"] - onnx_row["french_macro_f1"],
            torch_row["english_macro_f1"] - onnx_row["english_macro_f1"],
        )
        mean_lost = (
            torch_row["french_macro_f1"]
            + torch_row["english_macro_f1"]
            - onnx_row["french_macro_f1"]
            - onnx_row["english_macro_f1"]
        ) / 2
        lines += [
            "",
            f"Macro-F1 lost by int8 ONNX: {mean_lost * 100:.1f} points on average over the two "
            f"splits, {lost * 100:.1f} at most (one post is 0.3 points of accuracy here).",
        ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--posts", type=int, default=200, help="posts to score per variant")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--threads", type=int, help="torch/ONNX threads (default: all cores)")
    parser.add_argument("--models", choices=("both", "trained", "default-size"), default="both")
    parser.add_argument(
        "--trained-model",
        type=Path,
        default=ROOT / "models" / "sentiment-minilm-full",
        help="folder written by quality.py (default models/sentiment-minilm-full)",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--worker", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--onnx-cache", help=argparse.SUPPRESS)
    parser.add_argument("--quality", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.load_at_start = os.getloadavg()[0]
    require_shared_data()
    if args.worker:
        print(json.dumps(run_worker(args)))
        return 0

    results: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="warden-speed-") as tmp:
        cache = Path(tmp) / "onnx"
        if args.models in ("both", "trained"):
            if not (args.trained_model / "config.json").exists():
                raise SystemExit(
                    f"{args.trained_model} not found: run bench/sentiment/quality.py first"
                )
            print(f"trained model {args.trained_model}", file=sys.stderr)
            rows = [run_variant(v, args.trained_model, args, cache, quality=True) for v in VARIANTS]
            rows.append(cached_onnx_run(args.trained_model, args, cache))
            results["trained"] = rows
            if not args.no_docs:
                title = f"trained MiniLM ({args.trained_model.name})"
                update_block(f"speed-trained{block_suffix(args)}", render(title, rows, args, {}))
        if args.models in ("both", "default-size"):
            print("building a random XLM-RoBERTa base-sized model ...", file=sys.stderr)
            folder = build_random_xlmr(Path(tmp) / "xlmr-random")
            meta = json.loads((folder / "bench_tokens.json").read_text())
            meta["random_tokens"] = meta.pop("mean_tokens")
            rows = [run_variant(v, folder, args, cache, quality=False) for v in VARIANTS]
            rows.append(cached_onnx_run(folder, args, cache))
            results["default-size"] = rows
            if not args.no_docs:
                title = "default model's size (random XLM-RoBERTa base)"
                update_block(
                    f"speed-default-size{block_suffix(args)}", render(title, rows, args, meta)
                )
    for rows in results.values():
        for row in rows:
            print(json.dumps(row))
    if not args.no_docs:
        print("written to docs/benchmarks.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
