"""Indicator targets and actuals, read for the audit (年度指标值 against 实际完成值).

Contract: :func:`judge` takes a target and an actual as printed and returns an
:class:`Outcome`: ``met``, ``missed``, or one of the reasons why the pair cannot
be compared (``no-target``, ``no-actual``, ``target-unparsed``,
``actual-unparsed``, and ``unclear`` for a cost below its target, which may be a
saving or a shortfall). An actual is read when it holds exactly one figure in the
target's unit; a qualitative target is met when the actual restates it or says
it is done (``完成``, ``达标``, ``100%``), missed when the actual qualifies it
(``基本``, ``部分``, ``未…``). Nothing is guessed: a text that does not read as one of the
forms below is counted as unparsed, never forced into a number.

Targets read:

- a comparison and a quantity: ``=100%``, ``>=85%``, ``≥90.00(%)``, ``≧735人次``,
  ``<=4小时``, ``<0.5%``, ``$\\geq 85\\%$``, ``不低于95%``, ``24小时内``, ``10月前``;
- a range ``4-5个`` and an approximation ``约900人`` (met within 10 %);
- a rate per period ``每天3次``;
- a bare quantity ``1项``, ``90%``, ``12.31``: met when the actual reaches it;
- qualitative words with no figure (``提升``, ``建立健全``, ``及时``) and the grade
  scales ``优良中低差``, ``好坏`` (met by their first word);
- a frequency, read as times per year (:func:`frequency`): ``半年1次`` (2), ``一年1次`` (1),
  ``每月1次`` (12), ``每季度`` (4), ``每2个月1次`` (6), ``2次/年``; against a frequency, a bare
  count ``2次`` is times in the year the form reports on. Met when the actual is as often
  or more often.

An actual that denies the target (``无``, ``否``, ``没有``, ``未完成``, ``未…``: :func:`denies`)
misses it, unless the target itself asks for none (``0起``, ``无重大事故``, ``<=5%``).

:func:`tolerance`, :func:`step` and :func:`slack` are the audit's rules on rounding:
a figure rounded to nearest is off by at most half a unit of its last printed digit,
one rounded up or down (as the seeds' execution rates are) by at most one unit, and
a sum by the half units of all its figures.

Direction: an explicit comparison says which way is better. Otherwise a higher
actual is better, except for times (小时, 天, 月 …), deadlines (``前``, ``内``),
zero targets (``0起``) and cost indicators (成本指标), where lower is better. Exceeding an ``=`` target in
the better direction counts as met (``=21人`` with 22 done is not a miss).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from typing import Literal

Outcome = Literal["met", "missed", "no-target", "no-actual", "target-unparsed", "actual-unparsed", "unclear"]

APPROXIMATE = Decimal("0.1")  # ``约900人`` is met by anything within 10 % of 900
TIME_UNITS = ("小时", "分钟", "秒", "天", "日", "工作日", "个工作日", "周", "个月", "月", "年")
SCALE = re.compile(r"^[优良中低差好坏]{2,5}$")  # 优良中低差, 优良中差, 好坏: the first word is the best

_LATEX = [(r"\\geqslant|\\geq|\\ge\b", "≥"), (r"\\leqslant|\\leq|\\le\b", "≤"), (r"\\gt\b", ">"),
          (r"\\lt\b", "<"), (r"\\%", "%"), (r"\\(?:mathrm|text|textrm)\{([^{}]*)\}", r"\1"), (r"[${}\\]", "")]
_OPS = {"大于或等于": ">=", "大于等于": ">=", "不低于": ">=", "不少于": ">=", "至少": ">=",
        ">=": ">=", "≥": ">=", "≧": ">=", "⩾": ">=", "=>": ">=",
        "小于或等于": "<=", "小于等于": "<=", "不高于": "<=", "不超过": "<=", "不多于": "<=",
        "<=": "<=", "≤": "<=", "≦": "<=", "⩽": "<=", "=<": "<=",
        "大于": ">", "高于": ">", "超过": ">", ">": ">", "小于": "<", "低于": "<", "少于": "<", "<": "<",
        "==": "=", "=": "=", "等于": "=", "达到": "=", "大约": "~", "约": "~"}
_OP = re.compile("|".join(re.escape(k) for k in sorted(_OPS, key=len, reverse=True)))
# What may follow a target's quantity, and what it says about direction.
_TAIL = {"": None, "以上": ">=", "及以上": ">=", "以上(含)": ">=", "左右": "~",
         "以内": "<=", "之内": "<=", "以下": "<=", "内": "<=", "前": "<=", "之前": "<=", "底前": "<=",
         "底": "<=", "内完成": "<=", "前完成": "<=", "底前完成": "<=", "底完成": "<="}
_PER = re.compile(r"^每(天|日|周|月|季度|半年|年|次|人|户|件)")
_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_RANGE = re.compile(rf"({_NUMBER})[-~～—至到]({_NUMBER})")
_QUANTITY = re.compile(rf"({_NUMBER})(?:\(([^()\d]{{1,3}})\))?(%|‰|[A-Za-z]+|[\u4e00-\u9fff]{{0,4}})")
_NOTE = re.compile(r"\([^()]*\)")
_UNIT_NOTE = re.compile(r"\((?:%|‰|(?!按)[\u4e00-\u9fff]{1,3})\)")
ZERO = Decimal(0)
_AFFIRMATIVE = ("100%", "是", "已完成", "完成", "达标", "已达标", "达到", "已达到", "实现", "已实现")
_NEGATIVE = ("基本", "部分", "尚未", "未能", "未完成", "未达", "未实现", "未建立", "未及时", "不够",
             "不足", "不到位", "不完善", "不及时", "有待", "较差", "滞后", "延迟", "推迟", "欠缺")


@dataclass(frozen=True)
class Quantity:
    """A figure and its unit as printed (``%``, ``人次``, ``次/天``; empty when bare)."""

    value: Decimal
    unit: str


@dataclass(frozen=True)
class Target:
    """A target read: op is ``>=``, ``>``, ``<=``, ``<``, ``=``, ``~`` (about), ``range`` or ``words``."""

    op: str
    low: Decimal
    high: Decimal
    unit: str
    lower_better: bool
    words: str = ""


@lru_cache(maxsize=1 << 16)  # pure, and reports repeat their targets: read each once
def clean(text: str) -> str:
    """Fold widths, drop LaTeX, tags and white space: ``$\\geq 85\\%$`` → ``≥85%``."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"</?[a-zA-Z][^>]*>", "", text)
    for pattern, repl in _LATEX:
        text = re.sub(pattern, repl, text)
    return "".join(text.split())


