"""Synthetic content for benchmarks: N seed-like, schema-valid reports, deterministically.

Contract: ``make_content(root, n, seed)`` writes a complete content folder at
``root`` with exactly ``n`` reports over ``ceil(n / 40)`` departments and the
years 2021–2024, and returns ``root``. The same ``n`` and ``seed`` give the
same bytes. Reports look like the seeds: self-evaluations of 8–16 indicators
with Chinese names, targets, actuals and reasons, target declarations, one
department budget per department, amounts in 元 or 万元, the same project
across years, and a few printed figures that do not add up (audit findings).

Run it alone to make a folder: ``python3 bench/synth.py OUT N [SEED]``.
"""

from __future__ import annotations

import json
import math
import random
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

PER_DEPARTMENT = 40
YEARS = (2021, 2022, 2023, 2024)

_PLACES = ("闵行区", "朝阳区", "浦东新区", "海淀区", "徐汇区", "东城区", "长宁区", "丰台区", "静安区", "西城区")
_BUREAUS = ("司法局", "民政局", "教育局", "卫生健康委员会", "生态环境局", "交通委员会", "文化和旅游局",
            "市场监督管理局", "农业农村委员会", "体育局", "科学技术委员会", "住房保障局")
_WORKS = ("信息系统运维", "社区矫正", "法律援助", "公共法律服务平台", "人民调解", "安置帮教", "普法宣传",
          "基层司法所建设", "档案数字化", "执法装备购置", "课题研究", "志愿者培训", "办公用房修缮",
          "网络安全保障", "数据中心租赁", "应急物资储备", "垃圾分类推进", "老年助餐服务")
_SUFFIXES = ("经费", "项目", "专项经费", "工作经费", "运维经费", "补助资金")
_SLUG_WORDS = ("system", "service", "support", "platform", "training", "archive", "upkeep", "aid",
               "network", "research", "outreach", "equipment")
_INDICATORS = {
    ("产出指标", "数量指标"): ("完成定位监察人数", "开展培训场次", "服务覆盖人数", "采购设备数量"),
    ("产出指标", "质量指标"): ("系统软件运维合格率", "人员监管覆盖率", "验收合格率"),
    ("产出指标", "时效指标"): ("系统故障应急排除响应时间", "按时完成率", "资金拨付及时率"),
    ("产出指标", "成本指标"): ("预算控制率", "单位服务成本"),
    ("效益指标", "社会效益指标"): ("矫正对象重犯率", "提升管理服务工作效率", "群众知晓率"),
    ("效益指标", "可持续影响指标"): ("系统运维制度健全性", "长效机制建立情况"),
    ("满意度指标", "服务对象满意度指标"): ("系统使用单位满意度", "服务对象满意度", "主管单位满意度"),
}
_TARGETS = (("=100%", "100%"), (">=85%", "98%"), ("<=4小时", "2小时"), ("每天3次", "每天3次"),
            ("0起", "0起"), ("提升", "提升"), ("建立健全且执行有效", "100%"), (">900(人)", "936人"),
            ("≥90.00(%)", "93.5%"), ("<0.50(%)", "0.2%"))
_PHRASES = ("根据年度工作计划，", "在维护期内提供有关软件的技术支持，", "全力保障系统的正常运行，",
            "每个月进行一次系统安全检测，", "系统出现故障时维护工程师应在接到报障后24小时内到现场处理，",
            "组织开展各项教育帮扶工作，", "对社区矫正、安置帮教两类人员进行定位监督管理，",
            "及时做出故障原因报告并提出有效措施加以解决，", "进一步提升公共法律服务水平，",
            "确保资金使用规范、安全、有效，", "按照政府采购有关规定完成采购，", "本年度圆满完成各项任务。")
_MISSES = ((">=85%", "80%"), ("=100%", "96%"), ("<=4小时", "6小时"), (">900(人)", "850人"),
           ("≥90.00(%)", "86.2%"))
_REASONS = ("部分采购延期至次年执行，下一步将加强预算执行进度管理。", "受客观因素影响未达预期目标，将优化工作方案。",
            "指标设置偏高，后续将科学合理设置绩效目标。")


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _text(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(_PHRASES) for _ in range(rng.randint(low, high))).rstrip("，") + "。"


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)).scaleb(-2)


def _unit(value: Decimal, unit: str) -> str:
    """Write an amount (in 元) as printed in ``unit``: 万元 with four decimals."""
    if unit == "万元":
        return str((value / 10000).quantize(Decimal("0.0001"), ROUND_HALF_UP))
    return str(value)


