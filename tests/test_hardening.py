"""Hardening, round two: each test replays an attack or a publisher's accident that once broke a
promise of docs/security.md (symlinks, long texts, two builds at once, signals, the working
folder, base_url, bidi controls). The refusals themselves are also data in fixtures/invalid/.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from generator.build import build
from generator.content.load import MAX_BYTES
from generator.content.models import MAX_LONG, MAX_SHORT, SiteConfig
from generator.site_pages.charts import fit
from tests.conftest import EXAMPLES, ROOT, MakeSite

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def report(name: str, extra: str = "") -> str:
    return (f"kind: self-evaluation\nyear: 2022\nname: {name}\ndepartment: test-dept\nmoney_unit: 元\n"
            "funds:\n  total: {initial: 100, adjusted: 100, executed: 90}\n" + extra)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- base_url ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/\\evil.example/", "/\\/evil.example/", "/\t/evil.example/", "\\\\evil.example/",
                                 "/ /evil.example/", "/a\x0b/", "//evil.example/", "/../", "https://evil.example",
                                 "https://a b/", "https://host/pa th/", "javascript:alert(1)//", "/\u00e9/", "/a%2f/"])
def test_base_url_that_browsers_read_as_another_host_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="no backslash, space or control character"):
        SiteConfig(title="t", base_url=url)


@pytest.mark.parametrize("url", ["/", "/disclosure/", "/a/b-c_d.e~f/", "https://example.gov.cn/",
                                 "http://127.0.0.1:8000/x/"])
def test_plain_base_urls_are_accepted(url: str) -> None:
    assert SiteConfig(title="t", base_url=url).base_url == url


# --- bidi controls and invisible characters -----------------------------------------------------

@pytest.mark.parametrize("char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
                                  "\u2069", "\u200e", "\u200f"])
def test_bidi_controls_are_refused_in_names_and_in_prose(char: str, make_site: MakeSite) -> None:
    root = make_site({"departments/test-dept/projects/2022/a.yaml":
                      report(f'"项目{char}甲"', f'goals:\n  planned: "目标{char}"\n')})
    result = subprocess.run([sys.executable, "-m", "generator", "check", "--content", str(root)],
                            capture_output=True, text=True, env=ENV, check=False)
    assert result.returncode == 1
    code = f"U+{ord(char):04X}"
    assert f"name: bidirectional control {code} at character 3 is not allowed" in result.stderr
    assert f"goals.planned: bidirectional control {code} at character 3" in result.stderr
    assert char not in result.stderr  # the terminal is not reordered either


@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_zero_width_characters_are_refused_in_names(char: str, make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site({"departments/test-dept/projects/2022/a.yaml": report(f'"项目{char}甲"')})
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--content", str(root),
                             "--out", str(tmp_path / "site")], capture_output=True, text=True, env=ENV, check=False)
    assert result.returncode == 1
    assert f"name: invisible character U+{ord(char):04X} at character 3 is not allowed" in result.stderr
    assert not (tmp_path / "site").exists()


# --- long texts ---------------------------------------------------------------------------------

def test_fit_is_linear_in_the_length_of_the_text() -> None:
    start = time.monotonic()
    cut = fit("很长的项目名称" * 150_000, 14, Decimal(352))  # a megabyte of name
    assert time.monotonic() - start < 2  # cutting one character at a time took hours
    assert cut == "很长的项目名称" * 3 + "很长的" + "…"  # 24 em of 25.1, and the ellipsis


def test_every_text_field_has_a_length_limit(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site({"departments/test-dept/projects/2022/a.yaml":
                      report("名" * (MAX_SHORT + 1), f"goals:\n  planned: {'标' * (MAX_LONG + 1)}\n"
                             f"indicators:\n  - {{level1: 产出指标, target: {'x' * (MAX_SHORT + 1)}}}\n")})
    result = subprocess.run([sys.executable, "-m", "generator", "check", "--content", str(root)],
                            capture_output=True, text=True, env=ENV, check=False)
    assert result.returncode == 1
    assert f"name: is {MAX_SHORT + 1} characters long, more than the {MAX_SHORT}" in result.stderr
    assert f"goals.planned: is {MAX_LONG + 1:,} characters long, more than the {MAX_LONG:,}" in result.stderr
    assert "indicators[0].target: is 501 characters long" in result.stderr


def test_files_at_the_size_limit_with_the_longest_texts_build_in_seconds(make_site: MakeSite,
                                                                          tmp_path: Path) -> None:
    name = "很长的项目名称" * (MAX_SHORT // 7)
    row = f"  - {{level1: 产出指标, level2: 数量指标, name: {name}, target: {name}, actual: {name}, reason: {name}}}\n"
    files: dict[str, str | bytes] = {}
    for n in range(3):  # three reports of a year page, each with the longest name, at the size limit
        head = report(f"{name[:-1]}{n}", f"goals:\n  planned: {'目标' * (MAX_LONG // 2)}\nindicators:\n")
        rows = (MAX_BYTES - len(head.encode())) // len(row.encode())
        files[f"departments/test-dept/projects/2022/p{n}.yaml"] = head + row * rows
        assert MAX_BYTES - 8000 < len(files[f"departments/test-dept/projects/2022/p{n}.yaml"].encode()) <= MAX_BYTES
    root = make_site(files)
    start = time.monotonic()
    out = build(root, tmp_path / "site").out
    assert time.monotonic() - start < 60  # a name of 20,000 characters took 19 s, one of 1 MiB hours
    page = (out / "test-dept/2022/index.html").read_text(encoding="utf-8")
    assert page.count(f"{name[:-1]}0") >= 1 and "…</text>" in page


# --- the working folder --------------------------------------------------------------------------

def test_the_site_is_the_same_from_any_working_folder(tmp_path: Path) -> None:
    base = tmp_path / "x4" / "base"
    base.parent.mkdir()
    subprocess.run(["cp", "-r", str(EXAMPLES), str(base)], check=True)
    sites = []
    for cwd, content in ((tmp_path, "x4/base"), (base / "departments", ".."), (tmp_path / "x4", "base")):
        out = tmp_path / f"site-{len(sites)}"
        subprocess.run([sys.executable, "-m", "generator", "build", "--content", content, "--out", str(out)],
                       cwd=cwd, env=ENV, check=True, capture_output=True, timeout=300)
        sites.append(tree(out))
    assert sites[0] == sites[1] == sites[2]
    findings = json.loads(sites[0]["audit/findings.json"])["findings"]
    assert findings and all(f["file"].startswith("departments/") for f in findings)
    for rel, data in sites[0].items():
        assert str(tmp_path).encode() not in data, rel
        assert b"x4/base" not in data, rel
    audit = sites[0]["audit/index.html"].decode()
    assert "departments/" not in audit  # file names are for publishers (findings.json), not readers


# --- symbolic links -----------------------------------------------------------------------------

def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, env=ENV,
                          cwd=cwd, check=False, timeout=300)


@pytest.mark.parametrize("link", ["pages/leak.md", "departments/test-dept/projects/2022/leak.yaml",
                                  "templates/static/leak.txt", "templates/static/env.txt", "templates/404.html",
                                  "templates/messages/zh-CN.yaml", "departments/test-dept/projects/2023"])
def test_a_symbolic_link_out_of_the_content_folder_is_an_error_naming_it(link: str, make_site: MakeSite,
                                                                         tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "passwd").write_text("root:x:0:0:SECRET-OF-THE-MACHINE\n", encoding="utf-8")
    (secret / "a.yaml").write_text(report("机密项目").replace("2022", "2023"), encoding="utf-8")
    root = make_site({"departments/test-dept/projects/2022/a.yaml": report("公开项目")})
    path = root / link
    path.parent.mkdir(parents=True, exist_ok=True)
    target = {"templates/static/env.txt": Path("/proc/self/environ"),
              "departments/test-dept/projects/2023": secret}.get(link, secret / "passwd")
    path.symlink_to(target)
    out = tmp_path / "site"
    result = run("build", "--content", str(root), "--out", str(out))
    assert result.returncode == 1, result.stderr
    assert f"{link}:1:1: a symbolic link to {target}, outside " in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()  # nothing published, the secret least of all
    assert "SECRET" not in result.stdout + result.stderr


def test_symbolic_links_inside_the_folder_are_followed_not_skipped(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site({"shared-text/about.md": "---\ntitle: 关于本站\n---\n链接进来的页面。\n",
                      "departments/test-dept/projects/2022/a.yaml": report("真实项目"),
                      "templates/static/images/logo.txt": "LOGO\n"})
    (root / "shared-text").rename(root / ".shared")  # hidden: read only through the link
    (root / "pages").symlink_to(".shared", target_is_directory=True)
    (root / "departments/test-dept/projects/2022/b.yaml").symlink_to("a.yaml")
    (root / "templates/static/img").symlink_to("images", target_is_directory=True)
    out = build(root, tmp_path / "site").out
    assert "链接进来的页面。" in (out / "about/index.html").read_text(encoding="utf-8")
    assert "真实项目" in (out / "test-dept/2022/b/index.html").read_text(encoding="utf-8")
    assert (out / "static/img/logo.txt").read_text(encoding="utf-8") == "LOGO\n"


def test_a_link_loop_is_refused(make_site: MakeSite) -> None:
    root = make_site({"departments/test-dept/projects/2022/a.yaml": report("项目")})
    (root / "departments/test-dept/projects/2022/again").symlink_to("..", target_is_directory=True)
    result = run("check", "--content", str(root))
    assert result.returncode == 1
    assert "projects/2022/again:1:1: a symbolic link to a folder it is in (a loop): remove the link" in result.stderr


# --- two builds at once ---------------------------------------------------------------------------

def synthetic(root: Path, reports: int) -> Path:
    from tests.test_robustness import _synthetic_content
    return _synthetic_content(root, reports)


def test_two_builds_into_one_folder_run_one_after_the_other(tmp_path: Path) -> None:
    big = synthetic(tmp_path / "big", 160)
    out = tmp_path / "site"
    first = subprocess.Popen([sys.executable, "-m", "generator", "build", "--content", str(big), "--out", str(out)],
                             env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = tmp_path / ".disclose-lock-site"
    deadline = time.monotonic() + 60
    while not (lock.is_file() and lock.read_text().strip() == str(first.pid)):
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.02)
    second = run("build", "--content", str(EXAMPLES), "--out", str(out))
    first.communicate(timeout=600)
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert f"disclose: {out} is being built by pid {first.pid} (disclose build or serve); waiting for it to " \
           "finish" in second.stderr.splitlines()
    clean = build(EXAMPLES, tmp_path / "clean").out
    assert tree(out) == tree(clean)  # the second site whole, nothing of the first


def test_serve_notices_a_build_by_someone_else_and_drops_what_it_kept(examples: Path, tmp_path: Path) -> None:
    from generator.serve import Site
    out = tmp_path / "site"
    site = Site(examples, out)
    site.first()
    other = synthetic(tmp_path / "other", 12)
    assert run("build", "--content", str(other), "--out", str(out)).returncode == 0
    assert site.rebuild() is not None
    clean = build(examples, tmp_path / "clean").out
    assert tree(out) == tree(clean)  # not one of the other site's files kept


def test_keeping_a_file_gone_from_the_previous_site_fails_loudly(examples: Path, tmp_path: Path) -> None:
    from generator.errors import OutputError
    from generator.output.write import Output
    out = build(examples, tmp_path / "site").out
    output = Output(out, examples)
    try:
        with pytest.raises(OutputError, match=r"cannot keep static/gone\.js from the previous site .*: it is gone"):
            output.keep_folder("static", ["style.css", "gone.js"])
        (out / "static" / "folder.js").mkdir()
        with pytest.raises(OutputError, match=r"cannot keep static/folder\.js from the previous site .*: "
                                              r"it is not a file"):
            output.keep_folder("static", ["folder.js"])
    finally:
        output.abort()


def test_leftovers_are_those_of_the_output_by_its_exact_name(examples: Path, tmp_path: Path) -> None:
    restoring = tmp_path / ".disclose-old-site-2-abcdefgh"
    (restoring / "site-2").mkdir(parents=True)
    (restoring / "site-2" / "index.html").write_text("the only copy of site-2\n", encoding="utf-8")
    writing = tmp_path / ".disclose-tmp-site-2-abcdefgh"
    writing.mkdir()
    mine = tmp_path / ".disclose-tmp-site-k_lled00"
    mine.mkdir()
    build(examples, tmp_path / "site")
    assert (restoring / "site-2" / "index.html").is_file() and writing.is_dir()
    assert not mine.exists()


# --- signals -----------------------------------------------------------------------------------

def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def _start_big_build(tmp_path: Path) -> tuple[subprocess.Popen[str], Path, dict[str, bytes]]:
    out = build(EXAMPLES, tmp_path / "site").out
    before = tree(out)
    big = synthetic(tmp_path / "big", 160)
    proc = subprocess.Popen([sys.executable, "-m", "generator", "build", "--content", str(big), "--out", str(out)],
                            cwd=tmp_path, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 600
    while not (any(sum(1 for _ in t.rglob("index.html")) >= 30 for t in tmp_path.glob(".disclose-tmp-site-*"))
               and _workers(proc.pid)):  # while pages are written by workers
        assert proc.poll() is None, "the build ended before it could be stopped"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return proc, out, before


def _workers(pid: int) -> set[int]:
    try:
        return {c for c in _children(pid) if "generator" in Path(f"/proc/{c}/cmdline").read_text()}
    except FileNotFoundError:
        return set()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_a_build_like_ctrl_c(signum: int, tmp_path: Path) -> None:
    proc, out, before = _start_big_build(tmp_path)
    helpers = _children(proc.pid)
    assert helpers  # workers at work
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum
    assert stderr.splitlines()[-1] == f"interrupted ({signal.Signals(signum).name})"
    assert "Traceback" not in stderr and "Error" not in stderr
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in helpers):
        assert time.monotonic() < deadline, [Path(f"/proc/{pid}/stat").read_text()[:80] for pid in helpers
                                             if _alive(pid)]
        time.sleep(0.05)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((".disclose-tmp-", ".disclose-old-"))) == []
    assert tree(out) == before


def test_workers_of_a_killed_build_die_silently(tmp_path: Path) -> None:
    proc, out, before = _start_big_build(tmp_path)
    helpers = _children(proc.pid)
    workers = {pid for pid in helpers if "generator" in Path(f"/proc/{pid}/cmdline").read_text()}
    assert workers
    proc.kill()  # the build only, as the kernel's OOM killer would
    _, stderr = proc.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "an orphaned worker lives on"
        time.sleep(0.05)
    time.sleep(0.5)
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
    assert tree(out) == before
    build(EXAMPLES, out)  # the next build clears every temporary folder the killed one left
    assert not any(_alive(pid) for pid in helpers)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((".disclose-tmp-", ".disclose-old-"))) == []


def test_a_templates_folder_linked_out_of_the_content_is_refused(make_site: MakeSite, tmp_path: Path) -> None:
    shared = tmp_path / "elsewhere"
    (shared / "static").mkdir(parents=True)
    (shared / "static" / "passwd").write_text("SECRET-OF-THE-MACHINE\n", encoding="utf-8")
    root = make_site({"departments/test-dept/projects/2022/a.yaml": report("项目")})
    (root / "templates").symlink_to(shared, target_is_directory=True)
    result = run("build", "--content", str(root), "--out", str(tmp_path / "site"))
    assert result.returncode == 1
    assert f"templates:1:1: a symbolic link to {shared}, outside content/" in result.stderr
    assert not (tmp_path / "site").exists()