def _strip_notes(text: str) -> str:
    """Drop bracketed notes such as ``(按实)`` but keep a bracketed unit after a figure: ``90.00(%)``."""
    def keep(m: re.Match[str]) -> str:
        after_figure = m.start() > 0 and text[m.start() - 1].isdigit()
        return m.group(0) if after_figure and _UNIT_NOTE.fullmatch(m.group(0)) else ""
    return re.sub(r"/项$", "", _NOTE.sub(keep, text))


def _split_unit(text: str) -> tuple[str, str]:
    """Split what follows a figure into unit and tail: ``个月内完成`` → (``个月``, ``内完成``)."""
    for tail in sorted(_TAIL, key=len, reverse=True):
        if tail and text.endswith(tail):
            return text[: -len(tail)], tail
    return text, ""


def _time_unit(unit: str) -> str:
    """``月份完成`` → ``月``: the longest time unit ``unit`` starts with, else ``unit``."""
    return next((u for u in sorted(TIME_UNITS, key=len, reverse=True) if unit.startswith(u)), unit)


@lru_cache(maxsize=1 << 16)  # pure, and reports repeat their targets: read each once
def parse_target(text: str) -> Target | None:
    """Read a target; None when it is not one of the forms this module knows."""
    t = _strip_notes(clean(text))
    if not t:
        return None
    if not re.search(r"\d", t):
        return Target("words", ZERO, ZERO, "", False, t)
    op = per = ""
    for _ in range(2):  # 每天 and the comparison come in either order
        if m := _PER.match(t):
            per, t = m.group(1), t[m.end():]
        if m := _OP.match(t):
            op, t = _OPS[m.group(0)], t[m.end():]
    if span := _RANGE.match(t):
        low, high, paren, rest = _decimal(span.group(1)), _decimal(span.group(2)), None, t[span.end():]
        kind = "range"
    elif single := re.match(rf"({_NUMBER})(\([^()]*\))?", t):
        low = high = _decimal(single.group(1))
        paren, rest = single.group(2), t[single.end():]
        kind = ""
    else:
        return None
    unit, tail = _split_unit(rest)
    unit = paren[1:-1] if paren else unit
    if (paren and rest) or re.search(r"\d|[,;，；、*]", unit) or len(unit) > 4 or (kind and op) or low > high:
        return None
    op = kind or op or _TAIL[tail] or "="
    unit = f"{unit}/{per}" if per else unit
    timed = _time_unit(unit) in TIME_UNITS or _TAIL[tail] == "<="
    lower = op in ("<=", "<") or (op in ("=", "~", "range") and (timed or high == 0))
    return Target(op, low, high, unit, lower)


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def quantities(text: str) -> list[Quantity]:
    """Every figure in an actual, with the unit that follows it."""
    t = clean(text)
    per = _PER.search(t)
    found = []
    for m in _QUANTITY.finditer(t):
        unit = m.group(2) or _time_unit(m.group(3))
        unit = unit if unit in TIME_UNITS else _split_unit(unit)[0]
        if per and per.end() <= m.start():
            unit = f"{unit}/{per.group(1)}"
        found.append(Quantity(_decimal(m.group(1)), unit))
    return found


