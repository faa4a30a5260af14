"""A package's public names, imported when first used (PEP 562): ``from bot.nudges.config import …`` — as
loading a config does — then runs ``bot.nudges.config`` and not the whole package (the planner, the storage
models, the matching engine's numpy and OR-Tools). Each command of ``python -m bot`` starts that much sooner."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_exports(package: str, exports: Mapping[str, tuple[str, ...]]) -> Callable[[str], object]:
    """The module ``__getattr__`` of ``package``: ``exports`` maps each submodule to the names it provides."""
    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals_of_package = importlib.import_module(package).__dict__
        globals_of_package[name] = value  # the next use is a plain attribute
        return value

    return __getattr__
