"""Stage 5b, pages: render the planned pages over both cores and hand them to the output.

Contract: ``render_pages(plan, renderer, output, jobs, progress)`` makes each
planned page's view, renders it and gives its bytes to ``output``, in worker
processes forked from this one (they share the content, the plan and the Jinja
environment without pickling) and writes nothing that differs from a serial
run: each page is rendered from the same view by the same templates, and the
output paths are reserved here, in plan order, before any worker starts, so
collisions are found as they would be serially. It returns the paths written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator import parallel
from generator.context import PlannedPage
from generator.progress import Progress
from generator.render import Renderer
from generator.write import Output


@dataclass(frozen=True)
class _Job:
    """What every worker needs, inherited through fork: the plan, where each page goes, how to render."""

    plan: list[PlannedPage]
    targets: list[Path]
    renderer: Renderer
    output: Output


def _render(index: int) -> bool:
    """Render page ``index`` of the plan and give it to the output; return whether it was written."""
    job: _Job = parallel.state()
    template, _, make = job.plan[index]
    html = job.renderer.render(template, page=make())
    return job.output.put(job.targets[index], html.encode("utf-8"))


def render_pages(plan: list[PlannedPage], renderer: Renderer, output: Output, jobs: int,
                 progress: Progress) -> list[str]:
    """Render and write every page of ``plan``; return their output paths in plan order."""
    targets = [output.path(rel) for _, rel, _ in plan]
    for template in sorted({template for template, _, _ in plan}):
        renderer.env.get_template(template)  # compiled once here, not once in every worker
    progress.step("pages", len(plan))
    written = parallel.run(_render, range(len(plan)), jobs, _Job(plan, targets, renderer, output),
                           progress.advance)
    output.changed += sum(written)
    return [rel for _, rel, _ in plan]
