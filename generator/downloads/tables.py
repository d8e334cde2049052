"""Stage 6b, downloads: the reports as CSV, XLSX and JSON, with a Frictionless data package.

Contract: ``data_files(content, findings, translate, jobs)`` returns every
download as a :class:`DataFile`, in a stable order: each report's JSON (export.py's)
and indicators as CSV, beside its page; each department's and each
department-year's reports as CSV, and reports plus indicators as XLSX; for the
whole site, in ``data/``, reports and indicators as CSV, every report as JSON,
both tables as XLSX and ``datapackage.json`` describing those files.

Each report is encoded once, on every core, into its :class:`Pieces` (CSV lines,
XLSX rows, JSON); every file that holds it is laid out of those pieces, so a
site of 10,000 reports is not converted three times over.

CSV is UTF-8 with a BOM (Excel then reads Chinese) and CRLF line ends. Amounts
are in 元, the unit named in the column header, as decimal text with their
printed digits; XLSX holds them as numbers. Headers are interface strings in the
site's language. The bytes depend only on the content, so two builds are equal.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from generator.audit.rules import Finding
from generator.content.facts import report_grade, total_score
from generator.content.models import KIND_LABELS, SelfEvaluation, TargetDeclaration
from generator.content.validate import Content, ReportEntry
from generator.downloads.export import dumps, report_data, report_path
from generator.downloads.xlsx import Row as XlsxRow
from generator.downloads.xlsx import Sheet, encode_row, workbook
from generator.output import parallel
from generator.site_pages.charts import Translate

Value = str | int | Decimal | None
Row = dict[str, Value]
# The kinds of report the tables hold: department budgets are not projects.
PROJECT_KINDS = ("self-evaluation", "target-declaration")
FORMULA_STARTS = ("=", "+", "-", "@")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?%?$")


@dataclass(frozen=True)
class Column:
    """A column: key (its header in Chinese, a message key), Frictionless type, whether it is 元."""

    key: str
    type: str = "string"
    money: bool = False


REPORT_COLUMNS = (
    Column("报告编号"), Column("部门"), Column("年度", "integer"), Column("类型"), Column("项目名称"),
    Column("实施单位"), Column("年初预算数（元）", "number", True), Column("全年预算数（元）", "number", True),
    Column("全年执行数（元）", "number", True), Column("执行率（%）", "number"), Column("得分", "number"),
    Column("等级"), Column("年度资金申请总额（元）", "number", True), Column("失分指标", "integer"),
    Column("核对发现", "integer"), Column("网页"), Column("来源"),
)
INDICATOR_COLUMNS = (
    Column("报告编号"), Column("部门"), Column("年度", "integer"), Column("类型"), Column("项目名称"),
    Column("序号", "integer"), Column("一级指标"), Column("二级指标"), Column("三级指标"),
    Column("年度指标值"), Column("实际完成值"), Column("分值", "number"), Column("得分", "number"),
    Column("偏差原因分析及改进措施"), Column("不适用"),
)


@dataclass(frozen=True)
class DataFile:
    """A download: path below the site root; data; format (csv, xlsx, json); what it holds;
    scope: the department slug and year it covers ('' and 0 for the whole site)."""

    path: str
    data: bytes
    format: str
    description: str
    scope: tuple[str, int] = ("", 0)

    def __call__(self) -> bytes:
        """Its bytes: a download is its own task for :func:`generator.site_pages.pages.write_all`."""
        return self.data


def indicators_path(entry: ReportEntry) -> str:
    """Where a report's indicators CSV is written: beside its page."""
    return f"{entry.path}{entry.slug}-indicators.csv"


def department_files(slug: str) -> tuple[tuple[str, str], ...]:
    """(format, path) of a department's tables."""
    return (("csv", f"{slug}/{slug}.csv"), ("xlsx", f"{slug}/{slug}.xlsx"))


def year_files(slug: str, year: int) -> tuple[tuple[str, str], ...]:
    """(format, path) of a department-year's tables."""
    return (("csv", f"{slug}/{year}/{slug}-{year}.csv"), ("xlsx", f"{slug}/{year}/{slug}-{year}.xlsx"))


def _text(value: Value) -> str:
    """A cell as CSV text: decimals with their printed digits, never an exponent.

    Text that Excel would run as a formula (a target printed as ``=100%``) gets a leading
    apostrophe, the spreadsheet convention for "this is text".
    """
    if value is None:
        return ""
    if isinstance(value, (Decimal, int)):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if value[:1] in FORMULA_STARTS and not _NUMBER.match(value):
        return "'" + value
    return value


