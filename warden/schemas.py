"""JSON Schemas of config.yaml and of rule files, generated from the models that validate them.

Editors with a YAML language server use them for completion and inline errors; the copies in
`schema/` are kept in step by a test (regenerate with `warden schema config|rules --out ...`).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any, Literal

from pydantic import TypeAdapter

from warden.config import Config
from warden.durations import format_duration
from warden.rules.schema import RuleFile
from warden.yamlfile import EXTENSION_KEYS

SchemaName = Literal["config", "rules"]
_ISO_DURATION = re.compile(r"^-?P(?=\d|T\d)(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_TIMEDELTA = TypeAdapter(timedelta)
_TITLES = {"config": "Warden config.yaml", "rules": "Warden rule file"}


def _short_durations(node: Any) -> Any:
    """Defaults of duration fields as operators write them (`15m`), not ISO 8601 (`PT15M`)."""
    if isinstance(node, dict):
        out = {k: _short_durations(v) for k, v in node.items()}
        default = out.get("default")
        if isinstance(default, str) and _ISO_DURATION.match(default):
            out["default"] = format_duration(_TIMEDELTA.validate_python(default))
        return out
    if isinstance(node, list):
        return [_short_durations(v) for v in node]
    return node


def json_schema(name: SchemaName) -> dict[str, Any]:
    model = Config if name == "config" else RuleFile
    schema: dict[str, Any] = _short_durations(model.model_json_schema(by_alias=True))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = _TITLES[name]
    schema["patternProperties"] = EXTENSION_KEYS  # `x-...` keys: anchors kept for merging
    return schema


def render_schema(name: SchemaName) -> str:
    return json.dumps(json_schema(name), indent=2, ensure_ascii=False) + "\n"
