"""Slugs: deterministic ASCII file names for reports with Chinese names.

Contract: :func:`assign` gives every report of one folder
(``departments/<dept>/projects/<year>/``) a slug of ``a-z0-9-`` that is unique in the
folder and the same on every import of the same sources.

The rule, stated in docs/import.md:

1. Drop the region and department words a name starts with (上海市, 闵行区, 司法局 …:
   the folder already says them).
2. Write each Chinese character as its toneless pinyin syllable (pypinyin, ``ü`` as
   ``v``) and keep runs of ASCII letters and digits as they are, lower-cased; join
   with ``-``. Other characters separate words.
3. Keep the first 8 words. Where two different names of a folder would get the same
   slug, both keep more words until they differ.
4. Reports with the same name (残疾人就业保障金 from three units) add the words of
   their implementing unit (its region words dropped, at most 6 words).
5. If two reports still share a slug (same name, same unit), the later in source
   order gets ``-2``, ``-3`` ….
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

WORDS = 8
UNIT_WORDS = 6
_PROVINCES = ("上海市", "北京市", "上海", "北京")


def words(text: str) -> list[str]:
    """Pinyin syllables and ASCII words of ``text``, lower-case."""
    from pypinyin import Style, lazy_pinyin

    out: list[str] = []
    # errors="default" keeps what is not Chinese (digits, ASCII words) as it is.
    for piece in lazy_pinyin(text, style=Style.NORMAL, v_to_u=False, errors="default"):
        out += re.findall(r"[a-z0-9]+", piece.lower())
    return out


def prefixes(department: str, region: str) -> list[str]:
    """The region and department words that a name may start with, longest first."""
    found = {department, region, *_PROVINCES}
    for place in re.findall(r"[^市省]+?[区县市]", region):
        found |= {place, place[:-1]}
    rest = department.removeprefix(region)
    for place in re.findall(r"[^市省]+?[区县]", department):
        rest = rest.removeprefix(place)
    found.add(rest)
    return sorted((p for p in found if p), key=len, reverse=True)


def strip_prefixes(name: str, drop: Sequence[str]) -> str:
    """Remove leading region/department words; keep the name if nothing would be left."""
    text = name
    changed = True
    while changed:
        changed = False
        for prefix in drop:
            if text.startswith(prefix) and len(text) > len(prefix):
                text = text[len(prefix):]
                changed = True
                break  # start again from the longest prefix
    return text


def assign(names: Sequence[str], units: Sequence[str], drop: Sequence[str]) -> list[str]:
    """Slugs for the reports of one folder, in the order given."""
    bases = [words(strip_prefixes(n, drop)) or ["report"] for n in names]
    same_name: dict[str, int] = defaultdict(int)
    for n in names:
        same_name[n] += 1
    full = [base + (words(strip_prefixes(u, drop))[:UNIT_WORDS] if same_name[n] > 1 else [])
            for base, n, u in zip(bases, names, units)]
    # With a unit suffix the name part stays whole, so the suffix is never cut off.
    keep = [len(b) if same_name[n] > 1 else min(WORDS, len(b)) for b, n in zip(bases, names)]
    extra = [len(f) - len(b) for f, b in zip(full, bases)]
    for _ in range(64):
        slugs = ["-".join(f[:k + e]) for f, k, e in zip(full, keep, extra)]
        clash = defaultdict(list)
        for i, slug in enumerate(slugs):
            clash[slug].append(i)
        grew = False
        for group in clash.values():
            if len({tuple(full[i]) for i in group}) > 1:
                for i in group:
                    if keep[i] < len(bases[i]):
                        keep[i] += 1
                        grew = True
        if not grew:
            break
    seen: dict[str, int] = defaultdict(int)
    out = []
    for slug in slugs:
        seen[slug] += 1
        out.append(slug if seen[slug] == 1 else f"{slug}-{seen[slug]}")
    return out