def _indicators(rng: random.Random, count: int) -> list[tuple[str, str, str, str, str]]:
    keys = list(_INDICATORS)
    rows = []
    for i in range(count):
        level1, level2 = keys[min(i * len(keys) // count, len(keys) - 1)]
        target, actual = rng.choice(_TARGETS)
        rows.append((level1, level2, rng.choice(_INDICATORS[(level1, level2)]), target, actual))
    return rows


def self_evaluation(rng: random.Random, dept: str, dept_name: str, year: int, name: str) -> str:
    """One 财政项目支出绩效自评表 as YAML."""
    unit = "万元" if rng.random() < 0.3 else "元"
    adjusted = _money(rng, 5_000, 5_000_000)
    if unit == "万元":
        adjusted = (adjusted / 10000).quantize(Decimal("0.0001")) * 10000
    initial = adjusted if rng.random() < 0.7 else (adjusted * Decimal("0.9")).quantize(Decimal("0.01"))
    executed = adjusted if rng.random() < 0.5 else (adjusted * Decimal(rng.randint(700, 999)) / 1000).quantize(
        Decimal("0.01") if unit == "元" else Decimal(100))
    rate = (executed / adjusted).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    if rng.random() < 0.03:  # a misprinted rate, as some seeds have
        rate = (rate - Decimal("0.0123")).quantize(Decimal("0.0001"))
    funds_score = (rate * 10).quantize(Decimal("0.01"), ROUND_HALF_UP)
    rows = _indicators(rng, rng.randint(8, 16))
    weights = [90 // len(rows)] * len(rows)
    weights[0] += 90 - sum(weights)
    lines = [f"# Synthetic self-evaluation (bench/synth.py) of {dept_name}.",
             "kind: self-evaluation", f"year: {year}", f"name: {_q(name)}", f"department: {dept}",
             f"implementer: {_q(dept_name)}", f"leader: {_q(rng.choice('张王李赵刘陈') + rng.choice('伟芳敏静强磊'))}",
             f"phone: \"{rng.randint(20000000, 69999999)}\"", f"money_unit: {unit}", "funds:",
             (f"  total: {{initial: {_unit(initial, unit)}, adjusted: {_unit(adjusted, unit)}, "
              f"executed: {_unit(executed, unit)}, weight: 10, rate: {rate}, score: {funds_score}}}"),
             (f"  appropriation: {{initial: {_unit(initial, unit)}, adjusted: {_unit(adjusted, unit)}, "
              f"executed: {_unit(executed, unit)}}}"),
             "  carryover: {initial: 0, adjusted: 0}", "  other: {initial: 0, adjusted: 0}",
             "goals:", "  planned: |", f"    {_text(rng, 3, 7)}", "  achieved: |", f"    {_text(rng, 2, 6)}",
             "indicators:"]
    total = funds_score
    for (level1, level2, ind, target, actual), weight in zip(rows, weights):
        score = Decimal(weight) if rng.random() < 0.85 else Decimal(weight) - rng.randint(1, max(1, weight // 2))
        if score < weight:  # a row that lost points missed its target
            target, actual = rng.choice(_MISSES)
        total += score
        reason = f", reason: {_q(rng.choice(_REASONS))}" if score < weight else ""
        lines.append(f"  - {{level1: {level1}, level2: {level2}, name: {_q(ind)}, target: {_q(target)}, "
                     f"actual: {_q(actual)}, weight: {weight}, score: {score}{reason}}}")
    if rng.random() < 0.02:  # a printed total that does not add up
        total += 1
    lines += [f"total: {{weight: 100, score: {total}}}", f"source: synthetic-{dept}-{year}.txt", ""]
    return "\n".join(lines)


def target_declaration(rng: random.Random, dept: str, dept_name: str, year: int, name: str) -> str:
    """One 财政项目支出绩效目标申报表 as YAML."""
    requested = _money(rng, 10_000, 8_000_000)
    lines = [f"# Synthetic target declaration (bench/synth.py) of {dept_name}.",
             "kind: target-declaration", f"year: {year}", f"name: {_q(name)}", f"department: {dept}",
             f"implementer: {_q(dept_name)}", "nature: 经常性项目", "category: 特定目标类",
             f"period: {{start: {year}-01-01, end: {year}-12-31}}", "money_unit: 元", "funds:",
             "  project_total: null", f"  requested: {requested}", f"  appropriation: {requested}",
             "  carryover: 0.00", "  other: 0.00", "goals:", "  overall: \"\"", "  annual: |",
             f"    {_text(rng, 3, 8)}", "indicators:"]
    for level1, level2, ind, target, _ in _indicators(rng, rng.randint(6, 16)):
        lines.append(f"  - {{level1: {level1}, level2: {level2}, name: {_q(ind)}, target: {_q(target)}}}")
    lines += [f"source: synthetic-{dept}-{year}.txt", ""]
    return "\n".join(lines)


def budget(rng: random.Random, dept: str, year: int) -> str:
    """One 部门预算 as YAML: a summary and one expenditure table whose rows add up."""
    basic, project = rng.randint(10**6, 10**8), rng.randint(10**6, 10**8)
    lines = ["# Synthetic department budget (bench/synth.py).", "kind: department-budget", f"year: {year}",
             f"department: {dept}", "money_unit: 元", "summary: |", f"  {_text(rng, 2, 4)}", "tables:",
             f"  - title: {year}年部门支出预算总表", "    columns: [合计, 基本支出, 项目支出]", "    rows:",
             f"      - {{code: \"204\", name: 公共安全支出, values: [{basic + project}, {basic}, {project}]}}",
             f"      - {{code: \"204 06\", name: 司法, values: [{basic + project}, {basic}, {project}]}}",
             f"      - {{code: \"204 06 01\", name: 行政运行, values: [{basic}, {basic}, null]}}",
             f"      - {{code: \"204 06 04\", name: 基层司法业务, values: [{project}, null, {project}]}}",
             f"    total: {{name: 合计, values: [{basic + project}, {basic}, {project}]}}",
             f"source: synthetic-{dept}-{year}.txt", ""]
    return "\n".join(lines)


def _department_plan(count: int) -> list[tuple[str, int, int]]:
    """The reports of one department: (kind, year, project) — a budget, then projects over 3 years."""
    plan: list[tuple[str, int, int]] = [("department-budget", YEARS[-1], -1)]
    project = 0
    while len(plan) < count:
        start = YEARS[project % 2]
        for year in range(start, start + 3):
            plan.append(("target-declaration" if year == YEARS[-1] else "self-evaluation", year, project))
        project += 1
    return plan[:count]


def make_content(root: Path, n: int, seed: int = 0) -> Path:
    """Write a content folder of ``n`` reports at ``root`` (which must not hold other content)."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(
        "title: 财政项目绩效公开（基准测试）\nlanguage: zh-CN\nbase_url: /\nmoney_unit: 万元\n", encoding="utf-8")
    (root / "pages").mkdir(exist_ok=True)
    (root / "pages" / "about.md").write_text(
        "---\ntitle: 关于本站\norder: 1\n---\n本站内容由 bench/synth.py 生成，仅用于测量构建速度。\n", encoding="utf-8")
    departments = math.ceil(n / PER_DEPARTMENT)
    for d in range(departments):
        dept = f"dept-{d:04d}"
        place, bureau = _PLACES[d % len(_PLACES)], _BUREAUS[(d // len(_PLACES)) % len(_BUREAUS)]
        dept_name = f"{place}{bureau}{'' if d < 120 else f'第{d // 120}分局'}"
        folder = root / "departments" / dept
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "department.yaml").write_text(
            f"name: {_q(dept_name)}\nshort_name: {_q(place + bureau[:2])}\nregion: {_q(place)}\n"
            f"functions: |\n  {_text(rng, 2, 4)}\nunits:\n  - {{name: {_q(dept_name + '本部')}, type: 全额拨款行政单位}}\n",
            encoding="utf-8")
        names = [rng.choice(_WORKS) + rng.choice(_SUFFIXES) for _ in range(PER_DEPARTMENT)]
        count = min(PER_DEPARTMENT, n - d * PER_DEPARTMENT)
        for kind, year, project in _department_plan(count):
            if kind == "department-budget":
                (folder / f"budget-{year}.yaml").write_text(budget(rng, dept, year), encoding="utf-8")
                continue
            name = f"{names[project]}（{project + 1}）"
            slug = f"p{project:03d}-{_SLUG_WORDS[project % len(_SLUG_WORDS)]}"
            make = self_evaluation if kind == "self-evaluation" else target_declaration
            path = folder / "projects" / str(year) / f"{slug}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(make(rng, dept, dept_name, year, name), encoding="utf-8")
    return root


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: python3 bench/synth.py OUT N [SEED]")
    made = make_content(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) == 4 else 0)
    print(f"wrote {sys.argv[2]} reports into {made}")
