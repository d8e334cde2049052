"""Stage 2: typed models, normalisation to 元, cross-file checks."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from generator.content.load import load_content
from generator.content.models import DepartmentBudget, SelfEvaluation, TargetDeclaration
from generator.content.validate import Content, validate
from generator.errors import BuildAborted

REPORT = """\
kind: self-evaluation
year: 2022
name: 测试项目
department: test-dept
money_unit: {unit}
funds:
  total: {{initial: 19.4, adjusted: 19.40, executed: 12880.00, rate: 1.00}}
indicators:
  - {{level1: 产出指标, level2: 数量指标, name: 预算金额, target: 3, actual: 3.0, weight: 15, score: 12}}
"""


def load(root: Path) -> Content:
    return validate(root, load_content(root))


def errors_of(root: Path) -> list[str]:
    with pytest.raises(BuildAborted) as info:
        load(root)
    return [str(e) for e in info.value.errors]


def test_every_example_loads(examples: Path) -> None:
    content = load(examples)
    kinds = sorted(r.kind for r in content.reports)
    assert kinds == ["department-budget", "self-evaluation", "self-evaluation", "target-declaration"]
    assert sorted(content.departments) == ["chaoyang-justice", "minhang-justice"]
    assert [p.slug for p in content.pages] == ["about"]


def test_wan_yuan_is_normalised_to_yuan_exactly(make_site) -> None:
    root = make_site({"departments/test-dept/projects/2022/a.yaml": REPORT.format(unit="万元")})
    report = load(root).reports[0].model
    assert isinstance(report, SelfEvaluation)
    assert report.funds.total.initial == Decimal(194000)
    assert report.funds.total.executed == Decimal(128800000)
    # dividing back gives the printed digits
    assert str(report.funds.total.adjusted / 10000) == "19.40"
    assert report.funds.total.rate == Decimal("1.00")  # a ratio, not money
    assert report.indicators[0].target == "3" and report.indicators[0].actual == "3.0"
    assert report.indicators[0].lost == 3


def test_budget_table_unit_overrides_the_file(examples: Path) -> None:
    budget = next(r.model for r in load(examples).reports if r.kind == "department-budget")
    assert isinstance(budget, DepartmentBudget)
    assert budget.tables[0].rows[0].values[0] == Decimal(98073551)
    assert budget.tables[1].rows[0].values[0] == Decimal("215000.0")


def test_declaration_period_and_funds(examples: Path) -> None:
    decl = next(r.model for r in load(examples).reports if r.kind == "target-declaration")
    assert isinstance(decl, TargetDeclaration)
    assert decl.period.start is not None and decl.period.start.isoformat() == "2024-01-01"
    assert decl.funds.requested == Decimal("3588054.00") and decl.funds.project_total is None


def test_errors_of_every_file_are_reported_together(make_site) -> None:
    bad = REPORT.format(unit="美元")
    root = make_site({
        "departments/test-dept/projects/2022/a.yaml": bad,
        "departments/test-dept/projects/2023/b.yaml": REPORT.format(unit="元"),
        "departments/test-dept/projects/2022/项目.yaml": REPORT.format(unit="元"),
        "departments/ghost/projects/2022/c.yaml": REPORT.format(unit="元").replace("test-dept", "ghost"),
    })
    errors = errors_of(root)
    assert any("2022/a.yaml:5:13: money_unit: must be '元' or '万元'" in e for e in errors)
    assert any("2023/b.yaml:2:7: year: 2022 does not match the folder year 2023" in e for e in errors)
    assert any("项目.yaml:1:1: file name (the report's slug) '项目' is not a slug" in e for e in errors)
    assert any("ghost/projects/2022/c.yaml:4:13: department: unknown department 'ghost'" in e for e in errors)
    assert len(errors) == 4


def test_reserved_names_and_collisions(make_site) -> None:
    root = make_site({"pages/search.md": "---\ntitle: 搜索\n---\n",
                      "pages/test-dept.md": "---\ntitle: 冲突\n---\n"})
    errors = errors_of(root)
    assert any("pages/search.md:2:1: the name 'search' is reserved" in e for e in errors)
    assert any("pages/test-dept.md:2:1: URL /test-dept/ is also claimed by" in e and
               "departments/test-dept/department.yaml" in e for e in errors)


def test_missing_site_yaml(make_site) -> None:
    root = make_site({"departments/d/department.yaml": "name: 局\n"}, defaults=False)
    assert errors_of(root) == [f"{root.as_posix()}/site.yaml:1:1: file is missing: every content folder needs a site.yaml with at least a line title: …"]


def test_unexpected_files_are_named(make_site) -> None:
    root = make_site({"departments/test-dept/projects/report.yaml": "kind: self-evaluation\n"})
    assert any("projects/report.yaml:1:1: unexpected file" in e for e in errors_of(root))


def test_grades_must_descend_to_zero(make_site) -> None:
    root = make_site({"site.yaml": "title: 站\ngrades:\n  - {grade: 优, min: 90}\n  - {grade: 良, min: 80}\n"})
    assert errors_of(root)[0].endswith("site.yaml:3:3: grades: bands must go from the highest down to one with min: 0")
