"""Two interface languages: with ``language: en`` no Chinese interface text is left on any page.

The examples are built in English and every piece of text a reader meets is collected: text
nodes, the page title, labels in attributes (aria-label, title, placeholder, alt) and the words
the tables script shows (its data- attributes). Whatever Chinese remains must come from the
content (names, targets, markdown) or from the audit's findings, which quote the content.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from generator.audit.rules import audit
from generator.i18n import Msg, load_catalogue, translate
from generator.site import build, check
from generator.site_pages.render import theme_dirs
from tests.conftest import EXAMPLES, ROOT

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
SHOWN_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "data-filter", "data-shown", "data-sort"}
TEMPLATES = ROOT / "themes" / "default" / "templates"


class Visible(HTMLParser):
    """Collect the text a reader sees or hears: text nodes and labelling attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        self.texts.extend(v for k, v in attrs if k in SHOWN_ATTRIBUTES and v)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip and data.strip():
            self.texts.append(data.strip())


def content_strings(root: Path) -> list[str]:
    """Every text the content gives (YAML scalars, markdown lines) and every finding's message."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            found.extend(line.strip() for line in node.splitlines() if line.strip())

    for path in sorted(root.rglob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    for path in sorted(root.rglob("*.md")):
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        walk(yaml.safe_load(front))
        found.extend(line.strip(" #-*") for line in body.splitlines() if line.strip())
    content, _ = check(root)
    found.extend(f.message for f in audit(content))
    return sorted(set(found), key=len, reverse=True)


def leftover(text: str, known: list[str], blob: str) -> str:
    """What is left of ``text`` once content strings are taken out of it."""
    bare = text.removesuffix("…")  # a chart label cut to fit
    if bare in blob:
        return ""
    for piece in known:
        if piece in text:
            text = text.replace(piece, " ")
    return text


@pytest.fixture(scope="module")
def english_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("en") / "content"
    shutil.copytree(EXAMPLES, root)
    site = root / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("language: zh-CN", "language: en"), encoding="utf-8")
    assert "language: en" in site.read_text(encoding="utf-8")
    out = root.parent / "site"
    build(root, out)
    return root, out


def test_english_pages_have_no_chinese_interface_text(english_site: tuple[Path, Path]) -> None:
    root, out = english_site
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
    assert not problems, "untranslated interface text:\n" + "\n".join(problems)


def test_english_interface_words_appear(english_site: tuple[Path, Path]) -> None:
    _, out = english_site
    year = (out / "minhang-justice" / "2022" / "index.html").read_text(encoding="utf-8")
    assert "Adjusted budget and spending by project" in year
    assert 'data-filter="Filter the table"' in year
    report = (out / "minhang-justice" / "2022" / "correction-location-system" / "index.html").read_text(
        encoding="utf-8")
    assert '<a href="/minhang-justice/2022/">2022</a>' in report  # the crumb 2022年 in English
    assert "<title>Page not found · " in (out / "404.html").read_text(encoding="utf-8")


def test_every_template_key_is_in_the_english_catalogue() -> None:
    """Each literal _("…") key of the theme's templates has an English text."""
    catalogue = load_catalogue(theme_dirs(EXAMPLES, "default"), "en")
    keys = {m.group(2) for path in TEMPLATES.rglob("*.html")
            for m in re.finditer(r"""_\(\s*(["'])(.*?)\1""", path.read_text(encoding="utf-8"))}
    missing = sorted(k for k in keys if k not in catalogue)
    assert not missing, missing
    assert not [k for k, v in catalogue.items() if CJK.search(v)]


def test_msg_is_its_chinese_text_and_translates_with_its_values() -> None:
    label = Msg("{name} {year}年", name="司法局", year=2022)
    assert label == "司法局 2022年" and isinstance(label, str)
    catalogue = {"{name} {year}年": "{name} {year}", "{year}年": "{year}", "元": "yuan",
                 "{name}（{unit}）": "{name} ({unit})"}
    assert translate(catalogue, label) == "司法局 2022"
    assert translate(catalogue, "{name}（{unit}）", {"name": "x", "unit": Msg("元")}) == "x (yuan)"
    assert translate(catalogue, "闵行区司法局") == "闵行区司法局"  # content is never translated
    assert translate({}, label) == "司法局 2022年"


def test_chinese_is_the_default_and_html_lang_follows(built_examples: Path) -> None:
    html = (built_examples / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html
    assert "各部门各年度的预算与执行" in html