def _compatible(target_unit: str, actual_unit: str) -> bool:
    """A bare actual takes the target's unit; a bare target only compares with bare figures or %."""
    if not actual_unit:
        return True
    if not target_unit:
        return actual_unit == "%"
    return target_unit.startswith(actual_unit) or actual_unit.startswith(target_unit)


def _words(target: Target, actual: str) -> Outcome:
    """Judge a qualitative target: the actual restates it or says it fell short; anything else is unread."""
    if SCALE.match(target.words):
        return ("met" if actual == target.words[0] else "missed") if len(actual) == 1 and actual in target.words \
            else "actual-unparsed"
    if any(word in actual for word in _NEGATIVE):
        return "missed"
    if actual == target.words or actual in _AFFIRMATIVE:
        return "met"
    return "actual-unparsed"


def compare(target: Target, actual: Quantity) -> bool:
    """Whether ``actual`` meets ``target``."""
    v = actual.value
    if target.op == ">=":
        return v >= target.low
    if target.op == ">":
        return v > target.low
    if target.op == "<=":
        return v <= target.high
    if target.op == "<":
        return v < target.high
    if target.op == "~":
        band = target.low * APPROXIMATE
        return v >= target.low - band if not target.lower_better else v <= target.high + band
    return v <= target.high if target.lower_better else v >= target.low


_PERIODS = {"天": 365, "日": 365, "周": 52, "星期": 52, "个月": 12, "月": 12, "季度": 4, "季": 4,
            "半年": 2, "全年": 1, "年度": 1, "年": 1}
_CN_COUNTS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_COUNT = r"\d+|[一两二三四五六七八九十]"
_PERIOD = "|".join(sorted(_PERIODS, key=len, reverse=True))
# 每月1次, 半年1次, 一年1次, 每2个月1次, 每季度 (once a quarter), 年2次; 2次/年
_EVERY = re.compile(rf"^(?:>=|=)?(每|一)?(?:({_COUNT})个?)?({_PERIOD})(?:({_COUNT})次)?$")
_PER_PERIOD = re.compile(rf"^(?:>=|=)?({_COUNT})次/({_PERIOD})$")
_TIMES = re.compile(rf"^(?:>=|=)?({_COUNT})次$")
_AT_LEAST = re.compile(r"^(?:不少于|不低于|至少|大于或等于|大于等于|≥|≧)")


def _count(text: str) -> Decimal:
    return Decimal(_CN_COUNTS[text]) if text in _CN_COUNTS else Decimal(text)


