"""What the figures hide: full marks with no actual, an actual that denies its target, a frequency
that falls short, and a project not carried out (neither budget nor spending).

Each case is a small made-up report; the named examples of the real content (窗口服务费,
通过第三方测评, 子女幼托补贴发放及时性, 立功竞赛) are checked at the end.
"""

from __future__ import annotations

import dataclasses
import pickle
from collections import Counter
from pathlib import Path
from typing import Any

from generator.aggregate import aggregate
from generator.audit.rules import Finding
from generator.build import build
from generator.content.facts import NOT_CARRIED_OUT, carried_out, report_grade
from generator.content.models import SelfEvaluation
from generator.i18n import Msg, load_catalogue, translate
from generator.site import check
from generator.site_pages.render import theme_dirs
from generator.store import Store
from tests.conftest import EXAMPLES, ROOT, MakeSite
from tests.test_audit import SE, evaluation, findings, row


def _rows(*rows: str) -> list[str]:
    """Rows of 50 + 40 points (with the funds' 10, a total of 100)."""
    return [*rows, row(">=85%", "90%", weight="40", score="40", name="满意度")]


def ours(make_site: MakeSite, *rows: str, total: str = "{weight: 100, score: 100}") -> list[Finding]:
    found = findings(make_site, {SE: evaluation(indicators=_rows(*rows), total=total)})
    return [f for f in found if f.rule in ("no-actual-full", "denied-full", "target-missed-full")]


# --- full marks with no actual -------------------------------------------------------------

def test_full_marks_with_no_actual(make_site: MakeSite) -> None:
    found = ours(make_site, row("及时", ""))
    assert [(f.rule, f.field) for f in found] == [("no-actual-full", "indicators[0].actual")]
    assert found[0].message == "「完成数」年度指标值为“及时”，没有填写实际完成值，却得满分50分"
    # points taken off, or no target either: nothing to say
    assert ours(make_site, row("及时", "", score="45"), total="{weight: 100, score: 95}") == []
    assert ours(make_site, row("", "")) == []


def test_many_rows_with_no_actual_make_one_finding_on_the_report(make_site: MakeSite) -> None:
    rows = [row("及时", "", weight="18", score="18", name=f"指标{n}") for n in range(5)]
    found = findings(make_site, {SE: evaluation(indicators=rows)})
    blank = [f for f in found if f.rule == "no-actual-full"]
    assert [(f.field, f.message) for f in blank] == [
        ("indicators[0].actual", "5项指标（指标0、指标1、指标2等）没有填写实际完成值，却都得满分")]


# --- an actual that denies its target ------------------------------------------------------

def test_an_actual_that_denies_its_target_with_full_marks(make_site: MakeSite) -> None:
    found = ours(make_site, row("通过", "无", name="通过第三方测评"))
    assert [(f.rule, f.field) for f in found] == [("denied-full", "indicators[0].score")]
    assert found[0].message == "「通过第三方测评」年度指标值为“通过”，实际完成值为“无”，否定了指标值，却得满分50分"
    for target, actual in (("建立健全", "未建立"), ("=1次", "否"), (">=85%", "未开展")):
        assert [f.rule for f in ours(make_site, row(target, actual))] == ["denied-full"], (target, actual)


def test_none_is_no_denial_of_a_target_that_asks_for_none(make_site: MakeSite) -> None:
    for target in ("=0起", "无重大安全事故", "<=5%", "投诉减少"):
        assert ours(make_site, row(target, "无")) == [], target
    # marked down for it: consistent, no finding
    assert ours(make_site, row("通过", "无", score="0"), total="{weight: 100, score: 50}") == []


# --- frequencies ---------------------------------------------------------------------------

def test_a_frequency_short_of_its_target_with_full_marks(make_site: MakeSite) -> None:
    found = ours(make_site, row("半年1次", "一年1次", name="子女幼托补贴发放及时性"))
    assert [(f.rule, f.field) for f in found] == [("target-missed-full", "indicators[0].score")]
    assert "实际完成值为“一年1次”，每年1次少于指标的每年2次，却得满分50分" in found[0].message
    assert ours(make_site, row("半年1次", "每月1次")) == []  # more often than asked: met
    assert ours(make_site, row("每季度", "每季度")) == []
    assert [f.rule for f in ours(make_site, row("每月1次", "2次/年"))] == ["target-missed-full"]


# --- a project not carried out -------------------------------------------------------------

