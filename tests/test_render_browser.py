"""The email and the site as a reader sees them, in Debian's headless Chromium.

Chromium is driven over the DevTools protocol (a websocket; the `websockets` package), which lets one page load
report its console errors, failed loads and layout width, at a chosen viewport and colour scheme. Every page
loads from a file:// URL, so nothing leaves the machine. Skipped with a message when /usr/bin/chromium is absent
(`apt-get install chromium`; `.ci/run` installs it).

The README screenshots come from the demo edition:
`briefing demo --out /tmp/demo && .venv/bin/python tests/test_render_browser.py /tmp/demo` writes docs/screenshots/.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from edition_fixture import sample_edition
from test_render_safety import hostile_edition
from websockets.sync.client import ClientConnection, connect

from briefing.config import RenderSettings
from briefing.models import Section
from briefing.render import render_edition, render_site

CHROMIUM = os.environ.get("BRIEFING_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent.parent / "docs" / "screenshots"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
]

# Runs before any page script: records every alert/confirm/prompt/print a hostile script would call.
TRAP = """
window.__executed = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__executed.push(name + "(" + args.join(",") + ")"); };
}
"""

CARD_BACKGROUND = "getComputedStyle(document.querySelector('.container') || document.body).backgroundColor"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None,
    reason=f"{CHROMIUM} is absent: install Debian's chromium package (apt-get install chromium) to run these",
)


@dataclass
class PageLoad:
    png: bytes
    scroll_width: int
    background: str  # computed background colour of the email's card (or the page body)
    errors: list[str] = field(default_factory=list)


class DevTools:
    """A minimal DevTools protocol client over one page target."""

    def __init__(self, websocket: ClientConnection) -> None:
        self._ws = websocket
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        self._ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv(timeout=30))
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_for(self, event: str) -> None:
        if any(e.get("method") == event for e in self.events):
            return
        while True:
            message = json.loads(self._ws.recv(timeout=30))
            self.events.append(message)
            if message.get("method") == event:
                return


class Browser:
    def __init__(self, profile: Path) -> None:
        self._process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its helper processes share our Chromium's process group, ended together
        )
        self._port = self._await_port(profile / "DevToolsActivePort")

    def _await_port(self, port_file: Path) -> int:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if port_file.exists() and port_file.read_text().strip():
                return int(port_file.read_text().split()[0])
            if self._process.poll() is not None:
                raise RuntimeError(f"chromium exited with {self._process.returncode}")
            time.sleep(0.05)
        raise RuntimeError("chromium did not open its DevTools port within 30 s")

    def load(self, url: str, width: int, dark: bool = False, max_height: int | None = None) -> PageLoad:
        """Load `url` at a viewport `width` px wide; return a full-page screenshot, the width and any errors."""
        request = urllib.request.Request(f"http://127.0.0.1:{self._port}/json/new?about:blank", method="PUT")
        with urllib.request.urlopen(request, timeout=10) as response:
            target = json.load(response)
        with connect(target["webSocketDebuggerUrl"], max_size=64 * 1024 * 1024, open_timeout=20) as websocket:
            return self._load(DevTools(websocket), url, width, dark, max_height)

    def _load(self, page: DevTools, url: str, width: int, dark: bool, max_height: int | None) -> PageLoad:
        for domain in ("Page", "Runtime", "Log"):
            page.call(f"{domain}.enable")
        page.call("Page.addScriptToEvaluateOnNewDocument", source=TRAP)
        _viewport(page, width, 800)
        scheme = "dark" if dark else "light"
        page.call("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": scheme}])
        page.call("Page.navigate", url=url)
        page.wait_for("Page.loadEventFired")
        scroll_width = _evaluate(page, "document.documentElement.scrollWidth")
        background = _evaluate(
            page, "getComputedStyle(document.querySelector('.container') || document.body).backgroundColor"
        )
        executed = _evaluate(page, "window.__executed.join(' | ')")
        _viewport(page, width, min(int(_evaluate(page, "document.documentElement.scrollHeight")), max_height or 10**6))
        shot = page.call("Page.captureScreenshot", format="png")
        errors = _errors(page.events) + ([f"page script ran: {executed}"] if executed else [])
        return PageLoad(base64.b64decode(shot["data"]), int(scroll_width), str(background), errors)

    def close(self) -> None:
        """End the browser and its helpers (the process group it leads), then reap it."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, sig)
            try:
                self._process.wait(timeout=10)
                break
            except subprocess.TimeoutExpired:
                continue


def _viewport(page: DevTools, width: int, height: int) -> None:
    page.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=width < 600)


def _evaluate(page: DevTools, expression: str) -> Any:
    return page.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"]["value"]


