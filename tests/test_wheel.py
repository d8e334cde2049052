"""Every file the program needs is in the wheel.

The wheel is built from a copy of what it is built of (pyproject.toml, README.md, generator/,
themes/), installed into a fresh virtual environment, and run from a folder outside the source
tree: build, check, import and serve --help. The environment sees the packages disclose depends
on through a path file listing this interpreter's site-packages (a path file's folders are not
scanned for path files of their own, so an editable install of disclose there stays out).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]
IMPORT_FIXTURE = ROOT / "tests" / "fixtures" / "import" / "tsv_page_breaks.txt"
FORMS = ROOT / "tests" / "fixtures" / "forms"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with disclose installed from its wheel; returns its bin folder."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for folder in ("generator", "themes"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "-w", str(base / "dist"), str(source)],
                   check=True, capture_output=True, timeout=300)
    wheel = next((base / "dist").glob("disclose-*.whl"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    python = venv / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (Path(purelib) / "dependencies.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--disable-pip-version-check", str(wheel)], check=True, capture_output=True, timeout=300)
    return venv / "bin"


def _run(command: list[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, timeout=300, env=env)


def test_the_wheel_holds_every_file_the_program_needs(installed: Path, tmp_path: Path) -> None:
    where = _run([installed / "python", "-c", ("import generator, disclose_themes; "
                  "print(generator.__file__); print(*disclose_themes.__path__)")], tmp_path)
    assert where.returncode == 0, where.stderr
    assert all(line.startswith(str(installed.parent)) for line in where.stdout.splitlines())

    shutil.copytree(EXAMPLES, tmp_path / "content")
    built = _run([installed / "disclose", "build"], tmp_path)
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("built ")
    for page in ("index.html", "static/style.css", "search/index.html", "data/index.html"):
        assert (tmp_path / "site" / page).is_file(), page

    checked = _run([installed / "disclose", "check"], tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "no errors" in checked.stdout

    imported = _run([installed / "disclose", "import", IMPORT_FIXTURE, "--content", "imported",
                     "--department", "minhang-justice"], tmp_path)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert list((tmp_path / "imported").rglob("*.yaml"))
    forms = _run([installed / "disclose", "import", *(FORMS / f"004.{kind}" for kind in ("xlsx", "xls", "docx", "pdf")),
                  "--content", "forms"], tmp_path)  # the office and PDF readers, from the wheel
    assert forms.returncode == 0, forms.stdout + forms.stderr
    assert forms.stdout.startswith("imported 2 reports (2 self-evaluations) from 4 files: 3 written")

    served = _run([installed / "disclose", "serve", "--help"], tmp_path)
    assert served.returncode == 0 and served.stdout.startswith("usage: disclose serve")


def test_an_installed_copy_tells_how_to_install_a_missing_package(installed: Path, tmp_path: Path) -> None:
    program = ("import sys; sys.modules['pydantic'] = None\n"
               "from generator.cli import main\nraise SystemExit(main(['check']))")
    (tmp_path / "content").mkdir()
    result = _run([installed / "python", "-c", program], tmp_path)
    assert result.returncode == 1
    assert result.stderr == (f"disclose: installation problem: the Python package pydantic is not installed for "
                             f"{installed / 'python'}; install it with: {installed / 'python'} -m pip install "
                             "'pydantic>=2.6'\n")


def test_an_installed_copy_names_the_distribution_of_a_missing_reader(installed: Path, tmp_path: Path) -> None:
    program = ("import sys; sys.modules['docx'] = None\nfrom generator.cli import main\n"
               f"raise SystemExit(main(['import', {str(FORMS / '004.docx')!r}]))")
    result = _run([installed / "python", "-c", program], tmp_path)
    assert result.returncode == 1
    assert result.stderr.endswith(f"install it with: {installed / 'python'} -m pip install 'python-docx>=1.1'\n")
