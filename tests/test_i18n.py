"""Two interface languages: message keys, catalogues, and English words where a reader meets them.

That no Chinese interface text is left on an English build (the examples and content/, findings
included) is tests/test_english.py.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from generator.build import build
from generator.i18n import Msg, load_catalogue, translate
from generator.site_pages.render import theme_dirs
from tests.conftest import EXAMPLES, ROOT

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
SHOWN_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "data-filter", "data-shown", "data-sort"}
TEMPLATES = ROOT / "themes" / "default" / "templates"


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