def _lines(cells: Iterable[Iterable[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(cells)
    return buffer.getvalue()


def _csv_lines(columns: tuple[Column, ...], rows: Iterable[Row]) -> str:
    return _lines([_text(row[c.key]) for c in columns] for row in rows)


def _csv(columns: tuple[Column, ...], t: Translate, lines: Iterable[str]) -> bytes:
    """A table as CSV bytes: UTF-8 with a BOM, CRLF line ends, headers translated, then ``lines``."""
    return "".join([_lines([[t(c.key) for c in columns]]), *lines]).encode("utf-8-sig")


@dataclass(frozen=True)
class Pieces:
    """One report's share of the tables, encoded once and laid into every file that holds it:
    its line of the reports CSV and lines of the indicators CSV, its rows of both sheets, its
    indicators CSV file, and its JSON (the file beside its page; ``data/reports.json`` is the
    list of them)."""

    report_csv: str
    indicators_csv: str
    report_xlsx: tuple[XlsxRow, ...]
    indicators_xlsx: tuple[XlsxRow, ...]
    indicators_file: bytes
    json: bytes


class Tables:
    """The rows of the report and indicator tables of one site."""

    def __init__(self, content: Content, findings: list[Finding], t: Translate) -> None:
        self.content = content
        self.t = t
        self.findings: dict[str, int] = {}
        for finding in findings:
            self.findings[finding.report] = self.findings.get(finding.report, 0) + 1
        self.entries = [e for e in content.reports if e.kind in PROJECT_KINDS]
        self.by_dept: dict[str, list[ReportEntry]] = {}  # grouped once: a scope never scans the site
        for entry in self.entries:
            self.by_dept.setdefault(entry.model.department, []).append(entry)
        self.pieces: dict[str, Pieces] = {}  # by report path, once made (see pieces())
        self.columns = {name: [(t(c.key), c.type != "string", c.money) for c in columns]
                        for name, columns in (("报告", REPORT_COLUMNS), ("绩效指标", INDICATOR_COLUMNS))}

    def _common(self, entry: ReportEntry) -> Row:
        m = entry.model
        assert isinstance(m, (SelfEvaluation, TargetDeclaration))
        return {"报告编号": entry.path.rstrip("/"), "部门": self.content.departments[m.department].model.name,
                "年度": m.year, "类型": self.t(KIND_LABELS[m.kind]), "项目名称": m.name}

    def report_row(self, entry: ReportEntry) -> Row:
        m = entry.model
        row: Row = {**self._common(entry), "实施单位": getattr(m, "implementer", ""),
                    "网页": self.content.site.base_url + entry.path, "来源": m.source,
                    "核对发现": self.findings.get(entry.path, 0)}
        row.update(dict.fromkeys(("年初预算数（元）", "全年预算数（元）", "全年执行数（元）", "执行率（%）",
                                  "得分", "等级", "年度资金申请总额（元）", "失分指标")))
        if isinstance(m, SelfEvaluation):
            total = m.funds.total
            score = total_score(m)
            grade = report_grade(m, self.content.site.grades)
            row.update({"年初预算数（元）": total.initial, "全年预算数（元）": total.adjusted,
                        "全年执行数（元）": total.executed,
                        "执行率（%）": total.rate.scaleb(2) if total.rate is not None else None,
                        "得分": score, "等级": self.t(grade) if grade else None,
                        "失分指标": sum(1 for i in m.indicators if i.lost > 0)})
        elif isinstance(m, TargetDeclaration):
            row["年度资金申请总额（元）"] = m.funds.requested
        return row

    def indicator_rows(self, entry: ReportEntry) -> list[Row]:
        common = self._common(entry)
        rows: list[Row] = []
        for n, item in enumerate(entry.model.indicators, start=1):  # type: ignore[union-attr]
            actual = getattr(item, "actual", "")
            weight, score = getattr(item, "weight", None), getattr(item, "score", None)
            na = getattr(item, "not_applicable", False)
            rows.append({**common, "序号": n, "一级指标": item.level1, "二级指标": item.level2,
                         "三级指标": item.name, "年度指标值": item.target, "实际完成值": actual,
                         "分值": weight, "得分": score, "偏差原因分析及改进措施": getattr(item, "reason", ""),
                         "不适用": self.t("是") if na else ""})
        return rows

    def encode(self, entry: ReportEntry) -> Pieces:
        """Encode one report's share of the tables (budgets have only their JSON)."""
        data = dumps(report_data(entry))
        if entry.kind not in PROJECT_KINDS:
            return Pieces("", "", (), (), b"", data)
        report, indicators = self.report_row(entry), self.indicator_rows(entry)
        lines = _csv_lines(INDICATOR_COLUMNS, indicators)
        return Pieces(_csv_lines(REPORT_COLUMNS, [report]), lines,
                      (encode_row([report[c.key] for c in REPORT_COLUMNS], self.columns["报告"]),),
                      tuple(encode_row([row[c.key] for c in INDICATOR_COLUMNS], self.columns["绩效指标"])
                            for row in indicators),
                      _csv(INDICATOR_COLUMNS, self.t, [lines]), data)

    def select(self, dept: str = "", year: int = 0) -> list[Pieces]:
        """The pieces of a department's reports (of one year), or of all, in content order."""
        return [self.pieces[e.path] for e in (self.by_dept.get(dept, []) if dept else self.entries)
                if not year or e.model.year == year]

    def csv(self, chosen: list[Pieces]) -> bytes:
        return _csv(REPORT_COLUMNS, self.t, [p.report_csv for p in chosen])

    def xlsx(self, chosen: list[Pieces]) -> bytes:
        return workbook([Sheet(self.t(name), self.columns[name], rows) for name, rows in (
            ("报告", [r for p in chosen for r in p.report_xlsx]),
            ("绩效指标", [r for p in chosen for r in p.indicators_xlsx]))])


def _encode(index: int) -> Pieces:
    """Encode report ``index`` (an index crosses to the worker, not the report: it is there)."""
    tables: Tables = parallel.state()
    return tables.encode(tables.content.reports[index])


def _department(tables: Tables, slug: str) -> list[DataFile]:
    """A department's tables and each year's."""
    files = []
    for year in [0, *sorted({e.model.year for e in tables.by_dept.get(slug, [])})]:
        chosen = tables.select(slug, year)
        (csv_fmt, csv_path), (xlsx_fmt, xlsx_path) = year_files(slug, year) if year else department_files(slug)
        files.append(DataFile(csv_path, tables.csv(chosen), csv_fmt, "项目表", (slug, year)))
        files.append(DataFile(xlsx_path, tables.xlsx(chosen), xlsx_fmt, "项目表和绩效指标", (slug, year)))
    return files


def _site(tables: Tables, name: str) -> DataFile:
    """One of the whole site's files in ``data/``."""
    if name == "reports.json":  # compact JSON: the list is the reports' own JSON, joined
        joined = b",".join(tables.pieces[e.path].json.rstrip(b"\n") for e in tables.content.reports)
        return DataFile("data/reports.json", b"[" + joined + b"]\n", "json", "全部报告的完整内容，包括部门预算")
    chosen = tables.select()
    if name == "reports.csv":
        return DataFile("data/reports.csv", tables.csv(chosen), "csv", "全部报告，每份一行")
    if name == "indicators.csv":
        return DataFile("data/indicators.csv", _csv(INDICATOR_COLUMNS, tables.t, [p.indicators_csv for p in chosen]),
                        "csv", "全部绩效指标，每项一行")
    return DataFile("data/reports.xlsx", tables.xlsx(chosen), "xlsx", "报告和绩效指标两张工作表")


def _task(task: tuple[str, str]) -> list[DataFile] | DataFile:
    tables: Tables = parallel.state()
    scope, name = task
    return _department(tables, name) if scope == "department" else _site(tables, name)


SITE_FILES = ("reports.csv", "indicators.csv", "reports.json", "reports.xlsx")


@dataclass
class Kept:
    """What the last build with this Store made, for the next one (``disclose serve``): each
    report's pieces with the inputs they were made from, by content hash (its file's and its
    department's Store keys, and its count of findings), and each task's files with the pieces
    they were laid out of; and what the last build had to make: the reports it ``encoded`` and
    the files it ``laid`` out."""

    interface: str = ""
    pieces: dict[str, tuple[tuple[object, ...], Pieces]] = field(default_factory=dict)
    tasks: dict[tuple[str, str], tuple[list[Pieces], list[DataFile] | DataFile]] = field(default_factory=dict)
    encoded: list[str] = field(default_factory=list)
    laid: list[str] = field(default_factory=list)


def _same(a: Sequence[object], b: Sequence[object]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


def _interface(content: Content, t: Translate) -> str:
    """A digest of everything the pieces take from outside their report: the site settings and
    each interface string they hold, translated (a theme's messages can change between builds)."""
    texts = [*(KIND_LABELS[k] for k in PROJECT_KINDS), "是", *(g.grade for g in content.site.grades),
             *(c.key for c in (*REPORT_COLUMNS, *INDICATOR_COLUMNS)), "报告", "绩效指标"]
    digest = hashlib.sha256(content.site.model_dump_json().encode("utf-8"))
    for text in texts:
        digest.update(b"\0" + t(text).encode("utf-8"))
    return digest.hexdigest()


def data_files(content: Content, findings: list[Finding], t: Translate, jobs: int = 1,
               kept: Kept | None = None) -> list[DataFile]:
    """Every download of the site, in a stable order (see the module's contract), over ``jobs`` processes.

    With what the last build ``kept`` (a Store's, updated here for the next), reports whose inputs
    are those of the last build keep their pieces, and files laid out of the very same pieces are
    not laid out again, so a rebuild after one edit encodes one report and lays out the files that
    hold it."""
    tables = Tables(content, findings, t)
    jobs = jobs if len(content.reports) >= parallel.MIN_PARALLEL else 1  # a small site is quicker alone
    interface = _interface(content, t)
    last = kept if kept is not None and kept.interface == interface else Kept()
    now = Kept(interface)
    inputs = {e.path: (e.doc.digest, content.departments[e.model.department].doc.digest,
                       tables.findings.get(e.path, 0)) for e in content.reports}
    # each report encoded once, on every core; then each file laid out of the pieces
    todo = [i for i, e in enumerate(content.reports)
            if not e.doc.digest or e.path not in last.pieces or last.pieces[e.path][0] != inputs[e.path]]
    made = dict(zip(todo, parallel.run(_encode, todo, jobs, tables), strict=True))
    for i, e in enumerate(content.reports):
        tables.pieces[e.path] = made[i] if i in made else last.pieces[e.path][1]
        now.pieces[e.path] = (inputs[e.path], tables.pieces[e.path])
    now.encoded = [content.reports[i].path for i in todo]
    # the whole site's files are the largest: first, so the other processes share out the departments
    tasks = [*(("site", name) for name in SITE_FILES), *(("department", slug) for slug in sorted(content.departments))]
    uses = {task: [tables.pieces[e.path] for e in (tables.by_dept.get(task[1], []) if task[0] == "department"
                                                   else content.reports)] for task in tasks}
    fresh = [task for task in tasks if task not in last.tasks or not _same(last.tasks[task][0], uses[task])]
    laid = dict(zip(fresh, parallel.run(_task, fresh, jobs, tables, chunk=1), strict=True))
    for task in tasks:
        now.tasks[task] = (uses[task], laid[task] if task in laid else last.tasks[task][1])
    results = [now.tasks[task][1] for task in tasks]
    now.laid = [f.path for task in fresh for f in ([laid[task]] if isinstance(laid[task], DataFile) else laid[task])]
    site = [f for f in results[:len(SITE_FILES)] if isinstance(f, DataFile)]
    scoped = [f for files in results[len(SITE_FILES):] if not isinstance(files, DataFile) for f in files]
    own = [DataFile(report_path(e), tables.pieces[e.path].json, "json", "报告") for e in content.reports]
    own += [DataFile(indicators_path(e), tables.pieces[e.path].indicators_file, "csv", "绩效指标")
            for dept in sorted(tables.by_dept) for e in tables.by_dept[dept]]
    site.append(DataFile("data/datapackage.json", datapackage(content.site.title, site, t), "json",
                         "数据包说明（Frictionless Data Package）"))
    if kept is not None:
        kept.__dict__.update(now.__dict__)
    return own + scoped + site


def _schema(columns: tuple[Column, ...], t: Translate) -> dict[str, object]:
    return {"fields": [{"name": t(c.key), "type": c.type} for c in columns], "missingValues": [""]}


def datapackage(title: str, files: list[DataFile], t: Translate) -> bytes:
    """A Frictionless Data Package describing the whole-site files of ``data/``."""
    resources: list[dict[str, object]] = []
    for f in files:
        name = f.path.removeprefix("data/")
        stats = {"bytes": len(f.data), "hash": "sha256:" + hashlib.sha256(f.data).hexdigest()}
        base = {"path": name, "title": t(f.description), "format": f.format}
        if f.format == "csv":
            columns = REPORT_COLUMNS if name == "reports.csv" else INDICATOR_COLUMNS
            resources.append({"name": name.removesuffix(".csv"), **base, "type": "table", "encoding": "utf-8-sig",
                              "mediatype": "text/csv", "schema": _schema(columns, t), **stats})
        elif f.format == "xlsx":
            for sheet, columns in (("报告", REPORT_COLUMNS), ("绩效指标", INDICATOR_COLUMNS)):
                resources.append({"name": ("reports" if columns is REPORT_COLUMNS else "indicators") + "-xlsx",
                                  **base, "type": "table", "dialect": {"excel": {"sheet": t(sheet)}},
                                  "mediatype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                  "schema": _schema(columns, t), **stats})
        else:
            resources.append({"name": name.removesuffix(".json") + "-json", **base, "type": "json",
                              "mediatype": "application/json", **stats})
    package = {"name": "disclose-reports", "title": title, "profile": "data-package",
               "description": t("财政项目绩效报告的数据：金额以元为单位。"), "resources": resources}
    return dumps(package, indent=1)
