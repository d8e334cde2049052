"""``disclose serve``: build, serve on 127.0.0.1, rebuild on change, reload the browser.

Contract: the first build must succeed or serve stops with its errors; after
that a failed rebuild prints its errors and keeps the last good site served
(the write stage never leaves half a site), so a typo never kills the server.
Changes are debounced by livereload's delay. Rebuilds are incremental: the
parses of unchanged files stay in memory between builds and only files whose
bytes changed are written (see :mod:`generator.cache`, :mod:`generator.write`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from generator.build import build
from generator.cache import ParseCache, cache_folder
from generator.cli import explain
from generator.errors import BuildAborted, DiscloseError


def rebuild(content: Path, out: Path, cache: ParseCache | None = None) -> bool:
    """Build once; print the summary or the errors. Return whether it succeeded."""
    try:
        print(build(content, out, cache=cache).summary(), flush=True)
        return True
    except BuildAborted as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        print(f"{len(exc.errors)} error(s); still serving the last good site", file=sys.stderr, flush=True)
    except DiscloseError as exc:
        print(f"disclose: {exc}", file=sys.stderr, flush=True)
    except Exception as exc:  # noqa: BLE001 - a broken template edit must not stop the server
        print(f"{explain(exc)}; still serving the last good site", file=sys.stderr, flush=True)
    return False


def serve(content: Path, out: Path, host: str, port: int) -> None:
    """Serve ``out`` and rebuild it whenever ``content`` or the theme changes."""
    from livereload import Server

    cache = ParseCache(cache_folder(out))
    first = build(content, out, cache=cache)
    print(first.summary(), flush=True)
    server = Server()
    for folder in dict.fromkeys(first.sources):
        server.watch(str(folder), lambda: rebuild(content, out, cache), delay=0.3)
    print(f"serving {out} on http://{host}:{port}/ (Ctrl+C stops)", flush=True)
    server.serve(root=str(out.resolve()), host=host, port=port, open_url_delay=None)
