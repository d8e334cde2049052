"""Stage 6b, downloads: the reports as CSV, XLSX and JSON, with a Frictionless data package.

Contract: ``write_downloads(content, findings, translate, output, folder, jobs)``
gives ``output`` every download: each report's JSON (export.py's) and indicators
as CSV, beside its page; each department's and each department-year's reports as
CSV, and reports plus indicators as XLSX; for the whole site, in ``data/``,
reports and indicators as CSV, every report as JSON, both tables as XLSX and
``datapackage.json`` describing those files. It returns the files the data page
lists (:class:`DataFile`) and what it had to make afresh.

The reports stream through, a department at a time, on every core: each report is
encoded once into its :class:`Pieces` (CSV lines, XLSX rows, JSON), the
department's files are laid out of them and written at once, and the department's
part of the whole site's files (its :class:`Share`: CSV lines, JSON, its sheet rows
deflated on their own) is kept in ``folder`` (the Store's), named by the content
hashes of everything it is made of. The whole site's files are then written by
laying the shares end to end, one at a time; so memory holds one department per
process, never the site, and a build after an edit encodes only the departments
it touched: every other department's files are the previous site's (left in place), and
its share is read back from the Store, not made again.

CSV is UTF-8 with a BOM (Excel then reads Chinese) and CRLF line ends. Amounts
are in 元, the unit named in the column header, as decimal text with their
printed digits; XLSX holds them as numbers. Headers are interface strings in the
site's language. The bytes depend only on the content, so two builds are equal.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from generator.audit.rules import Finding
from generator.content.facts import NOT_CARRIED_OUT, report_grade, total_score
from generator.content.models import KIND_LABELS, SelfEvaluation, TargetDeclaration
from generator.content.validate import Content, ReportEntry
from generator.downloads.export import dumps, report_data, report_path
from generator.downloads.xlsx import (
    SHEET_TAIL,
    WIDTH_ROWS,
    Deflated,
    Sheet,
    deflate,
    encode_row,
    sheet_head,
    workbook,
    write_workbook,
)
from generator.downloads.xlsx import Row as XlsxRow
from generator.errors import OutputError
from generator.output import parallel
from generator.output.write import Output, write_atomically
from generator.progress import Progress
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
    """A download the data page lists: path below the site root; format (csv, xlsx, json); what
    it holds; scope: the department slug and year it covers ('' and 0 for the whole site); its
    size in bytes."""

    path: str
    format: str
    description: str
    scope: tuple[str, int]
    size: int


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
    its line of the reports CSV and lines of the indicators CSV, its rows of both sheets, and its
    JSON (the file beside its page; ``data/reports.json`` is the list of them)."""

    report_csv: str
    indicators_csv: str
    report_xlsx: tuple[XlsxRow, ...]
    indicators_xlsx: tuple[XlsxRow, ...]
    json: bytes


class Tables:
    """The rows of the report and indicator tables of one site."""

    def __init__(self, content: Content, findings: list[Finding], t: Translate) -> None:
        self.content = content
        self.t = t
        self.findings: dict[str, int] = {}
        for finding in findings:
            self.findings[finding.report] = self.findings.get(finding.report, 0) + 1
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
            return Pieces("", "", (), (), data)
        report, indicators = self.report_row(entry), self.indicator_rows(entry)
        return Pieces(_csv_lines(REPORT_COLUMNS, [report]), _csv_lines(INDICATOR_COLUMNS, indicators),
                      (encode_row([report[c.key] for c in REPORT_COLUMNS], self.columns["报告"]),),
                      tuple(encode_row([row[c.key] for c in INDICATOR_COLUMNS], self.columns["绩效指标"])
                            for row in indicators), data)

    def csv(self, chosen: list[Pieces]) -> bytes:
        return _csv(REPORT_COLUMNS, self.t, [p.report_csv for p in chosen])

    def xlsx(self, chosen: list[Pieces]) -> bytes:
        return workbook([Sheet(self.t(name), self.columns[name], rows) for name, rows in (
            ("报告", [r for p in chosen for r in p.report_xlsx]),
            ("绩效指标", [r for p in chosen for r in p.indicators_xlsx]))])


