"""Logging, configured once. Secret values never reach a log line — neither in the message nor in a
traceback or stack (an exception's text often carries a token or URL it was given)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

_configured = False
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats a record (message, traceback, stack) and replaces any known secret value with ``***``."""

    def __init__(self, secrets: Iterable[str], fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))

    def formatException(self, ei: logging._SysExcInfoType) -> str:  # noqa: N802 (logging's name)
        return self.redact(super().formatException(ei))


def setup_logging(level: str = "INFO", *, secrets: Iterable[str] = ()) -> None:
    """Configure the root logger once (later calls only change the level)."""
    global _configured
    root = logging.getLogger()
    root.setLevel(level.upper())
    if _configured:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets))
    root.addHandler(handler)
    # discord.py warns about voice support that this bot never uses
    logging.getLogger("discord.client").setLevel(max(logging.ERROR, root.level))
    _configured = True
