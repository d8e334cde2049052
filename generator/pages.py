"""Stage 5b, pages: render the planned pages, and make the per-report files, over both cores.

Contract: ``write_all(tasks, output, jobs, progress, label)`` gives ``output``
the bytes of every ``(path, make)`` task, made in worker processes forked from
this one (they share the content, the page plan and the Jinja environment
without pickling) and written there, so only a yes/no per file crosses back.
Nothing differs from a serial run: each file is made by the same function from
the same data, and the output paths are reserved here, in task order, before
any worker starts, so collisions are found as they would be serially.
``page_tasks(plan, renderer)`` turns the page plan into such tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from generator import parallel
from generator.context import PlannedPage
from generator.progress import Progress
from generator.render import Renderer
from generator.write import Output

Task = tuple[str, Callable[[], bytes]]  # an output path and a function making its bytes


@dataclass(frozen=True)
class _Job:
    """What every worker needs, inherited through fork: the tasks and where each file goes."""

    tasks: Sequence[Task]
    targets: list[Path]
    output: Output


def _make(index: int) -> bool:
    """Make file ``index`` and give it to the output; return whether it was written."""
    job: _Job = parallel.state()
    return job.output.put(job.targets[index], job.tasks[index][1]())


def _page(renderer: Renderer, template: str, make: Callable[[], Any]) -> bytes:
    return renderer.render(template, page=make()).encode("utf-8")


def page_tasks(plan: list[PlannedPage], renderer: Renderer) -> list[Task]:
    """The pages of ``plan`` as tasks; their templates are compiled here once, not in every worker."""
    for template in sorted({template for template, _, _ in plan}):
        renderer.env.get_template(template)
    return [(rel, partial(_page, renderer, template, make)) for template, rel, make in plan]


def write_all(tasks: Sequence[Task], output: Output, jobs: int, progress: Progress, label: str) -> list[str]:
    """Make and write every task; return their output paths in task order."""
    targets = [output.path(rel) for rel, _ in tasks]
    progress.step(label, len(tasks))
    written = parallel.run(_make, range(len(tasks)), jobs, _Job(tasks, targets, output), progress.advance)
    output.changed += sum(written)
    return [rel for rel, _ in tasks]
