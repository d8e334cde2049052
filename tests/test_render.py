"""Stage 5: filters, markdown safety, the Jinja environment."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from generator.content.models import SiteConfig
from generator.site_pages.render import Renderer, markdown, money, number, percent, theme_dirs

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