CANCELLED = evaluation(name="立功竞赛", initial="80000", adjusted="0", executed="0", rate="0", fscore="0",
                       indicators=[row("=0", "0", score="0", reason="本项目已取消"),
                                   row(">=85%", "0", weight="40", score="0", reason="本项目已取消")],
                       total="{weight: 100, score: 0}", achieved="本项目已取消，自评为差")


def test_a_project_with_neither_budget_nor_spending_was_not_carried_out(make_site: MakeSite) -> None:
    content, found = check(make_site({SE: CANCELLED, SE.replace("p.yaml", "q.yaml"): evaluation(name="另一项目")}))
    models = {e.model.name: e.model for e in content.reports}
    cancelled, done = models["立功竞赛"], models["另一项目"]
    assert isinstance(cancelled, SelfEvaluation) and isinstance(done, SelfEvaluation)
    assert not carried_out(cancelled) and carried_out(done)
    grades = content.site.grades
    assert report_grade(cancelled, grades) == NOT_CARRIED_OUT == "未实施" and report_grade(done, grades) == "优"
    summary = aggregate(content, found).site
    assert dict(summary.grades) == {"优": 1, "良": 0, "中": 0, "差": 0}  # out of the distribution
    assert summary.average == 100 and summary.count == 2
    assert not [f for f in found if f.rule == "grade-claim"]  # no grade to claim
    assert not [f for f in found if f.report.endswith("/p/") and f.rule.startswith("target")]  # nor rows to judge
    catalogue = load_catalogue(theme_dirs(EXAMPLES, "default"), "en")
    assert translate(catalogue, report_grade(cancelled, grades) or "") == "not carried out"


def test_a_budget_spent_to_nothing_is_still_carried_out(make_site: MakeSite) -> None:
    content, _ = check(make_site({SE: evaluation(adjusted="100.00", executed="0", rate="0", fscore="0",
                                                 total="{weight: 100, score: 90}")}))
    model = content.reports[0].model
    assert isinstance(model, SelfEvaluation) and carried_out(model) and report_grade(model, content.site.grades) == "优"


def test_what_serve_keeps_of_the_summaries_and_findings_json_gives_what_a_build_makes(tmp_path: Path) -> None:
    """serve keeps each report's summary row and each finding's item of findings.json from build to
    build: with them the summaries and the file are those made afresh, and what was kept is used."""
    from generator.audit.view import findings_json

    content, found = check(EXAMPLES, store=Store(tmp_path, resident=True))  # (each document keyed)
    rows: dict[tuple[str, int], Any] = {}
    assert aggregate(content, found, rows) == aggregate(content, found) == aggregate(content, found, rows)
    assert rows and all(key[0] for key in rows)
    whole = b"".join(findings_json(content, found, "/x/"))
    items: dict[tuple[Finding, str, str], bytes] = {}
    assert b"".join(findings_json(content, found, "/x/", items)) == whole
    key = next(iter(items))
    items[key] = b'{"kept":1}'  # what a later build takes, not made again
    assert b'{"kept":1}' in b"".join(findings_json(content, found, "/x/", items))
    assert b'{"kept":1}' not in b"".join(findings_json(content, found, "/y/", items))  # another base URL: made
    key = next(iter(rows))
    rows[key] = row_kept = dataclasses.replace(rows[key], findings=99)
    assert aggregate(content, found, rows).site.findings == aggregate(content, found).site.findings + 99 - (
        key[1]) and rows[key] is row_kept


def test_serve_gives_the_findings_of_the_reports_that_did_not_change_as_they_were(
        examples: Path, tmp_path: Path) -> None:
    """serve keeps each report's findings by its key: after an edit, the reports that did not
    change have the very findings of the last build (so the pages, comparing their inputs by
    identity first, find them the same at once), the edited one its new ones, and all of them
    are those a fresh build finds."""
    from generator.serve import Site

    site = Site(examples, tmp_path / "site")
    first = site.first().findings
    report = examples / "departments/minhang-justice/projects/2022/correction-location-system.yaml"
    report.write_text(report.read_text(encoding="utf-8").replace("weight: 10", "weight: 10.5", 1), encoding="utf-8")
    again = site.rebuild()
    assert again is not None
    edited = "minhang-justice/2022/correction-location-system/"
    before = {id(f) for f in first if f.report != edited}
    assert before and before <= {id(f) for f in again.findings}
    assert not {id(f) for f in again.findings if f.report == edited} & {id(f) for f in first}
    assert list(again.findings) == list(build(examples, tmp_path / "fresh").findings)