@dataclass(frozen=True)
class Share:
    """A department's part of the whole site's files, and what it gave the site itself.

    reports_csv, indicators_csv: its lines of both CSV files; json: its reports' JSON, joined by
    commas; sheets: its rows of both sheets, deflated on their own; widths: the cell widths of its
    first rows of each sheet (the first rows of the site size the columns); listed: its files
    the data page lists; files: every file it gave the site (kept as they are when it is
    unchanged)."""

    reports_csv: bytes
    indicators_csv: bytes
    json: bytes
    sheets: tuple[Deflated, Deflated]
    widths: tuple[tuple[bytes, ...], tuple[bytes, ...]]
    listed: tuple[DataFile, ...]
    files: tuple[str, ...]

    def encode(self) -> bytes:
        """The share as a record: a line of JSON saying what follows, then the bytes themselves.
        Reading it back (:meth:`decode`) runs nothing, whoever wrote it."""
        blobs = [self.reports_csv, self.indicators_csv, self.json, *(s.data for s in self.sheets)]
        head = {"sizes": [len(b) for b in blobs], "sheets": [[s.crc, s.size] for s in self.sheets],
                "widths": [[w.hex() for w in ws] for ws in self.widths],
                "listed": [[f.path, f.format, f.description, *f.scope, f.size] for f in self.listed],
                "files": list(self.files)}
        return json.dumps(head, ensure_ascii=False).encode("utf-8") + b"\n" + b"".join(blobs)


@dataclass(frozen=True)
class Kept:
    """A department's share as the Store keeps it (:meth:`Share.encode`): what its first line says
    (its sheets' CRCs and sizes, widths, listed files and files), its bytes read only when laid,
    one part at a time (the shares of 10,000 reports are 115 MB)."""

    path: Path
    ends: tuple[int, ...]  # where each part starts in the file, then where the last ends
    sheets: tuple[tuple[int, int], tuple[int, int]]  # each sheet's rows: CRC and size, deflated
    widths: tuple[tuple[bytes, ...], tuple[bytes, ...]]
    listed: tuple[DataFile, ...]
    files: tuple[str, ...]

    @staticmethod
    def read(path: Path) -> Kept:
        """The share kept in ``path``; OSError, ValueError, KeyError or TypeError when it is not one."""
        with path.open("rb") as stream:
            line = stream.readline()
            size = os.fstat(stream.fileno()).st_size
        head = json.loads(line)
        ends = [len(line)]
        for part in head["sizes"]:
            ends.append(ends[-1] + int(part))
        if ends[-1] != size or len(ends) != 6:
            raise ValueError("a damaged share")
        (crc0, size0), (crc1, size1) = head["sheets"]
        return Kept(path, tuple(ends), ((int(crc0), int(size0)), (int(crc1), int(size1))),
                    (tuple(bytes.fromhex(w) for w in head["widths"][0]),
                     tuple(bytes.fromhex(w) for w in head["widths"][1])),
                    tuple(DataFile(str(p), str(f), str(d), (str(s), int(y)), int(n))
                          for p, f, d, s, y, n in head["listed"]),
                    tuple(str(f) for f in head["files"]))

    def part(self, index: int) -> bytes:
        """Part ``index``: 0 and 1 the CSV lines, 2 the JSON, 3 and 4 the sheets' deflated rows."""
        with self.path.open("rb") as stream:
            stream.seek(self.ends[index])
            data = stream.read(self.ends[index + 1] - self.ends[index])
        if len(data) != self.ends[index + 1] - self.ends[index]:
            raise OutputError(f"the share {self.path} changed during the build")
        return data

    def sheet(self, index: int) -> Deflated:
        crc, size = self.sheets[index]
        return Deflated(self.part(3 + index), crc, size)


@dataclass(frozen=True)
class _Job:
    """What the workers share, through fork: the tables, each department's reports, where each
    file goes, and where shares are kept."""

    tables: Tables
    groups: dict[str, list[ReportEntry]]
    targets: dict[str, str]
    output: Output
    folder: Path


