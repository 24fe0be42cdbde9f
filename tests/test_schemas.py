"""The JSON Schemas shipped for editors are current, and the shipped examples satisfy them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from warden.schemas import render_schema

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["config", "rules"])
def test_committed_schema_matches_the_models(name: str) -> None:
    committed = (ROOT / "schema" / f"{name}.schema.json").read_text(encoding="utf-8")
    assert committed == render_schema(name), (
        f"schema/{name}.schema.json is stale: run `warden schema {name} "
        f"--out schema/{name}.schema.json`"
    )


def test_example_config_and_rules_validate_against_the_schemas() -> None:
    config_schema = json.loads(render_schema("config"))
    rules_schema = json.loads(render_schema("rules"))
    jsonschema.validate(yaml.safe_load((ROOT / "config.yaml").read_text()), config_schema)
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text()), rules_schema)


def test_schema_rejects_what_warden_rejects() -> None:
    rules_schema = json.loads(render_schema("rules"))
    bad = {"rules": [{"name": "r", "condition": {"kind": "volume", "window": "soon", "above": 3}}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, rules_schema)


@pytest.mark.parametrize("name", ["config", "rules"])
def test_duration_defaults_are_written_as_operators_write_them(name: str) -> None:
    text = render_schema(name)
    assert '"default": "PT' not in text and '"default": "P1' not in text
    assert '"default": "15m"' in text or '"default": "10s"' in text
