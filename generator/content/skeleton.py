"""Authoring helpers: ``disclose init``, ``disclose new`` skeletons and ``disclose schema``.

Contract: ``init_site`` writes a content folder that builds at once: site.yaml
(with the publisher's settings to fill in, as comments), a first department
and pages/about.md. A skeleton (``new_skeleton``: a report, a department or a
department budget) has every field present with a comment naming the form's
term, so a publisher fills it in instead of looking the format up; it starts
with ``draft: true``, so ``check`` lists it and ``build`` leaves it out until
the line is removed, and then it is a valid file of its kind. The schema is
the models' JSON Schema, for editors (yaml-language-server).
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

_DRAFT = ("draft: true                          "
          "# remove this line when it is filled in: until then the site leaves the file out\n")

_SELF_EVALUATION = _DRAFT + """\
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
# Some provinces' forms print these too: uncomment what yours prints (markdown text)
# finance_leader: ""                 # 财务负责人
# background: ""                     # 项目基本情况
# conclusion: ""                     # 评价结论
# problems: ""                       # 存在问题
# improvements: ""                   # 改进措施
source: ""                           # where the figures come from
"""

_TARGET_DECLARATION = _DRAFT + """\
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

_DEPARTMENT = _DRAFT + """\
# 部门: one department (主管部门); its reports go in projects/<year>/ beside this file.
name: ""                             # 部门名称: the full official name
short_name: ""                       # 简称, for tables
region: ""                           # 地区, e.g. 上海市闵行区
aliases: []                          # other spellings of the name in source tables
functions: ""                        # 部门主要职能 (markdown)
structure: ""                        # 部门机构设置 (markdown)
units:                               # 下属预算单位
  - {{name: "", type: ""}}             # 单位名称, 单位性质 (e.g. 全额拨款行政单位)
"""

_DEPARTMENT_BUDGET = _DRAFT + """\
# 部门预算: the department's budget tables, each as printed; add a table per printed table.
kind: department-budget
year: {year}
department: {department}
money_unit: 元                       # 元 or 万元: the unit of every amount below
summary: ""                          # 部门预算编制说明 (markdown)
sections:                            # other text sections, in printed order
  - {{title: 部门主要职能, body: ""}}
tables:
  - title: 部门财务收支预算总表        # 表名
    columns: [预算数]                 # the amount columns' headings
    rows:                             # 类 款 项 codes separated by spaces; children follow their parent
      - {{code: "", name: 一般公共预算拨款收入, values: [null]}}
    total: {{name: 合计, values: [null]}}
    note: ""                          # 注
"""

SKELETONS = {"self-evaluation": _SELF_EVALUATION, "target-declaration": _TARGET_DECLARATION,
             "department": _DEPARTMENT, "department-budget": _DEPARTMENT_BUDGET}

_SITE = """\
title: {title}                     # 站点名称
description: ""                      # one sentence shown under the title
money_unit: 元                       # unit that summaries display in: 元 or 万元
# base_url: /disclosure/             # when the site lives below a path
# The publisher, shown in every page's header and footer (see docs/settings.md):
# publisher:
#   name: 上海市某某区财政局
#   logo: logo.png                   # a PNG, JPEG, SVG or WebP file in templates/static/ here
#   address: 上海市某某区某某路1号
#   phone: 021-12345678
#   email: office@example.gov.cn
# footer: 本网站公开的绩效信息由各部门提供。
# icp: 沪ICP备12345678号-1             # ICP 备案号
# updated: 2025-06-30                # the date the data was last updated
# audit_panels: true                 # false hides the audit's findings from readers
"""

_ABOUT = """\
---
title: 关于本站
order: 10
---

本站公开{title}的财政项目支出绩效自评表、绩效目标申报表和部门预算。

Write here who publishes the site, what it holds and whom readers can ask.
"""


def _slug(slug: str | None, what: str) -> str:
    if not slug:
        raise UsageError(f"name the {what}: lower-case ASCII letters, digits and -")
    if not SLUG.match(slug):
        raise UsageError(f"{slug!r} is not a slug: use lower-case ASCII letters, digits and -")
    return slug


def _write_new(path: Path, text: str) -> Path:
    if path.exists():
        raise UsageError(f"{path} already exists; not overwriting it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def new_skeleton(content: Path, kind: str, slug: str | None, department: str | None,
                 year: int | None) -> Path:
    """Write a draft skeleton of ``kind``; refuse bad slugs, unknown departments and existing files."""
    departments = content / "departments"
    if kind == "department":
        return _write_new(departments / _slug(slug, "department's folder") / "department.yaml",
                          SKELETONS[kind].format())
    if department is None or year is None:
        raise UsageError(f"disclose new {kind} needs --department SLUG and --year YEAR")
    if not (departments / department / "department.yaml").is_file():
        raise UsageError(f"unknown department {department!r}: no {departments}/{department}/department.yaml "
                         f"(make it with: disclose new department {department})")
    if kind == "department-budget":
        path = departments / department / f"budget-{year}.yaml"
    else:
        path = departments / department / "projects" / str(year) / f"{_slug(slug, 'report (its file name)')}.yaml"
    return _write_new(path, SKELETONS[kind].format(year=year, department=department))


def init_site(folder: Path, title: str, department: str) -> list[Path]:
    """Start a content folder that builds at once; refuse one that already holds files."""
    _slug(department, "first department")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder} already exists and is not empty: disclose init starts a new "
                         "content folder (name another one)")
    shown = title or "本地区财政项目绩效"
    quoted = json.dumps(title or "本地区财政项目绩效公开", ensure_ascii=False)  # JSON text is YAML
    return [_write_new(folder / "site.yaml", _SITE.format(title=quoted)),
            _write_new(folder / "departments" / department / "department.yaml",
                       SKELETONS["department"].format()),
            _write_new(folder / "pages" / "about.md", _ABOUT.format(title=shown))]


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