def _files(slug: str, entries: list[ReportEntry]) -> list[str]:
    """Every file a department gives the site, in the order they are written."""
    own = [p for e in entries for p in (report_path(e), *([indicators_path(e)] if e.kind in PROJECT_KINDS else []))]
    years = sorted({e.model.year for e in entries if e.kind in PROJECT_KINDS})
    return [*own, *(path for _, path in department_files(slug)),
            *(path for year in years for _, path in year_files(slug, year))]


def _department(task: tuple[str, str]) -> int:
    """Encode a department's reports, write its files and keep its share as ``key``; return how
    many files were written (the others equal the previous site's)."""
    job: _Job = parallel.state()
    slug, key = task
    tables, entries, put = job.tables, job.groups.get(task[0], []), job.output.put
    pieces = [tables.encode(e) for e in entries]
    written = 0
    for e, p in zip(entries, pieces, strict=True):
        written += put(job.targets[report_path(e)], p.json)
        if e.kind in PROJECT_KINDS:
            written += put(job.targets[indicators_path(e)], _csv(INDICATOR_COLUMNS, tables.t, [p.indicators_csv]))
    projects = [(e, p) for e, p in zip(entries, pieces, strict=True) if e.kind in PROJECT_KINDS]
    listed = []
    for year in [0, *sorted({e.model.year for e, _ in projects})]:
        chosen = [p for e, p in projects if not year or e.model.year == year]
        (csv_fmt, csv_path), (xlsx_fmt, xlsx_path) = year_files(slug, year) if year else department_files(slug)
        for path, fmt, data, what in ((csv_path, csv_fmt, tables.csv(chosen), "项目表"),
                                      (xlsx_path, xlsx_fmt, tables.xlsx(chosen), "项目表和绩效指标")):
            written += put(job.targets[path], data)
            listed.append(DataFile(path, fmt, what, (slug, year), len(data)))
    chosen = [p for _, p in projects]
    rows = ([r for p in chosen for r in p.report_xlsx], [r for p in chosen for r in p.indicators_xlsx])
    share = Share("".join(p.report_csv for p in chosen).encode("utf-8"),
                  "".join(p.indicators_csv for p in chosen).encode("utf-8"),
                  b",".join(p.json.rstrip(b"\n") for p in pieces),
                  (deflate("".join(x for x, _ in rows[0]).encode("utf-8")),
                   deflate("".join(x for x, _ in rows[1]).encode("utf-8"))),
                  (tuple(w for _, w in rows[0][:WIDTH_ROWS]), tuple(w for _, w in rows[1][:WIDTH_ROWS])),
                  tuple(listed), tuple(_files(slug, entries)))
    write_atomically(job.folder / f"{key}.share", share.encode())
    return written


def _key(interface: str, content: Content, findings: dict[str, int], slug: str, entries: list[ReportEntry]) -> str:
    """A department's share by the content hashes of all it is made of (each file's Store key
    covers the generator's code); "" when one is unknown (content loaded without a Store)."""
    parts = [interface, content.departments[slug].doc.digest,
             *(f"{e.path}\0{e.doc.digest}\0{findings.get(e.path, 0)}" for e in entries)]
    if not all(parts[1:2]) or not all(e.doc.digest for e in entries):
        return ""
    return hashlib.sha256("\n".join([slug, *parts]).encode("utf-8")).hexdigest()


def _interface(content: Content, t: Translate) -> str:
    """A digest of everything the pieces take from outside their report: the site settings and
    each interface string they hold, translated (a theme's messages can change between builds)."""
    texts = [*(KIND_LABELS[k] for k in PROJECT_KINDS), "是", *(g.grade for g in content.site.grades),
             *(c.key for c in (*REPORT_COLUMNS, *INDICATOR_COLUMNS)), "报告", "绩效指标", NOT_CARRIED_OUT,
             "项目表", "项目表和绩效指标"]
    digest = hashlib.sha256(content.site.model_dump_json().encode("utf-8"))
    for text in texts:
        digest.update(b"\0" + t(text).encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True)
