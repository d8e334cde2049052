"""Robustness: size limit, valid variants, exit codes, failed and killed builds, output refusal, reproducibility.

A build never crashes with a traceback, never publishes half a site and never
writes into a folder it did not make; the same content gives the same bytes.
The defective inputs themselves are data, in fixtures/invalid/ (test_invalid.py).
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.build import build
from generator.cli import main
from generator.content.load import MAX_BYTES, load_content
from generator.content.models import MAX_LONG
from generator.errors import BuildAborted
from generator.output.write import Output
from tests.conftest import EXAMPLES, ROOT, MakeSite

REPORT = """\
kind: self-evaluation
year: 2022
name: 长文本项目
department: test-dept
money_unit: 元
funds:
  total: {initial: 100, adjusted: 100, executed: 90, weight: 10, rate: 0.9, score: 9}
goals:
  achieved: |
    ACHIEVED
"""
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def differing(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    """The paths whose presence or bytes differ between two snapshots."""
    return sorted(rel for rel in a.keys() | b.keys() if a.get(rel) != b.get(rel))


def leftovers(parent: Path) -> list[str]:
    """Temporary and previous-site folders of builds, beside the output."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith((".disclose-tmp-", ".disclose-old-")))


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    """Run the command line in-process; return its exit code and stderr lines."""
    code = main(list(argv))
    return code, capsys.readouterr().err.splitlines()


# --- limits and valid variants ----------------------------------------------------------

