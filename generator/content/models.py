"""The content format as typed models (pydantic v2).

Contract: every model forbids unknown keys, money is ``Decimal`` (never float)
and is normalised to 元: a file (or a budget table) that states
``money_unit: 万元`` has its amounts multiplied by 10,000 on validation, exactly,
so dividing back gives the printed digits. Text fields accept numbers written
without quotes and keep their literal text (``target: 3`` is ``"3"``).
Figures are bounded (below 10^15 元, at most 8 decimals) so sums stay exact in
Decimal's 28 digits and no figure takes ages to format.
The field descriptions are the format's documentation: ``disclose schema``
prints them as JSON Schema and the README lists them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import partial
from itertools import islice
from types import UnionType
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticUndefined

from generator.i18n import Msg

MoneyUnit = Literal["元", "万元"]
UNIT_FACTOR: dict[str, Decimal] = {"元": Decimal(1), "万元": Decimal(10000)}
# Each kind of report and its name on pages, downloads and search.
KIND_LABELS = {"self-evaluation": Msg("绩效自评"), "target-declaration": Msg("绩效目标"),
               "department-budget": Msg("部门预算")}
FIGURE_LIMIT = Decimal(10) ** 15
MAX_DECIMALS = 8


def _text(value: Any) -> Any:
    """Accept a number written without quotes as its literal text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal)):
        return str(value)
    return value


def _finite(value: Any) -> Any:
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError("must be a number, not .nan or .inf")
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        _bounded(Decimal(value))  # before pydantic, whose own check calls 1.0e+400 "not finite"
    if isinstance(value, float):
        raise ValueError("must be a number written in decimal")  # noqa: TRY004 - pydantic reports ValueError
    return value


def _bounded(value: Decimal) -> Decimal:
    """Refuse figures no report prints (1.0e+400, 30 decimals)."""
    if abs(value) >= FIGURE_LIMIT:
        raise ValueError("must be less than 1,000,000,000,000,000 元 (10^15)")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        raise ValueError(f"must have at most {MAX_DECIMALS} decimals")
    return value


# Lengths a report never needs more of (the seeds' longest name is under 150 characters, their
# longest text section under 2,000): a limit keeps every page, chart and index linear and small.
MAX_SHORT = 500
MAX_LONG = 20_000
# Bidirectional controls reorder how a line is shown (U+202E shows "txt.exe" as "exe.txt"),
# and zero-width characters make two names that look the same differ: a reader could be shown
# another name than the file holds. Bidi controls are refused in every text, zero-width
# characters (and the BOM) in names and other short fields.
BIDI = "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
ZERO_WIDTH = "\u200b-\u200d\u2060-\u2064\ufeff"
_BIDI = re.compile(f"[{BIDI}]")
_HIDDEN = re.compile(f"[{BIDI}{ZERO_WIDTH}]")


def _hidden(value: str, pattern: re.Pattern[str]) -> None:
    found = pattern.search(value)
    if found:
        kind = "bidirectional control" if _BIDI.match(found.group()) else "invisible character"
        raise ValueError(f"{kind} U+{ord(found.group()):04X} at character {found.start() + 1} is not allowed: "
                         "it makes the text show differently from what it holds; delete it")


def _short(value: str) -> str:
    if len(value) > MAX_SHORT:
        raise ValueError(f"is {len(value):,} characters long, more than the {MAX_SHORT} a name or other "
                         "short field may hold: shorten it (long text belongs in the goals or a section)")
    _hidden(value, _HIDDEN)
    return value


def _long(value: str) -> str:
    if len(value) > MAX_LONG:
        raise ValueError(f"is {len(value):,} characters long, more than the {MAX_LONG:,} a text field may "
                         "hold: shorten it or split it into sections")
    _hidden(value, _BIDI)
    return value


