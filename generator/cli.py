"""The command line: build | check | serve | init | new | import | schema.

Contract: thin wrappers over the stages, imported lazily so ``--help`` is fast.
Exit codes: 0 ok, 1 content errors (or findings under ``--strict``), 2 usage
errors. User mistakes print one line each and no traceback; ``--verbose``
adds one for debugging (before or after the command). A Python package that
disclose needs but cannot import is an installation problem, told with the
command that installs it. Any other exception is reported as an internal error
in one line (exit 1), never as a traceback, whatever the content holds.
"""

from __future__ import annotations

import argparse
import functools
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from generator.errors import BuildAborted, DiscloseError, UsageError, printable

CONTENT_HELP = "content folder (default: ./content)"
KINDS = ("self-evaluation", "target-declaration", "department", "department-budget")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="disclose", description="Build a static site of budget "
                                     "performance disclosures from YAML content.")
    parser.add_argument("--verbose", action="store_true", help="show tracebacks of errors")
    # the same flag after the command; SUPPRESS keeps it from resetting one given before
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                         help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add = functools.partial(sub.add_parser, parents=[verbose])

    p = add("build", help="build the site")
    p.add_argument("--content", type=Path, default=Path("content"), help=CONTENT_HELP)
    p.add_argument("--out", type=Path, default=Path("site"), help="output folder (default: ./site)")
    p.add_argument("--strict", action="store_true", help="treat audit findings as errors")
    p.add_argument("--jobs", type=int, default=0, metavar="N",
                   help="processes to build with (default: one per core)")

    p = add("check", help="validate and audit the content without writing anything")
    p.add_argument("--content", type=Path, default=Path("content"), help=CONTENT_HELP)
    p.add_argument("--strict", action="store_true", help="treat audit findings as errors")

    p = add("serve", help="build, serve on 127.0.0.1 and rebuild on every change")
    p.add_argument("--content", type=Path, default=Path("content"), help=CONTENT_HELP)
    p.add_argument("--out", type=Path, default=Path("site"), help="output folder (default: ./site)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)

    p = add("init", help="start a new site: site.yaml, a first department and an about page")
    p.add_argument("folder", nargs="?", type=Path, default=Path("content"),
                   help="content folder to create (default: ./content)")
    p.add_argument("--title", default="", help="the site's title (default: one to edit)")
    p.add_argument("--department", default="first-department", metavar="SLUG",
                   help="folder name of the first department (default: first-department)")

    p = add("new", help="write a draft to fill in: a report, a department or a department budget")
    p.add_argument("kind", choices=list(KINDS))
    p.add_argument("slug", nargs="?", help="file name of a report, or the folder name of a new "
                   "department: lower-case ASCII letters, digits and -")
    p.add_argument("--department", help="department slug (its folder name), for reports and budgets")
    p.add_argument("--year", type=int, help="the year, for reports and budgets")
    p.add_argument("--content", type=Path, default=Path("content"), help=CONTENT_HELP)

    p = add("import", help="turn the official forms (.xlsx, .xls, .docx, .pdf, text) into content files")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--content", type=Path, default=Path("content"), help=CONTENT_HELP)
    p.add_argument("--department", help="department slug to file the reports under")
    p.add_argument("--corrections", type=Path, metavar="FILE",
                   help="the hand corrections (default: corrections.yaml of the content folder)")

    p = add("schema", help="print the JSON Schema of a content file kind")
    p.add_argument("kind", nargs="?", default="report",
                   choices=["report", "site", "department", "page", "self-evaluation",
                            "target-declaration", "department-budget"])
    return parser


def _content_dir(path: Path) -> Path:
    if not path.is_dir():
        raise UsageError(f"content folder {path} does not exist (use --content DIR)")
    return path


def _run(args: argparse.Namespace) -> int:
    if args.command == "build":
        from generator.build import build
        from generator.output.lock import build_lock
        from generator.output.write import check_target

        content = _content_dir(args.content)
        check_target(args.out, content)  # before a lock file is made beside a folder it refuses
        with build_lock(args.out):  # one build per output folder at a time
            report = build(content, args.out, args.strict, max(args.jobs, 0))
        sys.stderr.write("".join(f"warning: {line}\n" for line in report.warnings()))  # one write, not one a line
        print(report.summary())
        return 0
    if args.command == "check":
        from generator.audit.view import check_report
        from generator.site import check

        checked, findings = check(_content_dir(args.content), args.strict)
        print(check_report(findings, findings.outcomes))
        for draft in checked.drafts:
            print(f"draft: {draft}: left out of the site until you remove its line draft: true")
        drafts = f", {len(checked.drafts)} drafts" if checked.drafts else ""
        print(f"checked {len(checked.reports)} reports, {len(checked.departments)} departments"
              f"{drafts}: no errors, {len(findings)} findings")
        return 0
    if args.command == "serve":
        from generator.serve import serve

        serve(_content_dir(args.content), args.out, args.host, args.port)
        return 0
    if args.command == "init":
        from generator.content.skeleton import init_site

        written = init_site(args.folder, args.title, args.department)
        for path in written:
            print(f"wrote {path}")
        print(f"started a site in {args.folder}: run disclose build --content {args.folder}, "
              "then fill in the files and add reports with disclose new")
        return 0
    if args.command == "new":
        from generator.content.skeleton import new_skeleton

        path = new_skeleton(_content_dir(args.content), args.kind, args.slug, args.department, args.year)
        print(f"wrote {path}: a draft; fill it in, remove its line draft: true, then run disclose check")
        return 0
    if args.command == "import":
        from generator.importers import run_import

        return run_import(list(args.files), args.content, args.department, corrections=args.corrections)
    if args.command == "schema":
        from generator.content.skeleton import schema

        print(schema(args.kind))
        return 0
    raise UsageError(f"unknown command {args.command}")


def _template_place(exc: Exception) -> str:
    """``file:line: `` of the template at fault, from the error or from the traceback."""
    name, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if not name:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".html")]
        name, line = (frames[-1].filename, frames[-1].lineno) if frames else (None, None)
    return f"{name}:{line}: " if name else ""


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, taken as Ctrl+C: the build cleans up what it made and stops."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stopped(signum: int, frame: object) -> None:
    raise Stopped(signum)


