"""`warden lookup --watch`: the looked-up name added to config.yaml's `entities:`, so the
sources tag its mentions and the rules alert on it.

The file is edited as text, never re-dumped: the new entry is appended to the `entities:`
list in the list's own layout (a block list gets a block item, a one-line `[...]` list a flow
item), so the operator's comments, order and spacing are kept. The edited file is loaded with
warden.config before it replaces the old one (atomically, keeping its permissions); a name
already watched, as a name or an alias of any entity, is refused.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from warden.config import READ_ONLY_UNUSED, Config, EntitySettings, load_config
from warden.errors import WardenError
from warden.folding import fold
from warden.lookup.results import Kind, LookupResult

EntityKind = Literal["brand", "person"]

_KEY = re.compile(r"^entities\s*:(.*)$")
_TAG = re.compile(r"(?<![\w@#])([@#][\w.]+)", re.UNICODE)


@dataclass
class Watched:
    """What `watch_name` added: the entity's name, kind and aliases, in `path`."""

    name: str
    kind: EntityKind
    aliases: list[str] = field(default_factory=list)
    path: Path = Path("config.yaml")


def _key(text: str) -> str:
    return " ".join(fold(text).split())


def _compact(text: str) -> str:
    """The name as one word, as handles and hashtags write it: ``jeromemartin``."""
    return "".join(ch for ch in fold(text) if ch.isalnum())


