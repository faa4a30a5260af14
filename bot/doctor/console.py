"""The doctor on the command line: run every check with the environment's credentials and print the checklist
with rich (✓ green, ✗ red with its fix); the exit status is 1 when anything failed."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from bot.config import Settings
from bot.doctor import Checklist, diagnose
from bot.doctor.rest import DISCORD_API, HttpDiscordRest


def print_checklist(console: Console, checklist: Checklist) -> None:
    for section, checks in checklist.sections().items():
        console.print(f"[bold]{escape(section)}[/]")
        for c in checks:
            if c.ok:
                console.print(f"  [green]✓[/] {escape(c.what)}", highlight=False)
            else:
                console.print(f"  [red]✗ {escape(c.what)}[/] — {escape(c.fix)}", highlight=False)
    failures = len(checklist.failures)
    if failures:
        console.print(f"[bold red]{failures} problem(s) to fix before `python -m bot run`.[/]")
    else:
        console.print("[bold green]All checks passed: ready for `python -m bot run`.[/]")


async def run_doctor(
    settings: Settings, console: Console, *, discord_api: str = DISCORD_API, factories: dict[str, Any] | None = None,
) -> int:
    """Check every programme of ``settings``; print the checklist; 0 when all passed, else 1. ``factories``
    (``x``, ``bluesky``, ``mastodon``) default to the environment's credentials, as ``run`` uses them."""
    from bot.runtime import bluesky_client_from_env, mastodon_client_from_env, x_client_from_env

    token = settings.secrets.discord_token
    assert token is not None
    made: dict[str, Any] = factories if factories is not None else {
        "x": x_client_from_env(settings), "bluesky": bluesky_client_from_env(), "mastodon": mastodon_client_from_env()}
    async with HttpDiscordRest(token.get_secret_value(), discord_api) as rest:
        checklist = await diagnose(settings.config.programme, rest, x_client_factory=made.get("x"),
                                   bluesky_client_factory=made.get("bluesky"),
                                   mastodon_client_factory=made.get("mastodon"))
    print_checklist(console, checklist)
    return 0 if checklist.ok else 1
