"""Building a small but complete Warden set-up in a temporary folder for the pipeline tests."""

from __future__ import annotations

from pathlib import Path

RULES = """\
rules:
  - name: acme-volume
    description: Many mentions of Acme in the last hour.
    entity: Acme
    condition: {kind: volume, window: 1h, above: 5}
    severity: critical
    annotations:
      summary: "{{ count }} mentions of {{ entity }} in {{ window }} (threshold {{ threshold }})"
"""


def write_setup(
    tmp_path: Path,
    *,
    db_url: str,
    feed_url: str,
    receiver_url: str,
    model_dir: Path,
    rules: str = RULES,
    poll: str = "1s",
    evaluate: str = "1s",
    web_port: int = 0,
) -> Path:
    """Write config.yaml and rules/ under tmp_path; return the config path."""
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir(exist_ok=True)
    (rules_dir / "acme.yaml").write_text(rules, encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(
        f"""\
database:
  url: "{db_url}"
logging:
  level: info
  format: json
web:
  host: 127.0.0.1
  port: {web_port}
entities:
  - name: Acme
    aliases: [ACME Bank]
sources:
  - name: news
    type: rss
    url: "{feed_url}"
    interval: {poll}
sentiment:
  model: "{model_dir}"
  interval: 1s
rules:
  dir: rules
  evaluate_every: {evaluate}
notifications:
  dispatch_every: 1s
  retry_initial: 1s
  retry_max: 2s
receivers:
  - name: oncall
    urls: ["{receiver_url}"]
""",
        encoding="utf-8",
    )
    return config
