"""Turning validation errors into ``path: reason`` lines a person can act on."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ValidationError


class ConfigError(Exception):
    """A configuration that cannot run. ``problems`` are ``path: reason`` lines."""

    def __init__(self, problems: Sequence[str], source: Path | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        where = f" in {source}" if source else ""
        super().__init__(f"{len(self.problems)} problem(s){where}:\n" + "\n".join(self.problems))


def format_path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _bounds(root: type[BaseModel], loc: Sequence[int | str]) -> tuple[Any, Any] | None:
    """The (low, high) bounds of the field at ``loc``, when it has both."""
    model: type[BaseModel] | None = root
    field = None
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = _model_of(field.annotation)
    if field is None:
        return None
    low = high = None
    for meta in field.metadata:
        if isinstance(meta, Ge | Gt):
            low = meta.ge if isinstance(meta, Ge) else meta.gt
        if isinstance(meta, Le | Lt):
            high = meta.le if isinstance(meta, Le) else meta.lt
    if low is None or high is None:
        return None
    return low, high


def _reason(error: Any, root: type[BaseModel]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    loc = error["loc"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown key (check the spelling against config.example.toml)"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bounds = _bounds(root, loc)
        if bounds is not None:
            return f"must be between {bounds[0]} and {bounds[1]}"
        words = {
            "greater_than_equal": ("at least", "ge"),
            "less_than_equal": ("at most", "le"),
            "greater_than": ("more than", "gt"),
            "less_than": ("less than", "lt"),
        }[kind]
        return f"must be {words[0]} {ctx.get(words[1])}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number (got {error.get('input')!r})"
    if kind in ("float_parsing", "float_type"):
        return f"must be a number (got {error.get('input')!r})"
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if kind == "string_pattern_mismatch":
        return f"has a form that is not allowed (expected pattern {ctx.get('pattern')})"
    msg = str(error["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if msg.startswith("Assertion failed, "):
        msg = msg[len("Assertion failed, ") :]
    return msg.replace("Input should be", "must be").replace("String should", "must")


def format_validation_error(exc: ValidationError, root: type[BaseModel]) -> list[str]:
    """One ``path: reason`` line per error."""
    lines = []
    for error in exc.errors():
        loc = [p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        path = format_path(loc) or "(top level)"
        lines.append(f"{path}: {_reason(error, root)}")
    return lines
