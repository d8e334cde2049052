"""An English build shows no Chinese interface text, findings included: only the content it quotes.

The examples and the real content/ are built with ``language: en``. Every piece of text a reader
meets (text nodes, the page title, labelling attributes, the search page's labels) may keep
Chinese only where it quotes the content: names, targets and actuals, goals, department and
table names, markdown. Interface terms that content files hold — the standard framework's
categories (产出指标, 数量指标 …), money units (元, 万元), grades — are not excused: the English
build translates them. A finding's message is excused only for the values it quotes, and each
of those must be text of the content, so interface words cannot hide in a finding.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from generator.audit.findings import FRAMEWORK
from generator.build import build
from generator.i18n import content_values
from generator.search.records import search_records
from generator.site import check
from generator.site_pages.render import Renderer, theme_dirs
from tests.conftest import EXAMPLES, ROOT

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
SHOWN_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "data-filter", "data-shown", "data-sort",
                    "data-label"}
# Fields whose values are interface terms, translated on an English build, not content.
TERMS = {"money_unit", "unit", "grade", "kind", "language", "theme"}
CATEGORIES = {name for level1, level2s in FRAMEWORK.items() for name in (level1, *level2s)}


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _category(text: str) -> bool:
    return _fold(text).removesuffix("指标") in CATEGORIES


class Visible(HTMLParser):
    """Collect the text a reader sees or hears: text nodes, labelling attributes, the search labels."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        for key, value in attrs:
            if key in SHOWN_ATTRIBUTES and value:
                self.texts.append(value)
            elif key == "data-labels" and value:
                self.texts += [v for v in json.loads(value).values() if isinstance(v, str)]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip and data.strip():
            self.texts.append(data.strip())


def content_strings(root: Path) -> list[str]:
    """Every text the content gives (YAML scalars but interface terms, markdown lines) and every
    value a finding quotes, longest first; fails on a quoted value that is not content."""
    found: list[str] = []

    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            for k, value in node.items():
                walk(value, str(k))
        elif isinstance(node, list):
            for value in node:
                walk(value, key)
        elif isinstance(node, str):
            if key in TERMS or (key in ("level1", "level2") and _category(node)):
                return
            found.extend(line.strip() for line in node.splitlines() if line.strip())

    for path in sorted(root.rglob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    for path in sorted(root.rglob("*.md")):
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        walk(yaml.safe_load(front))
        found.extend(line.strip(" #-*") for line in body.splitlines() if line.strip())
    blob = _fold("\n".join(found))
    _, findings = check(root)
    assert findings, "the content should have findings to show"
    for f in findings:
        for value in content_values(f.message):
            assert not CJK.search(value) or _fold(value.removesuffix("…")) in blob, \
                f"{f.rule}: {value!r} is quoted by a finding but is not content"
            found.append(value)
    return sorted(set(found), key=len, reverse=True)


def leftover(text: str, known: list[str], blob: str) -> str:
    """What is left of ``text`` once content strings are taken out of it."""
    if text.removesuffix("…") in blob and not _category(text):  # a whole content text (a label cut to fit)
        return ""
    for piece in known:
        if piece in text:
            text = text.replace(piece, " ")
    return text


def english_build(source: Path, tmp: Path) -> tuple[Path, Path]:
    root = tmp / "content"
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(".disclose-cache"))
    site = root / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("language: zh-CN", "language: en"), encoding="utf-8")
    assert "language: en" in site.read_text(encoding="utf-8")
    out = tmp / "site"
    build(root, out)
    return root, out


@pytest.fixture(scope="module", params=["examples", "content"])
def english(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    source = EXAMPLES if request.param == "examples" else ROOT / "content"
    return english_build(source, tmp_path_factory.mktemp(f"en-{request.param}"))


def test_no_chinese_interface_text_on_an_english_build(english: tuple[Path, Path]) -> None:
    root, out = english
    known = content_strings(root)
    blob = "\n".join(known)
    problems = []
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 12
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert '<html lang="en">' in html, page
        parser = Visible()
        parser.feed(html)
        title = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
        for text in [*parser.texts, *(title.group(1).split(" · ") if title else [])]:
            rest = leftover(text, known, blob)
            if CJK.search(rest):
                problems.append(f"{page.relative_to(out)}: {text!r}")
    assert not problems, f"{len(problems)} untranslated interface texts:\n" + "\n".join(sorted(set(problems))[:60])


def test_findings_categories_grades_and_units_read_in_english(english: tuple[Path, Path]) -> None:
    root, out = english
    audit = (out / "audit" / "index.html").read_text(encoding="utf-8")
    assert "：" not in audit and "「" not in audit
    pages = [p.read_text(encoding="utf-8") for p in out.rglob("index.html")]
    evaluation = next(p for p in pages if 'class="indicators' in p and "产出指标" not in p and ">Output<" in p)
    assert "Quantity" in evaluation
    assert "10,000 yuan" not in "".join(pages)
    # a description gives its unit as the pages do, in brackets; a row's kind is one report's
    described = re.findall(r'<meta name="description" content="Performance self-evaluation of [^"]*"', "".join(pages))
    assert described and all(re.search(r"budget [\d.,]+ \(CNY[^)]*\), spent", d) for d in described)
    assert ">Self-evaluation<" in "".join(pages) and ">Self-evaluations<" not in "".join(pages)
    if root.parent.name.startswith("en-content"):
        window = (out / "minhang-admin-service" / "2022" / "chuang-kou-fu-wu-fei" / "index.html").read_text(
            encoding="utf-8")
        assert "16 indicators (政务服务快递数, 基本公章免费刻制数, 宣传印制完成率 and others) give no actual" in window
        assert "No actual, yet full marks" in window
        cancelled = (out / "minhang-admin-service" / "2022" / "li-gong-jing-sai" / "index.html").read_text(
            encoding="utf-8")
        assert "(not carried out)" in cancelled and "(Poor)" not in cancelled
        test = (out / "minhang-admin-service" / "2022" / "yi-wang-tong-ban-pei-tao-xi-tong" / "index.html")
        assert "“通过第三方测评”: the target is “通过” and the actual “无”, which denies it" in test.read_text(
            encoding="utf-8")
        year = (out / "minhang-admin-service" / "2022" / "index.html").read_text(encoding="utf-8")
        assert "(CNY)" in year


def test_a_reports_goals_are_not_labelled_as_a_kind_of_report(english: tuple[Path, Path]) -> None:
    """A search hit in a self-evaluation's goals reads Goals, not Target declarations (the kind 绩效目标)."""
    _, out = english
    page = (out / "search" / "index.html").read_text(encoding="utf-8")
    labels = json.loads(html.unescape(re.search(r"data-labels='([^']*)'", page).group(1)))  # type: ignore[union-attr]
    assert labels["field_goals"] == "Goals" and labels["field_indicators"] == "Performance indicators"


def test_search_records_give_grades_and_amounts_in_english(english: tuple[Path, Path]) -> None:
    """The search's grade facet and budgets read in English; a project not carried out has that grade."""
    root, _ = english
    content, _ = check(root)
    renderer = Renderer(theme_dirs(root, content.site.theme), content.site)
    records = {r.path: r for r in search_records(content, renderer.message)}
    grades = {r.grade for r in records.values() if r.grade}
    assert grades and grades <= {"Excellent", "Good", "Fair", "Poor", "not carried out"}, grades
    assert not [r.budget for r in records.values() if CJK.search(r.budget) or "yuan" in r.budget]
    if "minhang-admin-service/2022/li-gong-jing-sai/" in records:
        assert records["minhang-admin-service/2022/li-gong-jing-sai/"].grade == "not carried out"
