"""Secrets never reach a log line: not in the message, not in a traceback."""

from __future__ import annotations

import io
import logging

from bot.logs import RedactingFormatter

TOKEN = "MTIzNDU2Nzg5.secret-token-value"


def _logged(emit: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter([TOKEN]))
    log = logging.getLogger("test.redaction")
    log.propagate = False
    log.setLevel(logging.DEBUG)  # whatever level another test left on the root logger
    log.addHandler(handler)
    try:
        emit(log)  # type: ignore[operator]
    finally:
        log.removeHandler(handler)
    return stream.getvalue()


def test_a_secret_in_a_message_is_redacted() -> None:
    out = _logged(lambda log: log.warning("login with %s failed", TOKEN))
    assert TOKEN not in out and "login with *** failed" in out


def test_a_secret_in_a_traceback_is_redacted() -> None:
    def emit(log: logging.Logger) -> None:
        try:
            raise RuntimeError(f"401 from https://api.example/?token={TOKEN}")
        except RuntimeError:
            log.exception("request failed")

    out = _logged(emit)
    assert "Traceback" in out and "RuntimeError: 401 from https://api.example/?token=***" in out
    assert TOKEN not in out
