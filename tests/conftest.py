"""Shared fixtures: small made-up sites, one build of the real content, a served site and Chromium."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "fixtures" / "examples"
SEEDS = ROOT.parent / "shared" / "seeds"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

SITE_YAML = "title: 测试站点\n"
DEPARTMENT_YAML = "name: 上海市测试局\nshort_name: 测试局\n"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden from the examples")


MakeSite = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture
def make_site(tmp_path: Path) -> MakeSite:
    """Write a content folder from {relative path: text}; site.yaml and one department by default."""

    def make(files: dict[str, str | bytes], defaults: bool = True) -> Path:
        root = tmp_path / "content"
        base: dict[str, str | bytes] = {"site.yaml": SITE_YAML,
                                        "departments/test-dept/department.yaml": DEPARTMENT_YAML}
        for rel, text in ({**base, **files} if defaults else files).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(text, encoding="utf-8")
        return root

    return make  # type: ignore[return-value]


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    """A private copy of the example content (tests may edit it)."""
    target = tmp_path / "content"
    shutil.copytree(EXAMPLES, target)
    return target


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build of the real content/ that many tests read."""
    from generator.build import build

    out = tmp_path_factory.mktemp("real") / "site"
    build(ROOT / "content", out)
    return out


@pytest.fixture(scope="session")
def built_examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build of the example content."""
    from generator.build import build

    out = tmp_path_factory.mktemp("examples") / "site"
    build(EXAMPLES, out)
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def serve() -> Iterator[Callable[[Path], str]]:
    """Serve a folder on 127.0.0.1; returns its base URL (ending in /)."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        handler = functools.partial(_Quiet, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh page at phone-or-desktop size; fails the test on any request off 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    outside: list[str] = []
    context.on("request", lambda req: outside.append(req.url)
               if not req.url.startswith(("http://127.0.0.1", "data:", "about:")) else None)
    tab = context.new_page()
    yield tab
    context.close()
    assert not outside, f"requests outside the site: {outside}"