def _stop_on_signals() -> Callable[[], None]:
    """Stop on SIGTERM (``kill``, CI timeouts) and SIGHUP (a closed terminal) as on Ctrl+C: with
    one line, temporary folders and helper processes removed. Worker processes reset these
    (:mod:`generator.output.parallel`). Return what puts the previous handlers back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # only the main thread may set handlers (main() called by a test)
    previous = {signum: signal.signal(signum, _stopped) for signum in (signal.SIGTERM, signal.SIGHUP)}

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return restore


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "new" and args.kind != "department" and (args.department is None or args.year is None):
        parser.error(f"disclose new {args.kind} needs --department SLUG and --year YEAR")
    restore = _stop_on_signals()
    try:
        return _run(args)
    except BuildAborted as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        print(f"{len(exc.errors)} error(s); nothing was written", file=sys.stderr)
        if args.verbose:
            traceback.print_exc()
        return 1
    except UsageError as exc:
        print(f"disclose: {printable(str(exc))}", file=sys.stderr)
        return 2
    except DiscloseError as exc:
        print(f"disclose: {printable(str(exc))}", file=sys.stderr)
        if args.verbose:
            traceback.print_exc()
        return 1
    except KeyboardInterrupt as exc:
        signum = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
        print(f"interrupted ({signal.Signals(signum).name})", file=sys.stderr)
        if args.verbose:
            traceback.print_exc()
        return 128 + signum
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        if args.verbose:
            traceback.print_exc()
        print(explain(exc), file=sys.stderr)
        return 1
    finally:
        restore()


# import name -> distribution name, where they differ
_DISTRIBUTIONS = {"yaml": "pyyaml", "markdown_it": "markdown-it-py", "pydantic_core": "pydantic",
                  "pagefind_bin": "pagefind", "pagefind_bin_extended": "pagefind",
                  "docx": "python-docx", "pdfminer": "pdfminer.six", "PIL": "pillow"}


def installation_problem(exc: ModuleNotFoundError) -> str | None:
    """Say which package is missing and the command that installs it; None if it is one of disclose's own."""
    module = (exc.name or "").split(".")[0]
    if not module or module in ("generator", "disclose_themes"):
        return None  # a module of disclose itself: a bug, or an installation broken otherwise
    package = _DISTRIBUTIONS.get(module, module)
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "scripts" / "setup.sh").is_file():  # run from a source folder: its set-up
        fix = f"bash {checkout / 'scripts' / 'setup.sh'}, then run {checkout / '.venv' / 'bin' / 'disclose'}"
    else:
        try:
            wanted = [r for r in metadata.requires("disclose") or ()
                      if r.lower().replace("_", "-").startswith(package)]
        except metadata.PackageNotFoundError:
            wanted = []
        requirement = wanted[0].split(";")[0].replace(" ", "") if wanted else package
        fix = f"{sys.executable} -m pip install '{requirement}'"
    return (f"disclose: installation problem: the Python package {package} is not installed for "
            f"{sys.executable}; install it with: {fix}")


def explain(exc: Exception) -> str:
    """One line for an exception that is not a content error: the machine's, a template's or a bug."""
    if isinstance(exc, ModuleNotFoundError) and (problem := installation_problem(exc)):
        return problem
    if isinstance(exc, OSError):  # disk full, permission denied: the machine's problem, not a bug
        return f"disclose: {printable(str(exc))}"
    if type(exc).__module__.startswith("jinja2"):  # a theme or a content templates/ override
        return (f"disclose: template error: {_template_place(exc)}{printable(str(exc))[:200]}; "
                "fix the template (run with --verbose for the traceback)")
    return (f"disclose: internal error ({type(exc).__name__}: {printable(str(exc))[:200]}); "
            "this is a bug in disclose: run again with --verbose and report the traceback")