# Text: a name or other short field; Prose: a longer text (markdown where its description says so).
Text = Annotated[str, BeforeValidator(_text), AfterValidator(_short)]
Prose = Annotated[str, BeforeValidator(_text), AfterValidator(_long)]
Number = Annotated[Decimal, BeforeValidator(_finite), Field(allow_inf_nan=False), AfterValidator(_bounded)]
Money = Annotated[Decimal, BeforeValidator(_finite), Field(ge=0, allow_inf_nan=False),
                  AfterValidator(_bounded)]


class Strict(BaseModel):
    """Base of every model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    def __setstate__(self, state: dict[Any, Any]) -> None:
        # Models come back from the workers pickled, each with its own set of the fields it was
        # given (pydantic's __pydantic_fields_set__): a report's 28 sets were 17 KB of its 39 KB in
        # memory. Models are frozen, so equal sets are shared, as sys.intern shares equal text.
        # Figures too: 54 a report, a fifth of them distinct (as printed: 10 and 10.0 stay two).
        given = state.get("__pydantic_fields_set__")
        if isinstance(given, set):
            state["__pydantic_fields_set__"] = _GIVEN.setdefault(frozenset(given), given)
        values = state.get("__dict__")
        if isinstance(values, dict):
            for name, value in values.items():
                if type(value) is Decimal:
                    values[name] = _FIGURES.setdefault(str(value), value)
        super().__setstate__(state)


# What unpickled models share: one set per distinct set of field names (a few hundred at most),
# one Decimal per figure as printed.
_GIVEN: dict[frozenset[str], set[str]] = {}
_FIGURES: dict[str, Decimal] = {}


def scale_money(data: Any, paths: Sequence[tuple[str, ...]], factor: Decimal) -> Any:
    """Return ``data`` with the amounts at ``paths`` multiplied by ``factor`` ('*' = each item)."""
    if factor == 1:
        return data

    def walk(node: Any, path: tuple[str, ...]) -> Any:
        if not path:
            if isinstance(node, str):  # a quoted amount ("39.796692") is still an amount in the file's unit
                try:
                    node = Decimal(node.strip())
                except InvalidOperation:
                    return node
            if isinstance(node, (int, Decimal)) and not isinstance(node, bool):
                amount = Decimal(node)
                # 1.0e+999999 would overflow Decimal's context; left as is, _bounded refuses it
                if not amount.is_finite() or abs(amount) >= FIGURE_LIMIT:
                    return amount
                return amount * factor
            return node
        head, rest = path[0], path[1:]
        if head == "*" and isinstance(node, list):
            return [walk(item, rest) for item in node]
        if isinstance(node, dict) and head in node:
            return {**node, head: walk(node[head], rest)}
        return node

    for path in paths:
        data = walk(data, path)
    return data


def _unit_factor(data: Any) -> Decimal:
    unit = data.get("money_unit", "元") if isinstance(data, dict) else "元"
    return UNIT_FACTOR.get(unit, Decimal(1)) if isinstance(unit, str) else Decimal(1)


# --- site, departments, pages ---------------------------------------------------------

class Grade(Strict):
    grade: Text = Field(description="等级: the grade's name, e.g. 优")
    min: Number = Field(ge=0, le=100, description="lowest total score (inclusive) that earns it")


DEFAULT_GRADES = (
    Grade(grade="优", min=Decimal(90)), Grade(grade="良", min=Decimal(80)),
    Grade(grade="中", min=Decimal(60)), Grade(grade="差", min=Decimal(0)),
)


DRAFT = "true while the file is being filled in: check lists it and build leaves it out"


class Publisher(Strict):
    """Who publishes the site: shown in every page's header and footer."""

    name: Text = Field("", description="发布单位: the publisher's name, shown in the header and footer")
    logo: Text = Field("", pattern=r"^([A-Za-z0-9_-]+/)*[A-Za-z0-9_-][A-Za-z0-9._-]*\.(png|jpg|jpeg|svg|webp)$",
                       description="a PNG, JPEG, SVG or WebP file under the content's templates/static/, "
                                   "e.g. logo.png, shown beside the title")
    address: Text = Field("", description="联系地址")
    phone: Text = Field("", description="联系电话")
    email: Text = Field("", pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$", description="电子邮箱")


_BASE_URL = re.compile(r"^(https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?)?/([A-Za-z0-9._~-]+/)*\Z")


class SiteConfig(Strict):
    """``site.yaml``: site-wide settings."""

    title: Text = Field(min_length=1, description="站点名称: the site's title")
    description: Text = Field("", description="one sentence shown under the title")
    language: Literal["zh-CN", "en"] = Field("zh-CN", description="interface language")
    base_url: Text = Field("/", description="prefix of every link, e.g. /disclosure/ or https://host/path/")
    theme: Text = Field("default", pattern=r"^[a-z0-9][a-z0-9_-]*$", description="a folder under themes/")
    money_unit: MoneyUnit = Field("元", description="unit that summaries display in: 元 or 万元")
    grades: tuple[Grade, ...] = Field(DEFAULT_GRADES, description="self-evaluation grade bands, highest first")
    search_merge: tuple[Annotated[Text, Field(pattern=r"^/([A-Za-z0-9._~-]+/)*$")], ...] = Field(
        (), description="other disclose sites on this host, by path (e.g. /chaoyang/), that this site's "
                        "search page searches too")
    publisher: Publisher = Field(Publisher(), description="the publisher: name, logo and contact details")
    footer: Text = Field("", description="text shown in every page's footer (markdown, no HTML)")
    icp: Text = Field("", description="ICP 备案号, e.g. 沪ICP备12345678号-1, shown in the footer and "
                                      "linked to beian.miit.gov.cn")
    updated: date | None = Field(None, description="数据更新日期: the date the data was last updated")
    audit_panels: bool = Field(True, description="whether readers see the audit's findings on the pages "
                                                 "(the 数据核对 panels, marks and link)")

    @field_validator("grades")
    @classmethod
    def _check_grades(cls, grades: tuple[Grade, ...]) -> tuple[Grade, ...]:
        mins = [g.min for g in grades]
        if mins != sorted(mins, reverse=True) or (mins and mins[-1] != 0):
            raise ValueError("bands must go from the highest down to one with min: 0")
        return grades

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, url: str) -> str:
        # Every link starts with it: a javascript: or protocol-relative //host prefix would
        # send readers elsewhere.
        # A backslash, white space or a control character is dropped or read as / by browsers
        # (/\\evil.example/ is //evil.example/), so only plain URL characters are accepted.
        if not _BASE_URL.match(url) or any(set(part) == {"."} for part in url.split("/")):
            raise ValueError("must be a path like /disclosure/ or a full https://host/path/, ending in /, "
                             "made of letters, digits and . _ ~ - (no backslash, space or control character)")
        return url


