"""Settings from the environment: every key of every table can be set as DEALBOT_<SECTION>_<KEY>
(DEALBOT_SERVER_PORT, DEALBOT_DATABASE_URL), and the environment wins over the file. An
empty variable counts as unset; a variable of a known table naming no key of it is an error.

A variable is a string, read by the type of its key: whole numbers, numbers, booleans
(true/false/1/0), text as it is (times "09:00", dates, secrets, URLs), and lists and tables
(pipeline stages, approval bands, rates, extra holidays) as one JSON or TOML value:
DEALBOT_BOT_EXTRA_HOLIDAYS='["2027-02-11"]', DEALBOT_CURRENCY_RATES='{ EUR = 7.8 }'.

`sources` tells where each key's value came from (the file, a variable, the default), for
`dealbot check-config --sources`, without showing a secret.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
import types
from collections.abc import Mapping
from datetime import time
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr

from bot.config_types import env_name

PREFIX = "DEALBOT_"
Kind = Literal["text", "int", "float", "bool", "value"]
_BOOLS = {"true": True, "1": True, "false": False, "0": False}
_SENSITIVE = re.compile(r"(token|secret|password|key)$")


def tables(root: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """The config's tables: section name → its model."""
    found = {}
    for name, field in root.model_fields.items():
        model = _model_in(field.annotation)
        if model is not None:
            found[name] = model
    return found


def kind(annotation: Any) -> Kind:
    """How a variable's string is read for a key of this type."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return kind(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        kinds = {kind(a) for a in get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else "text"
    if origin in (list, tuple, dict, set, frozenset) or annotation in (list, tuple, dict):
        return "value"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "value"
    if annotation is bool:
        return "bool"
    if annotation is int:
        return "int"
    if annotation is float:
        return "float"
    return "text"


def read(text: str, how: Kind) -> tuple[Any, str | None]:
    """The value of a variable's text, or the problem with it."""
    value = text.strip()
    if how == "int":
        if re.fullmatch(r"[+-]?\d+", value):
            return int(value), None
        return None, f"must be a whole number, not {text!r}"
    if how == "float":
        try:
            number = float(value)
        except ValueError:
            return None, f"must be a number, not {text!r}"
        return number, None
    if how == "bool":
        if value.casefold() in _BOOLS:
            return _BOOLS[value.casefold()], None
        return None, f"must be true or false (or 1 or 0), not {text!r}"
    if how == "value":
        try:
            return json.loads(value), None
        except ValueError:
            pass
        try:
            return tomllib.loads(f"v = {value}")["v"], None
        except tomllib.TOMLDecodeError:
            return None, (
                'must be one JSON or TOML value: a list like ["a", "b"] or a table like '
                '{ a = 1 } (or {"a": 1})'
            )
    return text, None


def apply(
    raw: dict[str, Any], env: Mapping[str, str], root: type[BaseModel]
) -> tuple[dict[tuple[str, str], str], list[str]]:
    """Copy the DEALBOT_* variables into the parsed file. Returns (section, key) → variable for
    the keys set, and a problem line ("DEALBOT_SERVER_PORT: …") for each bad variable."""
    sources: dict[tuple[str, str], str] = {}
    problems: list[str] = []
    known: dict[str, list[str]] = {}
    for section, model in tables(root).items():
        names = known.setdefault(f"{PREFIX}{section.upper()}_", [])
        for key, field in model.model_fields.items():
            var = env_name(section, key)
            names.append(var)
            if not env.get(var):
                continue
            value, wrong = read(env[var], kind(field.annotation))
            if wrong:
                problems.append(f"{var}: {wrong}")
            elif isinstance(table := raw.setdefault(section, {}), dict):
                table[key] = value
                sources[section, key] = var
    for var in sorted(env):
        prefix = next((p for p in known if var.startswith(p)), None)
        if prefix and env[var] and var not in known[prefix]:
            close = difflib.get_close_matches(var, known[prefix], 1, 0.8)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(f"{var}: no such setting{hint}")
    return sources, problems


def sources(
    config: BaseModel, file_raw: Mapping[str, Any], env_sources: Mapping[tuple[str, str], str]
) -> list[str]:
    """One line per key of each table in use: `section.key = value  (from)`, where from is
    "file", the variable, or "default"; secrets show as ******** and URLs lose their password."""
    lines = []
    for section, model in tables(type(config)).items():
        table = getattr(config, section, None)
        if table is None:
            continue
        in_file = file_raw.get(section) if isinstance(file_raw.get(section), dict) else {}
        for key in model.model_fields:
            if (section, key) in env_sources:
                origin = env_sources[section, key]
            elif key in in_file:
                origin = "file"
            else:
                origin = "default"
            shown = _shown(key, getattr(table, key))
            lines.append(f"{section}.{key} = {shown}  ({origin})")
    return lines


def _shown(key: str, value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, SecretStr) or _SENSITIVE.search(key):
        return "********"
    if isinstance(value, time):
        return f'"{value:%H:%M}"'
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list | tuple) and value and isinstance(value[0], BaseModel):
        value = [v.model_dump(mode="json", exclude_unset=True) for v in value]
    if isinstance(value, str):
        return json.dumps(_no_password(value), ensure_ascii=False)
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 100 else text[:99] + "…"


def _no_password(value: str) -> str:
    """A URL with its password replaced by ***; anything else as it is."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return value
    if not parts.password:
        return value
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for a in get_args(annotation) if (m := _model_in(a))), None)
