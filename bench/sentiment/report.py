"""Writes benchmark results into the "Sentiment" section of docs/benchmarks.md, block by block.

Each bench owns one block, delimited by HTML comments, so re-running one bench replaces only
its own figures and leaves the other sections of the file alone.
"""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "benchmarks.md"
SHARED_SENTIMENT = ROOT.parent / "shared" / "data" / "sentiment"
SECTION = "## Sentiment"
INTRO = (
    "Sentiment benchmarks: quality of models trained with `warden model train` on the shared\n"
    "French and English posts, and scoring throughput of Warden's scorer against a naive\n"
    "`transformers.pipeline()`. Each block below says the command that produced it.\n"
)


def command_line(argv: Sequence[str] | None = None) -> str:
    """The command that is running, as someone would type it from the repository root."""
    args = list(sys.argv if argv is None else argv)
    script = Path(args[0]).resolve()
    try:
        shown = str(script.relative_to(ROOT))
    except ValueError:
        shown = str(script)
    return " ".join([".venv/bin/python", shown, *map(shlex.quote, args[1:])])


def update_block(name: str, markdown: str) -> None:
    """Replace (or add) block `name` inside the Sentiment section of docs/benchmarks.md."""
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    begin, end = f"<!-- sentiment:{name} -->", f"<!-- /sentiment:{name} -->"
    block = f"{begin}\n{markdown.strip()}\n{end}"
    if SECTION not in text:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{INTRO}\n{block}\n"
    elif begin in text:
        text = re.sub(re.escape(begin) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        start = text.index(SECTION)
        following = re.search(r"^## ", text[start + len(SECTION) :], flags=re.M)
        stop = start + len(SECTION) + following.start() if following else len(text)
        rest = "\n" + text[stop:] if following else ""
        head = text[:stop].rstrip("\n")
        if head.endswith(SECTION):  # the section is still empty: say what it holds first
            head += f"\n\n{INTRO.rstrip()}"
        text = head + f"\n\n{block}\n" + rest
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def load_split(language: str, split: str) -> list[tuple[str, int]]:
    """(text, label) pairs of one split of the shared sentiment data (read in place)."""
    folder = SHARED_SENTIMENT / language
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
    labels = (folder / f"{split}_labels.txt").read_text(encoding="utf-8").splitlines()
    if len(texts) != len(labels):
        raise SystemExit(f"{folder}: {split} texts and labels differ in length")
    return [(t, int(label)) for t, label in zip(texts, labels, strict=True)]


def require_shared_data() -> None:
    if not SHARED_SENTIMENT.is_dir():
        raise SystemExit(f"shared sentiment data not found at {SHARED_SENTIMENT}")
