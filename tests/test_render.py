"""Stage 5: filters, markdown safety, the Jinja environment."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from markupsafe import Markup

from generator.content.models import SiteConfig
from generator.site_pages.render import (
    Compiled,
    Renderer,
    markdown,
    money,
    number,
    percent,
    theme_dirs,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("value, unit, shown", [
    (Decimal("12880.00"), "元", "12,880.00"),
    (Decimal(12880), "元", "12,880"),
    (Decimal("194000.0"), "万元", "19.4"),
    (Decimal("194000.00"), "万元", "19.40"),
    (Decimal("6072190.00"), "元", "6,072,190.00"),
    (None, "元", "—"),
])
def test_money_shows_the_printed_digits(value: Decimal | None, unit: str, shown: str) -> None:
    assert money(value, unit) == shown


def test_percent_and_number() -> None:
    assert percent(Decimal("1.0000")) == "100.00%"
    assert percent(Decimal("0.9598")) == "95.98%"
    assert percent(Decimal("1.00")) == "100%"
    assert percent(None) == "—"
    assert number(Decimal("9.6")) == "9.6"
    assert number(Decimal("-0")) == "0"


def test_markdown_drops_raw_html_and_script_links() -> None:
    html = markdown("<script>alert(1)</script>\n\n[x](javascript:alert(1)) **粗**")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert "<strong>粗</strong>" in html


def test_environment_escapes_and_is_strict(tmp_path: Path) -> None:
    site = SiteConfig(title="<b>站</b>")
    renderer = Renderer(theme_dirs(ROOT / "content", "default"), site)
    assert renderer.env.from_string("{{ site.title }}").render() == "&lt;b&gt;站&lt;/b&gt;"
    with pytest.raises(UndefinedError):
        renderer.env.from_string("{{ nothing.here }}").render()


def test_summary_amounts_use_the_site_unit() -> None:
    renderer = Renderer(theme_dirs(ROOT / "content", "default"), SiteConfig(title="站", money_unit="万元"))
    assert renderer.amount(Decimal("6085070.00")) == "608.51"


def test_pages_and_audit_messages_write_a_figure_alike() -> None:
    from generator.audit.rules import num
    for text, shown in [("0.00", "0.00"), ("-0.00", "0.00"), ("-0", "0"), ("12880.00", "12,880.00"),
                        ("-3.5", "-3.5")]:
        assert number(Decimal(text)) == num(Decimal(text)) == shown


def test_literal_messages_are_compiled_in_the_site_language(tmp_path: Path) -> None:
    """``_("text")`` is translated when the template is compiled: escaped as any text, and
    compiled again for another language though the Store keeps the compiled templates."""
    theme = tmp_path / "default"
    (theme / "templates").mkdir(parents=True)
    (theme / "messages").mkdir()
    (theme / "templates" / "t.html").write_text('{{ _("搜索") }}|{{ _("{n}项", n=2) }}|{{ page._("搜索") }}',
                                               encoding="utf-8")
    (theme / "messages" / "en.yaml").write_text('搜索: "Search & find"\n"{n}项": "{n} items"\n', encoding="utf-8")
    compiled = Compiled()
    holder = {"_": lambda text: f"<{text}>"}
    english = Renderer([theme], SiteConfig(title="站", language="en"), compiled)
    assert english.render("t.html", page=holder) == "Search &amp; find|2 items|&lt;搜索&gt;"
    chinese = Renderer([theme], SiteConfig(title="站"), compiled)
    assert chinese.render("t.html", page=holder) == "搜索|2项|&lt;搜索&gt;"
    assert Renderer([theme], SiteConfig(title="站", language="en"), compiled).render(
        "t.html", page=holder).startswith("Search &amp; find|")


def test_marks_link_each_finding_of_a_cell_only() -> None:
    from generator.audit.findings import RULES, Finding
    from generator.i18n import Msg
    renderer = Renderer(theme_dirs(ROOT / "content", "default"), SiteConfig(title="站"))
    finding = Finding("r.yaml", 3, 1, next(iter(RULES)), "indicators[2].score", Msg("message"), "/r/")
    assert renderer.marks([finding], "indicators[2].weight") == ""
    assert renderer.marks([finding], "indicators[2]") == ""
    marked = renderer.marks([finding], "indicators[2]", prefix=True)
    assert marked.count('class="finding-mark severity-warning"') == 1 and marked == renderer.marks(
        [finding], "indicators[2].score")
    hidden = Renderer(theme_dirs(ROOT / "content", "default"), SiteConfig(title="站", audit_panels=False))
    assert hidden.marks([finding], "indicators[2].score") == ""


def test_a_part_rendered_before_from_the_same_values_is_taken_as_it_was(tmp_path: Path) -> None:
    theme = tmp_path / "default"
    (theme / "templates").mkdir(parents=True)
    (theme / "templates" / "p.html").write_text("<b>{{ x }}</b>", encoding="utf-8")
    renderer = Renderer([theme], SiteConfig(title="站"))
    assert renderer.part("p.html", x="<1>") == "<b>&lt;1&gt;</b>" and renderer.used == {}  # no Store keeps parts
    renderer.parts = {}  # one does (serve's)
    assert renderer.part("p.html", x="<1>") == "<b>&lt;1&gt;</b>"
    kept = dict(renderer.used)
    assert len(kept) == 1
    again = Renderer([theme], SiteConfig(title="站"))
    again.parts = {key: Markup("<i>kept</i>") for key in kept}  # what a Store kept, for these values
    assert again.part("p.html", x="<1>") == "<i>kept</i>" and again.part("p.html", x="2") == "<b>2</b>"
    assert len(again.used) == 2
    again.identity = b"another theme"  # other templates or settings: nothing kept applies
    assert again.part("p.html", x="<1>") == "<b>&lt;1&gt;</b>"


def test_a_page_made_of_parts_is_known_by_its_template() -> None:
    """The audit page calls the global ``part`` (Jinja's own introspection leaves globals out): so
    serve puts it together in its own process, from the parts it keeps, without pickling its view."""
    renderer = Renderer(theme_dirs(ROOT / "content", "default"), SiteConfig(title="站"))
    assert renderer.reads("audit.html", "part")
    assert not renderer.reads("index.html", "part") and not renderer.reads("self_evaluation.html", "part")
    assert renderer.reads("index.html", "page")
