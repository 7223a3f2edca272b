"""Headless Chromium for end-to-end tests: Debian's ``chromium`` driven by Playwright.

``headless_page()`` installs what is missing (Debian ``chromium`` through
scripts/ensure_debian_packages.sh, npm ``playwright-core`` and ``axe-core`` from
the lock file in review/), starts Chromium with a fresh profile and yields a :class:`Page`
that Python tests drive: ``goto``, ``fill``, ``click``, ``evaluate``,
``screenshot``. Under the hood a small Node.js script runs Playwright and
answers one JSON command per line on stdin/stdout.

Nothing downloads a browser: Playwright only ever starts /usr/bin/chromium,
with the flags that keep it off the network.

    with headless_page() as page:
        page.goto("http://127.0.0.1:8090/")
        page.screenshot(ARTIFACTS / "start.png")
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
NODE_PROJECT = ROOT / "review"  # package.json + package-lock.json pin playwright-core and axe-core
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
)
COMMAND_TIMEOUT = 60.0

# The command loop every driver script ends with: one JSON command per line in,
# one JSON result per line out (tests/widget/driver.py adds commands before it).
DRIVER_LOOP_JS = r"""  const send = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
  send({ ready: true });
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const { id, cmd, args } = JSON.parse(line);
    if (cmd === 'close') { await context.close(); send({ id, ok: true, result: null }); break; }
    try {
      send({ id, ok: true, result: await commands[cmd](args || {}) });
    } catch (err) {
      send({ id, ok: false, error: String(err && err.stack || err) });
    }
  }
  process.exit(0);
})().catch((err) => {
  process.stdout.write(JSON.stringify({ ready: false, error: String(err && err.stack || err) }) + '\n');
  process.exit(1);
});
"""

_DRIVER_JS = r"""
const { chromium } = require(process.env.PLAYWRIGHT_CORE);
const readline = require('readline');

