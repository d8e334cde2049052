"""The importer on the five seeds: how many reports of each kind, repeatability, corrections.

The counts were established by reading the seeds: every 绩效自评表 and 绩效目标申报表 title
starts one report (seed 003's 附件2 heading is not a form), seed 001 also holds the
department budget, and no report is printed twice.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from collections import Counter
from pathlib import Path

import pytest

from generator.importers import run_import

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
BOOK = ROOT / "content" / "corrections.yaml"  # the corrections kept with the repository's content

EXPECTED = {
    "000": {"self-evaluation": 23},
    "001": {"target-declaration": 24, "department-budget": 1},
    "002": {"self-evaluation": 30},
    "003": {"self-evaluation": 39},
    "004": {"self-evaluation": 2},
}
Imported = tuple[Path, int, str, str]
DEPARTMENTS = {"minhang-justice", "minhang-admin-service", "chaoyang-justice", "shanghai-justice"}


def kinds_by_seed(content: Path) -> dict[str, Counter[str]]:
    """Count the imported reports by the seed their ``source`` names, and by kind."""
    import yaml

    out: dict[str, Counter[str]] = {}
    for path in sorted((content / "departments").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "kind" in data:
            out.setdefault(data["source"][:3], Counter())[data["kind"]] += 1
    return out


def snapshot(content: Path) -> dict[str, bytes]:
    return {p.relative_to(content).as_posix(): p.read_bytes()
            for p in sorted(content.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    """All five seeds imported once into a fresh content folder: folder, code, stdout, stderr."""
    content = tmp_path_factory.mktemp("import") / "content"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run_import(SEED_FILES, content, None, corrections=BOOK)
    return content, code, out.getvalue(), err.getvalue()


def test_the_five_seeds_are_there() -> None:
    assert [p.name[:3] for p in SEED_FILES] == list(EXPECTED)


def test_counts_per_seed_and_kind(imported: Imported) -> None:
    content, code, _, _ = imported
    assert code == 0
    found = kinds_by_seed(content)
    assert {seed: dict(c) for seed, c in found.items()} == EXPECTED
    totals = sum(found.values(), Counter())
    assert totals == Counter({"self-evaluation": 94, "target-declaration": 24, "department-budget": 1})


def test_departments(imported: Imported) -> None:
    content = imported[0]
    import yaml

    assert {p.name for p in (content / "departments").iterdir()} == DEPARTMENTS
    justice = yaml.safe_load((content / "departments/minhang-justice/department.yaml").read_text("utf-8"))
    assert justice["aliases"] == ["上海市闵行区司法局(汇总)", "闵行区司法局(汇总)"]
    assert [u["name"] for u in justice["units"]] == ["上海市闵行区司法局本部", "上海市闵行区法律援助中心",
                                                   "上海市闵行公证处"]
    assert justice["functions"].count("\n1. ") == 1 and "8. 完成区委、区政府交办的其他任务。" in justice["functions"]
    service = yaml.safe_load((content / "departments/minhang-admin-service/department.yaml").read_text("utf-8"))
    assert service["aliases"] == ["上海市闵行区行政服务中心(汇总)"]


def test_summary_and_exit_code(imported: Imported) -> None:
    _, code, out, err = imported
    assert code == 0
    summary = ("imported 119 reports (94 self-evaluations, 24 target declarations, 1 department budget) "
               "from 5 files: 123 written, 0 unchanged, 0 refused; 0 problems, 29 notes")
    assert out.splitlines() == [summary]
    assert all(": note: " in line for line in err.splitlines())


def test_importing_twice_gives_the_same_bytes(imported: Imported, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    content = imported[0]
    before = snapshot(content)
    assert run_import(SEED_FILES, content, None, corrections=BOOK) == 0
    assert snapshot(content) == before
    assert "0 written, 123 unchanged" in capsys.readouterr().out
    fresh = tmp_path / "again"
    assert run_import(list(reversed(SEED_FILES)), fresh, None, corrections=BOOK) == 0
    assert snapshot(fresh) == before


def test_the_repository_content_is_what_the_importer_writes(imported: Imported) -> None:
    content = imported[0]
    mine = snapshot(content)
    repo = {k: v for k, v in snapshot(ROOT / "content").items() if k.startswith("departments/")}
    assert repo == mine


def test_corrections_survive_reimport(tmp_path: Path) -> None:
    content = tmp_path / "content"
    seed = [p for p in SEED_FILES if p.name.startswith("004")]
    assert run_import(seed, content, None, corrections=BOOK) == 0
    path = content / "departments/shanghai-justice/projects/2021/si-fa-xing-zheng-qi-ta-ye-wu.yaml"
    first = path.read_text(encoding="utf-8")
    assert "name: 证书制作数量," in first
    assert "# corrected: indicators[5].name: 受疫情影响，本年度司升督警衔晋升培训班未举办，预算已调整证书制作数量 -> 证书制作数量" in first
    assert run_import(seed, content, None, corrections=BOOK) == 0
    assert path.read_text(encoding="utf-8") == first


def test_a_hand_edit_is_refused_not_overwritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = tmp_path / "content"
    seed = [p for p in SEED_FILES if p.name.startswith("004")]
    assert run_import(seed, content, None, corrections=BOOK) == 0
    path = content / "departments/shanghai-justice/projects/2021/si-fa-xing-zheng-qi-ta-ye-wu.yaml"
    edited = path.read_text(encoding="utf-8").replace("name: 证书制作数量,", "name: 证书制作数,")
    path.write_text(edited, encoding="utf-8")
    capsys.readouterr()
    assert run_import(seed, content, None, corrections=BOOK) == 1
    assert path.read_text(encoding="utf-8") == edited
    err = capsys.readouterr().err
    assert "004_53c0e73bc1556e43.txt:197: departments/shanghai-justice/projects/2021/" \
           "si-fa-xing-zheng-qi-ta-ye-wu.yaml was edited by hand since it was imported" in err


def test_a_stale_correction_is_a_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "corrections.yaml"
    book.write_text(
        "departments:\n  shanghai-justice: {name: 上海市司法局, region: 上海市}\n"
        "corrections:\n"
        "  - file: 004_53c0e73bc1556e43.txt\n    report: 司法行政其他业务支出\n    why: test\n"
        "    set:\n      indicators[0].name: x\n    was:\n      indicators[0].name: y\n"
        "  - file: 004_53c0e73bc1556e43.txt\n    report: 没有这个项目\n    why: test\n",
        encoding="utf-8")
    seed = [p for p in SEED_FILES if p.name.startswith("004")]
    assert run_import(seed, tmp_path / "content", None, corrections=book) == 1
    err = capsys.readouterr().err
    assert "reads 派员访学交流培训完成率, the correction expects y" in err
    assert "correction for '没有这个项目' matches no report" in err
    # without the recorded corrections the reason text stays where the layout put it
    assert "004_53c0e73bc1556e43.txt:261: text after the indicator on line 259" in err


def test_department_option_files_everything_under_one_slug(tmp_path: Path) -> None:
    seed = [p for p in SEED_FILES if p.name.startswith("004")]
    assert run_import(seed, tmp_path, "test-dept", corrections=BOOK) == 0
    assert sorted(p.name for p in (tmp_path / "departments/test-dept/projects/2021").iterdir()) == [
        "12348-gong-gong-fa-lv-fu-wu-ping.yaml", "si-fa-xing-zheng-qi-ta-ye-wu.yaml"]


def test_every_imported_file_validates(imported: Imported, tmp_path: Path) -> None:
    from generator.site import check

    content = tmp_path / "content"
    shutil.copytree(imported[0], content)
    shutil.copy(ROOT / "content" / "site.yaml", content / "site.yaml")
    loaded, _findings = check(content)  # raises BuildAborted on any error
    assert len(loaded.reports) == 119


def test_corrections_live_with_the_content(tmp_path: Path) -> None:
    """The corrections are read from the content folder, never from the package."""
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(BOOK, content / "corrections.yaml")
    seed = [p for p in SEED_FILES if p.name.startswith("004")]
    assert run_import(seed, content, None) == 0
    path = content / "departments/shanghai-justice/projects/2021/si-fa-xing-zheng-qi-ta-ye-wu.yaml"
    text = path.read_text(encoding="utf-8")
    assert "# Record changes in corrections.yaml at the top of the content folder instead." in text
    assert "# corrected: indicators[5].name:" in text
    import generator.importers as package

    assert not list(Path(package.__file__).parent.glob("*.yaml"))  # nothing to ship with the code


def test_without_corrections_the_import_still_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed = [p for p in SEED_FILES if p.name.startswith("004")]
    assert run_import(seed, tmp_path / "content", None) == 1  # the unsettled problems of seed 004
    out = capsys.readouterr().out
    assert out.startswith("imported 2 reports (2 self-evaluations) from 1 file: 3 written")