_DOCUMENT_URL = re.compile(r"^https?://[^\s/?#<>\"'\\]+[^\s<>\"'\\]*\Z")


def _document_url(value: str) -> str:
    """An official document's address: http(s) only, so a link never runs script or leaves the web."""
    if value and not _DOCUMENT_URL.match(value):
        raise ValueError("must be the document's web address, starting with https:// or http://, "
                         "e.g. https://www.shmh.gov.cn/xxgk/2023/report.pdf")
    return value


def _calendar_date(value: Any) -> Any:
    """Accept a date (or its text); refuse a bare number, which pydantic would read as a timestamp."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        raise ValueError(f"{value!r}: write the date as YYYY-MM-DD, e.g. 2023-09-28")  # noqa: TRY004 - pydantic reports ValueError
    return value


# Provenance: where readers find the official document a report's figures come from.
DocumentUrl = Annotated[str, BeforeValidator(_text), AfterValidator(_short), AfterValidator(_document_url)]
PublishedDate = Annotated[date | None, BeforeValidator(_calendar_date)]
SOURCE_URL = "the official document's web address (http or https), shown to readers as the source, linked"
PUBLISHED = "the date the official document was published (公开日期), YYYY-MM-DD"


class SourceDocument(Strict):
    """An official document that imported reports came from, named once for all of them."""

    file: Text = Field(min_length=1, description="the file the reports' source names, e.g. "
                                                 "000_6e3dc4444b7839b1.txt or 2024年区司法局部门预算.pdf")
    url: DocumentUrl = Field(min_length=1, description=SOURCE_URL)
    published: PublishedDate = Field(None, description=PUBLISHED)
    title: Text = Field("", description="the document's title, e.g. 2022年度闵行区司法局部门决算")


class Unit(Strict):
    name: Text = Field(description="单位名称: name of a budget unit")
    type: Text = Field("", description="单位性质: e.g. 全额拨款行政单位")


class Department(Strict):
    """``departments/<slug>/department.yaml``: one department (主管部门)."""

    name: Text = Field(min_length=1, description="部门名称: full official name")
    short_name: Text = Field("", description="简称: shorter name for tables")
    region: Text = Field("", description="地区: e.g. 上海市闵行区")
    aliases: tuple[Text, ...] = Field((), description="other spellings used by source tables")
    draft: bool = Field(False, exclude=True, description=DRAFT)
    functions: Prose = Field("", description="部门主要职能 (markdown)")
    structure: Prose = Field("", description="部门机构设置 (markdown)")
    units: tuple[Unit, ...] = Field((), description="下属预算单位: budget units")
    sources: tuple[SourceDocument, ...] = Field(
        (), description="official documents its reports were imported from: a report whose source names "
                        "the file shows the document's address and date, unless it gives its own")


class PageMeta(Strict):
    """Front matter of ``pages/<slug>.md``."""

    title: Text = Field(min_length=1, description="页面标题")
    order: int = Field(100, description="position in the navigation, lowest first")
    draft: bool = Field(False, exclude=True, description=DRAFT)


# --- reports -------------------------------------------------------------------------

class ReportBase(Strict):
    year: int = Field(ge=1949, le=2100, description="年度: the report's year (its folder)")
    department: Text = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="slug of the department folder")
    money_unit: MoneyUnit = Field(description="unit of every amount in this file: 元 or 万元")
    source: Text = Field("", description="where the figures come from: file[:first-last line], for "
                                         "publishers (check, the audit's JSON); never shown to readers")
    source_url: DocumentUrl = Field("", description=SOURCE_URL)
    published: PublishedDate = Field(None, description=PUBLISHED)
    draft: bool = Field(False, exclude=True, description=DRAFT)


class FundsRow(Strict):
    initial: Money | None = Field(None, description="年初预算数 (元 after normalisation)")
    adjusted: Money | None = Field(None, description="全年预算数")
    executed: Money | None = Field(None, description="全年执行数")
    weight: Number | None = Field(None, description="分值")
    rate: Number | None = Field(None, description="执行率 as a ratio: 95.98% is 0.9598")
    score: Number | None = Field(None, description="得分")


class SelfEvaluationFunds(Strict):
    total: FundsRow = Field(description="年度资金总额")
    appropriation: FundsRow = Field(FundsRow(), description="其中：当年财政拨款")
    carryover: FundsRow = Field(FundsRow(), description="上年结转资金")
    other: FundsRow = Field(FundsRow(), description="其他资金")


class SelfEvaluationGoals(Strict):
    planned: Prose = Field("", description="预期目标 (markdown)")
    achieved: Prose = Field("", description="实际完成情况 (markdown)")


class Indicator(Strict):
    level1: Text = Field(description="一级指标: 产出指标, 效益指标, 满意度指标, 成本指标")
    level2: Text = Field("", description="二级指标: e.g. 数量指标")
    name: Text = Field("", description="三级指标: the indicator")
    target: Text = Field("", description="年度指标值: target as printed")
    actual: Text = Field("", description="实际完成值: actual as printed (self-evaluations)")
    weight: Number | None = Field(None, ge=0, description="分值")
    score: Number | None = Field(None, ge=0, description="得分")
    reason: Prose = Field("", description="偏差原因分析及改进措施")
    not_applicable: bool = Field(False, description="不适用: a row the form marks as not applicable")

    @property
    def lost(self) -> Decimal:
        """Points lost on this row (weight − score), zero when either is missing."""
        if self.weight is None or self.score is None:
            return Decimal(0)
        return max(self.weight - self.score, Decimal(0))


class Totals(Strict):
    weight: Number | None = Field(None, description="总分值 as printed")
    score: Number | None = Field(None, description="总得分 as printed")


_SE_MONEY = [("funds", row, f) for row in ("total", "appropriation", "carryover", "other")
             for f in ("initial", "adjusted", "executed")]


class SelfEvaluation(ReportBase):
    """``kind: self-evaluation``: 财政项目支出绩效自评表."""

    kind: Literal["self-evaluation"]
    name: Text = Field(min_length=1, description="项目名称")
    implementer: Text = Field("", description="实施单位")
    leader: Text = Field("", description="项目负责人")
    phone: Text = Field("", description="联系电话")
    finance_leader: Text = Field("", description="财务负责人 (printed by some provinces' forms)")
    funds: SelfEvaluationFunds = Field(description="项目资金")
    goals: SelfEvaluationGoals = Field(SelfEvaluationGoals(), description="年度总体目标")
    indicators: tuple[Indicator, ...] = Field((), description="绩效指标, in printed order")
    total: Totals = Field(Totals(), description="总分 as printed")
    # Sections some provinces' forms print below the indicators (markdown, as the goals).
    background: Prose = Field("", description="项目基本情况 (markdown)")
    conclusion: Prose = Field("", description="评价结论 (markdown)")
    problems: Prose = Field("", description="存在问题 (markdown)")
    improvements: Prose = Field("", description="改进措施 (markdown)")

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        return scale_money(data, _SE_MONEY, _unit_factor(data))


class Period(Strict):
    start: date | None = Field(None, description="计划开始日期")
    end: date | None = Field(None, description="计划完成日期")

    @model_validator(mode="after")
    def _check_order(self) -> Period:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class DeclarationFunds(Strict):
    project_total: Money | None = Field(None, description="项目资金总额 (whole life of the project)")
    requested: Money | None = Field(None, description="年度资金申请总额")
    appropriation: Money | None = Field(None, description="其中：当年财政拨款")
    carryover: Money | None = Field(None, description="上年结转资金")
    other: Money | None = Field(None, description="其他资金")


class DeclarationGoals(Strict):
    overall: Prose = Field("", description="项目总目标 (markdown)")
    annual: Prose = Field("", description="年度总体目标 (markdown)")


class TargetIndicator(Strict):
    level1: Text = Field(description="一级指标")
    level2: Text = Field("", description="二级指标")
    name: Text = Field("", description="三级指标")
    target: Text = Field("", description="年度(/项目)指标值")


class TargetDeclaration(ReportBase):
    """``kind: target-declaration``: 财政项目支出绩效目标申报表."""

    kind: Literal["target-declaration"]
    name: Text = Field(min_length=1, description="项目名称")
    implementer: Text = Field("", description="实施单位")
    nature: Text = Field("", description="项目性质: e.g. 经常性项目")
    category: Text = Field("", description="项目类别: e.g. 特定目标类")
    period: Period = Field(Period(), description="计划开始/完成日期")
    funds: DeclarationFunds = Field(DeclarationFunds(), description="项目资金")
    goals: DeclarationGoals = Field(DeclarationGoals(), description="项目绩效目标")
    indicators: tuple[TargetIndicator, ...] = Field((), description="绩效指标")

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        paths = [("funds", f) for f in ("project_total", "requested", "appropriation", "carryover", "other")]
        return scale_money(data, paths, _unit_factor(data))


class BudgetRow(Strict):
    code: Text = Field("", pattern=r"^(\d+( \d+)*)?$", description="功能分类科目编码: 类 款 项 joined by spaces")
    name: Text = Field("", description="科目名称 or row label")
    values: tuple[Number | None, ...] = Field(description="one amount per column (null where blank)")

    @property
    def level(self) -> int:
        """1 for 类, 2 for 款, 3 for 项, 0 for a row without a code."""
        return len(self.code.split()) if self.code else 0


class BudgetTable(Strict):
    title: Text = Field(min_length=1, description="表名")
    columns: tuple[Text, ...] = Field(description="column headings of the amount columns")
    money_unit: MoneyUnit | None = Field(None, description="overrides the file's unit for this table")
    rows: tuple[BudgetRow, ...] = Field((), description="rows; children follow their parent")
    total: BudgetRow | None = Field(None, description="the printed total row")
    note: Prose = Field("", description="注: the note printed under the table")

    @model_validator(mode="after")
    def _check_widths(self) -> BudgetTable:
        for i, row in enumerate((*self.rows, *([self.total] if self.total else []))):
            if len(row.values) != len(self.columns):
                where = f"rows[{i}]" if i < len(self.rows) else "total"
                raise ValueError(f"{where} has {len(row.values)} values for {len(self.columns)} columns")
        return self


class Section(Strict):
    title: Text = Field(min_length=1, description="标题")
    body: Prose = Field("", description="正文 (markdown)")


class DepartmentBudget(ReportBase):
    """``kind: department-budget``: 部门预算, in ``departments/<dept>/budget-<year>.yaml``."""

    kind: Literal["department-budget"]
    summary: Prose = Field("", description="部门预算编制说明 (markdown)")
    sections: tuple[Section, ...] = Field((), description="other text sections, in printed order")
    tables: tuple[BudgetTable, ...] = Field((), description="预算表")

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("tables"), list):
            return data
        file_factor = _unit_factor(data)
        tables = []
        for table in data["tables"]:
            factor = _unit_factor(table) if isinstance(table, dict) and "money_unit" in table else file_factor
            tables.append(scale_money(table, [("rows", "*", "values", "*"), ("total", "values", "*")], factor))
        return {**data, "tables": tables}

    @property
    def name(self) -> str:
        """The report's title as pages show it (an interface string, translated on the page)."""
        return Msg("{year}年部门预算", year=self.year)