(async () => {
  const context = await chromium.launchPersistentContext(process.env.USER_DATA_DIR, {
    executablePath: process.env.CHROMIUM,
    headless: true,
    args: JSON.parse(process.env.CHROMIUM_ARGS),
    viewport: JSON.parse(process.env.VIEWPORT),
    locale: 'sv-SE',
  });
  const page = context.pages()[0] || await context.newPage();
  const consoleErrors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  const commands = {
    goto: async ({ url }) => { const r = await page.goto(url, { waitUntil: 'load' }); return r ? r.status() : null; },
    fill: async ({ selector, value }) => { await page.fill(selector, value); return null; },
    click: async ({ selector }) => { await page.click(selector); await page.waitForLoadState('load'); return null; },
    evaluate: async ({ script, arg }) => page.evaluate(new Function(`return (${script});`)(), arg),
    screenshot: async ({ path, fullPage }) => { await page.screenshot({ path, fullPage }); return path; },
    url: async () => page.url(),
    consoleErrors: async () => consoleErrors.splice(0),
  };
""" + DRIVER_LOOP_JS


class BrowserError(RuntimeError):
    """The browser or its driver failed."""


def ensure_chromium() -> Path:
    """Debian's Chromium, installed on first use (never a downloaded browser build)."""
    if not CHROMIUM.exists():
        subprocess.run([str(ROOT / "scripts" / "ensure_debian_packages.sh"), "chromium"], check=True)
    return CHROMIUM


def _installed(project: Path) -> bool:
    """Every package that ``project``'s package.json pins is in node_modules at that version."""
    manifest = json.loads((project / "package.json").read_text(encoding="utf-8"))
    pinned = {**manifest.get("dependencies", {}), **manifest.get("devDependencies", {})}
    for name, version in pinned.items():
        installed = project / "node_modules" / name / "package.json"
        if not installed.exists() or json.loads(installed.read_text(encoding="utf-8")).get("version") != version:
            return False
    return True


def ensure_node_packages(project: Path = NODE_PROJECT) -> Path:
    """``project``'s npm packages (playwright-core, axe-core) exactly as its package-lock.json
    pins them; ``npm ci`` from the npm registry when one is missing or at another version."""
    if not _installed(project):
        env = dict(os.environ, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1")
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=project, env=env, check=True
        )
    return project / "node_modules"


def ensure_playwright(project: Path = NODE_PROJECT) -> Path:
    """playwright-core from ``project``'s package-lock.json (npm ci on first use)."""
    return ensure_node_packages(project) / "playwright-core"


class Page:
    """One browser tab, driven through the Node.js Playwright driver."""

    def __init__(self, process: subprocess.Popen) -> None:
        self._process = process
        self._next_id = 0
        self._lock = threading.Lock()

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        result: dict[str, Any] = {}

        def read() -> None:
            line = self._process.stdout.readline()  # type: ignore[union-attr]
            if line:
                result.update(json.loads(line))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(COMMAND_TIMEOUT)
        if not result:
            raise BrowserError("no answer from the browser driver")
        return result

    def call(self, cmd: str, **args: Any) -> Any:
        with self._lock:
            self._next_id += 1
            assert self._process.stdin is not None
            self._process.stdin.write(json.dumps({"id": self._next_id, "cmd": cmd, "args": args}) + "\n")
            self._process.stdin.flush()
            answer = self._read()
        if not answer.get("ok"):
            raise BrowserError(f"{cmd} failed: {answer.get('error')}")
        return answer.get("result")

    def goto(self, url: str) -> Optional[int]:
        """Open ``url``; returns the HTTP status of the main document."""
        return self.call("goto", url=url)

    def fill(self, selector: str, value: str) -> None:
        self.call("fill", selector=selector, value=value)

    def click(self, selector: str) -> None:
        """Click and wait for the page that the click may have opened to load."""
        self.call("click", selector=selector)

    def evaluate(self, script: str, arg: Any = None) -> Any:
        """Run a JavaScript function (given as source text) in the page with ``arg``."""
        return self.call("evaluate", script=script, arg=arg)

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.call("screenshot", path=str(path), fullPage=full_page)
        return path

    @property
    def url(self) -> str:
        return self.call("url")

    def console_errors(self) -> list[str]:
        """Console errors logged since the last call."""
        return self.call("consoleErrors")


@contextlib.contextmanager
def headless_page(
    width: int = 1280, height: int = 900, driver_js: str = _DRIVER_JS, page_class: type = Page,
    extra_args: Sequence[str] = (),
) -> Iterator[Any]:
    """A page in a fresh headless Chromium; everything is removed afterwards.

    ``driver_js`` and ``page_class`` let a suite add commands of its own to
    the Node driver and to the Python side (tests/widget/driver.py);
    ``extra_args`` are Chromium flags on top of :data:`CHROMIUM_ARGS`."""
    chromium = ensure_chromium()
    playwright = ensure_playwright()
    workdir = Path(tempfile.mkdtemp(prefix="lotsen-browser-"))
    (workdir / "driver.js").write_text(driver_js, encoding="utf-8")
    env = dict(
        os.environ,
        PLAYWRIGHT_CORE=str(playwright),
        PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1",
        CHROMIUM=str(chromium),
        CHROMIUM_ARGS=json.dumps([*CHROMIUM_ARGS, *extra_args]),
        USER_DATA_DIR=str(workdir / "profile"),
        VIEWPORT=json.dumps({"width": width, "height": height}),
    )
    log = open(workdir / "driver.log", "w")
    process = subprocess.Popen(
        ["node", str(workdir / "driver.js")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=log, text=True, env=env, cwd=workdir,
    )
    page = page_class(process)
    try:
        hello = page._read()
        if not hello.get("ready"):
            raise BrowserError(f"Chromium did not start: {hello.get('error')}")
        yield page
    except BrowserError as exc:
        log.flush()
        raise BrowserError(f"{exc}\n--- driver log ---\n{(workdir / 'driver.log').read_text()[-3000:]}") from exc
    finally:
        log.close()
        try:
            if process.poll() is None:
                page.call("close")
        except (BrowserError, OSError, ValueError):
            pass
        finally:
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            shutil.rmtree(workdir, ignore_errors=True)