def test_a_file_over_the_size_limit_is_refused_in_one_line(make_site: MakeSite,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    rel = "departments/test-dept/projects/2022/huge.yaml"
    root = make_site({rel: REPORT + "# " + "填" * (MAX_BYTES // 3) + "\n"})
    start = time.monotonic()
    code, err = cli(capsys, "check", "--content", str(root))
    assert time.monotonic() - start < 10
    assert code == 1
    assert err == [(f"{(root / rel).as_posix()}:1:1: file is larger than the limit of 1,048,576 bytes: a report "
                    "is a few kilobytes; check it is the right file or split it"),
                   "1 error(s); nothing was written"]


def test_a_file_of_exactly_the_limit_loads(make_site: MakeSite) -> None:
    padding = MAX_BYTES - len(REPORT.encode()) - 3
    root = make_site({"departments/test-dept/projects/2022/full.yaml": REPORT + "# " + "x" * padding + "\n"})
    assert (root / "departments/test-dept/projects/2022/full.yaml").stat().st_size == MAX_BYTES
    assert load_content(root).errors == []


def test_bom_crlf_and_very_long_text_build(make_site: MakeSite, tmp_path: Path) -> None:
    sentence = "本年度完成系统维护任务，确保工作正常开展。"
    long_text = sentence * (MAX_LONG // len(sentence))  # as long as a text field may be, in one paragraph
    root = make_site({
        "site.yaml": "\ufefftitle: 测试站点\r\n".encode(),
        "departments/test-dept/department.yaml": "\ufeffname: 上海市测试局\r\nshort_name: 测试局\r\n".encode(),
        "departments/test-dept/projects/2022/bom-crlf.yaml":
            ("\ufeff" + REPORT.replace("长文本项目", "带BOM和CRLF的项目")).replace("\n", "\r\n").encode(),
        "departments/test-dept/projects/2022/long.yaml": REPORT.replace("ACHIEVED", long_text),
        "pages/about.md": "\ufeff---\r\ntitle: 关于本站\r\n---\r\n第一段。\r\n\r\n第二段。\r\n".encode(),
    })
    out = build(root, tmp_path / "site").out
    crlf = (out / "test-dept/2022/bom-crlf/index.html").read_text(encoding="utf-8")
    assert "<h1>带BOM和CRLF的项目</h1>" in crlf and "\r" not in crlf and "\ufeff" not in crlf
    assert (out / "test-dept/2022/long/index.html").read_text(encoding="utf-8").count(sentence) == MAX_LONG // 21
    about = (out / "about/index.html").read_text(encoding="utf-8")
    assert "<p>第一段。</p>" in about and "<p>第二段。</p>" in about and "测试站点" in about


# --- exit codes ---------------------------------------------------------------------------

def test_a_missing_content_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = cli(capsys, "build", "--content", str(tmp_path / "nowhere"), "--out", str(tmp_path / "site"))
    assert code == 2
    assert err == [f"disclose: content folder {tmp_path / 'nowhere'} does not exist (use --content DIR)"]
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("argv", [
    [], ["frobnicate"], ["build", "--bogus"], ["check", "extra"], ["serve", "--port", "eighty"],
    ["new", "self-evaluation", "x"], ["new", "memo", "x", "--department", "d", "--year", "2022"],
])
def test_bad_arguments_exit_2_with_the_usage(argv: list[str], tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "generator", *argv], cwd=tmp_path, env=ENV,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: disclose") and "Traceback" not in result.stderr


def test_an_unexpected_exception_is_one_line_without_traceback(examples: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError("boom\n\x1b[31msecond line")

    monkeypatch.setattr("generator.site.aggregate", boom)
    argv = ["build", "--content", str(examples), "--out", str(tmp_path / "site")]
    code, err = cli(capsys, *argv)
    assert code == 1
    assert err == [("disclose: internal error (RuntimeError: boom\\n\\x1b[31msecond line); this is a bug in "
                    "disclose: run again with --verbose and report the traceback")]
    code, err = cli(capsys, "--verbose", *argv)
    assert code == 1 and err[0] == "Traceback (most recent call last):" and err[-1].startswith("disclose: internal")
    assert not (tmp_path / "site").exists()


def test_an_os_error_is_one_line(examples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    def full(*args: object) -> None:
        raise OSError(28, "No space left on device", str(tmp_path / "site"))

    monkeypatch.setattr("generator.site.aggregate", full)
    code, err = cli(capsys, "build", "--content", str(examples), "--out", str(tmp_path / "site"))
    assert (code, err) == (1, [f"disclose: [Errno 28] No space left on device: '{tmp_path / 'site'}'"])


# --- failed builds leave the previous site ------------------------------------------------

def test_content_errors_leave_the_previous_site(examples: Path, tmp_path: Path) -> None:
    out = build(examples, tmp_path / "site").out
    before = snapshot(out)
    (examples / "departments/minhang-justice/department.yaml").write_text("name: [\n", encoding="utf-8")
    with pytest.raises(BuildAborted):
        build(examples, out)
    assert differing(snapshot(out), before) == []
    assert leftovers(tmp_path) == []


def test_a_template_failing_mid_render_leaves_the_previous_site(examples: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = build(examples, tmp_path / "site").out
    before = snapshot(out)
    (examples / "templates").mkdir()
    (examples / "templates" / "page.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n{{ page.no_such_field }}\n{% endblock %}\n', encoding="utf-8")
    code, err = cli(capsys, "build", "--content", str(examples), "--out", str(out))
    assert code == 1 and len(err) == 1
    assert err[0].startswith(f"disclose: template error: {examples / 'templates' / 'page.html'}:3: ")
    assert "no_such_field" in err[0]
    assert differing(snapshot(out), before) == []
    assert leftovers(tmp_path) == []


def test_an_exception_after_some_pages_leaves_the_previous_site(examples: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    out = build(examples, tmp_path / "site").out
    before = snapshot(out)
    (examples / "departments/minhang-justice/department.yaml").write_text("name: 改过的名字\n", encoding="utf-8")

    def failing_sitemap(*args: object) -> str:  # called once every page has been written
        assert any(tmp_path.glob(".disclose-tmp-site-*/index.html"))
        raise ValueError("failed late")

    monkeypatch.setattr("generator.site.sitemap", failing_sitemap)
    with pytest.raises(ValueError, match="failed late"):
        build(examples, out)
    assert differing(snapshot(out), before) == []
    assert leftovers(tmp_path) == []


def _synthetic_content(root: Path, reports: int) -> Path:
    spec = importlib.util.spec_from_file_location("synth", ROOT / "bench" / "synth.py")
    assert spec and spec.loader
    synth = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synth)
    return synth.make_content(root, reports, 7)  # type: ignore[no-any-return]


def _wait_for_release(folder: Path) -> None:
    """Wait until no process holds ``folder``'s lock: SIGKILL is delivered asynchronously."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                assert time.monotonic() < deadline, "the killed build still holds its folder"
                time.sleep(0.05)
    finally:
        os.close(fd)


def test_a_killed_build_leaves_the_previous_site_and_the_next_build_clears_its_leftovers(tmp_path: Path) -> None:
    out = build(EXAMPLES, tmp_path / "site").out
    before = snapshot(out)
    big = _synthetic_content(tmp_path / "big", 160)
    proc = subprocess.Popen([sys.executable, "-m", "generator", "build", "--content", str(big), "--out", str(out)],
                            cwd=tmp_path, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while True:  # kill it once it has written a good part of the new site
            temps = list(tmp_path.glob(".disclose-tmp-site-*"))
            if temps and sum(1 for _ in temps[0].rglob("index.html")) >= 30:
                break
            assert proc.poll() is None, "the build ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert differing(snapshot(out), before) == []
    leftover = temps[0]
    assert leftover.is_dir()
    _wait_for_release(leftover)
    build(EXAMPLES, out)
    assert not leftover.exists()
    assert leftovers(tmp_path) == []
    assert differing(snapshot(out), before) == []


def test_a_site_lost_between_the_two_renames_of_the_swap_is_put_back(examples: Path, tmp_path: Path) -> None:
    out = build(examples, tmp_path / "site").out
    before = snapshot(out)
    old = tmp_path / ".disclose-old-site-killed00"
    old.mkdir()
    os.replace(out, old / "site")  # as a kill between commit's two os.replace calls leaves it
    (tmp_path / ".disclose-tmp-site-killed00").mkdir()
    Output(out, examples).abort()
    assert differing(snapshot(out), before) == []
    assert leftovers(tmp_path) == []


def test_a_live_build_s_temporary_folder_is_left_alone(tmp_path: Path) -> None:
    live = tmp_path / ".disclose-tmp-site-live0000"
    live.mkdir()
    fd = os.open(live, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as the build writing it holds it
    try:
        Output(tmp_path / "site").abort()
        assert live.is_dir()
    finally:
        os.close(fd)
    Output(tmp_path / "site").abort()
    assert not live.exists()


# --- the output folder is one disclose made -----------------------------------------------

@pytest.mark.parametrize("where", ["root", "home", "working", "content", "content-parent", "inside-content",
                                   "symlink-to-content", "foreign", "file"])
def test_output_folders_it_must_not_replace_are_refused(where: str, examples: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "keep.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "link").symlink_to(examples)
    out = {"root": Path("/"), "home": Path.home(), "working": Path("."), "content": examples,
           "content-parent": tmp_path, "inside-content": examples / "departments" / "site",
           "symlink-to-content": tmp_path / "link", "foreign": tmp_path / "docs",
           "file": tmp_path / "notes.txt"}[where]
    before = snapshot(tmp_path)
    code, err = cli(capsys, "build", "--content", str(examples), "--out", str(out))
    assert code == 2 and len(err) == 1
    reason = {"root": "it is the root, home or working folder", "home": "it is the root, home or working folder",
              "working": "it is the root, home or working folder", "content": "it holds the content folder",
              "content-parent": "it holds the content folder", "inside-content": "it is inside the content folder",
              "symlink-to-content": "it holds the content folder",
              "foreign": "is not empty and was not made by disclose", "file": "exists and is not a folder"}[where]
    assert err[0].startswith("disclose: ") and reason in err[0]
    assert differing(snapshot(tmp_path), before) == []
    assert not any(p.name.startswith(".disclose-") for p in out.resolve().parent.iterdir())


# --- reproducible -------------------------------------------------------------------------

def test_builds_are_byte_identical_across_output_paths_and_hash_seeds(examples: Path, tmp_path: Path) -> None:
    first = build(examples, tmp_path / "a" / "site").out
    (tmp_path / "elsewhere").mkdir()
    second = tmp_path / "b" / "public" / "www"
    subprocess.run([sys.executable, "-m", "generator", "build", "--content", str(examples), "--out", str(second)],
                   cwd=tmp_path / "elsewhere", env={**ENV, "PYTHONHASHSEED": "4242", "TZ": "Asia/Shanghai",
                                                    "LC_ALL": "C.UTF-8"},
                   check=True, capture_output=True, timeout=300)
    one, two = snapshot(first), snapshot(second)
    assert len(one) > 20
    assert differing(one, two) == []
    shutil.rmtree(first)
    assert differing(snapshot(build(examples, first).out), one) == []
