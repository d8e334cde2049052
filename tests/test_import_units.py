"""Unit tests of the importer: cleaning, layouts, forms, budget tables, slugs, YAML, corrections."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from generator.importers import corrections as fixes
from generator.importers.budget import read_budget
from generator.importers.emit import dump, scalar
from generator.importers.forms import BUDGET, DECLARATION, SELF_EVALUATION, Parsed, read_form, split
from generator.importers.output import state, with_header, write
from generator.importers.rows import Messages, amount, cell, prose, rate, strip_markup
from generator.importers.slugs import assign, prefixes, words
from generator.importers.textforms import read_rows

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def read(name: str) -> tuple[str, list[Parsed], Messages]:
    """Read a fixture: its layout, the reports found and the messages."""
    msgs = Messages(name)
    layout, rows = read_rows(FIXTURES / name, msgs)
    found = []
    for kind, chunk in split(rows):
        if kind == BUDGET:
            found.append(read_budget(chunk, msgs)[0])
        elif kind:
            parsed = read_form(kind, chunk, msgs)
            if parsed:
                found.append(parsed)
    return layout, found, msgs


def names(parsed: Parsed) -> list[str]:
    return [i.get("name", "") for i in parsed.data["indicators"]]


# --- cleaning ---------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "clean"), [
    (r"$\geq 85\%$", "≥85%"),
    (r"$\geq 200.00(\text{人})$", "≥200.00(人)"),
    (r"$> 85.00(\%)$", ">85.00(%)"),
    (r"$\leq 30.00(\text{天})$", "≤30.00(天)"),
    (r"$= 100.00\%$", "=100.00%"),
    ("<p>推进社区矫正</p>", "推进社区矫正"),
    ('<p style="text-align: center;">财政项目支出绩效自评表</p>', "财政项目支出绩效自评表"),
    ("<=4小时", "<=4小时"),
])
def test_strip_markup(raw: str, clean: str) -> None:
    assert cell(strip_markup(raw)) == clean


@pytest.mark.parametrize(("raw", "clean"), [
    ("上海市闵行区行政服务中心 （汇总）", "上海市闵行区行政服务中心(汇总)"),
    ("闵行区公共法律服务中心窗口 政府购买服务经费", "闵行区公共法律服务中心窗口政府购买服务经费"),
    ("=100.00 (%)", "=100.00(%)"),
    ("100% ( 28-30个点位 )", "100% (28-30个点位)"),
    ("年初预\n算数", "年初预算数"),
    ("ＡＢＣ１２３％", "ABC123%"),
    ("\u3000", ""),
    ('"参赛队员满意度', "参赛队员满意度"),
])
def test_cell_cleaning(raw: str, clean: str) -> None:
    assert cell(raw) == clean


def test_prose_keeps_sentences_and_chinese_punctuation() -> None:
    raw = "用于保障市区重点项目，稳定经营发展;\n促进区域经济社会发展\n、加快构建;\n（一）说明。"
    assert prose(raw) == "用于保障市区重点项目，稳定经营发展;\n促进区域经济社会发展、加快构建;\n（一）说明。"


@pytest.mark.parametrize(("raw", "value"), [
    ("14,753,068.9", Decimal("14753068.9")), ("12880.00", Decimal("12880.00")),
    ("0994000", Decimal(994000)), ("—", None), ("", None), ("\u3000", None),
])
def test_amount_keeps_printed_digits(raw: str, value: Decimal | None) -> None:
    found = amount(raw)
    assert found == value
    if value is not None:
        assert str(found) == str(value)


def test_amount_rejects_a_broken_figure() -> None:
    with pytest.raises(ValueError, match="39.7966.92"):
        amount("39.7966.92")


@pytest.mark.parametrize(("raw", "text"), [
    ("100.00%", "1.0000"), ("100%", "1.00"), ("95.98%", "0.9598"), ("797.92%", "7.9792"),
    ("0.00%", "0.0000"), ("99.80%", "0.9980"),
])
def test_rate_is_a_ratio_with_the_printed_digits(raw: str, text: str) -> None:
    found = rate(raw)
    assert found is not None and format(found, "f") == text


# --- layouts and forms -------------------------------------------------------------------

def test_tsv_rows_cut_by_page_breaks_are_joined() -> None:
    layout, found, msgs = read("tsv_page_breaks.txt")
    assert layout == "tsv"
    [report] = found
    assert report.kind == SELF_EVALUATION
    assert report.data["name"] == "人民调解业务经费"
    assert report.dept_text == "闵行区司法局(汇总)"
    assert len(report.data["indicators"]) == 18
    assert "居村法律顾问服务质量评估核查合格率" in names(report)
    assert names(report)[-1] == "预算单位对第三方服务满意度"
    last = report.data["indicators"][-1]
    assert (last["target"], last["actual"], last["weight"], last["score"]) == (">=90%", "95%", 5, 5)
    assert report.data["total"] == {"weight": 100, "score": 100}
    assert report.data["funds"]["total"]["rate"] == Decimal("1.0000")
    assert [m.line for m in msgs.items if "page break" in m.text] == [18, 32]
    assert not [m for m in msgs.items if m.problem]


def test_tsv_latex_targets_reasons_and_a_label_after_the_break() -> None:
    _, [report], msgs = read("tsv_latex_reasons.txt")
    rows = report.data["indicators"]
    assert len(rows) == 15
    assert rows[0]["reason"] == "按照相关文件规定，不再招录政府雇员"
    assert rows[10]["name"] == "司法行政工作效能提升度" and rows[10]["target"] == "≥0%"
    assert rows[14]["target"] == "≥85%"
    assert rows[7]["level2"] == "时效指标"  # the label printed on the row after the break
    # the row before the break keeps the category carried down, and the importer says so
    assert rows[6]["level2"] == "质量指标"
    assert any(m.line == 19 and "时效指标" in m.text for m in msgs.items)


def test_declaration_with_latex_and_doubled_categories() -> None:
    _, [report], msgs = read("tsv_declaration_latex.txt")
    assert report.kind == DECLARATION
    data = report.data
    assert data["funds"]["requested"] == Decimal("3801000.00")
    assert data["period"] == {"start": date(2024, 1, 1), "end": date(2024, 12, 31)}
    rows = {i["name"]: i for i in data["indicators"]}
    assert rows["人民调解员培训参与人数"]["target"] == "≥200.00(人)"
    assert rows["调解成功率"]["target"] == ">85.00(%)"
    assert rows["案件调解平均周期"]["target"] == "≤30.00(天)"
    assert rows["调解案件数"]["level2"] == "数量指标" and rows["调解案件数"]["level1"] == "产出指标"
    assert rows["成本构成合理性"]["level1"] == "成本指标"
    assert len(data["indicators"]) == 14
    assert not [m for m in msgs.items if m.problem]


def test_cells_layout_with_a_funds_row_cut_in_two() -> None:
    layout, [report], msgs = read("cells_split_funds.txt")
    assert layout == "cells"
    data = report.data
    assert data["money_unit"] == "万元"
    assert (data["leader"], data["phone"]) == ("解天泉", "65060570")
    total = data["funds"]["total"]
    assert total == {"initial": Decimal("80.64"), "adjusted": Decimal("80.636"),
                     "executed": Decimal("80.47316"), "weight": 10, "rate": Decimal("0.9980"),
                     "score": 10}
    assert [i["level2"] for i in data["indicators"] if i.get("not_applicable")] == [
        "经济效益指标", "生态效益指标", "可持续影响指标"]
    assert names(data and report)[-1] == "培训人员对场地满意度"
    assert any("continued" in m.text for m in msgs.items)


def test_spaced_layout_reports_reason_text_it_cannot_place() -> None:
    layout, [report], msgs = read("spaced_reasons.txt")
    assert layout == "spaced"
    data = report.data
    assert data["name"] == "司法行政其他业务支出"
    assert data["funds"]["total"]["executed"] == Decimal("17354001.38")
    assert data["funds"]["total"]["rate"] == Decimal("0.9428")
    assert data["total"] == {"weight": 100, "score": Decimal("90.43")}
    assert len(data["indicators"]) == 29
    assert names(report)[0] == "派员访学交流培训完成率"
    assert names(report)[2].endswith("宣传推广活动完成率")  # reason and name run together
    assert [m.line for m in msgs.items if m.problem] == [65, 80, 89]


def test_budget_tables() -> None:
    _, [budget], msgs = read("tsv_budget_tables.txt")
    data = budget.data
    assert data["kind"] == BUDGET and data["year"] == 2024
    assert budget.dept_text == "上海市闵行区司法局"
    assert data["summary"].startswith("2024年，上海市闵行区司法局部门收入预算11,591万元")
    two_sided, coded, empty, three = data["tables"]
    assert two_sided["columns"] == ["本年收入预算数", "本年支出预算数"]
    assert two_sided["rows"][0] == {"name": "一、财政拨款收入", "values": [Decimal(83267555), None]}
    assert two_sided["total"]["values"] == [115909790, 115909790]
    assert coded["columns"] == ["合计", "基本支出", "项目支出"]
    assert coded["rows"][2] == {"code": "204 06 01", "name": "行政运行", "values": [30599585, 30599585, None]}
    assert coded["rows"][7]["code"] == "205 06 10"  # a misprinted code stays as printed
    assert coded["total"] == {"name": "合计", "values": [115909790, 71699801, 44209989]}
    assert empty["rows"] == [] and empty["note"].startswith("注：本部门2024年无政府性基金")
    assert three["money_unit"] == "万元"
    assert three["rows"] == [{"name": "2024年预算数",
                              "values": [Decimal("21.5"), 0, 4, Decimal("17.5"), None, Decimal("17.5"), 655]}]
    assert not [m for m in msgs.items if m.problem]


def test_unreadable_encoding_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes("财政项目支出绩效自评表".encode("gb18030"))
    with pytest.raises(ValueError, match="not UTF-8"):
        read_rows(path, Messages("gbk.txt"))


# --- slugs --------------------------------------------------------------------------------

def test_slug_rule() -> None:
    drop = prefixes("上海市闵行区司法局", "上海市闵行区")
    slugs = assign(["残疾人就业保障金", "残疾人就业保障金", "闵行区司法局矫正中心电子定位系统监控室(2022运维)",
                    "法律顾问费", "法律顾问费"],
                   ["上海市闵行区司法局", "上海市闵行公证处", "", "甲", "甲"], drop)
    assert slugs == ["can-ji-ren-jiu-ye-bao-zhang-jin-si-fa-ju",
                     "can-ji-ren-jiu-ye-bao-zhang-jin-gong-zheng-chu",
                     "jiao-zheng-zhong-xin-dian-zi-ding-wei",
                     "fa-lv-gu-wen-fei-jia", "fa-lv-gu-wen-fei-jia-2"]
    assert words("12348法网KVM") == ["12348", "fa", "wang", "kvm"]


def test_slugs_of_names_sharing_their_start_grow_until_they_differ() -> None:
    slugs = assign(["人民法院先行调解特邀调解专项经费", "人民法院先行调解案件增量辅助工作"], ["", ""], [])
    assert slugs[0] != slugs[1]
    assert slugs[0].startswith("ren-min-fa-yuan-xian-xing-tiao-jie")


# --- YAML ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "text"), [
    (">=85%", '">=85%"'), ("=100%", "=100%"), ("3", '"3"'), ("12.31", '"12.31"'),
    ("", '""'), ("是: 否", '"是: 否"'), ("a, b", '"a, b"'), (Decimal("12880.00"), "12880.00"),
    (None, "null"), (True, "true"), (date(2024, 1, 1), "2024-01-01"),
])
def test_scalars_in_flow(value: object, text: str) -> None:
    assert scalar(value, flow=True) == text


def _decimal_loader() -> type[yaml.SafeLoader]:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("tag:yaml.org,2002:float",
                           lambda loader, node: Decimal(loader.construct_scalar(node)))  # type: ignore[arg-type]
    return Loader


def test_dump_reads_back_as_the_same_data() -> None:
    data = {"kind": "self-evaluation", "name": "a: b", "funds": {"total": {"initial": Decimal("12880.00"),
            "rate": Decimal("1.0000")}, "carryover": {}},
            "goals": {"planned": "一\n二", "achieved": ""},
            "indicators": [{"name": "x, y", "target": ">=85%", "reason": "甲\n乙", "weight": 10}],
            "tables": [{"title": "t", "columns": ["合计"], "rows": [{"code": "204", "values": [None]}]}]}
    text = dump(data, ["a comment"])
    assert text.startswith("# a comment\n")
    back = yaml.load(text, _decimal_loader())
    # block text (|) ends with a newline, which the models strip
    back["goals"]["planned"] = back["goals"]["planned"].rstrip("\n")
    back["indicators"][0]["reason"] = back["indicators"][0]["reason"].rstrip("\n")
    assert back == data
    assert "initial: 12880.00" in text and "rate: 1.0000" in text
    assert dump(data, ["a comment"]) == text


# --- corrections and guarded writing -------------------------------------------------------

def test_corrections_apply_and_describe_themselves() -> None:
    data = {"indicators": [{"name": "a", "level2": "质量指标"}, {"name": "b"}], "total": {}}
    item = fixes.Correction(file="f", report="r", why="because", set={"indicators[0].level2": "时效指标",
                            "total.score": 100}, delete=["indicators[1]"],
                            insert=[{"at": "indicators[0]", "value": {"name": "z"}}],
                            was={"indicators[0].level2": "质量指标"})
    comments = fixes.apply(data, [item], Messages("f"), 1)
    assert data == {"indicators": [{"name": "z"}, {"name": "a", "level2": "时效指标"}], "total": {"score": 100}}
    assert comments[0].splitlines()[0] == "corrected: indicators[0].level2: 质量指标 -> 时效指标"
    assert comments[0].endswith("why: because")


def test_a_stale_correction_is_reported_not_applied() -> None:
    data = {"indicators": [{"name": "a", "level2": "数量指标"}]}
    item = fixes.Correction(file="f", report="r", why="w", set={"indicators[0].level2": "时效指标"},
                            was={"indicators[0].level2": "质量指标"})
    msgs = Messages("f")
    assert fixes.apply(data, [item], msgs, 7) == []
    assert data["indicators"][0]["level2"] == "数量指标"
    assert msgs.items[0].line == 7 and "expects 质量指标" in msgs.items[0].text


def test_write_refuses_hand_edits(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    text = with_header("seed.txt:1-9", "kind: self-evaluation\n")
    msgs = Messages("seed.txt")
    assert write(path, text, msgs, 1, "r.yaml") == "written"
    assert state(path) == "ours"
    assert write(path, text, msgs, 1, "r.yaml") == "unchanged"
    path.write_text(text.replace("self-evaluation", "target-declaration"), encoding="utf-8")
    assert state(path) == "edited"
    assert write(path, text, msgs, 1, "r.yaml") == "refused"
    assert "edited by hand" in msgs.items[-1].text
    other = tmp_path / "hand.yaml"
    other.write_text("kind: self-evaluation\n", encoding="utf-8")
    assert write(other, text, msgs, 1, "hand.yaml") == "refused"
    assert other.read_text(encoding="utf-8") == "kind: self-evaluation\n"


def test_a_value_cell_like_a_heading_piece_is_kept() -> None:
    from generator.importers.indicators import read_indicators
    from generator.importers.rows import Row

    rows = [Row(1, ("", "", "", "", "公共法律服务长效运行", "建立健全且执行有", "", "", "", "")),
            Row(3, ("", "可持续影响指标", "机制建立情况", "效", "有效执行", "5", "5", ""), brk=True),
            Row(4, ("绩效指标", "满意度指标", "服务对象满意度指标", "社会公众满意度", ">=85%", "85%", "10", "10"))]
    table = read_indicators(rows, False, Messages("x"))
    first, second = table.indicators
    assert (first["name"], first["target"], first["actual"]) == (
        "公共法律服务长效运行机制建立情况", "建立健全且执行有效", "有效执行")
    assert first["level2"] == "可持续影响指标" and first["level1"] == "效益指标"
    assert second["name"] == "社会公众满意度"


def test_a_file_without_forms_is_a_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from generator.importers import run_import

    path = tmp_path / "notes.txt"
    path.write_text("会议纪要\t第一次\n无表格\n", encoding="utf-8")
    assert run_import([path], tmp_path / "content", None) == 1
    out, err = capsys.readouterr()
    assert err.startswith("notes.txt:1: no 绩效自评表, 绩效目标申报表 or 部门预算 found in this file\n")
    assert out == "imported nothing from 1 file: 2 problems, 0 notes; no file written\n"


def test_a_report_printed_twice_is_written_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from generator.importers import run_import

    text = (FIXTURES / "tsv_page_breaks.txt").read_text(encoding="utf-8")
    path = tmp_path / "twice.txt"
    path.write_text(text + "\n" + text, encoding="utf-8")
    book = Path(__file__).resolve().parents[1] / "content" / "corrections.yaml"  # its departments
    assert run_import([path], tmp_path / "content", None, corrections=book) == 0
    files = list((tmp_path / "content/departments/minhang-justice/projects/2022").iterdir())
    assert [f.name for f in files] == ["ren-min-tiao-jie-ye-wu-jing-fei.yaml"]
    assert "twice.txt:38: note: '人民调解业务经费' is printed twice (same as twice.txt:1); written once" \
        in capsys.readouterr().err
