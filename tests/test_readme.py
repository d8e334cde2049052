"""The README is a user's README: short, its first lines what a newcomer types, every link inside
the repository, and every command it shows one the program has."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_it_is_short_and_opens_with_the_two_commands_ci_runs() -> None:
    assert 100 <= len(README.splitlines()) <= 170
    first = README.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    commands = [line.split("  #")[0].strip() for line in first]
    assert commands == ["bash scripts/setup.sh && .venv/bin/disclose build",
                        "bash scripts/setup.sh --test && .venv/bin/python -m pytest -q"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "readme_command 1" in ci and "readme_command 2" in ci and 'PATH="/usr/bin:$PATH"' in ci


def test_every_link_stays_inside_the_repository() -> None:
    assert "../" not in README and "shared/" not in README
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README):
        if not target.startswith("https://"):
            assert (ROOT / target).is_file(), target
    for page in (ROOT / "docs").glob("*.md"):
        for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).is_file(), (page.name, target)


@pytest.mark.parametrize("line", [line for line in README.splitlines() if line.startswith("| `disclose ")])
def test_every_command_in_the_table_exists(line: str, capsys: pytest.CaptureFixture[str]) -> None:
    words = line.split("`")[1].split()
    with pytest.raises(SystemExit) as done:
        main([words[1], *([words[2].split("\\")[0]] if words[1] == "new" else []), "--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    for option in (w.strip("[]") for w in words if w.strip("[").startswith("--")):
        assert option in shown, (line, option)
