"""The platforms as the intake sees them (:class:`PlatformClients`): the client factories, the bot's account per
platform (looked up once) and the sources built on them, with the paging and retry settings they use."""

from __future__ import annotations

from typing import Any

from bot.clock import Clock
from bot.intake.x_source import RetryPolicy
from bot.services.intake.feeds import (
    Account,
    BlueskyClientFactory,
    Feed,
    MastodonClientFactory,
    Unavailable,
    XClientFactory,
    connect_bluesky,
    connect_mastodon,
    connect_x,
    make_source,
    tune,
)
from bot.services.programmes import Programme


class PlatformClients:
    """A platform without a client factory is not polled (and its accounts are never looked up)."""

    def __init__(
        self, clock: Clock, x_client_factory: XClientFactory | None, *,
        bluesky_client_factory: BlueskyClientFactory | None = None,
        mastodon_client_factory: MastodonClientFactory | None = None,
    ) -> None:
        self._clock = clock
        self._x_client_factory = x_client_factory
        self._bluesky_client_factory = bluesky_client_factory
        self._mastodon_client_factory = mastodon_client_factory
        self.retry = RetryPolicy()
        self.page_size = 100  # X's maximum for recent search (Bluesky: 100, Mastodon: 40 at most)
        self.max_pages: int | None = 20  # per poll; the stored cursor carries on from there next time
        self._accounts: dict[str, Account] = {}
        self._sources: dict[tuple[int, str, str], Any] = {}

    @property
    def client_factories(self) -> dict[str, Any]:
        """The configured client factories by platform (``x``, ``bluesky``, ``mastodon``; None: not configured),
        for the doctor to check the same credentials the pollers use."""
        return {"x": self._x_client_factory, "bluesky": self._bluesky_client_factory,
                "mastodon": self._mastodon_client_factory}

    def can_poll_on(self, platform: str) -> bool:
        """Whether ``platform`` can be polled: its client factory is configured."""
        return {"x": self._x_client_factory, "bluesky": self._bluesky_client_factory,
                "mastodon": self._mastodon_client_factory}.get(platform) is not None

    async def account(self, feed: Feed) -> Account:
        """The bot's account for ``feed`` (looked up once). Raises :class:`Unavailable`."""
        key = feed.account_key
        found = self._accounts.get(key)
        if found is not None:
            return found
        if feed.platform == "x" and self._x_client_factory is not None:
            found = await connect_x(self._x_client_factory)
        elif feed.platform == "bluesky" and self._bluesky_client_factory is not None:
            found = await connect_bluesky(self._bluesky_client_factory)
        elif feed.platform == "mastodon" and self._mastodon_client_factory is not None:
            found = await connect_mastodon(self._mastodon_client_factory, feed.instance or "")
        else:
            raise Unavailable("failure", f"no client for {feed.platform}")
        self._accounts[key] = found
        return found

    def known_account(self, feed: Feed) -> Account | None:
        return self._accounts.get(feed.account_key)

    def source(self, programme: Programme, feed: Feed, account: Account) -> Any:
        key = (programme.id, feed.platform, feed.query)
        source = self._sources.get(key)
        if source is None:
            source = make_source(feed, account, clock=self._clock, retry=self.retry, page_size=self.page_size,
                                 max_pages=self.max_pages)
            self._sources[key] = source
        tune(source, retry=self.retry, page_size=self.page_size, max_pages=self.max_pages)
        return source

    def cached_source(self, programme: Programme, feed: Feed) -> Any:
        return self._sources.get((programme.id, feed.platform, feed.query))

    def forget(self, programme: Programme, platform: str) -> None:
        """Look the platform's accounts up again at the next poll (after an organiser's resume)."""
        for name in [k for k in self._accounts if k == platform or k.startswith(f"{platform}:")]:
            self._accounts.pop(name, None)
        for key in [k for k in self._sources if k[0] == programme.id and k[1] == platform]:
            self._sources.pop(key, None)