def frequency(text: str, bare: bool = False) -> Decimal | None:
    """Times per year of a frequency (``半年1次`` → 2, ``每月1次`` → 12, ``每季度`` → 4), else None;
    with ``bare``, a count with no period (``2次``) is times in the year."""
    t = _AT_LEAST.sub(">=", _strip_notes(clean(text)).removesuffix("。"))
    if m := _EVERY.match(t):
        every, span, period, times = m.groups()
        if (not times and every != "每") or _count(span or "1") == 0:  # 12月 is a month, 半年 a span
            return None
        return _count(times or "1") * _PERIODS[period] / _count(span or "1")
    if m := _PER_PERIOD.match(t):
        return _count(m.group(1)) * _PERIODS[m.group(2)]
    if bare and (m := _TIMES.match(t)):
        return _count(m.group(1))
    return None


def frequencies(target: str, actual: str) -> tuple[Decimal, Decimal] | None:
    """(target, actual) as times per year when both read as frequencies and one names its period."""
    want, got = frequency(target), frequency(actual)
    if want is None and got is None:
        return None
    want = want if want is not None else frequency(target, bare=True)
    got = got if got is not None else frequency(actual, bare=True)
    return (want, got) if want is not None and got is not None else None


_DENIALS = ("无", "否", "没有", "不通过", "不合格", "不达标", "不符合")
_DENIAL = re.compile(r"^未[\u4e00-\u9fff]{1,6}$")  # 未完成, 未通过, 未开展
_ASKS_NONE = re.compile(r"无|不|未|没|零|免|禁|杜绝|避免|防止|减少|降低|下降|控制|^0|^=0")


def denies(target: str, actual: str) -> bool:
    """Whether ``actual`` says the target was not done (``无``, ``否``, ``未完成``, ``未…``) and the
    target asks for something to be done (not ``0起``, ``无重大事故``, ``<=5%``, ``减少``)."""
    said = clean(actual).rstrip("。.")
    if said not in _DENIALS and not _DENIAL.match(said):
        return False
    wanted = _OP.sub("", _strip_notes(clean(target)))  # 不低于95% asks for 95%: its 不 is a comparison
    if not wanted or _ASKS_NONE.search(wanted):
        return False
    read = parse_target(target)
    return read is None or read.op == "words" or not (read.lower_better or read.high == 0)


@lru_cache(maxsize=1 << 16)  # pure, and reports repeat their targets: read each once
def judge(target_text: str, actual_text: str, cost: bool = False) -> Outcome:
    """Say whether the actual meets the target, or why the two cannot be compared.

    ``cost`` marks a cost indicator (成本指标), where spending less than the target is better.
    """
    if not clean(target_text):
        return "no-target"
    actual = clean(actual_text)
    if not actual:
        return "no-actual"
    if actual == clean(target_text):  # the actual restates the target: ">50%" for ">50%"
        return "met"
    if denies(target_text, actual_text):
        return "missed"
    if times := frequencies(target_text, actual_text):
        return "met" if times[1] >= times[0] else "missed"
    target = parse_target(target_text)
    if target is None:
        return "target-unparsed"
    if target.op == "words":
        return _words(target, actual)
    found = [q for q in quantities(actual_text) if _compatible(target.unit, q.unit)]
    if len(found) != 1:  # none, or several figures such as 线下206人，线上100人: not guessed
        return "actual-unparsed"
    if cost and target.op in ("=", "~", "range"):
        # Spending more than a cost target misses it; spending less may be a saving or a
        # shortfall, which the figures alone cannot tell.
        if compare(replace(target, lower_better=True), found[0]):
            return "met" if found[0].value >= target.low else "unclear"
        return "missed"
    return "met" if compare(target, found[0]) else "missed"


def tolerance(*printed: Decimal) -> Decimal:
    """Half a unit of the coarsest last printed digit among ``printed``: what rounding explains."""
    exponent = max((int(p.as_tuple().exponent) for p in printed), default=0)
    return Decimal(5).scaleb(exponent - 1)


def step(printed: Decimal) -> Decimal:
    """One unit of the last printed digit: what rounding up or down (not to nearest) explains."""
    return 2 * tolerance(printed)


def slack(*printed: Decimal) -> Decimal:
    """What rounding allows a sum or difference of ``printed`` figures: their half units added up."""
    return sum((tolerance(p) for p in printed), Decimal(0))
