"""The command line: build | check | serve | new | import | schema.

Contract: thin wrappers over the stages, imported lazily so ``--help`` is fast.
Exit codes: 0 ok, 1 content errors (or findings under ``--strict``), 2 usage
errors. User mistakes print one line each and no traceback; ``--verbose``
adds one for debugging. Any other exception is reported as an internal error
in one line (exit 1), never as a traceback, whatever the content holds.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from generator.errors import BuildAborted, DiscloseError, UsageError, printable

CONTENT_HELP = "content folder (default: ./content)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="disclose", description="Build a static site of budget "
                                     "performance disclosures from YAML content.")
    parser.add_argument("--verbose", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("build", help="build the site")
    p.add_argument("--content", type=Path, default=Path("content"), help=CONTENT_HELP)
    p.add_argument("--out", type=Path, default=Path("site"), help="output folder (default: ./site)")
    p.add_argument("--strict", action="store_true", help="treat audit findings as errors")
    p.add_argument("--jobs", type=int, default=0, metavar="N",
                   help="processes to build with (default: one per core)")

    p = sub.add_parser("check", help="validate and audit the content without writing anything")
    p.add_argument("--content", type=Path, default=Path("content"), help=CONTENT_HELP)
    p.add_argument("--strict", action="store_true", help="treat audit findings as errors")

    p = sub.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild on every change")
    p.add_argument("--content", type=Path, default=Path("content"), help=CONTENT_HELP)
    p.add_argument("--out", type=Path, default=Path("site"), help="output folder (default: ./site)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)

    p = sub.add_parser("new", help="write a valid skeleton report to fill in")
    p.add_argument("kind", choices=["self-evaluation", "target-declaration"])
    p.add_argument("slug", help="file name of the report: lower-case ASCII letters, digits and -")
    p.add_argument("--department", required=True, help="department slug (its folder name)")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--content", type=Path, default=Path("content"), help=CONTENT_HELP)

    p = sub.add_parser("import", help="turn text extractions of official tables into content files")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--content", type=Path, default=Path("content"), help=CONTENT_HELP)
    p.add_argument("--department", help="department slug to file the reports under")

    p = sub.add_parser("schema", help="print the JSON Schema of a content file kind")
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
        from generator.site import build

        report = build(_content_dir(args.content), args.out, args.strict, max(args.jobs, 0))
        _print_findings(report.findings)
        print(report.summary())
        return 0
    if args.command == "check":
        from generator.audit.rules import target_outcomes
        from generator.audit.view import check_report
        from generator.site import check

        content, findings = check(_content_dir(args.content), args.strict)
        print(check_report(findings, target_outcomes(content)))
        print(f"checked {len(content.reports)} reports, {len(content.departments)} departments: "
              f"no errors, {len(findings)} findings")
        return 0
    if args.command == "serve":
        from generator.serve import serve

        serve(_content_dir(args.content), args.out, args.host, args.port)
        return 0
    if args.command == "new":
        from generator.content.skeleton import new_report

        path = new_report(_content_dir(args.content), args.kind, args.department, args.year, args.slug)
        print(f"wrote {path}: fill it in, then run disclose check")
        return 0
    if args.command == "import":
        from generator.importers import run_import

        return run_import(list(args.files), args.content, args.department)
    if args.command == "schema":
        from generator.content.skeleton import schema

        print(schema(args.kind))
        return 0
    raise UsageError(f"unknown command {args.command}")


def _print_findings(findings: Sequence[object]) -> None:
    for finding in findings:
        print(f"warning: {finding}", file=sys.stderr)


def _template_place(exc: Exception) -> str:
    """``file:line: `` of the template at fault, from the error or from the traceback."""
    name, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if not name:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".html")]
        name, line = (frames[-1].filename, frames[-1].lineno) if frames else (None, None)
    return f"{name}:{line}: " if name else ""


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
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
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        if args.verbose:
            traceback.print_exc()
        print(explain(exc), file=sys.stderr)
        return 1


def explain(exc: Exception) -> str:
    """One line for an exception that is not a content error: the machine's, a template's or a bug."""
    if isinstance(exc, OSError):  # disk full, permission denied: the machine's problem, not a bug
        return f"disclose: {printable(str(exc))}"
    if type(exc).__module__.startswith("jinja2"):  # a theme or a content templates/ override
        return (f"disclose: template error: {_template_place(exc)}{printable(str(exc))[:200]}; "
                "fix the template (run with --verbose for the traceback)")
    return (f"disclose: internal error ({type(exc).__name__}: {printable(str(exc))[:200]}); "
            "this is a bug in disclose: run again with --verbose and report the traceback")
