"""Discord-shaped API errors and the validation Discord applies to message bodies."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]


class ApiError(Exception):
    """An error answered as Discord does: ``{"code": ..., "message": ..., "errors"?: ...}``."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> JSON:
        out: JSON = {"code": self.code, "message": self.message}
        if self.errors is not None:
            out["errors"] = self.errors
        return out


def unknown(kind: str, code: int) -> ApiError:
    return ApiError(404, code, f"Unknown {kind}")


def unknown_channel() -> ApiError:
    return unknown("Channel", 10003)


def unknown_message() -> ApiError:
    return unknown("Message", 10008)


def unknown_member() -> ApiError:
    return unknown("Member", 10007)


def unknown_user() -> ApiError:
    return unknown("User", 10013)


def unknown_guild() -> ApiError:
    return unknown("Guild", 10004)


def unknown_role() -> ApiError:
    return unknown("Role", 10011)


def unknown_interaction() -> ApiError:
    return unknown("interaction", 10062)


def unknown_webhook() -> ApiError:
    return unknown("Webhook", 10015)


def missing_access() -> ApiError:
    return ApiError(403, 50001, "Missing Access")


def missing_permissions() -> ApiError:
    return ApiError(403, 50013, "Missing Permissions")


def cannot_dm() -> ApiError:
    return ApiError(403, 50007, "Cannot send messages to this user")


def thread_archived() -> ApiError:
    return ApiError(400, 50083, "Thread is archived")


def form_error(path: list[str | int], code: str, message: str) -> ApiError:
    """``50035 Invalid Form Body`` with Discord's nested ``errors`` tree for one field."""
    tree: JSON = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path):
        tree = {str(part): tree}
    return ApiError(400, 50035, "Invalid Form Body", tree)


MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_SELECT_OPTIONS = 25
MAX_CUSTOM_ID = 100
MAX_LABEL = 80


def _check_custom_id(comp: JSON, path: list[str | int]) -> None:
    custom_id = comp.get("custom_id")
    if custom_id is None:
        return
    if len(str(custom_id)) > MAX_CUSTOM_ID:
        raise form_error(
            [*path, "custom_id"], "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CUSTOM_ID} or fewer in length."
        )


def _check_component(comp: JSON, path: list[str | int]) -> None:
    _check_custom_id(comp, path)
    ctype = comp.get("type")
    if ctype == 2 and len(str(comp.get("label") or "")) > MAX_LABEL:
        raise form_error([*path, "label"], "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_LABEL} or fewer in length.")
    if ctype == 3:
        options = comp.get("options") or []
        if len(options) > MAX_SELECT_OPTIONS:
            raise form_error(
                [*path, "options"], "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {MAX_SELECT_OPTIONS} in length."
            )
        if not options:
            raise form_error([*path, "options"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length.")
        values = [o.get("value") for o in options]
        if len(set(values)) != len(values):
            raise form_error([*path, "options"], "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED", "Duplicate value")
    for key in ("components",):
        for j, child in enumerate(comp.get(key) or []):
            _check_component(child, [*path, key, j])
    for key in ("component", "accessory"):
        if isinstance(comp.get(key), dict):
            _check_component(comp[key], [*path, key])


def validate_components(components: list[JSON], *, modal: bool = False) -> None:
    """Discord's limits on action rows, buttons, select options and custom ids."""
    if len(components) > MAX_ROWS:
        raise form_error(["components"], "BASE_TYPE_BAD_LENGTH", f"Must be {MAX_ROWS} or fewer in length.")
    custom_ids: set[str] = set()
    for i, row in enumerate(components):
        path: list[str | int] = ["components", i]
        children = row.get("components") or []
        if row.get("type") == 1 and not modal:
            selects = [c for c in children if c.get("type") in (3, 5, 6, 7, 8)]
            if len(children) > MAX_ROW_BUTTONS or (selects and len(children) > 1):
                raise form_error(
                    [*path, "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
                )
        _check_component(row, path)
        for child in children:
            cid = child.get("custom_id")
            if cid is not None:
                if cid in custom_ids:
                    raise form_error(
                        [*path, "components"], "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
                    )
                custom_ids.add(cid)


def validate_message_body(body: JSON, *, require_content: bool = True) -> None:
    """What Discord checks on a message create/edit body."""
    content = body.get("content")
    if content is not None and len(str(content)) > MAX_CONTENT:
        raise form_error(["content"], "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CONTENT} or fewer in length.")
    embeds = body.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        raise form_error(["embeds"], "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_EMBEDS} or fewer in length.")
    validate_components(body.get("components") or [])
    if require_content and not (
        content or embeds or body.get("components") or body.get("attachments") or body.get("sticker_ids")
        or body.get("poll")
    ):
        raise ApiError(400, 50006, "Cannot send an empty message")
