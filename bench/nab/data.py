"""Load the NAB tweet-volume series and their labelled windows, read in place from ../shared."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "nab-tweets"
STEP = timedelta(minutes=5)


@dataclass(frozen=True)
class LabelledSeries:
    """One NAB file: timestamps, counts and the (left, right) row indexes of each window."""

    name: str
    times: list[datetime]
    values: list[float]
    windows: list[tuple[int, int]]


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.strip())


def load_corpus(directory: Path = DEFAULT_DIR) -> list[LabelledSeries]:
    """All series in ``directory`` that ``windows.json`` labels, sorted by name."""
    labels = json.loads((directory / "windows.json").read_text())
    corpus = []
    for name in sorted(labels):
        with (directory / name).open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        times = [_parse(r["timestamp"]) for r in rows]
        values = [float(r["value"]) for r in rows]
        windows = []
        for start_text, end_text in labels[name]:
            start, end = _parse(start_text), _parse(end_text)
            inside = [i for i, t in enumerate(times) if start <= t <= end]
            if inside:
                windows.append((inside[0], inside[-1]))
        corpus.append(LabelledSeries(name, times, values, windows))
    return corpus


def load_profiles(directory: Path = DEFAULT_DIR) -> dict[str, dict[str, float]]:
    """NAB cost profiles: name -> {tpWeight, fpWeight, fnWeight, tnWeight}."""
    raw = json.loads((directory / "profiles.json").read_text())
    return {name: dict(body["CostMatrix"]) for name, body in raw.items()}