Report = SelfEvaluation | TargetDeclaration | DepartmentBudget
REPORT_MODELS: dict[str, type[SelfEvaluation | TargetDeclaration | DepartmentBudget]] = {
    "self-evaluation": SelfEvaluation,
    "target-declaration": TargetDeclaration,
    "department-budget": DepartmentBudget,
}


def table_unit(report: DepartmentBudget, table: BudgetTable) -> str:
    """Return the unit a budget table is printed in."""
    return table.money_unit or report.money_unit


# --- a model kept, made again -------------------------------------------------------

def kept(value: Any) -> Any:
    """A validated model as the Store keeps it, in JSON: each model as a list of a mask of the
    fields it was given, then their values in the order of its fields (sub-models alike, tuples as
    lists, decimals as their text, dates as ISO dates); :func:`rebuilt` makes it the same model
    again. TypeError for a model with a field of a type it cannot keep."""
    if isinstance(value, Strict):
        plan, given = _plan(type(value)), value.model_fields_set
        mask = sum(1 << i for i, (name, _, _) in enumerate(plan) if name in given)
        return [mask, *(kept(getattr(value, name)) for name, _, _ in plan if name in given)]
    if isinstance(value, tuple):
        return [kept(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (str, int)):
        return value
    raise TypeError(f"cannot keep a {type(value).__name__}")


def rebuilt(cls: type[M], data: Any) -> M:
    """The model of ``cls`` that :func:`kept` gave ``data``, made again without validating: what the
    validation gave (the fields given, defaults for the others, sub-models and tuples, equal
    figures and sets of fields shared as unpickled models share them). A build that finds a
    report's model kept under its file's key so skips validating it. ValueError when ``data`` is
    not of this shape: the file is validated instead."""
    try:
        given, values, fields = _SHAPES[cls, data[0]]
    except (KeyError, TypeError, IndexError):
        given, values, fields = _shape(cls, data)
    if len(data) != len(given) + 1:
        raise ValueError(f"{cls.__name__}: fields not its own")
    values = values.copy()  # the defaults, and every field in its place (as validation orders them)
    for (name, made), value in zip(given, islice(data, 1, None)):
        values[name] = value if made is None else made(value)
    model = cls.__new__(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", fields)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


M = TypeVar("M", bound=Strict)
_set = object.__setattr__
Shape = tuple[list[tuple[str, Callable[[Any], Any] | None]], dict[str, Any], set[str]]
_PLANS: dict[type[Strict], list[tuple[str, Callable[[Any], Any] | None, Any]]] = {}
# per model and mask of the fields given: those fields with what makes each, the defaults of the
# others (every field in its place), and the set of the fields given (the one unpickled models share)
_SHAPES: dict[tuple[type[Strict], int], Shape] = {}


def _shape(cls: type[Strict], data: Any) -> Shape:
    plan = _plan(cls)
    if not isinstance(data, list) or not data or type(data[0]) is not int or data[0] < 0 or data[0] >> len(plan):
        raise ValueError(f"{cls.__name__}: not a kept model")
    mask = data[0]
    given = [(name, made) for i, (name, made, _) in enumerate(plan) if mask >> i & 1]
    values = {name: None if mask >> i & 1 else default for i, (name, _, default) in enumerate(plan)}
    if PydanticUndefined in values.values():
        raise ValueError(f"{cls.__name__}: a field it needs is missing")
    names = {name for name, _ in given}
    shape = _SHAPES[cls, mask] = (given, values, _GIVEN.setdefault(frozenset(names), names))
    return shape


def _plan(cls: type[Strict]) -> list[tuple[str, Callable[[Any], Any] | None, Any]]:
    """Each field of ``cls``: its name, what makes its value of the kept one (None: the kept value
    is the value), and its default (PydanticUndefined when it has none)."""
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = [(name, _maker(info.annotation), info.get_default(call_default_factory=True))
                              for name, info in cls.model_fields.items()]
    return plan


def _figure(text: str) -> Decimal:
    """A figure from its text, one Decimal per text (as unpickled models share them)."""
    found = _FIGURES.get(text)
    if found is None:
        found = _FIGURES[text] = Decimal(text)
    return found


def _maker(annotation: Any) -> Callable[[Any], Any] | None:
    """What makes a value of ``annotation`` of its kept form; None when the kept form is the value."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _maker(args[0])
    if isinstance(annotation, type) and issubclass(annotation, Strict):
        return partial(rebuilt, annotation)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _maker(args[0])
        return tuple if item is None else lambda value: tuple(map(item, value))
    if origin in (Union, UnionType):
        makers = {_maker(a) for a in args if a is not type(None)}
        if makers == {None}:
            return None
        if len(makers) == 1 and len(args) == 2 and type(None) in args:
            one = next(iter(makers))
            assert one is not None
            return lambda value: None if value is None else one(value)
        raise TypeError(f"cannot keep a {annotation}")
    if annotation is Decimal:
        return _figure
    if annotation is date:
        return date.fromisoformat
    if origin is Literal or annotation in (str, int, bool):
        return None
    raise TypeError(f"cannot keep a {annotation}")
