"""Fidelity: figures read by hand from the seed texts, checked against content/.

Every expected value below was read from the seed file and line given in its comment,
not from the importer's output. Amounts are compared with their printed digits
(``12880.00`` is not ``12880``), rates as ratios (95.98% is 0.9598).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

CONTENT = Path(__file__).resolve().parents[1] / "content"


class DecimalLoader(yaml.SafeLoader):
    """Read YAML floats as Decimal from their literal text, as the content loader does."""


DecimalLoader.add_constructor(
    "tag:yaml.org,2002:float",
    lambda loader, node: Decimal(loader.construct_scalar(node)))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def reports() -> dict[tuple[str, str, str], dict[str, Any]]:
    """Every report of content/, by (kind, name, implementer)."""
    out = {}
    for path in sorted((CONTENT / "departments").rglob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), DecimalLoader)
        if isinstance(data, dict) and data.get("kind") in ("self-evaluation", "target-declaration"):
            out[(data["kind"], data["name"], data.get("implementer", ""))] = data
        elif isinstance(data, dict) and data.get("kind") == "department-budget":
            out[(data["kind"], data["department"], str(data["year"]))] = data
    return out


def get(data: Any, path: str) -> Any:
    for step in path.replace("]", "").replace("[", ".").split("."):
        data = data[int(step)] if step.isdigit() else data[step]
    return data


def same(found: Any, expected: Any) -> bool:
    """Compare with printed digits: Decimal('12880.00') matches '12880.00' only."""
    if isinstance(expected, str) and isinstance(found, (int, Decimal)) and not isinstance(found, bool):
        return str(found) == expected
    return bool(found == expected)


SE, TD = "self-evaluation", "target-declaration"
MJ, SC, CY, SJ = "上海市闵行区司法局", "上海市闵行区行政服务中心", "北京市朝阳区司法局", "上海市司法局"

# (kind, name, implementer, seed) -> {path: value as printed}
EXPECTED: list[tuple[tuple[str, str, str], str, dict[str, Any]]] = [
    # --- seed 000 (tab layout, 元) ------------------------------------------------------
    ((SE, "闵行区司法局矫正中心电子定位系统监控室(2022运维)", MJ), "000:5-24", {
        "funds.total.initial": "12880.00", "funds.total.adjusted": "12880.00", "funds.total.executed": "12880",
        "funds.total.weight": "10", "funds.total.rate": "1.0000", "funds.total.score": "10",
        "funds.appropriation.initial": "12880", "indicators": 8,
        "indicators[7].name": "系统使用单位满意度", "indicators[7].target": ">=85%",
        "indicators[7].actual": "98%", "indicators[2].target": "<=4小时",
        "total.weight": "100", "total.score": "100", "source": "000_6e3dc4444b7839b1.txt:3-24"}),
    ((SE, "司法政府雇员经费", MJ), "000:28-54", {
        "funds.total.initial": "6915150.00", "funds.total.adjusted": "6072190.00",
        "funds.total.executed": "6072190", "funds.appropriation.adjusted": "6072190.00",
        "indicators": 15, "indicators[0].target": "=60个", "indicators[0].actual": "0",
        "indicators[0].reason": "按照相关文件规定，不再招录政府雇员",
        "indicators[10].name": "司法行政工作效能提升度", "indicators[10].target": "≥0%",
        "indicators[14].target": "≥85%", "indicators[6].level2": "时效指标"}),
    ((SE, "人民调解业务经费", MJ), "000:124-156", {
        "funds.total.initial": "3382000.00", "funds.total.adjusted": "3302000.00",
        "funds.total.executed": "3302000", "funds.appropriation.initial": "3382000.00",
        "indicators": 18, "indicators[5].name": "居村法律顾问服务质量评估核查合格率",
        "indicators[17].name": "预算单位对第三方服务满意度", "indicators[17].target": ">=90%",
        "indicators[17].weight": "5", "total.score": "100"}),
    ((SE, "法制宣传教育经费", MJ), "000:186-221", {
        "funds.total.initial": "1301000.00", "funds.total.adjusted": "1199620.00",
        "funds.total.executed": "1199620", "indicators[1].name": "完成车站法宣广告更新",
        "indicators[1].weight": "3", "indicators[1].score": "2",
        "indicators[1].reason": "因车站广告单价涨价，超出该项目总预算，所以减少了更新总数",
        "total.weight": "100", "total.score": "99"}),
    ((SE, "公共法律服务业务经费", MJ), "000:225-257", {
        "funds.total.executed": "134800", "funds.total.rate": "0.9986", "funds.total.score": "9.99",
        "total.score": "98.99", "indicators[8].name": "司法鉴定值班时间", "indicators[8].score": "4",
        "indicators[8].reason": "疫情原因，取消后续司法鉴定值班。",
        "indicators[17].name": "公共法律服务长效运行机制建立情况",
        "indicators[17].target": "建立健全且执行有效", "indicators[17].actual": "有效执行"}),
    ((SE, "闵行区法学会工作经费", MJ), "000:377-409", {
        "funds.total.initial": "133900.00", "funds.total.adjusted": "120200.00",
        "total.weight": "100", "total.score": "100"}),
    ((SE, "闵行区司法局公共法律服务系统(2022运维)", MJ), "000:655-677", {
        "funds.total.initial": "23500.00", "funds.total.adjusted": "18800.00",
        "funds.total.executed": "18800", "indicators": 8, "total.weight": "100", "total.score": "100"}),
    # --- seed 001 (declarations, 元) ------------------------------------------------------
    ((TD, "矫正工作业务经费", MJ), "001:403-429", {
        "nature": "经常性项目", "category": "特定目标类", "period.start": date(2024, 1, 1),
        "period.end": date(2024, 12, 31), "funds.requested": "3588054.00",
        "funds.appropriation": "3588054.00", "funds.carryover": "0.00", "funds.other": "0.00",
        "funds.project_total": None, "indicators": 16, "indicators[0].name": "成本构成合理性",
        "indicators[1].target": ">900.00(人)", "indicators[14].target": "≥90.00(%)",
        "indicators[14].level2": "服务对象满意度指标"}),
    ((TD, "人民调解业务经费", MJ), "001:496-520", {
        "funds.requested": "3801000.00", "indicators": 14,
        "indicators[6].name": "人民调解员培训参与人数", "indicators[6].target": "≥200.00(人)",
        "indicators[10].name": "调解成功率", "indicators[10].target": ">85.00(%)"}),
    ((TD, "残疾人就业保障金", MJ), "001:858-878", {"funds.requested": "155000.00", "indicators": 10}),
    ((TD, "残疾人就业保障金", "上海市闵行区法律援助中心"), "001:981-1001", {
        "funds.requested": "15000.00", "funds.appropriation": "15000.00"}),
    ((TD, "残疾人就业保障金", "上海市闵行公证处"), "001:1073-1093", {
        "funds.requested": "60000.00", "funds.appropriation": "0.00", "funds.other": "60000.00"}),
    ((TD, "闵行公证处档案电子化专项经费", "上海市闵行公证处"), "001:1041-1067", {
        "funds.requested": "300000.00", "funds.appropriation": "0.00", "funds.other": "300000.00",
        "indicators[14].target": "建立健全且执行有效"}),
    # --- seed 002 (tab layout, 元) ------------------------------------------------------
    ((SE, "法律顾问费", SC), "002:5-28", {
        "funds.total.initial": "18000.00", "funds.total.adjusted": "9000.00", "funds.total.executed": "9000",
        "indicators[0].target": "100% (按实)", "indicators[0].actual": "", "indicators": 12}),
    ((SE, "区大数据中心电子政务系统备份(2022运维)", SC), "002:32-58", {
        "funds.appropriation.adjusted": "994000", "funds.appropriation.executed": "994000",
        "indicators[10].name": "系统运行稳定性", "indicators[10].weight": "8", "indicators[10].score": "7",
        "total.score": "96"}),
    ((SE, "窗口服务费", SC), "002:511-538", {
        "funds.total.initial": "5670000.00", "funds.total.adjusted": "3132960.00",
        "funds.total.executed": "2381862", "funds.total.rate": "0.7603", "funds.total.score": "7.6",
        "total.score": "97.6", "indicators": 16}),
    ((SE, "上海市闵行区“一网通办”配套系统(2022运维)", SC), "002:602-618", {
        "funds.total.executed": "153200", "funds.total.rate": "7.9792",
        "funds.appropriation.adjusted": "153600.00"}),
    ((SE, "立功竞赛", SC), "002:729-750", {
        "funds.total.initial": "80000", "funds.total.adjusted": "0", "funds.total.rate": "0.0000",
        "funds.total.score": "0", "indicators[7].name": "长效管理制度执行有效性",
        "indicators[7].reason": "本项目已取消", "total.score": "0"}),
    # --- seed 003 (one cell per line, 万元) -----------------------------------------------
    ((SE, "行政应诉工作经费", CY), "003:5-188", {
        "money_unit": "万元", "leader": "张琢", "phone": "85903281",
        "funds.total.initial": "60.00", "funds.total.rate": "1.00", "indicators": 9,
        "indicators[0].name": "区政府为主体的涉法事务数量", "indicators[0].target": "50",
        "indicators[4].not_applicable": True, "indicators[4].level2": "经济效益指标"}),
    ((SE, "2021年产业转型升级资金", CY), "003:194-379", {
        "funds.total.initial": "19.4", "funds.total.executed": "19.40", "indicators[0].target": "19.4万元",
        "indicators[7].name": "维护政府形象", "indicators[7].target": "3", "total.score": "100"}),
    ((SE, "调解工作经费", CY), "003:6578-6799", {
        "funds.total.initial": "80.64", "funds.total.adjusted": "80.636", "funds.total.executed": "80.47316",
        "funds.total.rate": "0.9980", "funds.total.score": "10"}),
    ((SE, "人民调解案件补贴经费", CY), "003:6378-6568", {
        "indicators[3].name": "人民调解协议书调解经费", "indicators[3].target": "104.3",
        "indicators[3].actual": "4.4426", "indicators[3].weight": "15", "indicators[3].score": "12",
        "total.score": "91.26"}),
    ((SE, "安置帮教对象帮教经费", CY), "003:579-759", {
        "funds.total.initial": "10", "funds.total.executed": "9.8467", "leader": "郭思衍"}),
    ((SE, "基础设施运维保障经费", CY), "003:4258-4438 (corrected)", {
        "funds.total.executed": "39.796692", "funds.total.initial": "40"}),
    # --- seed 004 (space-separated, 元) ----------------------------------------------------
    ((SE, "12348公共法律服务平台政府购买法律咨询服务", SJ), "004:5-196", {
        "funds.total.initial": "15371720.00", "funds.total.executed": "14753068.9",
        "funds.total.rate": "0.9598", "funds.total.score": "9.6", "indicators": 24,
        "indicators[0].name": "非工作时间热线律师咨询接答量", "indicators[0].target": ">=29万",
        "total.weight": "100", "total.score": "99.60"}),
    ((SE, "司法行政其他业务支出", SJ), "004:200-375 (corrected)", {
        "funds.total.adjusted": "18407950.00", "funds.total.executed": "17354001.38",
        "funds.total.rate": "0.9428", "funds.total.score": "9.43", "indicators": 29,
        "indicators[5].name": "证书制作数量", "indicators[5].target": "=5000本",
        "indicators[5].score": "0", "total.score": "90.43"}),
]


@pytest.mark.parametrize(("key", "where", "figures"), EXPECTED, ids=[f"{e[1]} {e[0][1]}" for e in EXPECTED])
def test_figures_as_printed(reports: dict[tuple[str, str, str], dict[str, Any]], key: tuple[str, str, str],
                            where: str, figures: dict[str, Any]) -> None:
    assert key in reports, f"{key} ({where}) not imported"
    data = reports[key]
    for path, expected in figures.items():
        found = get(data, path)
        if path == "indicators":
            assert len(found) == expected, f"{where}: {len(found)} indicators"
        else:
            assert same(found, expected), f"{where}: {path} is {found!r}, printed {expected!r}"


def test_budget_tables_as_printed(reports: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    budget = reports[("department-budget", "minhang-justice", "2024")]
    tables = budget["tables"]
    assert len(tables) == 9  # 001, lines 14-22: the nine tables of the 目录
    assert [t["title"][5:] for t in tables] == [
        "部门财务收支预算总表", "部门收入预算总表", "部门支出预算总表", "部门财政拨款收支预算总表",
        "部门一般公共预算支出功能分类预算表", "部门政府性基金预算支出功能分类预算表",
        "部门国有资本经营预算支出功能分类预算表", "部门一般公共预算基本支出部门预算经济分类预算表",
        "部门“三公”经费和机关运行经费预算表"]
    assert [str(v) for v in tables[0]["total"]["values"]] == ["115909790", "115909790"]  # line 111
    assert [str(v) for v in tables[2]["total"]["values"]] == ["115909790", "71699801", "44209989"]  # 191
    row = tables[2]["rows"][7]  # line 169: the code is misprinted 205 and stays so
    assert (row["code"], row["name"], str(row["values"][0])) == ("205 06 10", "社区矫正", "3588054")
    assert [str(v) for v in tables[4]["total"]["values"]] == ["83267555", "45669427", "37598129"]  # 244
    assert tables[7]["rows"][0]["code"] == "301" and str(tables[7]["rows"][0]["values"][0]) == "38011710"
    three = tables[8]  # lines 326-331, 万元
    assert three["money_unit"] == "万元"
    assert [None if v is None else str(v) for v in three["rows"][0]["values"]] == [
        "21.5", "0", "4", "17.5", None, "17.5", "655"]
    assert [s["title"] for s in budget["sections"]] == ["名词解释", "其他相关情况说明",
                                                       "人民调解业务经费项目经费情况说明"]
    assert budget["summary"].startswith("2024年，上海市闵行区司法局部门收入预算11,591万元")
