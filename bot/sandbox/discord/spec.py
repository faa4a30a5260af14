"""Discord's published OpenAPI description (``openapi/discord-openapi.json``) as the local Discord's judge.

The document is Discord's own (discord/discord-api-spec, MIT licence beside it). :class:`OpenApiSpec` finds the
operation for a method and path (literal segments win over parameters, as in Discord's router), and validates a
request body, its query parameters, a response status and a response body against it with a JSON Schema
2020-12 validator. Validators are compiled once per schema and cached, and a body first meets a compiled yes/no
(:mod:`.verdict`): only a body that fails it is walked by ``jsonschema`` for where and why, so checking every
request and response stays cheap.

The local Discord uses it twice: a request that breaks the schema is refused with Discord's
``400 / 50035 Invalid Form Body`` (and its ``errors`` tree) before any handler runs, and every answer is
checked on the way out; what does not match is recorded on the request log (:attr:`RestRecord.violations`),
which the conformance tests read. ``MENTORBOT_DISCORD_OPENAPI`` points at another copy of the document.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match, relevance

from .verdict import Check, compile_verdict

JSON = dict[str, Any]
DOCUMENT = Path(__file__).with_name("openapi") / "discord-openapi.json"
_METHODS = ("get", "put", "post", "patch", "delete")
#: ``MENTORBOT_DISCORD_VERDICT_CROSS_CHECK=1``: judge every body by both the fast verdict and ``jsonschema`` and
#: fail loudly where they differ (to check :mod:`.verdict` on real traffic).
CROSS_CHECK = os.environ.get("MENTORBOT_DISCORD_VERDICT_CROSS_CHECK") == "1"

#: What a finding is about: no operation for the route, a request or response body that breaks its schema, or a
#: status the operation does not declare.
KINDS = ("unmatched", "request", "response", "status")


@dataclass(frozen=True)
class Finding:
    kind: str
    method: str
    template: str  # the spec's path template (or the raw path when unmatched)
    status: int | None
    where: str  # JSON path inside the body ("$.components[0].id"), or the query parameter
    message: str

    def __str__(self) -> str:
        status = f" -> {self.status}" if self.status is not None else ""
        return f"{self.kind}: {self.method} {self.template}{status} {self.where}: {self.message}"


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    literals: int  # literal segments: more wins when two templates match
    pointer: str  # JSON pointer of the operation object
    node: JSON
    parameters: tuple[JSON, ...]


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _with_errata(document: JSON, *, requests: bool) -> JSON:
    """The document with the two places where it contradicts Discord's own documentation and behaviour:

    - field errors inside a 50035 ``errors`` tree carry *string* codes (``"BASE_TYPE_REQUIRED"``; see
      "Error Messages" in Discord's API reference), where the document types every ``Error.code`` as an integer;
    - request bodies may give a snowflake as a JSON integer (Discord accepts both; discord.py sends
      ``recipient_id``, ``parent_id``… as integers). Responses still must be strings;
    - request bodies give permission bit sets (``allow``, ``deny``, ``permissions``) as decimal strings, as
      the API reference documents and discord.py sends them, where the document says integer.
    """
    schemas = dict(document["components"]["schemas"])
    field_error = {"type": "object", "properties": {"code": {"type": ["string", "integer"]},
                                                    "message": {"type": "string"}},
                   "required": ["code", "message"]}
    inner = dict(schemas["InnerErrors"])
    inner["properties"] = {"_errors": {"type": "array", "items": field_error}}
    schemas["InnerErrors"] = inner
    if requests:
        schemas["SnowflakeType"] = {"oneOf": [schemas["SnowflakeType"], {"type": "integer", "minimum": 0}]}
    patched = {**document, "components": {**document["components"], "schemas": schemas}}
    return _permission_strings(patched) if requests else patched


def _permission_strings(node: Any) -> Any:
    if isinstance(node, list):
        return [_permission_strings(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _permission_strings(value) for key, value in node.items()}
    props = out.get("properties")
    if isinstance(props, dict):
        for name in ("allow", "deny", "permissions"):
            if isinstance(props.get(name), dict) and props[name].get("type") == ["integer", "null"]:
                props[name] = {"type": ["integer", "string", "null"], "pattern": "^[0-9]+$"}
    return out


_ANNOTATIONS = {"description", "title", "format", "x-discord-union", "deprecated", "readOnly", "writeOnly"}


class _Compiler:
    """The document's schemas with every local ``$ref`` replaced by the (shared, possibly cyclic) object it
    points to, and ``oneOf`` read as ``anyOf``: the validator then stops at the first branch that fits instead
    of resolving references and trying every branch. Discord's unions are told apart by a ``type`` constant,
    so no body fits two branches and the verdict is the same; it is ~10× faster."""

    def __init__(self, document: JSON) -> None:
        self.document = document
        self._memo: dict[int, Any] = {}

    def at(self, pointer: str) -> Any:
        node: Any = self.document
        for token in pointer.lstrip("/").split("/"):
            if token:
                node = node[token.replace("~1", "/").replace("~0", "~")]
        return node

    def compile(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.compile(item) for item in node]
        if not isinstance(node, dict):
            return node
        done = self._memo.get(id(node))
        if done is not None:
            return done
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/") and set(node) - {"$ref"} <= _ANNOTATIONS:
            target = self.at(ref[1:])
            out = self.compile(target)
            self._memo[id(node)] = out
            return out
        compiled: JSON = {}
        self._memo[id(node)] = compiled
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/"):
                compiled.setdefault("allOf", []).append(self.compile(self.at(value[1:])))
            elif key == "oneOf":
                compiled.setdefault("anyOf", []).extend(self.compile(value))
            elif key in ("properties", "patternProperties", "$defs"):
                compiled[key] = {name: self.compile(sub) for name, sub in value.items()}
            else:
                compiled[key] = self.compile(value)
        return compiled


class OpenApiSpec:
    """One loaded document; use :func:`load` for the shared, cached instance."""

    def __init__(self, document: JSON) -> None:
        self.document = document
        self._compilers = {kind: _Compiler(_with_errata(document, requests=kind == "request"))
                           for kind in ("request", "response")}
        self._validators: dict[tuple[str, str], Draft202012Validator] = {}
        self._verdicts: dict[tuple[str, str], Check | None] = {}
        self._by_method: dict[str, list[Operation]] = {}
        self.operations: list[Operation] = []
        for template, item in document["paths"].items():
            common = item.get("parameters", [])
            for method in _METHODS:
                if method not in item:
                    continue
                node = item[method]
                regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
                literals = sum(1 for seg in template.split("/") if seg and not seg.startswith("{"))
                params = {(p["name"], p["in"]): p for p in [*common, *node.get("parameters", [])]}
                self.operations.append(Operation(
                    method.upper(), template, re.compile(f"^{regex}$"), literals,
                    f"/paths/{_escape(template)}/{method}", node, tuple(params.values()),
                ))
        for op in self.operations:
            self._by_method.setdefault(op.method, []).append(op)
        self._operation_of: dict[tuple[str, str], Operation | None] = {}

    # ---- lookups ------------------------------------------------------------------------------------
    def operation(self, method: str, path: str) -> Operation | None:
        key = (method.upper(), path)
        if key in self._operation_of:
            return self._operation_of[key]
        found = [op for op in self._by_method.get(key[0], ()) if op.pattern.match(path)]
        op = max(found, key=lambda op: op.literals) if found else None
        if len(self._operation_of) > 4096:  # paths carry ids: keep the memo small
            self._operation_of.clear()
        self._operation_of[key] = op
        return op

    def _deref(self, node: JSON) -> JSON:
        while "$ref" in node and node["$ref"].startswith("#/"):
            target: Any = self.document
            for token in node["$ref"][2:].split("/"):
                target = target[token.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def _verdict(self, kind: str, pointer: str) -> Check | None:
        if (kind, pointer) not in self._verdicts:
            compiler = self._compilers[kind]
            self._verdicts[kind, pointer] = compile_verdict(compiler.compile(compiler.at(pointer)))
        return self._verdicts[kind, pointer]

    def _validator(self, kind: str, pointer: str) -> Draft202012Validator:
        v = self._validators.get((kind, pointer))
        if v is None:
            compiler = self._compilers[kind]
            v = Draft202012Validator(compiler.compile(compiler.at(pointer)))
            self._validators[kind, pointer] = v
        return v

    def declared_response(self, op: Operation, status: int) -> tuple[str, JSON] | None:
        """The response object an operation declares for ``status`` (exact code, then ``4XX``-style ranges)."""
        responses = op.node.get("responses", {})
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                return key, self._deref(responses[key])
        return None

    # ---- checks -------------------------------------------------------------------------------------
    def check_request(self, method: str, path: str, query: dict[str, str], body: Any,
                      *, multipart: bool = False) -> list[Finding]:
        op = self.operation(method, path)
        if op is None:
            return [Finding("unmatched", method.upper(), path, None, "", "no operation in the specification")]
        found = list(self._check_query(op, query))
        request = op.node.get("requestBody")
        if request is None:
            if body not in (None, {}, b"", ""):
                found.append(Finding("request", op.method, op.template, None, "$", "the operation takes no body"))
            return found
        request = self._deref(request)
        content = request.get("content", {})
        ctype = "application/json" if "application/json" in content else next(iter(content), None)
        if body is None:
            if request.get("required") and not multipart:
                found.append(Finding("request", op.method, op.template, None, "$", "a body is required"))
            return found
        if ctype is None or "schema" not in content[ctype]:
            return found
        pointer = f"{op.pointer}/requestBody/content/{_escape(ctype)}/schema"
        if "$ref" in op.node["requestBody"]:
            pointer = op.node["requestBody"]["$ref"][1:] + f"/content/{_escape(ctype)}/schema"
        found.extend(self._schema_findings("request", op, None, pointer, body))
        return found

    def check_response(self, method: str, path: str, status: int, body: Any) -> list[Finding]:
        op = self.operation(method, path)
        if op is None:
            return [Finding("unmatched", method.upper(), path, status, "", "no operation in the specification")]
        declared = self.declared_response(op, status)
        if declared is None:
            return [Finding("status", op.method, op.template, status, "",
                            f"status {status} is not declared (declared: {', '.join(op.node.get('responses', {}))})")]
        key, response = declared
        content = response.get("content")
        if not content:
            if body is not None:
                return [Finding("response", op.method, op.template, status, "$",
                                f"{key} declares no body, but one was returned")]
            return []
        if body is None:
            return [Finding("response", op.method, op.template, status, "$", f"{key} declares a body, none was returned")]
        raw = op.node["responses"][key]
        base = raw["$ref"][1:] if "$ref" in raw else f"{op.pointer}/responses/{key}"
        pointer = f"{base}/content/application~1json/schema"
        return self._schema_findings("response", op, status, pointer, body)

    def _check_query(self, op: Operation, query: dict[str, str]) -> Iterator[Finding]:
        for p in op.parameters:
            p = self._deref(p)
            if p.get("in") != "query" or p["name"] not in query:
                continue
            schema = self._deref(p.get("schema", {}))
            raw = query[p["name"]]
            value: Any = raw
            kinds = schema.get("type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            try:
                if "integer" in kinds:
                    value = int(raw)
                elif "boolean" in kinds:
                    lowered = raw.lower()
                    if lowered not in ("true", "false", "1", "0"):
                        raise ValueError(raw)
                    value = lowered in ("true", "1")
            except ValueError:
                yield Finding("request", op.method, op.template, None, f"?{p['name']}", f"{raw!r} is not {kinds[0]}")
                continue
            error = best_match(Draft202012Validator(self._compilers["request"].compile(schema)).iter_errors(value))
            if error is not None:
                yield Finding("request", op.method, op.template, None, f"?{p['name']}", error.message)

    def _schema_findings(self, kind: str, op: Operation, status: int | None, pointer: str,
                         body: Any) -> list[Finding]:
        verdict = self._verdict(kind, pointer)
        if verdict is not None and verdict(body) and not CROSS_CHECK:  # conforms: jsonschema would agree
            return []
        error = _first_error(self._validator(kind, pointer).iter_errors(body))
        if CROSS_CHECK and verdict is not None and verdict(body) != (error is None):  # a finding fails the test
            return [Finding(kind, op.method, op.template, status, "$",
                            f"the fast verdict ({verdict(body)}) differs from jsonschema's ({error})")]
        if error is None:
            return []
        return [Finding(kind, op.method, op.template, status, error.json_path, _describe(error))]

    def form_errors(self, method: str, path: str, body: Any) -> JSON | None:
        """Discord's ``errors`` tree for a request body that breaks its schema (None when it conforms)."""
        op = self.operation(method, path)
        request = op.node.get("requestBody") if op else None
        if op is None or request is None or body is None:
            return None
        content = self._deref(request).get("content", {})
        if "application/json" not in content:
            return None
        base = request["$ref"][1:] if "$ref" in request else f"{op.pointer}/requestBody"
        error = _first_error(self._validator("request", f"{base}/content/application~1json/schema").iter_errors(body))
        if error is None:
            return None
        code, message = _discord_code(error)
        tree: JSON = {"_errors": [{"code": code, "message": message}]}
        for part in reversed(list(error.absolute_path)):
            tree = {str(part): tree}
        return tree


def _first_error(errors: Iterator[ValidationError]) -> ValidationError | None:
    """The most telling error: inside a ``oneOf`` it follows the branch that failed least (the one the body
    was meant to be, e.g. the callback whose ``type`` matched), down to the deepest field."""
    found = list(errors)
    if not found:
        return None
    error = max(found, key=relevance)
    while error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        closest = min(branches.values(), key=lambda errs: (
            any(e.validator in ("enum", "const") and len(e.relative_path) == 1 for e in errs),  # wrong "type"
            len(errs), -max(len(e.absolute_path) for e in errs)))
        error = max(closest, key=lambda e: len(e.absolute_path))
    return error


def _describe(error: ValidationError) -> str:
    text = _discord_code(error)[1] if error.validator in ("maxLength", "minLength", "maxItems", "minItems") \
        else error.message
    return text if len(text) <= 300 else text[:297] + "..."


def _discord_code(error: ValidationError) -> tuple[str, str]:
    """Discord's error codes and wording for the schema keywords (as its 50035 answers show them)."""
    v = error.validator_value
    match error.validator:
        case "maxLength":
            return "BASE_TYPE_MAX_LENGTH", f"Must be {v} or fewer in length."
        case "minLength":
            return "BASE_TYPE_MIN_LENGTH", f"Must be {v} or more in length."
        case "maxItems":
            return "BASE_TYPE_MAX_LENGTH", f"Must be {v} or fewer in length."
        case "minItems":
            return "BASE_TYPE_MIN_LENGTH", f"Must be {v} or more in length."
        case "required":
            return "BASE_TYPE_REQUIRED", "This field is required"
        case "enum" | "const":
            return "BASE_TYPE_CHOICES", f"Value must be one of {v}."
        case "maximum" | "minimum":
            return "NUMBER_TYPE_MAX" if error.validator == "maximum" else "NUMBER_TYPE_MIN", error.message
        case "type":
            return "BASE_TYPE_BAD_TYPE", error.message
        case _:
            return "BASE_TYPE_INVALID", error.message


@dataclass
class Tally:
    """What every local Discord in this process has answered: exchanges checked, routes used, findings.
    The conformance tests read it (a test's findings are those added while it ran)."""

    exchanges: int = 0
    routes: set[tuple[str, str]] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)

    def add(self, method: str, path: str, findings: list[Finding], spec: OpenApiSpec) -> None:
        self.exchanges += 1
        op = spec.operation(method, path)
        if op is not None:
            self.routes.add((op.method, op.template))
        self.findings.extend(findings)

    def counts(self, since: int = 0) -> dict[str, int]:
        out = dict.fromkeys(KINDS, 0)
        for f in self.findings[since:]:
            out[f.kind] += 1
        return out


#: The process-wide tally (see :class:`Tally`).
TALLY = Tally()


@lru_cache(maxsize=2)
def _load(path: str) -> OpenApiSpec:
    with open(path, encoding="utf-8") as fh:
        return OpenApiSpec(json.load(fh))


def load() -> OpenApiSpec:
    """The shared instance (parsed once per process; its validators are compiled on first use and kept)."""
    return _load(os.environ.get("MENTORBOT_DISCORD_OPENAPI") or str(DOCUMENT))