class Downloads:
    """What :func:`write_downloads` did: the departments' files the data page lists, the reports
    it encoded and the files it laid out afresh (``encoded``, ``laid``), and the shares it used;
    ``site`` writes the whole site's files (called once, while the pages are made: they are laid
    out of the shares, and counted in ``laid``) and returns them as the data page lists them."""

    listed: list[DataFile]
    encoded: list[str]
    laid: list[str]
    shares: set[str]
    site: Callable[[], list[DataFile]]


SITE_FILES = ("reports.csv", "indicators.csv", "reports.json", "reports.xlsx", "datapackage.json")
_WHAT = {"reports.csv": "全部报告，每份一行", "indicators.csv": "全部绩效指标，每项一行",
         "reports.json": "全部报告的完整内容，包括部门预算", "reports.xlsx": "报告和绩效指标两张工作表",
         "datapackage.json": "数据包说明（Frictionless Data Package）"}


def write_downloads(content: Content, findings: list[Finding], t: Translate, output: Output, folder: Path,
                    jobs: int = 1, progress: Progress | None = None) -> Downloads:
    """Give ``output`` every download of the site (see the module's contract), over ``jobs``
    processes, keeping the departments' shares in ``folder``."""
    if progress:
        progress.step("downloads kept")  # the departments unchanged since the Store's shares, left in place
    tables = Tables(content, findings, t)
    groups: dict[str, list[ReportEntry]] = {}
    for entry in content.reports:  # content order: a department's files are one run of it
        groups.setdefault(entry.model.department, []).append(entry)
    order = [*groups, *(slug for slug in sorted(content.departments) if slug not in groups)]
    interface = _interface(content, t)
    keys = {slug: _key(interface, content, tables.findings, slug, groups.get(slug, [])) for slug in order}
    targets: dict[str, str] = {}
    for slug in order:  # every path reserved here, in order, so collisions are found as serially
        for rel in _files(slug, groups.get(slug, [])):
            targets[rel] = output.path(rel)
    shares: dict[str, Kept] = {}
    for slug in order:  # a department as the Store keeps it, its files as the previous site has them
        kept = _read(folder, keys[slug])
        if kept is not None and all(output.keep(targets[rel]) for rel in kept.files):  # (keeping moves nothing)
            shares[slug] = kept
    todo = [(slug, keys[slug] or f"unknown-{i}") for i, slug in enumerate(order) if slug not in shares]
    if progress:
        progress.step("downloads", len(todo))
    folder.mkdir(parents=True, exist_ok=True)
    output.changed += sum(parallel.run(_department, todo, jobs, _Job(tables, groups, targets, output, folder),
                                       progress.advance if progress else None, chunk=1))
    laid = [rel for slug, _ in todo for rel in _files(slug, groups.get(slug, []))]
    names = {slug: keys[slug] or f"unknown-{i}" for i, slug in enumerate(order)}

    def share(slug: str) -> Kept:
        found = shares.get(slug) or _read(folder, names[slug])
        if found is None:
            raise OutputError(f"the downloads of {slug} went missing from {folder} during the build")
        shares[slug] = found  # (its first line read once: its parts are read when laid)
        return found

    listed = [f for slug in order for f in share(slug).listed]
    site = {f"data/{name}": output.path(f"data/{name}") for name in SITE_FILES}

    def site_files() -> list[DataFile]:
        if not todo and all(output.keep(target) for target in site.values()):
            return [DataFile(rel, rel.rsplit(".", 1)[1], _WHAT[rel[5:]], ("", 0), os.path.getsize(output.out / rel))
                    for rel in site]
        made = _site_files(tables, order, share, output, site)
        laid.extend(site)
        for slug, name in todo:
            if name.startswith("unknown-"):
                (folder / f"{name}.share").unlink(missing_ok=True)  # made of content outside a Store
        return made

    encoded = [e.path for slug, _ in todo for e in groups.get(slug, [])]
    return Downloads(listed, encoded, laid, {f"{keys[slug]}.share" for slug in order if keys[slug]}, site_files)


def _read(folder: Path, key: str) -> Kept | None:
    """The share kept as ``key``, or None (none yet, or a damaged one: made again)."""
    if not key:
        return None
    try:
        return Kept.read(folder / f"{key}.share")
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


