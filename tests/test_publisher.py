"""The publisher's settings of site.yaml, as a reader sees them on the built pages."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from generator.cli import main

REPORT = "chaoyang-justice/2022/industry-upgrade-fund-2021/index.html"  # a report with findings
PAGES = ("index.html", REPORT, "chaoyang-justice/index.html", "chaoyang-justice/2022/index.html",
         "about/index.html", "search/index.html")

PUBLISHER = """\
publisher:
  name: 北京市朝阳区司法局
  logo: images/logo.svg
  address: 北京市朝阳区某某路1号
  phone: 010-1234 5678
  email: office@example.gov.cn
footer: 本网站信息由[各部门](/about/)提供。
icp: 京ICP备12345678号-1
updated: 2025-06-30
"""


class Page(HTMLParser):
    """The text, links and images of a page's header and footer; the classes used in its main part."""

    def __init__(self) -> None:
        super().__init__()
        self.part, self.depth = "", 0  # the page's header, footer or main, and how deep in it
        self.text: dict[str, list[str]] = {"header": [], "footer": [], "main": []}
        self.links: dict[str, list[str]] = {"header": [], "footer": [], "main": []}
        self.images: list[str] = []
        self.classes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("header", "footer", "main"):
            self.part, self.depth = self.part or tag, self.depth + (self.part in ("", tag))
        if tag == "a" and self.part:
            self.links[self.part].append(found.get("href") or "")
        if tag == "img" and self.part == "header":
            self.images.append(found.get("src") or "")
        if self.part == "main":
            self.classes.update((found.get("class") or "").split())

    def handle_endtag(self, tag: str) -> None:
        if tag == self.part:
            self.depth -= 1
            self.part = self.part if self.depth else ""

    def handle_data(self, data: str) -> None:
        if self.part:
            self.text[self.part].append(data)

    def shown(self, part: str) -> str:
        return " ".join("".join(self.text[part]).split())


def _build(content: Path, out: Path) -> None:
    assert main(["build", "--content", str(content), "--out", str(out)]) == 0


def read(out: Path, rel: str) -> Page:
    page = Page()
    page.feed((out / rel).read_text(encoding="utf-8"))
    return page


def test_every_page_shows_the_publisher(examples: Path, tmp_path: Path) -> None:
    site = examples / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + PUBLISHER, encoding="utf-8")
    logo = examples / "templates" / "static" / "images" / "logo.svg"
    logo.parent.mkdir(parents=True)
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>', encoding="utf-8")
    out = tmp_path / "out"
    _build(examples, out)
    assert (out / "static" / "images" / "logo.svg").read_bytes() == logo.read_bytes()
    for rel in PAGES:
        page = read(out, rel)
        assert page.images == ["/static/images/logo.svg"], rel
        assert "北京市朝阳区司法局" in page.shown("header"), rel
        footer = page.shown("footer")
        for text in ("本网站信息由各部门提供。", "发布单位：北京市朝阳区司法局", "地址：北京市朝阳区某某路1号",
                     "电话：010-1234 5678", "电子邮箱：office@example.gov.cn", "数据更新日期：2025-06-30",
                     "京ICP备12345678号-1"):
            assert text in footer, (rel, text)
        assert {"/about/", "tel:010-12345678", "mailto:office@example.gov.cn",
                "https://beian.miit.gov.cn/"} <= set(page.links["footer"]), rel


def test_without_settings_the_footer_shows_none(examples: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(examples, out)
    page = read(out, "index.html")
    assert page.images == []
    assert "发布单位" not in page.shown("footer") and "数据更新日期" not in page.shown("footer")
    assert "https://beian.miit.gov.cn/" not in page.links["footer"]


def test_audit_panels_are_shown_unless_turned_off(examples: Path, tmp_path: Path) -> None:
    shown, hidden = tmp_path / "shown", tmp_path / "hidden"
    _build(examples, shown)
    report = read(shown, REPORT)
    assert {"findings", "finding-mark"} <= report.classes
    assert "/audit/" in report.links["header"]
    assert "核对发现" in read(shown, "chaoyang-justice/2022/index.html").shown("main")

    site = examples / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + "audit_panels: false\n", encoding="utf-8")
    _build(examples, hidden)
    for rel in PAGES:
        page = read(hidden, rel)
        assert not {"findings", "finding-mark"} & page.classes, rel
        if rel != "about/index.html":  # the publisher's own page may speak of the checks
            assert "数据核对" not in page.shown("main") and "核对发现" not in page.shown("main"), rel
        assert not [link for link in page.links["header"] + page.links["main"] if "audit/" in link], rel
