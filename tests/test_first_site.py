"""A publisher's first hour: a broken installation explained, a new site, drafts to fill in."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import MakeSite

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path, code: str = "") -> subprocess.CompletedProcess[str]:
    """Run disclose in a new process; ``code`` runs first (to hide an installed package, say)."""
    program = f"{code}\nfrom generator.cli import main\nraise SystemExit(main({list(args)!r}))"
    return subprocess.run([sys.executable, "-c", program], cwd=cwd, capture_output=True, text=True,
                          check=False, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_verbose_works_before_and_after_the_command(make_site: MakeSite, tmp_path: Path) -> None:
    content = make_site({"departments/test-dept/department.yaml": "name: [unclosed\n"})
    for args in (("--verbose", "check", "--content", str(content)), ("check", "--content", str(content), "--verbose")):
        result = run(*args, cwd=tmp_path)
        assert result.returncode == 1
        assert "department.yaml:2:1: YAML syntax error" in result.stderr
        assert "Traceback" in result.stderr
    quiet = run("check", "--content", str(content), cwd=tmp_path)
    assert quiet.returncode == 1 and "Traceback" not in quiet.stderr


def test_a_missing_package_is_an_installation_problem_with_its_fix(make_site: MakeSite, tmp_path: Path) -> None:
    content = make_site({})
    result = run("check", "--content", str(content), cwd=tmp_path, code="import sys; sys.modules['pydantic'] = None")
    assert result.returncode == 1
    assert result.stderr == (f"disclose: installation problem: the Python package pydantic is not installed for "
                             f"{sys.executable}; install it with: bash {ROOT}/scripts/setup.sh, then run "
                             f"{ROOT}/.venv/bin/disclose\n")
    markdown = run("build", "--content", str(content), "--out", str(tmp_path / "out"), cwd=tmp_path,
                   code="import sys; sys.modules['markdown_it'] = None")
    assert "the Python package markdown-it-py is not installed" in markdown.stderr
    assert "internal error" not in markdown.stderr and not (tmp_path / "out").exists()
    # a reader of the forms, named by the package that installs it (import docx is python-docx)
    form = ROOT / "tests" / "fixtures" / "forms" / "004.docx"
    word = run("import", str(form), "--content", str(tmp_path / "imported"), cwd=tmp_path,
               code="import sys; sys.modules['docx'] = None")
    assert word.returncode == 1 and "the Python package python-docx is not installed" in word.stderr
    assert not (tmp_path / "imported").exists()


def test_init_starts_a_site_that_builds_at_once(tmp_path: Path) -> None:
    result = run("init", "mysite", "--title", "闵行区财政项目绩效公开", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    content = tmp_path / "mysite"
    assert sorted(p.relative_to(content).as_posix() for p in content.rglob("*") if p.is_file()) == [
        "departments/first-department/department.yaml", "pages/about.md", "site.yaml"]
    built = run("build", "--content", "mysite", "--out", "out", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    home = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "闵行区财政项目绩效公开" in home and 'href="/about/"' in home
    assert "闵行区财政项目绩效公开" in (tmp_path / "out" / "about" / "index.html").read_text(encoding="utf-8")
    checked = run("check", "--content", "mysite", cwd=tmp_path)
    assert ("draft: mysite/departments/first-department/department.yaml: left out of the site until you "
            "remove its line draft: true") in checked.stdout
    again = run("init", "mysite", cwd=tmp_path)
    assert again.returncode == 2 and "already exists and is not empty" in again.stderr


def _undraft(path: Path, **fill: str) -> None:
    text = path.read_text(encoding="utf-8").replace("draft: true", "", 1)
    for key, value in fill.items():
        text = text.replace(f'{key}: ""', f"{key}: {value}", 1)
    path.write_text(text, encoding="utf-8")


def test_new_writes_drafts_that_check_lists_and_build_leaves_out(examples: Path, tmp_path: Path) -> None:
    out, depts = tmp_path / "out", examples / "departments"
    steps = [("new", "department", "new-bureau"),
             ("new", "department-budget", "--department", "minhang-justice", "--year", "2030"),
             ("new", "self-evaluation", "new-project", "--department", "new-bureau", "--year", "2030"),
             ("new", "target-declaration", "plan", "--department", "minhang-justice", "--year", "2031")]
    for step in steps:
        result = run(*step, "--content", str(examples), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "a draft; fill it in, remove its line draft: true" in result.stdout
    drafts = [depts / "new-bureau/department.yaml", depts / "minhang-justice/budget-2030.yaml",
              depts / "new-bureau/projects/2030/new-project.yaml",
              depts / "minhang-justice/projects/2031/plan.yaml"]
    checked = run("check", "--content", str(examples), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert [line.split(": ")[1] for line in checked.stdout.splitlines() if line.startswith("draft: ")] == [
        p.relative_to(tmp_path).as_posix() for p in sorted(drafts)]
    assert ", 4 drafts: no errors" in checked.stdout
    assert run("build", "--content", str(examples), "--out", str(out), cwd=tmp_path).returncode == 0
    pages = ["new-bureau/index.html", "minhang-justice/budget/2030/index.html",
             "new-bureau/2030/new-project/index.html", "minhang-justice/2031/plan/index.html"]
    assert not any((out / page).exists() for page in pages)

    _undraft(drafts[2], name="测试项目")  # a report of a department still a draft
    refused = run("check", "--content", str(examples), cwd=tmp_path)
    assert refused.returncode == 1
    assert "department: department 'new-bureau' is still a draft" in refused.stderr
    _undraft(drafts[0])  # the department's name is still blank
    assert "department.yaml:3:7: name: must not be empty" in run("check", "--content", str(examples),
                                                                   cwd=tmp_path).stderr
    _undraft(drafts[0], name="新设局")
    for draft in drafts[1:]:
        _undraft(draft)
    built = run("build", "--content", str(examples), "--out", str(out), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert all((out / page).is_file() for page in pages)
    assert "新设局" in (out / "new-bureau/index.html").read_text(encoding="utf-8")


def test_the_settings_init_writes_as_comments_are_valid_when_uncommented(tmp_path: Path) -> None:
    assert run("init", "mysite", cwd=tmp_path).returncode == 0
    site = tmp_path / "mysite" / "site.yaml"
    lines = site.read_text(encoding="utf-8").splitlines()
    site.write_text("\n".join(re.sub(r"^# ( *[a-z_]+:)", r"\1", line) for line in lines) + "\n", encoding="utf-8")
    logo = tmp_path / "mysite" / "templates" / "static" / "logo.png"
    logo.parent.mkdir(parents=True)
    logo.write_bytes(b"\x89PNG\r\n\x1a\n")
    built = run("build", "--content", "mysite", "--out", "out", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    home = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    for shown in ("上海市某某区财政局", "沪ICP备12345678号-1", "2025-06-30", "office@example.gov.cn", "/disclosure/static/logo.png"):
        assert shown in home, shown
