"""Hostile content: a made-up site with script and HTML injection in every text field, in Chromium.

Every page of the built site is visited (every page kind, 404 included) and the
search page is made to show the hostile reports. None of the payloads may run:
no dialog, no injected element or attribute, no script but the theme's own, no
javascript:/data: link, no navigation, no CSP violation; and the payloads must
be shown to the reader as the text they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

from generator.build import build

SAFE_SCHEMES = ("http://127.0.0.1", "#", "/", "./", "../", "mailto:")


def payload(label: str) -> str:
    """Inline text that would run script, inject elements or navigate if it ever became markup."""
    return (f"恶意{label}<script>alert('{label}')</script><img src=x onerror=\"alert('{label}');"
            f"window.__pwned='{label}'\"><svg onload=alert(1)><a href=\"javascript:alert('{label}')\" "
            f"id=pwned-{label}>x</a>\"'></title></textarea><iframe src=javascript:alert(1)></iframe>"
            "<meta http-equiv=refresh content=\"0;url=/pwned\"><base href=\"/pwned/\">{{7*7}}")


def markdown_payload(label: str) -> str:
    """Markdown whose raw HTML, links and images try every way to script."""
    svg = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIG9ubG9hZD0iYWxlcnQoMSkiLz4="
    return "\n".join([
        f"恶意{label}：**粗体** <script>alert('{label}')</script> <b onmouseover=alert(1)>b</b>",
        "",
        '<div id="pwned-div" onmouseover="alert(1)">块</div>',
        "",
        f"[链1](javascript:alert('{label}')) [链2](JaVaScRiPt:alert(1)) [链3](java&#x09;script:alert(1))",
        "[链4](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) [链5](vbscript:msgbox(1))",
        ("<javascript:alert(1)> [链6][bad] ![图1](javascript:alert(1)) "
         f"![图2](data:image/svg+xml;base64,{svg}) [链7](/ \"t\\\" onmouseover=\\\"alert(1)\")"),
        "",
        f"[bad]: javascript:alert('{label}')",
        "",
        "<svg><script>alert(1)</script></svg>",
        "<style>body{display:none}</style>",
        "<iframe src=\"javascript:alert(1)\"></iframe>",
        "",
    ])


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's strings are YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def hostile_files() -> dict[str, str]:
    """A content folder with a payload in every text field of every file kind."""
    p, m = lambda label: q(payload(label)), lambda label: q(markdown_payload(label))
    indicator = (f"  - {{level1: {p('level1')}, level2: {p('level2')}, name: {p('indicator')}, "
                 f"target: {p('target')}, actual: {p('actual')}, weight: 10, score: 5, reason: {p('reason')}}}\n")
    return {
        "site.yaml": f"title: {p('site-title')}\ndescription: {p('site-description')}\n"
                     f"grades:\n  - {{grade: {p('grade')}, min: 60}}\n  - {{grade: 差, min: 0}}\n",
        "departments/evil/department.yaml":
            f"name: {p('dept-name')}\nshort_name: {p('dept-short')}\nregion: {p('region')}\n"
            f"aliases: [{p('alias')}]\nfunctions: {m('functions')}\nstructure: {m('structure')}\n"
            f"units:\n  - {{name: {p('unit-name')}, type: {p('unit-type')}}}\n",
        "departments/evil/projects/2022/report.yaml":
            f"kind: self-evaluation\nyear: 2022\nname: {p('report-name')}\ndepartment: evil\n"
            f"implementer: {p('implementer')}\nleader: {p('leader')}\nphone: {p('phone')}\nmoney_unit: 元\n"
            "funds:\n  total: {initial: 100, adjusted: 100, executed: 80, weight: 10, rate: 0.8, score: 8}\n"
            f"goals:\n  planned: {m('planned')}\n  achieved: {m('achieved')}\n"
            f"indicators:\n{indicator}total: {{weight: 10, score: 5}}\nsource: {p('source')}\n",
        "departments/evil/projects/2023/report.yaml":
            f"kind: target-declaration\nyear: 2023\nname: {p('report-name')}\ndepartment: evil\n"
            f"implementer: {p('td-implementer')}\nnature: {p('nature')}\ncategory: {p('category')}\n"
            "money_unit: 万元\nfunds: {requested: 12.5}\n"
            f"goals:\n  overall: {m('overall')}\n  annual: {m('annual')}\n"
            f"indicators:\n  - {{level1: {p('td-level1')}, level2: {p('td-level2')}, name: {p('td-name')}, "
            f"target: {p('td-target')}}}\n",
        "departments/evil/budget-2024.yaml":
            f"kind: department-budget\nyear: 2024\ndepartment: evil\nmoney_unit: 元\nsummary: {m('summary')}\n"
            f"sections:\n  - {{title: {p('section-title')}, body: {m('section-body')}}}\n"
            f"tables:\n  - title: {p('table-title')}\n    columns: [{p('column')}]\n"
            f"    rows:\n      - {{code: '204', name: {p('row-name')}, values: [100]}}\n"
            f"    total: {{name: {p('total-name')}, values: [100]}}\n",
        "pages/about.md": f"---\ntitle: {p('page-title')}\n---\n{markdown_payload('page-body')}",
    }


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "content"
    for rel, text in hostile_files().items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return build(root, root.parent / "site").out


def html_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


class _Head(HTMLParser):
    """The tags of a page in order, and any inline script or event attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "meta" and (found.get("http-equiv") or "").lower() == "content-security-policy":
            self.order.append(f"csp:{found.get('content')}")
        elif tag in ("script", "link", "style", "title", "base", "iframe", "object", "embed"):
            self.order.append(tag)
        self.inline += [f"{tag} {name}" for name in found if name.startswith("on")]
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append(f"inline script {data[:40]!r}")