def test_serve_keeps_what_lives_from_build_to_build_out_of_the_collectors_way(examples: Path,
                                                                              tmp_path: Path) -> None:
    """After each of its builds serve moves what it keeps out of the cyclic collector's way (no
    later collection walks the Store), and the garbage the build left is collected first."""
    import gc

    from generator.serve import Site

    site = Site(examples, tmp_path / "site")
    try:
        site.first()
        report = examples / "departments/minhang-justice/projects/2022/correction-location-system.yaml"
        report.write_text(report.read_text(encoding="utf-8").replace("weight: 10", "weight: 10.5", 1),
                          encoding="utf-8")
        assert site.rebuild() is not None
        tracked = {id(o) for o in gc.get_objects()}  # (the frozen are in no generation)
        kept = [site.store, site.store.findings, site.store.models, *site.store.findings.values()]
        assert not {id(o) for o in kept} & tracked
        assert gc.get_count()[0] < 1000  # nothing of the build left for the next collection
    finally:
        gc.unfreeze()


# --- messages are templates, kept as such by the Store ---------------------------------------

def test_messages_are_templates_with_the_content_they_quote(make_site: MakeSite) -> None:
    found = ours(make_site, row("通过", "无", name="通过第三方测评", reason="见说明"))
    message = found[0].message
    assert isinstance(message, Msg) and message.key.startswith("「{name}」年度指标值为“{target}”")
    assert message.values["target"] == "通过" and message.values["actual"] == "无"
    catalogue = load_catalogue(theme_dirs(EXAMPLES, "default"), "en")
    assert translate(catalogue, message) == (
        "“通过第三方测评”: the target is “通过” and the actual “无”, which denies it, yet the row has full marks, 50 "
        "(the form's note: “见说明”)")


def test_the_audit_memo_keeps_message_templates(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site({SE: evaluation(indicators=_rows(row("半年1次", "一年1次"), row("通过", "无", weight="0", score="0")))})
    first = Store(tmp_path / "cache")
    _, before = check(root, store=first)
    first.prune()  # writes the memo
    again = Store(tmp_path / "cache")
    _, after = check(root, store=again)
    assert again.audits.fresh == []  # every report's results came from the memo
    assert after == before and after.outcomes == before.outcomes
    assert [(f.message.key, f.message.values) for f in after] == [(f.message.key, f.message.values) for f in before]
    # alike down to their pickles, which a page's fingerprint is made of
    assert pickle.dumps(list(after), pickle.HIGHEST_PROTOCOL) == pickle.dumps(list(before), pickle.HIGHEST_PROTOCOL)


# --- the real content ------------------------------------------------------------------------

def test_the_named_examples_of_the_real_content() -> None:
    content, found = check(ROOT / "content")
    by_report: dict[str, list[Finding]] = {}
    for f in found:
        by_report.setdefault(f.report, []).append(f)
    window = [f for f in by_report["minhang-admin-service/2022/chuang-kou-fu-wu-fei/"] if f.rule == "no-actual-full"]
    assert len(window) == 1 and window[0].message.startswith("16项指标")
    for slug in ("yi-wang-tong-ban-pei-tao-xi-tong", "zheng-wu-fu-wu-shou-jian-liu-zhuan"):
        denied = [f for f in by_report[f"minhang-admin-service/2022/{slug}/"] if f.rule == "denied-full"]
        assert len(denied) == 1 and "「通过第三方测评」" in denied[0].message
    childcare = [f for f in by_report["minhang-justice/2022/si-fa-zheng-fu-gu-yuan-jing-fei/"]
                 if "子女幼托补贴发放及时性" in f.message]
    assert [f.rule for f in childcare] == ["target-missed-full"]
    assert not [f for f in found if "党建活动组织及时性" in f.message]  # 每月1次 against 半年1次: met
    cancelled = next(e.model for e in content.reports if e.path == "minhang-admin-service/2022/li-gong-jing-sai/")
    assert isinstance(cancelled, SelfEvaluation) and report_grade(cancelled, content.site.grades) == NOT_CARRIED_OUT
    year = aggregate(content, found).years[("minhang-admin-service", 2022)]
    evaluations = sum(1 for e in content.reports if e.model.department == "minhang-admin-service"
                      and isinstance(e.model, SelfEvaluation) and e.model.year == 2022)
    assert sum(n for _, n in year.grades) == evaluations - 1
    counts = Counter(f.rule for f in found)
    assert counts["no-actual-full"] == 6 and counts["denied-full"] == 2
