"""Message templates for nudges: validated when the config loads, rendered safely when a nudge is sent.

A template is plain text with ``{placeholder}`` fields. Only plain names are allowed — no attribute access
(``{partner.__class__}``), no indexing, no format specs or conversions — so a config file can never make the
renderer reach into Python objects. Literal braces are written ``{{`` and ``}}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from string import Formatter

#: Every placeholder a nudge template may use.
NUDGE_PLACEHOLDERS: frozenset[str] = frozenset({"partner", "space", "programme", "name", "week"})

#: Discord's limit on a message's content.
DISCORD_MESSAGE_LIMIT = 2000

_FORMATTER = Formatter()


class TemplateError(ValueError):
    """A template that cannot be used; the message names the problem (and the placeholder)."""


def template_fields(template: str) -> list[str]:
    """The placeholder names used in ``template``, in order of appearance (duplicates kept).

    Raises :class:`TemplateError` for unbalanced braces, attribute/index access, format specs and conversions.
    """
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as exc:  # "Single '}' encountered", "expected '}' before end of string"
        raise TemplateError(f"broken braces in template ({exc}); write {{{{ and }}}} for literal braces") from exc
    names: list[str] = []
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field == "":
            raise TemplateError("empty placeholder {} in template; name it, e.g. {partner}")
        if not field.isidentifier():
            raise TemplateError(f"placeholder {{{field}}} is not a plain name (no dots, brackets or numbers)")
        if spec or conversion:
            raise TemplateError(f"placeholder {{{field}}} must not have a format spec or conversion")
        names.append(field)
    return names


def check_template(template: str, allowed: Iterable[str] = NUDGE_PLACEHOLDERS) -> str:
    """Return ``template`` unchanged if every placeholder is in ``allowed``; else raise :class:`TemplateError`
    naming the first unknown placeholder and listing the allowed ones."""
    allowed_set = frozenset(allowed)
    for name in template_fields(template):
        if name not in allowed_set:
            known = ", ".join("{" + a + "}" for a in sorted(allowed_set)) or "none"
            raise TemplateError(f"unknown placeholder {{{name}}} in template; allowed: {known}")
    return template


def render_template(
    template: str,
    values: Mapping[str, object],
    *,
    allowed: Iterable[str] = NUDGE_PLACEHOLDERS,
    limit: int = DISCORD_MESSAGE_LIMIT,
) -> str:
    """Fill ``template`` from ``values``.

    A known placeholder with no value renders as an empty string (a nudge is never lost for want of, say,
    a space link); an unknown one raises :class:`TemplateError`. Values are inserted as ``str(value)`` and
    never re-interpreted, so a name containing braces is harmless. The result is cut to ``limit``
    characters (ending with an ellipsis) so it always fits in one Discord message.
    """
    check_template(template, allowed)
    parts: list[str] = []
    for literal, field, _spec, _conversion in _FORMATTER.parse(template):
        parts.append(literal)
        if field is not None:
            value = values.get(field)
            parts.append("" if value is None else str(value))
    text = "".join(parts)
    if len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text
