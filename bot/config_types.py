"""Building blocks of configuration: value types, reading the TOML file, and turning pydantic's
errors into "<dotted.key>: <problem>" lines. Each platform's own table is defined in
its adapter (adapters/<platform>/config.py) with these types, and joins the Config through the
registry.

Every key can also come from the environment as DEALBOT_<SECTION>_<KEY> (bot/config_env.py
merges that in; the environment wins, and its problems are named by the variable). Secrets are
SecretStr: their values never show in a repr, and no problem message quotes them.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Collection
from datetime import time
from pathlib import Path
from typing import Annotated, Any, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    SecretStr,
    Strict,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

PROBLEM = "dealbot_config"  # the error type of our own checks; ctx carries the lines and a sub-key


def problem(*lines: str, key: str | None = None) -> PydanticCustomError:
    """One or more problems at the field being validated (or at its sub-key `key`)."""
    return PydanticCustomError(
        PROBLEM, "{message}", {"message": "; ".join(lines), "lines": lines, "key": key}
    )


def env_name(section: str, key: str) -> str:
    return f"DEALBOT_{section}_{key}".upper()


class Section(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, hide_input_in_errors=True, allow_inf_nan=False
    )


def _clock(value: Any) -> time:
    if isinstance(value, time) and value.tzinfo is None:  # a TOML local time: 09:00:00
        return value
    match = re.fullmatch(r"(\d{1,2}):(\d\d)", value) if isinstance(value, str) else None
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    raise problem(f'must be a time "HH:MM" (24-hour clock), not {value!r}')


def between(low: int, high: int) -> AfterValidator:
    def check(value: int) -> int:
        if not low <= value <= high:
            raise problem(f"must be between {low} and {high}")
        return value

    return AfterValidator(check)


def _positive(value: float) -> float:
    if value <= 0:
        raise problem("must be greater than 0")
    return value


def _currency(value: str) -> str:
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise problem(f"must be a 3-letter currency code in capitals like 'USD', not {value!r}")
    return value


def _country(value: str) -> str:
    from bot.worktime import known_countries  # the holidays package is loaded when used

    code = value.strip().upper()
    if code not in known_countries():
        close = difflib.get_close_matches(code, sorted(known_countries()), n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise problem(
            f"unknown country code {value!r}{hint}: use the two-letter ISO 3166 code of a "
            "country the holidays package knows, like 'US', 'GB', 'DE' or 'CN'"
        )
    return code


def _url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise problem(f"must start with http:// or https://, not {value!r}")
    return value


def _secret(value: SecretStr) -> SecretStr:
    if not value.get_secret_value().strip():
        raise problem("must not be empty")
    return value


def aes_key(value: SecretStr) -> SecretStr:
    if len(value.get_secret_value()) != 43:
        raise problem("must be exactly 43 characters")
    return value


Clock = Annotated[time, BeforeValidator(_clock)]
PositiveInt = Annotated[int, Strict(), AfterValidator(_positive)]
PositiveFloat = Annotated[float, Strict(), AfterValidator(_positive)]
Currency = Annotated[str, AfterValidator(_currency)]
Country = Annotated[str, AfterValidator(_country)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Secret = Annotated[SecretStr, AfterValidator(_secret)]
# SDK clients append method names to the base URL, so it keeps exactly one trailing slash
ApiBase = Annotated[str, AfterValidator(_url), AfterValidator(lambda v: v.rstrip("/") + "/")]
Domain = Annotated[str, AfterValidator(_url), AfterValidator(lambda v: v.rstrip("/"))]


def required_with(section: str, key: str, when: str) -> PydanticCustomError:
    """A key that another key's value makes necessary."""
    return problem(f"required {when} (or set {env_name(section, key)})", key=key)


def read_toml(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The parsed file, or a problem line: missing, unreadable, not TOML."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return {}, [f"{path}: no such file"]
    except UnicodeDecodeError:
        return {}, [f"{path}: not UTF-8 text"]
    except OSError as e:
        return {}, [f"{path}: cannot read it ({e.strerror or e.__class__.__name__})"]
    try:
        return tomllib.loads(text), []
    except tomllib.TOMLDecodeError as e:
        message = str(e)
    match = re.fullmatch(r"(.*) \(at line (\d+), column \d+\)", message)
    return {}, [f"{path}: line {match[2]}: {match[1]}" if match else f"{path}: {message}"]


_MESSAGES = {
    "string_type": "must be a string (in quotes)",
    "string_too_short": "must not be empty",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
}


def problem_lines(
    err: Any,
    sources: dict[tuple[str, str], str],
    root: type[BaseModel],
    platforms: Collection[str] = (),
) -> list[str]:
    """A pydantic error as "<dotted.key>: <problem>" lines; `sources` names env-sourced keys."""
    loc, kind, ctx = tuple(err["loc"]), err["type"], err.get("ctx") or {}
    if kind == PROBLEM:
        loc += tuple(ctx["key"].split(".")) if ctx.get("key") else ()
        messages = list(ctx["lines"])
    elif kind == "extra_forbidden":
        known = _model_at(root, loc[:-1])
        close = difflib.get_close_matches(
            str(loc[-1]), known.model_fields if known else [], 1, 0.75
        )
        what = (
            "unknown section" if len(loc) == 1 and isinstance(err["input"], dict) else "unknown key"
        )
        messages = [what + (f" (did you mean {close[0]!r}?)" if close else "")]
    elif kind == "missing" and len(loc) == 2 and loc[0] in platforms:
        messages = [f"required when [{loc[0]}] is configured (or set {env_name(*loc)})"]
    elif kind == "missing":
        messages = ["required"]
    elif kind == "literal_error":  # literal fields are never secrets, so the value may show
        messages = [f"must be {ctx['expected']}, not {err['input']!r}"]
    else:  # pydantic's own wording never quotes the value
        messages = [_MESSAGES.get(kind, err["msg"])]
    where = f"{_dotted(loc)}: "
    if var := sources.get(loc[:2]):  # from DEALBOT_<SECTION>_<KEY>: named by the variable
        where = f"{var}: " + (where if len(loc) > 2 else "")
    return [f"{where}{message}" for message in messages]


def _dotted(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else part
    return out


def _model_at(root: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, str):
            field = model.model_fields.get(part) if model else None
            model = _inner_model(field.annotation) if field else None
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for a in get_args(annotation) if (m := _inner_model(a))), None)