def without_accents(text: str) -> str:
    """``Jérôme Martin`` → ``Jerome Martin`` (case kept)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def seen_tags(name: str, result: LookupResult | None) -> list[str]:
    """@handles and #hashtags written in the found items (texts and authors) that are the
    name as one word (``@JeromeMartin``, ``#jérômemartin``), each once, first spelling kept."""
    if result is None:
        return []
    wanted = _compact(name)
    found: dict[str, str] = {}
    for group in result.groups:
        for item in group.items:
            candidates = _TAG.findall(f"{item.title or ''} {item.text}")
            if item.author:
                candidates.append("@" + item.author.split(".", 1)[0].split("@", 1)[0].lstrip("@"))
            for tag in candidates:
                tag = tag.rstrip(".")
                if len(tag) > 1 and _compact(tag[1:]) == wanted:
                    found.setdefault(tag[0] + _compact(tag[1:]), tag)
    return list(found.values())


def _taken(entities: list[EntitySettings]) -> dict[str, str]:
    """Every name and alias already watched (folded) → the entity it belongs to."""
    return {_key(n): e.name for e in entities for n in (e.name, *e.aliases)}


def check_not_watched(config: Config, name: str, config_path: Path) -> None:
    """Raise WardenError when `name` is already the name or an alias of a watched entity."""
    owner = _taken(config.entities).get(_key(name))
    if owner is not None:
        raise WardenError(
            f"{' '.join(name.split())!r} is already watched (entity {owner!r}); edit its entry "
            f"in {config_path} to change it"
        )


def _check_text(what: str, text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise WardenError(f"the {what} is empty")
    if any(unicodedata.category(c).startswith("C") for c in text):
        raise WardenError(f"the {what} {text!r} holds control characters")
    return text


def _scalar(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _entry_fields(watched: Watched) -> list[str]:
    fields = [f"name: {_scalar(watched.name)}", f"kind: {watched.kind}"]
    if watched.aliases:
        fields.append("aliases: [" + ", ".join(_scalar(a) for a in watched.aliases) + "]")
    return fields


def _insert_block(lines: list[str], key: int, watched: Watched) -> list[str]:
    """`lines` with a block item appended to the `entities:` block starting at line `key`."""
    end = key + 1
    last = key  # the last line of the list (an item, or an indented comment within it)
    indent: str | None = None
    while end < len(lines):
        line = lines[end]
        stripped = line.strip()
        if stripped and not line[0].isspace() and not line.startswith("- "):
            break  # the next top-level key, or a comment at column 0 introducing it
        if stripped:
            last = end
            if indent is None and stripped.startswith("- "):
                indent = line[: len(line) - len(line.lstrip())]
        end += 1
    pad = "  " if indent is None else indent
    first, *rest = _entry_fields(watched)
    item = [f"{pad}- {first}\n", *(f"{pad}  {f}\n" for f in rest)]
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    return lines[: last + 1] + item + lines[last + 1 :]


def _insert_flow(lines: list[str], key: int, rest: str, watched: Watched) -> list[str]:
    """`lines` with a flow item added to a one-line `entities: [...]` list."""
    close = rest.rfind("]")
    try:
        parsed = yaml.safe_load(rest[: close + 1]) if close >= 0 else None
    except yaml.YAMLError:
        parsed = None
    if not isinstance(parsed, list):
        raise WardenError(
            "config.yaml writes `entities:` in a form this command does not edit (an anchor or "
            "alias, or a [...] list over several lines); add the entity by hand"
        )
    item = "{" + ", ".join(_entry_fields(watched)) + "}"
    head = rest[:close].rstrip()
    joined = f"{head}{', ' if parsed else ''}{item}{rest[close:]}"
    line = lines[key]
    lines[key] = line[: len(line) - len(line.lstrip())] + "entities:" + joined
    if not lines[key].endswith("\n"):
        lines[key] += "\n"
    return lines


def add_entity_text(text: str, watched: Watched) -> str:
    """config.yaml's `text` with `watched` appended to its `entities:` list (or a new
    `entities:` section at the end when there is none)."""
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines):
        found = _KEY.match(line)
        if found is None:
            continue
        rest = found.group(1)
        value = rest.split(" #", 1)[0].strip()
        if value in ("", "~", "null"):
            if value:
                lines[number] = "entities:\n"
            return "".join(_insert_block(lines, number, watched))
        return "".join(_insert_flow(lines, number, rest, watched))
    tail = "" if not text or text.endswith("\n") else "\n"
    block = "".join(_insert_block(["entities:\n"], 0, watched))
    return f"{text}{tail}\n{block}"


def _replace(path: Path, text: str, watched: Watched) -> None:
    """Write `text` over `path` atomically (same folder, same permissions and owner) once the
    new file loads as a valid config holding the `watched` entity as it should."""
    path = path.resolve()  # a symlinked config.yaml keeps its link; its target is replaced
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        status = path.stat()
        os.chmod(temp, status.st_mode & 0o7777)
        with contextlib.suppress(PermissionError):  # root editing root:warden 0640 keeps it so
            os.chown(temp, status.st_uid, status.st_gid)
        # only the new entity is checked here: the daemon's reload checks the rest, secrets too
        loaded = load_config(Path(temp), unused=READ_ONLY_UNUSED)
        added = [e for e in loaded.entities if e.name == watched.name]
        if not added or (added[0].kind, added[0].aliases) != (watched.kind, watched.aliases):
            raise WardenError(
                f"{path}: adding the entity to `entities:` did not give the expected entry; "
                "the file is unchanged: add it by hand"
            )
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def watch_name(
    config_path: Path,
    name: str,
    kind: Kind | None,
    aliases: list[str] | None = None,
    result: LookupResult | None = None,
    config: Config | None = None,
) -> Watched:
    """Add `name` to `entities:` of the config file at `config_path`, kind "person" for a
    person and "brand" otherwise, with `aliases` plus the derived ones: its spelling without
    accents and the @handle / #hashtag forms of it seen in `result`. Aliases already watched
    (by any entity) or repeating another are left out.

    Raises WardenError when the name is already watched or the file cannot be edited, and
    warden.errors.ConfigError when the edited file would not load (the file is then left
    unchanged).
    """
    name = _check_text("name", name)
    current = config or load_config(config_path)
    check_not_watched(current, name, config_path)
    taken = _taken(current.entities)
    watched = Watched(name=name, kind="person" if kind == "person" else "brand", path=config_path)
    plain = without_accents(name)
    given = [_check_text("alias", a) for a in aliases or []]
    seen = {_key(name)}
    for alias in [*given, plain, *seen_tags(name, result)]:
        folded = _key(alias)
        if alias == name or alias in watched.aliases or folded in taken:
            continue
        if folded in seen and alias != plain:
            continue  # the matcher already reads it (case and accents do not count)
        seen.add(folded)
        watched.aliases.append(alias)
    try:
        original = config_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WardenError(f"{config_path}: cannot read: {exc}") from None
    edited = add_entity_text(original, watched)
    try:
        _replace(config_path, edited, watched)
    except OSError as exc:
        raise WardenError(f"{config_path}: cannot write: {exc}") from None
    return watched