def test_the_site_has_every_page_kind(hostile_site: Path) -> None:
    pages = html_pages(hostile_site)
    for kind in ("index.html", "evil/index.html", "evil/2022/index.html", "evil/2022/report/index.html",
                 "evil/2023/report/index.html", "evil/budget/2024/index.html", "about/index.html", "404.html",
                 "search/index.html", "audit/index.html", "data/index.html"):
        assert kind in pages


@pytest.mark.parametrize("site", ["hostile_site", "built_examples"])
def test_every_page_declares_the_csp_before_anything_it_loads(site: str, request: pytest.FixtureRequest) -> None:
    folder: Path = request.getfixturevalue(site)
    for rel in html_pages(folder):
        parser = _Head()
        parser.feed((folder / rel).read_text(encoding="utf-8"))
        assert parser.order and parser.order[0].startswith("csp:"), rel
        policy = dict(d.split(None, 1) for d in parser.order[0].removeprefix("csp:").split(";") if d.strip())
        # no eval and no WebAssembly: the search is plain JavaScript over the site's own index
        assert policy["script-src"] == "'self'", rel
        assert "'self'" in policy["script-src"] and policy["style-src"] == "'self'", rel
        assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'", rel
        assert policy["default-src"] == "'self'", rel
        assert not [tag for tag in parser.order if tag in ("base", "iframe", "object", "embed")], rel
        assert parser.inline == [], rel


