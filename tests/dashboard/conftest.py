"""Dashboard fixtures: a sandbox world serving the dashboard, and HTTP browsers for organisers and others."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bot.sandbox.world import SandboxWorld
from tests.support import browser
from tests.support.database import drop_test_schema
from tests.support.world import make_world


@pytest.fixture
async def dworld(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest,
                 ) -> AsyncIterator[SandboxWorld]:
    """A world serving the dashboard; a module's ``EXTENSIONS`` picks the bot's cogs (default: all)."""
    w, schema = await make_world(tmp_path_factory, dashboard=True,
                                 extensions=getattr(request.module, "EXTENSIONS", None))
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


@pytest.fixture(scope="session")
def chrome() -> Iterator[Any]:
    """One headless Chromium for the whole session. Missing in CI: the test fails and says how to install it
    (`.ci/run` installs it); elsewhere it is skipped with the same words."""
    why = browser.missing()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the browser tests need Chromium: {why}", pytrace=False)
        pytest.skip(f"the browser tests need Chromium: {why}")
    browser.OUTPUT.mkdir(parents=True, exist_ok=True)
    driver = browser.start_chrome(browser.OUTPUT)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def page(chrome: Any, request: pytest.FixtureRequest) -> browser.Page:
    """The browser with no cookies left from another test, writing screenshots under the test's name."""
    chrome.delete_all_cookies()
    return browser.Page(chrome, browser.OUTPUT / request.node.name.replace("[", "-").rstrip("]"))
