"""The command line as a publisher uses it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, check=False,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_build_prints_one_summary_line(examples: Path, tmp_path: Path) -> None:
    result = run("build", "--content", str(examples), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    pages = sum(1 for _ in (tmp_path / "out").rglob("*.html"))
    assert result.stdout.startswith(f"built {pages} pages (") and result.stdout.count("\n") == 1
    assert (tmp_path / "out" / "index.html").is_file()


def test_defaults_are_content_and_site_of_the_current_folder(examples: Path) -> None:
    result = run("build", cwd=examples.parent)
    assert result.returncode == 0, result.stderr
    assert (examples.parent / "site" / "index.html").is_file()


def test_strict_turns_findings_into_errors(examples: Path, tmp_path: Path) -> None:
    assert run("check", "--content", str(examples), cwd=tmp_path).returncode == 0
    strict = run("check", "--strict", "--content", str(examples), cwd=tmp_path)
    assert strict.returncode == 1
    assert "industry-upgrade-fund-2021.yaml:31:17: total.weight: total-weight:" in strict.stderr
    assert not (tmp_path / "site").exists()


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    result = run("build", "--content", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"disclose: content folder {tmp_path / 'nowhere'} does not exist (use --content DIR)"
    assert run("frobnicate", cwd=tmp_path).returncode == 2


@pytest.mark.parametrize("kind", ["self-evaluation", "target-declaration"])
def test_new_writes_a_valid_skeleton(examples: Path, kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", kind, "new-project", "--department", "minhang-justice", "--year", "2025",
                 "--content", str(examples)]) == 0
    path = examples / "departments/minhang-justice/projects/2025/new-project.yaml"
    assert path.is_file() and f"wrote {path}" in capsys.readouterr().out
    assert main(["check", "--content", str(examples)]) == 0
    assert main(["new", kind, "new-project", "--department", "minhang-justice", "--year", "2025",
                 "--content", str(examples)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["new", kind, "新项目", "--department", "minhang-justice", "--year", "2025",
                 "--content", str(examples)]) == 2
    assert main(["new", kind, "x", "--department", "nobody", "--year", "2025", "--content", str(examples)]) == 2


def test_the_skeletons_optional_sections_are_valid_when_uncommented(
        examples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """财务负责人 and the sections some provinces print, offered as comments in the skeleton."""
    assert main(["new", "self-evaluation", "p", "--department", "minhang-justice", "--year", "2025",
                 "--content", str(examples)]) == 0
    path = examples / "departments/minhang-justice/projects/2025/p.yaml"
    text = path.read_text(encoding="utf-8").replace("draft: true", "", 1)
    names = ("finance_leader", "background", "conclusion", "problems", "improvements")
    for name in names:
        assert f'# {name}: ""' in text
        text = text.replace(f'# {name}: ""', f"{name}: 已填写")
    path.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["check", "--content", str(examples)]) == 0, capsys.readouterr().err


def test_schema_describes_the_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "self-evaluation"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["additionalProperties"] is False
    assert "年初预算数" in json.dumps(schema, ensure_ascii=False)
    assert main(["schema"]) == 0
    assert {s["$ref"].rsplit("/", 1)[-1] for s in json.loads(capsys.readouterr().out)["anyOf"]} == {
        "SelfEvaluation", "TargetDeclaration", "DepartmentBudget"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode("utf-8"))


def _wait_for(check, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.2)


def test_serve_rebuilds_on_change_and_survives_errors(examples: Path, tmp_path: Path) -> None:
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--content", str(examples),
                             "--out", str(tmp_path / "site"), "--port", str(port)],
                            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        url = f"http://127.0.0.1:{port}/about/"
        _wait_for(lambda: "本站公开" in _get(url))
        page = examples / "pages/about.md"
        page.write_text(page.read_text(encoding="utf-8").replace("本站公开", "本站现已公开"), encoding="utf-8")
        _wait_for(lambda: "本站现已公开" in _get(url))
        override = examples / "templates" / "page.html"  # a broken theme edit keeps it too
        override.parent.mkdir()
        override.write_text("{% if %}\n", encoding="utf-8")
        _wait_for(lambda: "template error" in (tmp_path / "serve.log").read_text())
        override.unlink()
        site = examples / "site.yaml"
        site.write_text("title: [\n", encoding="utf-8")  # a broken edit keeps the last good site
        time.sleep(2)
        assert "本站现已公开" in _get(url)
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert "site.yaml:2:1: YAML syntax error" in output and "still serving the last good site" in output
    assert "Traceback" not in output


def test_messages_name_files_from_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.errors import display_path

    (tmp_path / "work" / "content").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "work" / "linked").symlink_to(tmp_path / "elsewhere")
    monkeypatch.chdir(tmp_path / "work")
    assert display_path(Path("content/a.yaml")) == "content/a.yaml"
    assert display_path(tmp_path / "work" / "content" / "a.yaml") == "content/a.yaml"
    assert display_path(tmp_path / "work" / "b.yaml") == "b.yaml"
    # a folder reached through a link is shown where it really is, outside: as given
    assert display_path(Path("linked/c.yaml")) == "linked/c.yaml"
    assert display_path(tmp_path / "elsewhere" / "c.yaml") == (tmp_path / "elsewhere" / "c.yaml").as_posix()
    monkeypatch.chdir(tmp_path)  # the same file from another working folder
    assert display_path(tmp_path / "work" / "content" / "a.yaml") == "work/content/a.yaml"
