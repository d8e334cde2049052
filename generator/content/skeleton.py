"""Authoring helpers: ``disclose new`` skeletons and ``disclose schema``.

Contract: a skeleton is a valid report of its kind (it passes ``disclose
check`` as written) with every field present and a comment naming the form's
term, so a publisher fills it in instead of looking the format up. The schema
is the models' JSON Schema, for editors (yaml-language-server).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, TypeAdapter

from generator.content.models import (
    REPORT_MODELS,
    Department,
    DepartmentBudget,
    PageMeta,
    SelfEvaluation,
    SiteConfig,
    TargetDeclaration,
)
from generator.content.validate import SLUG
from generator.errors import UsageError

_SELF_EVALUATION = """\
# 财政项目支出绩效自评表. Fill in every figure as printed; delete rows you do not need.
kind: self-evaluation
year: {year}
name: 新项目                          # 项目名称
department: {department}
implementer: ""                      # 实施单位
leader: ""                           # 项目负责人
phone: ""                            # 联系电话
money_unit: 元                       # 元 or 万元: the unit of every amount below
funds:                               # 项目资金
  total:         {{initial: 0, adjusted: 0, executed: 0, weight: 10, rate: 0, score: 0}}  # 年度资金总额
  appropriation: {{initial: 0, adjusted: 0, executed: 0}}                               # 其中：当年财政拨款
  carryover:     {{initial: 0, adjusted: 0, executed: 0}}                               # 上年结转资金
  other:         {{initial: 0, adjusted: 0, executed: 0}}                               # 其他资金
goals:
  planned: ""                        # 预期目标
  achieved: ""                       # 实际完成情况
indicators:                          # 绩效指标: 一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因
  - {{level1: 产出指标, level2: 数量指标, name: "", target: "", actual: "", weight: 0, score: 0, reason: ""}}
total: {{weight: 10, score: 0}}        # 总分 as printed
source: ""                           # where the figures come from
"""

_TARGET_DECLARATION = """\
# 财政项目支出绩效目标申报表. Fill in every figure as printed.
kind: target-declaration
year: {year}
name: 新项目                          # 项目名称
department: {department}
implementer: ""                      # 实施单位
nature: 经常性项目                    # 项目性质
category: 特定目标类                  # 项目类别
period: {{start: {year}-01-01, end: {year}-12-31}}   # 计划开始日期, 计划完成日期
money_unit: 元                       # 元 or 万元
funds:
  project_total: null                # 项目资金总额
  requested: 0                       # 年度资金申请总额
  appropriation: 0                   # 其中：当年财政拨款
  carryover: 0                       # 上年结转资金
  other: 0                           # 其他资金
goals:
  overall: ""                        # 项目总目标
  annual: ""                         # 年度总体目标
indicators:                          # 一级指标, 二级指标, 三级指标, 年度指标值
  - {{level1: 产出指标, level2: 数量指标, name: "", target: ""}}
source: ""
"""

SKELETONS = {"self-evaluation": _SELF_EVALUATION, "target-declaration": _TARGET_DECLARATION}


def new_report(content: Path, kind: str, department: str, year: int, slug: str) -> Path:
    """Write a skeleton report; refuse bad slugs, unknown departments and existing files."""
    if not SLUG.match(slug):
        raise UsageError(f"{slug!r} is not a slug: use lower-case ASCII letters, digits and -")
    if not (content / "departments" / department / "department.yaml").is_file():
        raise UsageError(f"unknown department {department!r}: no {content}/departments/{department}/department.yaml")
    path = content / "departments" / department / "projects" / str(year) / f"{slug}.yaml"
    if path.exists():
        raise UsageError(f"{path} already exists; not overwriting it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SKELETONS[kind].format(year=year, department=department), encoding="utf-8")
    return path


def schema(kind: str) -> str:
    """The JSON Schema of one kind of content file ('report' = any of the three report kinds)."""
    models: dict[str, type[BaseModel]] = {"site": SiteConfig, "department": Department, "page": PageMeta,
                                          **REPORT_MODELS}
    if kind == "report":
        adapter: TypeAdapter[object] = TypeAdapter(SelfEvaluation | TargetDeclaration | DepartmentBudget)
        data = adapter.json_schema()
        data["title"] = "disclose report"
    elif kind in models:
        data = models[kind].model_json_schema()
    else:
        raise UsageError(f"unknown kind {kind!r}")
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
