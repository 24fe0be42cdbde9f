"""JSON Schemas of config.yaml and of rule files, generated from the models that validate them.

Editors with a YAML language server use them for completion and inline errors; the copies in
`schema/` are kept in step by a test (regenerate with `warden schema config|rules --out ...`).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from warden.config import Config
from warden.rules.schema import RuleFile

SchemaName = Literal["config", "rules"]
_TITLES = {"config": "Warden config.yaml", "rules": "Warden rule file"}


def json_schema(name: SchemaName) -> dict[str, Any]:
    model = Config if name == "config" else RuleFile
    schema = model.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = _TITLES[name]
    return schema


def render_schema(name: SchemaName) -> str:
    return json.dumps(json_schema(name), indent=2, ensure_ascii=False) + "\n"
