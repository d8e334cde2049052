"""``disclose serve``: build, serve on 127.0.0.1, rebuild on change, reload the browser.

Contract: the first build must succeed or serve stops with its errors; after
that a failed rebuild prints its errors and keeps the last good site served
(the write stage never leaves half a site), so a typo never kills the server.
Changes are debounced by livereload's delay.
"""

from __future__ import annotations

import sys
from pathlib import Path

from generator.build import build
from generator.errors import BuildAborted, DiscloseError


def rebuild(content: Path, out: Path) -> bool:
    """Build once; print the summary or the errors. Return whether it succeeded."""
    try:
        print(build(content, out).summary(), flush=True)
        return True
    except BuildAborted as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        print(f"{len(exc.errors)} error(s); still serving the last good site", file=sys.stderr, flush=True)
    except DiscloseError as exc:
        print(f"disclose: {exc}", file=sys.stderr, flush=True)
    return False


def serve(content: Path, out: Path, host: str, port: int) -> None:
    """Serve ``out`` and rebuild it whenever ``content`` or the theme changes."""
    from livereload import Server

    first = build(content, out)
    print(first.summary(), flush=True)
    server = Server()
    for folder in dict.fromkeys(first.sources):
        server.watch(str(folder), lambda: rebuild(content, out), delay=0.3)
    print(f"serving {out} on http://{host}:{port}/ (Ctrl+C stops)", flush=True)
    server.serve(root=str(out.resolve()), host=host, port=port, open_url_delay=None)
