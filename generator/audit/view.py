"""Stage 5b, audit views: the findings as readers, publishers and programs see them.

Contract: plain functions of the content and its findings, computed once per
build, in a stable order (rules as :data:`generator.audit.rules.RULES` lists them,
departments by slug, findings by file and line). :func:`finding_groups` and
:func:`rule_counts` feed the ``/audit/`` page, :func:`findings_json` writes
``/audit/findings.json``, and :func:`check_report` is what ``disclose check``
prints. Targets that could not be compared with their actuals are counted here
(:func:`target_counts`), never guessed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from generator.audit.rules import RULES, SEVERITIES, Finding, Findings, Rule
from generator.audit.targets import Outcome
from generator.content.validate import Content
from generator.downloads.export import dumps

OUTCOMES: dict[Outcome, str] = {
    "met": "达到指标值",
    "missed": "未达到指标值",
    "unclear": "成本低于指标值，无法判断是节约还是未完成",
    "no-actual": "没有填写实际完成值",
    "target-unparsed": "指标值无法读取",
    "actual-unparsed": "实际完成值无法与指标值比较",
    "no-target": "没有填写指标值",
}
COMPARED: tuple[Outcome, ...] = ("met", "missed")


@dataclass(frozen=True)
class FindingItem:
    """A finding on the audit page: finding; report: the report's title; url: its page, at the
    finding; figure: its page, at the figure the finding is about (the row or cell)."""

    finding: Finding
    report: str
    url: str
    figure: str


@dataclass(frozen=True)
class FindingGroup:
    """The findings of one department: slug; name; url of its page; items, by file and line."""

    slug: str
    name: str
    url: str
    items: tuple[FindingItem, ...]


@dataclass(frozen=True)
class RuleCount:
    """A rule and how often it fired: rule (its id); info (title, severity, help); severity_label; count."""

    rule: str
    info: Rule
    severity_label: str
    count: int


def department_of(finding: Finding) -> str:
    """The department slug of a finding: the first segment of its report's path."""
    return finding.report.split("/", 1)[0]


def _titles(content: Content) -> dict[str, str]:
    return {entry.path: entry.model.name for entry in content.reports}


def finding_groups(content: Content, findings: Iterable[Finding], url: Callable[[str], str],
                   figure: Callable[[Finding], str]) -> tuple[FindingGroup, ...]:
    """The findings grouped by department, each linked to its place on the report's page and to
    the ``figure`` it is about."""
    titles = _titles(content)
    grouped: dict[str, list[FindingItem]] = defaultdict(list)
    for f in sorted(findings):
        grouped[department_of(f)].append(FindingItem(f, titles.get(f.report, f.report),
                                                     f"{url(f.report)}#{f.anchor}", figure(f)))
    groups = []
    for slug in sorted(grouped):
        dept = content.departments[slug].model
        groups.append(FindingGroup(slug, dept.name, url(f"{slug}/"), tuple(grouped[slug])))
    return tuple(groups)


def rule_counts(findings: Iterable[Finding]) -> tuple[RuleCount, ...]:
    """Every rule, in the order of RULES, with how many findings it made (zero included)."""
    counts = Counter(f.rule for f in findings)
    return tuple(RuleCount(rule, info, SEVERITIES[info.severity], counts[rule]) for rule, info in RULES.items())


def target_counts(counts: Counter[Outcome]) -> tuple[tuple[str, int], ...]:
    """(what happened, how many indicators) for the self-evaluations' targets, in the order of OUTCOMES."""
    return tuple((label, counts[outcome]) for outcome, label in OUTCOMES.items() if counts[outcome])


FINDINGS = "audit/findings.json"  # where findings_json's file goes in the site


Written = dict[tuple[Finding, str, str], bytes]  # a finding's item in findings.json, by (it, its report's title, the base URL)


def findings_json(content: Content, audited: Findings, base_url: str, written: Written | None = None
                  ) -> Iterator[bytes]:
    """``/audit/findings.json``, piece by piece: the rules, every finding (linked below
    ``base_url``) and the target counts, as one object with sorted keys, compact, as the reports'
    files (a finding per report or more: at 50,000 reports the whole would be 100 MB to hold).
    ``written`` holds each finding's item as the last build wrote it (serve keeps it): those are
    not made again, and it is left holding this build's."""
    findings, outcomes = sorted(audited), audited.outcomes
    titles = _titles(content)
    rules = {rule: {"title": info.title, "severity": info.severity, "help": info.help}
             for rule, info in RULES.items()}

    def item(f: Finding, title: str) -> dict[str, object]:
        return {"rule": f.rule, "severity": f.severity, "title": f.title, "message": f.message,
                "department": department_of(f), "report": title, "url": f"{base_url}{f.report}#{f.anchor}",
                "file": f.source, "line": f.line, "col": f.col, "field": f.field}

    known = dict(written or {})
    if written is not None:
        written.clear()

    def kept(f: Finding) -> bytes:  # a finding's item as serve keeps it
        assert written is not None
        key = (f, titles.get(f.report, f.report), base_url)
        found = known.get(key)
        written[key] = found = found if found is not None else dumps(item(f, key[1]))[:-1]
        return found

    yield b'{"findings":['
    for start in range(0, len(findings), 1024):  # a thousand items a piece
        batch = findings[start:start + 1024]
        if written is None:  # in one call of the encoder, its brackets left out: the same bytes
            data = dumps([item(f, titles.get(f.report, f.report)) for f in batch])[1:-2]
        else:
            data = b",".join(map(kept, batch))
        yield (b"," if start else b"") + data
    tail = {"rules": rules, "severities": SEVERITIES, "targets": {outcome: outcomes[outcome] for outcome in OUTCOMES}}
    yield b"]," + dumps(tail)[1:]


def check_report(findings: list[Finding], outcomes: Counter[Outcome]) -> str:
    """What ``disclose check`` prints: findings by rule, then by file and line, and a summary."""
    lines = []
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in sorted(findings):
        by_rule[f.rule].append(f)
    for rule, info in RULES.items():
        if by_rule[rule]:
            lines.append(f"{rule}: {info.title} ({info.severity}, {len(by_rule[rule])})")
            lines += [f"  {f.file}:{f.line}:{f.col}: {f.field}: {f.message}" for f in by_rule[rule]]
    counts = ", ".join(f"{rule} {len(by_rule[rule])}" for rule in RULES if by_rule[rule])
    lines.append(f"findings: {len(findings)}" + (f" ({counts})" if counts else ""))
    compared = sum(outcomes[o] for o in COMPARED)
    unparsed = sum(n for o, n in outcomes.items() if o not in COMPARED)
    detail = ", ".join(f"{o} {outcomes[o]}" for o in OUTCOMES if o not in COMPARED and outcomes[o])
    lines.append(f"targets: {compared} compared with their actuals (met {outcomes['met']}, missed "
                 f"{outcomes['missed']}), {unparsed} not compared" + (f" ({detail})" if detail else ""))
    return "\n".join(lines)