def _errors(events: list[dict[str, Any]]) -> list[str]:
    """Console errors, uncaught exceptions and failed loads seen while the page loaded."""
    found = []
    for event in events:
        params = event.get("params", {})
        if event.get("method") == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append(f"console: {params.get('args')}")
        elif event.get("method") == "Runtime.exceptionThrown":
            found.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
        elif event.get("method") == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            found.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with tempfile.TemporaryDirectory(prefix="briefing-chromium-", ignore_cleanup_errors=True) as profile:
        running = Browser(Path(profile))
        try:
            yield running
        finally:
            running.close()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample edition rendered into a folder, as `briefing build` writes it."""
    root = tmp_path_factory.mktemp("outputs")
    edition = sample_edition()
    rendered = render_edition(edition, RenderSettings())
    for name, data in {**rendered.files, **render_site([edition], RenderSettings())}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def _email(outputs: Path) -> str:
    return (outputs / "editions" / "2026-11-25-morning" / "email.html").as_uri()


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("width", [600, 375])
def test_email_loads_without_errors_or_overflow(browser: Browser, outputs: Path, width: int, dark: bool) -> None:
    load = browser.load(_email(outputs), width, dark)
    assert (load.errors, load.scroll_width) == ([], width)


@pytest.mark.parametrize("width", [1024, 375])
def test_site_index_loads_without_errors_or_overflow(browser: Browser, outputs: Path, width: int) -> None:
    load = browser.load((outputs / "site" / "index.html").as_uri(), width)
    assert (load.errors, load.scroll_width) == ([], width)


@pytest.fixture(scope="module")
def long_words(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An edition whose headline, bullet and outlet are single words far wider than a phone."""
    word = "Supercalifragilistic" * 12
    edition = sample_edition()
    story = edition.sections[0].stories[0]
    article = replace(story.articles[0], outlet=word)
    bullet = replace(story.bullets[0], text=f"See {word}/{word}")
    story = replace(story, headline=word, bullets=(bullet,), articles=(article, *story.articles[1:]))
    edition = replace(edition, sections=(Section("World", (story,)),))
    root = tmp_path_factory.mktemp("long")
    for name, data in {
        **render_edition(edition, RenderSettings()).files,
        **render_site([edition], RenderSettings()),
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


@pytest.mark.parametrize("page", ["editions/2026-11-25-morning/email.html", "site/index.html"])
def test_unbroken_words_wrap_instead_of_overflowing_a_phone(browser: Browser, long_words: Path, page: str) -> None:
    load = browser.load((long_words / page).as_uri(), 375)
    assert (load.errors, load.scroll_width) == ([], 375)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The XSS edition of test_render_safety, rendered to files."""
    edition = hostile_edition()
    settings = RenderSettings(email_max_kb=10_000)
    root = tmp_path_factory.mktemp("hostile")
    for name, data in {**render_edition(edition, settings).files, **render_site([edition], settings)}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


@pytest.mark.parametrize("page", ["editions/2026-11-25-morning/email.html", "site/index.html"])
def test_hostile_feed_text_runs_nothing_in_a_real_browser(browser: Browser, hostile: Path, page: str) -> None:
    """No script runs (alert and friends are trapped), nothing is fetched, nothing errs."""
    load = browser.load((hostile / page).as_uri(), 375)
    assert load.errors == []


def test_the_trap_catches_a_script_that_runs(browser: Browser, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<!DOCTYPE html><p>x</p><script>alert(1)</script>")
    assert browser.load(page.as_uri(), 375).errors == ["page script ran: alert(1)"]


def test_site_archive_loads_without_errors(browser: Browser, outputs: Path) -> None:
    load = browser.load((outputs / "site" / "archive.html").as_uri(), 375)
    assert (load.errors, load.scroll_width) == ([], 375)


def test_dark_mode_rules_survive_inlining(browser: Browser, outputs: Path) -> None:
    """premailer keeps the prefers-color-scheme rules and their !important: the card turns dark."""
    light = browser.load(_email(outputs), 600, dark=False)
    dark = browser.load(_email(outputs), 600, dark=True)
    assert (light.background, dark.background) == ("rgb(255, 255, 255)", "rgb(22, 27, 34)")


def save_screenshots(outputs: Path, folder: Path = SCREENSHOTS) -> list[Path]:
    """Screenshots of the latest edition in an outputs folder: email at 600/375 px, light/dark; site index."""
    email = max((outputs / "editions").glob("*/email.html"), key=lambda p: p.parent.name)
    shots = {f"email-{w}-{s}.png": (email, w, s == "dark") for w in (600, 375) for s in ("light", "dark")}
    shots |= {f"site-{w}.png": (outputs / "site" / "index.html", w, False) for w in (1024, 375)}
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="briefing-chromium-", ignore_cleanup_errors=True) as profile:
        running = Browser(Path(profile))
        try:
            for name, (page, width, dark) in shots.items():
                load = running.load(page.as_uri(), width, dark, max_height=1000)
                if load.errors:
                    raise SystemExit(f"{page}: {load.errors}")
                (folder / name).write_bytes(load.png)
        finally:
            running.close()
    return [folder / name for name in shots]


if __name__ == "__main__":
    import sys

    for saved in save_screenshots(Path(sys.argv[1])):
        print(saved)
