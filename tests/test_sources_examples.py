"""examples/sources.yaml: every source type is there, and every entry validates."""

from __future__ import annotations

import typing
from pathlib import Path

import yaml
from pydantic import TypeAdapter

from warden.sources.registry import build_source
from warden.sources.settings import SourceSettings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "sources.yaml"


def test_every_type_has_a_valid_example() -> None:
    env = {
        "MASTODON_TOKEN": "m",
        "X_BEARER_TOKEN": "x",
        "REVIEWS_API_TOKEN": "r",
        "WARDEN_WEBHOOK_SECRET": "s",
    }
    text = EXAMPLES.read_text("utf-8")
    for key, value in env.items():
        text = text.replace("${" + key + "}", value)
    entries = yaml.safe_load(text)
    adapter = TypeAdapter(list[SourceSettings])
    sources = adapter.validate_python(entries)
    union = typing.get_args(typing.get_args(SourceSettings)[0])
    all_types = {typing.get_args(model.model_fields["type"].annotation)[0] for model in union}
    assert {s.type for s in sources} == all_types
    for settings in sources:
        assert build_source(settings).name == settings.name


def test_every_settings_class_documents_its_fields_and_an_example() -> None:
    schema = TypeAdapter(list[SourceSettings]).json_schema()
    adapter = TypeAdapter(SourceSettings)
    union = typing.get_args(typing.get_args(SourceSettings)[0])
    for model in union:
        definition = schema["$defs"][model.__name__]
        assert definition.get("description"), model.__name__
        for field, spec in definition["properties"].items():
            assert spec.get("description") or field == "type", f"{model.__name__}.{field}"
        for example in definition["examples"]:
            assert adapter.validate_python(example).type == example["type"]
