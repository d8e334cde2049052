"""The Store's records on disk: plain JSON that gives back the very document, and a planted
file that cannot run code."""

from __future__ import annotations

import json
import os
import pickle
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from generator import stamps
from generator.build import build
from generator.content.load import load_one
from generator.content.models import REPORT_MODELS, kept, rebuilt
from generator.content.validate import report_model
from generator.stamps import FOLDER, cache_folder
from generator.store import Store, decode, encode
from tests.conftest import ROOT

REPORT = "departments/minhang-justice/projects/2022/correction-location-system.yaml"


def test_a_record_gives_back_the_document_with_its_decimals_dates_and_positions(examples: Path) -> None:
    for path in sorted(examples.rglob("*.yaml")) + sorted(examples.rglob("*.md")):
        doc = load_one(path, path.relative_to(examples).as_posix())
        assert not isinstance(doc, Exception)
        record = encode(doc)
        assert b"positions" not in record  # found again from the file when asked
        again = decode(record)
        assert again == doc, path
        assert again.positions == doc.positions and (again.positions or path.suffix == ".md"), path
    doc = load_one(examples / REPORT, REPORT)
    assert not isinstance(doc, Exception)
    figures = decode(encode(doc)).data["funds"]["total"]
    assert isinstance(figures["adjusted"], Decimal) and str(figures["adjusted"]) == str(doc.data["funds"]["total"]["adjusted"])


def test_positions_are_not_guessed_for_a_file_changed_since(examples: Path) -> None:
    doc = decode(encode(load_one(examples / REPORT, REPORT))).slim()  # type: ignore[arg-type]
    assert doc.where(("funds", "total", "executed")) == (9, 68)  # found again in the file
    (examples / REPORT).write_text("\n\n" + (examples / REPORT).read_text(encoding="utf-8").replace("矫正", "矫治"),
                                   encoding="utf-8")
    assert doc.positions == {}
    assert doc.where(("funds", "total", "executed")) == (1, 1)


def test_text_that_looks_like_a_tag_stays_text(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text('---\ntitle: "decimal"\ndate: 2024-01-02\n---\n{"decimal": "1"}\n', encoding="utf-8")
    doc = load_one(page, "p.md")
    assert not isinstance(doc, Exception)
    again = decode(encode(doc))
    assert again.data == {"title": "decimal", "date": date(2024, 1, 2)} and again.body == doc.body


class _Planted:
    """Unpickled, it creates the file at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.path), "w"))


def test_a_planted_pickle_in_the_cache_is_never_run_and_the_file_is_parsed_again(
        examples: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(examples, out)
    records = sorted((cache_folder(out) / "parsed").rglob("*.json"))
    assert records and cache_folder(out).name == FOLDER
    marker = tmp_path / "ran"
    payload = pickle.dumps(_Planted(marker))
    pickle.loads(pickle.dumps(_Planted(tmp_path / "proof"))).close()
    assert (tmp_path / "proof").exists()  # the payload runs, for anything that unpickles it
    for record in records:  # whoever can write the cache plants code in every record
        record.write_bytes(payload)
    again = Store(cache_folder(out))
    build(examples, out, store=again)
    assert not marker.exists()
    every = sorted(p.relative_to(examples).as_posix() for p in examples.rglob("*") if p.is_file())
    assert sorted(again.parsed) == every  # none of the planted records was taken


def test_a_damaged_audit_memo_is_audited_again_with_the_same_findings(examples: Path, tmp_path: Path) -> None:
    """The memo holds a line a report; a line that is not JSON (or a planted pickle) is only a
    result not kept: that report is audited again, the findings as a fresh build gives them."""
    out = tmp_path / "site"
    before = build(examples, out).findings
    memo = cache_folder(out) / "audit.json"
    lines = memo.read_bytes().split(b"\n")
    assert len([line for line in lines if line]) > 2 and all(b"\t" in line for line in lines if line)
    key = lines[0].partition(b"\t")[0]
    lines[0] = key + b"\t" + pickle.dumps(_Planted(tmp_path / "ran"))
    memo.write_bytes(b"\n".join(lines))
    (examples / "site.yaml").write_text((examples / "site.yaml").read_text(encoding="utf-8") + "\n",
                                        encoding="utf-8")  # (so the build runs rather than keeps the site)
    rebuilt = build(examples, out)
    assert rebuilt.findings == before and not (tmp_path / "ran").exists()
    assert len(rebuilt.recomputed["audited"]) == 1  # the report of the damaged line, only


def test_a_kept_model_is_the_validated_model_again(examples: Path) -> None:
    """What a record keeps of a report's model, made again without validating, is the model the
    validation gave: every field, its type (tuples, decimals as printed, dates), the fields given."""
    folders = [examples, ROOT / "content"]
    models = [m for folder in folders for path in sorted(folder.rglob("*.yaml"))
              if not isinstance(doc := load_one(path, path.relative_to(folder).as_posix()), Exception)
              and (m := report_model(doc)) is not None]
    assert len(models) > 100 and {m.kind for m in models} == set(REPORT_MODELS)
    for model in models:
        again = rebuilt(type(model), json.loads(json.dumps(kept(model))))
        assert again == model and repr(again) == repr(model)
        assert again.model_fields_set == model.model_fields_set
        assert again.model_dump_json() == model.model_dump_json()


def test_a_damaged_model_in_a_record_is_validated_again(examples: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A report's record begins with its model: a model line that is not one (damaged, of another
    shape, a planted pickle) is only a model not kept: the report is validated again, the site the same."""
    monkeypatch.setattr(stamps, "RACY_NS", 0)  # the files were just written: known by their stats at once
    out = tmp_path / "site"
    build(examples, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    records = [r for r in sorted((cache_folder(out) / "parsed").rglob("*.json")) if r.read_bytes().count(b"\n") == 1]
    assert len(records) == 4  # the reports'
    for record, line in zip(records, (b"{not json", b'{"kind":"self-evaluation","model":[1,2,3]}',
                                      pickle.dumps(_Planted(tmp_path / "ran")).replace(b"\n", b" "))):
        record.write_bytes(line + b"\n" + record.read_bytes().partition(b"\n")[2])
    os.utime(out / "index.html")  # (so the build runs rather than keeps the site)
    again = build(examples, out)
    assert not (tmp_path / "ran").exists()
    assert len([p for p in again.recomputed["validated"] if "/projects/" in p or "/budget-" in p]) == 3
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    os.utime(out / "index.html")
    assert not [p for p in build(examples, out).recomputed["validated"] if "/projects/" in p]  # kept again