class _Hashed:
    """A file being written, and the SHA-256 and size of what was written (for the data package)."""

    def __init__(self, out: BinaryIO) -> None:
        self.out, self.digest, self.size = out, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.out.write(data)

    def stats(self) -> dict[str, object]:
        return {"bytes": self.size, "hash": "sha256:" + self.digest.hexdigest()}


def _site_files(tables: Tables, order: list[str], share: Callable[[str], Kept], output: Output,
                targets: dict[str, str]) -> list[DataFile]:
    """Write the whole site's files in ``data/`` (their ``targets`` reserved) by laying the
    departments' shares end to end, one part of one share in memory at a time; return them as the
    data page lists them."""
    t, made = tables.t, {}
    header = {"reports.csv": _lines([[t(c.key) for c in REPORT_COLUMNS]]),
              "indicators.csv": _lines([[t(c.key) for c in INDICATOR_COLUMNS]])}
    for name, part in (("reports.csv", 0), ("indicators.csv", 1)):
        with output.create(targets[f"data/{name}"]) as raw:
            out = _Hashed(raw)
            out.write(header[name].encode("utf-8-sig"))
            for slug in order:
                out.write(share(slug).part(part))
        made[name] = out.stats()
    with output.create(targets["data/reports.json"]) as raw:
        out = _Hashed(raw)
        out.write(b"[")
        first = True
        for slug in order:
            data = share(slug).part(2)
            if data:
                out.write(data if first else b"," + data)
                first = False
        out.write(b"]\n")
    made["reports.json"] = out.stats()
    widths: tuple[list[bytes], list[bytes]] = ([], [])
    for slug in order:
        if all(len(w) >= WIDTH_ROWS for w in widths):
            break
        for mine, theirs in zip(widths, share(slug).widths, strict=True):
            mine.extend(theirs[:WIDTH_ROWS - len(mine)])
    names = [t("报告"), t("绩效指标")]
    heads = [sheet_head(tables.columns[key], w) for key, w in zip(("报告", "绩效指标"), widths, strict=True)]

    def runs(sheet: int) -> Iterator[Deflated]:
        yield deflate(heads[sheet].encode("utf-8"))
        for slug in order:
            yield share(slug).sheet(sheet)
        yield deflate(SHEET_TAIL.encode("utf-8"), last=True)

    with output.create(targets["data/reports.xlsx"]) as raw:
        write_workbook(raw, names, [runs(0), runs(1)])  # (which goes back to write each part's header)
    made["reports.xlsx"] = _stats(targets["data/reports.xlsx"])
    package = datapackage(tables.content.site.title, made, t)
    output.changed += output.put(targets["data/datapackage.json"], package)
    listed = [DataFile(f"data/{name}", name.rsplit(".", 1)[1], _WHAT[name], ("", 0), int(str(stats["bytes"])))
              for name, stats in made.items()]
    return [*listed, DataFile("data/datapackage.json", "json", _WHAT["datapackage.json"], ("", 0), len(package))]


def _schema(columns: tuple[Column, ...], t: Translate) -> dict[str, object]:
    return {"fields": [{"name": t(c.key), "type": c.type} for c in columns], "missingValues": [""]}


def _stats(path: str) -> dict[str, object]:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return {"bytes": os.path.getsize(path), "hash": "sha256:" + digest.hexdigest()}


def datapackage(title: str, files: dict[str, dict[str, object]], t: Translate) -> bytes:
    """A Frictionless Data Package describing the whole-site files of ``data/`` (by name, their
    size and hash)."""
    resources: list[dict[str, object]] = []
    for name, stats in files.items():
        fmt = name.rsplit(".", 1)[1]
        base = {"path": name, "title": t(_WHAT[name]), "format": fmt}
        if fmt == "csv":
            columns = REPORT_COLUMNS if name == "reports.csv" else INDICATOR_COLUMNS
            resources.append({"name": name.removesuffix(".csv"), **base, "type": "table", "encoding": "utf-8-sig",
                              "mediatype": "text/csv", "schema": _schema(columns, t), **stats})
        elif fmt == "xlsx":
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
