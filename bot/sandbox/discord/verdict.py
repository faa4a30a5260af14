"""A fast yes/no for "does this body conform to this schema?", compiled once per schema into plain closures.

The local Discord checks every request and response against Discord's OpenAPI document. Nearly every exchange
conforms, and ``jsonschema`` spends most of its time building error contexts and evolving validators on the way
down; a compiled yes/no is ~10× cheaper. It is a filter, never the judge: a body it passes has no finding
(the same verdict as JSON Schema 2020-12, as ``jsonschema`` applies it: ``format``/``content*`` are annotations);
a body it fails goes to ``jsonschema``, which says where and why. A schema using a keyword it does not implement
gets no fast verdict (None) and is always judged by ``jsonschema``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema._utils import equal, uniq

Check = Callable[[Any], bool]

#: Keywords ``jsonschema`` applies that this module does not: a schema using one gets no fast verdict.
_UNSUPPORTED = set(Draft202012Validator.VALIDATORS) - {
    "additionalProperties", "allOf", "anyOf", "const", "enum", "exclusiveMaximum", "exclusiveMinimum", "format",
    "items", "maxItems", "maxLength", "maxProperties", "maximum", "minItems", "minLength", "minProperties",
    "minimum", "oneOf", "pattern", "patternProperties", "properties", "required", "type", "uniqueItems",
}


class Unsupported(Exception):
    """The schema uses a keyword (or a form of one) this module does not compile."""


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _number,
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
}


def _always(_: Any) -> bool:
    return True


def _never(_: Any) -> bool:
    return False


class Compiler:
    """``Compiler().compile(schema)``: a check for ``schema`` (shared, possibly cyclic sub-schemas compile once).
    One compiler per top-level schema: after :class:`Unsupported` its memo is not to be used again."""

    def __init__(self) -> None:
        self._memo: dict[int, Check] = {}
        self._keep: list[Any] = []  # the schemas whose ids are memo keys stay alive

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise Unsupported(f"schema {schema!r}")
        done = self._memo.get(id(schema))
        if done is not None:
            return done
        cell: list[Check] = []
        self._memo[id(schema)] = lambda v: cell[0](v)  # a cycle back here calls the finished check
        self._keep.append(schema)
        check = self._build(schema)
        cell.append(check)
        self._memo[id(schema)] = check
        return check

    def _build(self, s: dict[str, Any]) -> Check:
        used = _UNSUPPORTED.intersection(s)
        if used:
            raise Unsupported(", ".join(sorted(used)))
        checks: list[Check] = []
        if "type" in s:
            kinds = s["type"] if isinstance(s["type"], list) else [s["type"]]
            if not kinds or any(k not in _TYPES for k in kinds):
                raise Unsupported(f"type {kinds!r}")
            tests = [_TYPES[k] for k in kinds]
            checks.append(tests[0] if len(tests) == 1 else lambda v: any(t(v) for t in tests))
        if "const" in s:
            const = s["const"]
            checks.append(lambda v: equal(v, const))
        if "enum" in s:
            choices = list(s["enum"])
            checks.append(lambda v: any(equal(v, c) for c in choices))
        checks.extend(self._objects(s))
        checks.extend(self._arrays(s))
        checks.extend(_strings(s))
        checks.extend(_numbers(s))
        if "allOf" in s:
            every = [self.compile(sub) for sub in s["allOf"]]
            checks.append(lambda v: all(c(v) for c in every))
        if "anyOf" in s:
            some = [self.compile(sub) for sub in s["anyOf"]]
            checks.append(lambda v: any(c(v) for c in some))
        if "oneOf" in s:
            one = [self.compile(sub) for sub in s["oneOf"]]
            checks.append(lambda v: sum(1 for c in one if c(v)) == 1)
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]
        return lambda v: all(c(v) for c in checks)

    def _objects(self, s: dict[str, Any]) -> list[Check]:
        out: list[Check] = []
        required = list(s.get("required", ()))
        if required:
            out.append(lambda v: not isinstance(v, dict) or all(k in v for k in required))
        props = {name: self.compile(sub) for name, sub in s.get("properties", {}).items()}
        patterns = [(re.compile(p), self.compile(sub)) for p, sub in s.get("patternProperties", {}).items()]
        extra = self.compile(s["additionalProperties"]) if "additionalProperties" in s else None
        if props or patterns or extra is not None:
            def members(v: Any) -> bool:
                if not isinstance(v, dict):
                    return True
                for key, value in v.items():
                    check = props.get(key)
                    if check is not None and not check(value):
                        return False
                    matched = False
                    for pattern, sub in patterns:
                        if pattern.search(key):
                            matched = True
                            if not sub(value):
                                return False
                    if extra is not None and check is None and not matched and not extra(value):
                        return False
                return True
            out.append(members)
        if "maxProperties" in s:
            most = s["maxProperties"]
            out.append(lambda v: not isinstance(v, dict) or len(v) <= most)
        if "minProperties" in s:
            least = s["minProperties"]
            out.append(lambda v: not isinstance(v, dict) or len(v) >= least)
        return out

    def _arrays(self, s: dict[str, Any]) -> list[Check]:
        out: list[Check] = []
        if "items" in s:
            item = self.compile(s["items"])  # 2020-12: one schema for every item (a list is prefixItems')
            out.append(lambda v: not isinstance(v, list) or all(item(x) for x in v))
        if "maxItems" in s:
            most = s["maxItems"]
            out.append(lambda v: not isinstance(v, list) or len(v) <= most)
        if "minItems" in s:
            least = s["minItems"]
            out.append(lambda v: not isinstance(v, list) or len(v) >= least)
        if s.get("uniqueItems"):
            out.append(lambda v: not isinstance(v, list) or uniq(v))
        return out


def _strings(s: dict[str, Any]) -> list[Check]:
    out: list[Check] = []
    if "maxLength" in s:
        most = s["maxLength"]
        out.append(lambda v: not isinstance(v, str) or len(v) <= most)
    if "minLength" in s:
        least = s["minLength"]
        out.append(lambda v: not isinstance(v, str) or len(v) >= least)
    if "pattern" in s:
        pattern = re.compile(s["pattern"])
        out.append(lambda v: not isinstance(v, str) or pattern.search(v) is not None)
    return out


def _numbers(s: dict[str, Any]) -> list[Check]:
    out: list[Check] = []
    if "minimum" in s:
        low = s["minimum"]
        out.append(lambda v: not _number(v) or v >= low)
    if "maximum" in s:
        high = s["maximum"]
        out.append(lambda v: not _number(v) or v <= high)
    if "exclusiveMinimum" in s:
        above = s["exclusiveMinimum"]
        out.append(lambda v: not _number(v) or v > above)
    if "exclusiveMaximum" in s:
        below = s["exclusiveMaximum"]
        out.append(lambda v: not _number(v) or v < below)
    return out


def compile_verdict(schema: Any) -> Check | None:
    """The fast yes/no for ``schema``, or None when it uses a keyword this module does not compile."""
    try:
        return Compiler().compile(schema)
    except Unsupported:
        return None
