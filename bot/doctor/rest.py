"""The doctor's Discord reader for the command line: ``GET`` over aiohttp with the bot token (the running bot's
slash command uses discord.py's HTTP client instead)."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

import aiohttp

from bot.doctor.discord_checks import DiscordRefused

DISCORD_API = "https://discord.com/api/v10"


class HttpDiscordRest:
    """``async with HttpDiscordRest(token) as rest: await rest.get("/users/@me")``."""

    def __init__(self, token: str, base_url: str = DISCORD_API, *, timeout: float = 15.0) -> None:
        self._token = token
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(timeout=self._timeout, trust_env=False, headers={
            "Authorization": f"Bot {self._token}", "User-Agent": "DiscordBot (https://github.com/mentorbot, 1.0)"})
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._session is not None:
            await self._session.close()

    async def get(self, path: str) -> Any:
        assert self._session is not None, "use HttpDiscordRest in `async with`"
        try:
            async with self._session.get(self.base_url + path) as response:
                body = await response.json(content_type=None)
                if response.status >= 400:
                    data = body if isinstance(body, dict) else {}
                    raise DiscordRefused(response.status, int(data.get("code", 0) or 0), str(data.get("message", "")))
                return body
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DiscordRefused(0, 0, f"could not reach Discord: {type(exc).__name__} {exc}") from exc
