"""``check-config``: validate a config file and note which credentials are missing for which source."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.options import console, load_settings
from bot.config import Settings


def _host(instance: str) -> str:
    return instance.lower().split("://", 1)[-1].rstrip("/")


def credential_warnings(settings: Settings, env: Mapping[str, str] | None = None) -> list[str]:
    """Which credentials (from the environment only) are missing for which source of which programme."""
    values = os.environ if env is None else env
    warnings = []
    for i, prog in enumerate(settings.config.programme):
        where = f"programme[{i}] ({prog.key})"
        x_tags = " ".join(f"#{s.tag}" for s in prog.intake.sources_on("x"))
        if x_tags and settings.secrets.x_bearer_token is None:
            warnings.append(f"{where}: X hashtags {x_tags}: X_BEARER_TOKEN is not set; X polling stays off")
        if x_tags and settings.secrets.x_access_token is None:
            warnings.append(
                f"{where}: X hashtags {x_tags}: X_API_KEY/X_API_SECRET/X_ACCESS_TOKEN/X_ACCESS_TOKEN_SECRET are "
                "not set; invites go to the organisers' leads channel instead of X replies"
            )
        bsky_tags = " ".join(f"#{s.tag}" for s in prog.intake.sources_on("bluesky"))
        missing = [k for k in ("BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD") if not values.get(k)]
        if bsky_tags and missing:
            warnings.append(
                f"{where}: Bluesky hashtags {bsky_tags}: {'/'.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not set; Bluesky polling stays off (use an app password)"
            )
        home = values.get("MASTODON_INSTANCE", "")
        for src in prog.intake.sources_on("mastodon"):
            if not src.replies:
                continue
            if not values.get("MASTODON_ACCESS_TOKEN"):
                warnings.append(
                    f"{where}: Mastodon source #{src.tag} on {src.instance}: MASTODON_ACCESS_TOKEN is not set; "
                    "the hashtag is read, but invites go to the organisers' leads channel instead of replies"
                )
            elif home and _host(home) != _host(src.instance or ""):
                warnings.append(
                    f"{where}: Mastodon source #{src.tag} on {src.instance}: the access token is for "
                    f"MASTODON_INSTANCE={home}; that instance is read without it and its invites go to the "
                    "organisers' leads channel"
                )
    return warnings


def check_config(file: Annotated[Path, typer.Argument(help="the TOML file to check")]) -> None:
    """Validate a config file; print every problem as `path: reason` (exit 1 when any)."""
    settings = load_settings(file)
    keys = ", ".join(p.key for p in settings.config.programme) or "none"
    console.print(f"[green]OK[/]: {file} — {len(settings.config.programme)} programme(s): {keys}")
    for warning in credential_warnings(settings):
        console.print(f"[yellow]note[/]: {warning}", highlight=False)
    console.print(f"Next: `python -m bot doctor --config {file}` checks the Discord server and the credentials.",
                  highlight=False, markup=False)