_PROBE = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) bad.push(`${el.tagName} ${a.name}`);
      if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'srcdoc'].includes(a.name)
          && /^\\s*(javascript|data:(?!image\\/(png|gif|jpeg|webp);)|vbscript)/i.test(a.value)) {
        bad.push(`${el.tagName} ${a.name}=${a.value.slice(0, 40)}`);
      }
    }
  }
  for (const s of document.scripts) {
    if (!s.src || new URL(s.src).origin !== location.origin) bad.push(`script ${s.src || s.text.slice(0, 40)}`);
  }
  for (const sel of ['[id^="pwned"]', 'iframe', 'object', 'embed', 'base', 'body svg script',
                     'main style', 'meta[http-equiv="refresh"]']) {
    if (document.querySelector(sel)) bad.push(sel);
  }
  if (window.__pwned !== undefined) bad.push('window.__pwned=' + window.__pwned);
  return bad;
}"""

_WATCH = """window.__violations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));"""


@pytest.fixture
def watched(page: object) -> Iterator[tuple[object, list[str]]]:
    """The page, with every dialog and every document load (a navigation, a frame) recorded."""
    events: list[str] = []
    page.add_init_script(_WATCH)  # type: ignore[attr-defined]
    page.on("dialog", lambda dialog: (events.append(f"dialog {dialog.message}"), dialog.dismiss()))  # type: ignore[attr-defined]
    page.on("request", lambda request: events.append(f"document {request.url}")  # type: ignore[attr-defined]
            if request.resource_type == "document" else None)
    yield page, events


def _visit(page: object, events: list[str], url: str) -> None:
    """Open ``url``, let everything that might run run, and assert nothing did."""
    events.clear()
    page.goto(url)  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    page.mouse.move(300, 300)  # type: ignore[attr-defined]  # hover handlers, were there any
    page.wait_for_timeout(200)  # type: ignore[attr-defined]
    assert events == [f"document {url}"], url
    assert page.url == url  # type: ignore[attr-defined]
    assert page.evaluate(_PROBE) == [], url  # type: ignore[attr-defined]
    assert page.evaluate("window.__violations") == [], url  # type: ignore[attr-defined]


def test_no_payload_runs_on_any_page(watched: tuple[object, list[str]], hostile_site: Path,
                                     serve: Callable[[Path], str]) -> None:
    page, events = watched
    base = serve(hostile_site)
    for rel in html_pages(hostile_site):
        _visit(page, events, base + rel.removesuffix("index.html"))


def test_payloads_are_shown_as_text(watched: tuple[object, list[str]], hostile_site: Path,
                                    serve: Callable[[Path], str]) -> None:
    page, events = watched
    base = serve(hostile_site)
    shown = {
        "evil/2022/report/": ["report-name", "implementer", "leader", "phone", "indicator", "target", "actual",
                              "reason", "level1", "level2", "dept-name"],
        "evil/2023/report/": ["report-name", "td-implementer", "nature", "category", "td-name", "td-target"],
        "evil/budget/2024/": ["section-title", "table-title", "column", "row-name"],
        "evil/": ["dept-name", "unit-name", "unit-type"],
        "": ["site-title"],
        "404.html": ["site-title"],
    }
    for path, labels in shown.items():
        _visit(page, events, base + path)
        text = page.inner_text("body")  # type: ignore[attr-defined]
        for label in labels:
            assert payload(label) in text, (path, label)
    for path, labels in {"evil/2022/report/": ["planned", "achieved"], "evil/": ["functions", "structure"],
                         "evil/budget/2024/": ["summary", "section-body"], "about/": ["page-body"]}.items():
        _visit(page, events, base + path)
        text = page.inner_text("main")  # type: ignore[attr-defined]
        for label in labels:
            assert f"<script>alert('{label}')</script>" in text, (path, label)
            assert '<div id="pwned-div" onmouseover="alert(1)">块</div>' in text, (path, label)
    assert page.title().startswith(payload("page-title"))  # type: ignore[attr-defined]


def test_search_shows_hostile_reports_as_text(watched: tuple[object, list[str]], hostile_site: Path,
                                              serve: Callable[[Path], str]) -> None:
    page, events = watched
    url = serve(hostile_site) + "search/?q=" + quote("恶意report")
    _visit(page, events, url)
    results = page.locator("#search a[href*='evil/']")  # type: ignore[attr-defined]
    results.first.wait_for()
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    assert page.evaluate(_PROBE) == []  # type: ignore[attr-defined]
    assert page.evaluate("window.__violations") == []  # type: ignore[attr-defined]
    assert events == [f"document {url}"]
    assert "<script>alert('report-name')</script>" in page.inner_text("#search")  # type: ignore[attr-defined]
