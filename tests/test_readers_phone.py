"""Readers on phones: every page kind at 360 px, in Chinese and in English (Chromium).

No table cell holding text is narrower than three of its characters (the budget tables used to
squeeze 科目名称 to one character a line), nothing runs off the side of the page, labels fit
their boxes in the English build too, and axe-core finds nothing in the phone layout.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from generator.build import build
from tests.conftest import EXAMPLES

PHONE = {"width": 360, "height": 740}

# one page of each kind, in the real content (content/) and in the examples
REAL = {"overview": "", "department": "minhang-justice/", "year": "minhang-justice/2022/",
        "self-evaluation": "minhang-justice/2022/si-fa-zheng-fu-gu-yuan-jing-fei/",
        "declaration": "minhang-justice/2024/si-fa-zheng-fu-gu-yuan-jing-fei/",
        "budget": "minhang-justice/budget/2024/", "data": "data/", "audit": "audit/", "search": "search/",
        "page": "about/", "404": "404.html"}
EXAMPLE = {"overview": "", "department": "minhang-justice/", "year": "minhang-justice/2022/",
           "self-evaluation": "chaoyang-justice/2022/industry-upgrade-fund-2021/",
           "declaration": "minhang-justice/2024/correction-work/", "budget": "minhang-justice/budget/2024/",
           "data": "data/", "audit": "audit/", "search": "search/", "404": "404.html"}

# Cells whose box is narrower than their first three characters, skipping what is not shown
# (closed <details>, a visually hidden header kept for screen readers).
SQUEEZED = """() => {
  const clipped = (el) => {
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const r = e.getBoundingClientRect();
      if ((r.width <= 1 || r.height <= 1) && getComputedStyle(e).overflow !== "visible") return true;
    }
    return false;
  };
  const wide = (c) => /[\\u2e80-\\u9fff\\uf900-\\ufaff\\uff00-\\uffef\\u3000-\\u303f]/.test(c);
  const found = [];
  for (const cell of document.querySelectorAll("td, th")) {
    const text = cell.innerText.replace(/\\s+/g, "");
    if (!text || !cell.getClientRects().length || clipped(cell)) continue;
    const style = getComputedStyle(cell);
    const size = parseFloat(style.fontSize);
    const inner = style.display === "inline" ? cell.getBoundingClientRect().width  // a card's title, on one line
      : cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const need = Array.from(text).slice(0, 3).reduce((w, c) => w + (wide(c) ? size : 0.5 * size), 0);
    if (inner + 0.5 < need) found.push(`${Math.round(inner)}px < ${Math.round(need)}px: ${text.slice(0, 20)}`);
  }
  return found;
}"""

# Boxes whose text runs out of them, and whether the page scrolls sideways.
OVERFLOWING = """() => {
  const found = [];
  const boxes = "th, td, dt, dd, caption, label, button, summary, figcaption, h1, h2, h3, .crumbs li, nav li";
  for (const el of document.querySelectorAll(boxes)) {
    if (!el.getClientRects().length || el.clientWidth === 0) continue;
    if (el.getBoundingClientRect().width <= 1 || el.closest(".skip")) continue;  // visually hidden
    if (el.scrollWidth > el.clientWidth + 1) found.push(`${el.tagName} ${el.scrollWidth}>${el.clientWidth}: ${el.innerText.slice(0, 30)}`);
  }
  if (document.documentElement.scrollWidth > window.innerWidth) found.push(`page ${document.documentElement.scrollWidth}px wide`);
  return found;
}"""


@pytest.fixture
def phone(browser: object) -> Iterator[object]:
    """A page at 360 px wide."""
    context = browser.new_context(viewport=PHONE)  # type: ignore[attr-defined]
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def english_examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples built with language: en."""
    root = tmp_path_factory.mktemp("en") / "content"
    shutil.copytree(EXAMPLES, root)
    site = root / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("language: zh-CN", "language: en"), encoding="utf-8")
    out = root.parent / "site"
    build(root, out)
    return out


@pytest.mark.parametrize("kind", sorted(REAL))
def test_no_cell_is_squeezed_on_a_phone(phone, built_site: Path, serve: Callable[[Path], str],  # type: ignore[no-untyped-def]
                                        kind: str) -> None:
    phone.goto(serve(built_site) + REAL[kind])
    assert phone.evaluate(SQUEEZED) == []
    assert phone.evaluate(OVERFLOWING) == []


@pytest.mark.parametrize("kind", sorted(EXAMPLE))
def test_english_labels_fit_on_a_phone(phone, english_examples: Path, serve: Callable[[Path], str],  # type: ignore[no-untyped-def]
                                       kind: str) -> None:
    phone.goto(serve(english_examples) + EXAMPLE[kind])
    assert phone.evaluate("document.documentElement.lang") == "en"
    assert phone.evaluate(SQUEEZED) == []
    assert phone.evaluate(OVERFLOWING) == []


def test_a_phone_reads_each_figure_under_its_heading(phone, built_site: Path,  # type: ignore[no-untyped-def]
                                                     serve: Callable[[Path], str]) -> None:
    """The budget's 科目名称 reads on one line, and each amount says which column it is."""
    phone.goto(serve(built_site) + REAL["budget"])
    name = phone.locator("table.budget tbody tr th", has_text="行政运行").first
    box = name.bounding_box()
    size = name.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert box and box["height"] < 2 * size and box["width"] > 3 * size  # one line, not a character a line
    cell = phone.locator("table.budget tbody tr td.num").first
    label = cell.evaluate("c => getComputedStyle(c, '::before').content")
    assert label.strip('"') == cell.get_attribute("data-label") != ""
    # the report tables: 执行率 and 得分 are on screen, not behind a sideways scroll
    phone.goto(serve(built_site) + REAL["department"])
    rate = phone.locator("table.reports tbody td[data-label='执行率']").first
    box = rate.bounding_box()
    assert box and box["x"] + box["width"] <= PHONE["width"]


@pytest.mark.parametrize("kind", ["self-evaluation", "budget", "department", "year"])
def test_no_accessibility_violations_on_a_phone(phone, built_examples: Path,  # type: ignore[no-untyped-def]
                                                serve: Callable[[Path], str], kind: str) -> None:
    phone.goto(serve(built_examples) + EXAMPLE[kind])
    results = Axe().run(phone)
    assert results.violations_count == 0, results.generate_report()


def test_english_search_results_punctuate_in_english(phone, english_examples: Path,  # type: ignore[no-untyped-def]
                                                     serve: Callable[[Path], str]) -> None:
    """The colons the style sheets draw after the results' labels follow the language, as the text does."""
    phone.goto(serve(english_examples) + "search/?q=矫正")
    labels = phone.locator("#search-results .result-facts dt, #search-results .result-field")
    labels.first.wait_for()
    drawn = labels.evaluate_all("ls => ls.map(l => getComputedStyle(l, '::after').content)")
    assert drawn and set(drawn) == {'": "'}
