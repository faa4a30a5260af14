"""A real headless Chromium (Debian's ``chromium`` + ``chromium-driver``, installed by ``make browser`` / .ci/run)
driven with Selenium. Selenium's calls block, so each runs in a worker thread: the event loop stays free to
serve the dashboard (and the local Discord) the browser is talking to."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("MENTORBOT_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("MENTORBOT_CHROMEDRIVER", "/usr/bin/chromedriver")
INSTALL = "install it with `make browser` (apt-get install -y chromium chromium-driver)"
ROOT = Path(__file__).resolve().parents[2]
#: where the browser tests write their screenshots for review
OUTPUT = Path(os.environ.get("MENTORBOT_TEST_OUTPUT", ROOT / "test-output")) / "dashboard"


def missing() -> str | None:
    """Why no browser can start here (None when Chromium and its driver are installed)."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).exists() or shutil.which(path)):
            return f"{path} is missing: {INSTALL}"
    return None


def start_chrome(download_dir: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,900", "--force-prefers-reduced-motion"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                              "download.prompt_for_download": False})
    return webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))


class Page:
    """One browser tab, driven from async tests (every WebDriver call in a thread)."""

    def __init__(self, driver: Any, shots: Path) -> None:
        self.driver = driver
        self.shots = shots

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    async def open(self, url: str) -> None:
        await self._run(self.driver.get, url)

    async def source(self) -> str:
        return str(await self._run(lambda: self.driver.page_source))

    async def url(self) -> str:
        return str(await self._run(lambda: self.driver.current_url))

    async def wait_text(self, text: str, timeout: float = 15.0) -> str:  # noqa: ASYNC109
        """Wait until the page shows ``text``; the page's source."""
        from selenium.common.exceptions import WebDriverException

        gone: list[str] = []

        def read() -> str:
            # The body found and the body read can belong to two documents when a form's answer replaces the
            # page in between: Chromium then says "stale element" or "Node with given id does not belong to
            # the document". Either way the next page is loading: read again.
            try:
                return str(self.driver.find_element("tag name", "body").text)
            except WebDriverException as error:
                gone[:] = [error.msg or type(error).__name__]
                return ""

        deadline = time.monotonic() + timeout
        while True:
            body = await self._run(read)
            if text in body:
                return str(body)
            if time.monotonic() > deadline:
                last = f" (last read failed: {gone[0]})" if gone and not body else ""
                raise AssertionError(f"the page never showed {text!r}{last}; it shows:\n{body[:2000]}")
            await asyncio.sleep(0.05)

    async def fill(self, css: str, value: str) -> None:
        def do() -> None:
            field = self.driver.find_element("css selector", css)
            field.clear()
            field.send_keys(value)
        await self._run(do)

    async def select(self, css: str, visible_text: str) -> None:
        from selenium.webdriver.support.ui import Select

        await self._run(lambda: Select(self.driver.find_element("css selector", css)).select_by_visible_text(visible_text))

    async def select_value(self, css: str, value: str) -> None:
        from selenium.webdriver.support.ui import Select

        await self._run(lambda: Select(self.driver.find_element("css selector", css)).select_by_value(value))

    async def wait_for_file(self, path: Path, timeout: float = 15.0) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while not path.exists() or path.stat().st_size == 0:
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} was never downloaded")
            await asyncio.sleep(0.05)

    async def click(self, css: str, *, accept: bool = False) -> None:
        """Click; ``accept``: the page asks to confirm (``data-confirm``) and the person says OK."""
        await self._run(lambda: self.driver.find_element("css selector", css).click())
        if accept:
            await self._run(lambda: self.driver.switch_to.alert.accept())

    async def press_enter_in(self, css: str) -> None:
        from selenium.webdriver.common.keys import Keys

        await self._run(lambda: self.driver.find_element("css selector", css).send_keys(Keys.ENTER))

    async def screenshot(self, name: str) -> Path:
        """The whole page (up to 4,000 px tall) as ``<output>/<name>.png``."""
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{name}.png"

        def shoot() -> None:
            size = self.driver.get_window_size()
            height = int(self.driver.execute_script("return document.documentElement.scrollHeight"))
            self.driver.set_window_size(size["width"], min(max(height + 120, size["height"]), 4000))
            try:
                self.driver.save_screenshot(str(path))
            finally:
                self.driver.set_window_size(size["width"], size["height"])

        await self._run(shoot)
        return path

    async def resize(self, width: int, height: int) -> None:
        await self._run(self.driver.set_window_size, width, height)

    async def script(self, js: str) -> Any:
        return await self._run(self.driver.execute_script, js)
