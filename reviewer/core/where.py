"""Where-expressions: one small language to choose images by their columns (numpy only).

``reviewer score|eval|stats|export|slices|splits … --where EXPR`` (repeatable: all must hold) and
the window read it with this one parser. The grammar::

    expr       := term ("or" term)*
    term       := factor ("and" factor)*
    factor     := "not" factor | "(" expr ")" | condition
    condition  := column OP value                     OP: = == != < <= > >=
                | column ["not"] "in" value ("," value)*   (or a parenthesised list)
                | column "is" ["not"] "missing"
    column     := NAME ["." PART]     PART of a date/time column: date, year, month, day,
                                      hour, weekday (1 = Monday … 7 = Sunday)
    value      := WORD | "quoted text" | 'quoted text'

Words run until a space, a comparison sign, a comma or a bracket; quote a value (or a column
name) holding those. Keywords (and, or, not, in, is, missing) are case-insensitive.

Meaning, per kind of column (``metadata.Column``):

- number: values are numbers (``hour>=20``, ``angle in 1,2``);
- text: exact, case-sensitive text (``split=valid``, ``camera in A,B``); ``<`` and ``>``
  compare alphabetically;
- datetime: ISO 8601 values; a value names an interval at its precision, so
  ``date_captured=2024-05-01`` is that whole day, ``<2024-05`` is before May, ``>=2024-05-01T20``
  is from 20:00 on;
- tags (the column ``tag``): ``tag=occlusion`` the image (or one of its objects) carries the tag,
  ``tag in a,b`` any of them, ``tag is missing`` none.

A missing value satisfies only ``!=``, ``not in`` and ``is missing``. An invalid expression is a
``WhereError`` whose message quotes the expression with a caret under the offending column or
value; an equality with a text value no image has is a *warning* (a typo selects nothing).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .metadata import Column, parse_datetime, parse_number, present

OPS = ("==", "!=", "<=", ">=", "=", "<", ">")
PARTS = ("date", "year", "month", "day", "hour", "weekday")
KEYWORDS = frozenset({"and", "or", "not", "in", "is", "missing"})
_TOKEN = re.compile(r"""\s*(?:(?P<op>==|!=|<=|>=|=|<|>)|(?P<punct>[(),])|"""
                    r"""(?P<quoted>"[^"]*"|'[^']*')|(?P<word>[^\s=!<>(),"']+))""")


class WhereError(ValueError):
    """An unusable expression; ``str()`` quotes it with a caret under the problem."""

    def __init__(self, text: str, start: int, end: int, message: str):
        self.text, self.start, self.end, self.message = text, start, end, message
        caret = " " * start + "^" * max(1, end - start)
        super().__init__(f"--where {text!r}: {message}\n    {text}\n    {caret}")


@dataclass(frozen=True)
class Token:
    kind: str  # op, punct, quoted, word, end
    text: str
    start: int
    end: int

    @property
    def value(self) -> str:
        return self.text[1:-1] if self.kind == "quoted" else self.text

    def keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


def tokenize(text: str) -> list[Token]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            bad = len(text) - len(text[pos:].lstrip())
            raise WhereError(text, bad, bad + 1, "unexpected character (a quote left open?)")
        kind = m.lastgroup
        out.append(Token(kind, m.group(kind), m.start(kind), m.end(kind)))
        pos = m.end()
    out.append(Token("end", "", len(text), len(text)))
    return out


# --- the tree ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Condition:
    column: Token
    part: str | None
    op: str  # = != < <= > >= in notin missing present
    values: tuple = ()


@dataclass(frozen=True)
class Node:
    op: str  # and, or, not
    children: tuple = ()


@dataclass
class _Parser:
    text: str
    tokens: list
    pos: int = 0

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def fail(self, tok: Token, message: str):
        raise WhereError(self.text, tok.start, max(tok.end, tok.start + 1), message)

    def expr(self):
        items = [self.term()]
        while self.peek().keyword("or"):
            self.take()
            items.append(self.term())
        return items[0] if len(items) == 1 else Node("or", tuple(items))

    def term(self):
        items = [self.factor()]
        while self.peek().keyword("and"):
            self.take()
            items.append(self.factor())
        return items[0] if len(items) == 1 else Node("and", tuple(items))

    def factor(self):
        tok = self.peek()
        if tok.keyword("not"):
            self.take()
            return Node("not", (self.factor(),))
        if tok.kind == "punct" and tok.text == "(":
            self.take()
            inner = self.expr()
            if not (self.peek().kind == "punct" and self.peek().text == ")"):
                self.fail(self.peek(), "expected ')'")
            self.take()
            return inner
        return self.condition()

    def condition(self) -> Condition:
        col = self.take()
        if col.kind not in ("word", "quoted") or (col.kind == "word" and col.text.lower()
                                                  in KEYWORDS):
            self.fail(col, "expected a column name (e.g. split=valid)")
        name, part = col.value, None
        if col.kind == "word" and "." in name and name.rsplit(".", 1)[1].lower() in PARTS:
            name, part = name.rsplit(".", 1)
            part = part.lower()
            col = Token("word", name, col.start, col.start + len(name))
        tok = self.take()
        if tok.kind == "op":
            return Condition(col, part, "=" if tok.text == "==" else tok.text,
                             (self.value(),))
        if tok.keyword("not") and self.peek().keyword("in"):
            self.take()
            return Condition(col, part, "notin", self.value_list())
        if tok.keyword("in"):
            return Condition(col, part, "in", self.value_list())
        if tok.keyword("is"):
            negate = self.peek().keyword("not")
            if negate:
                self.take()
            if not self.peek().keyword("missing"):
                self.fail(self.peek(), "expected 'missing' (is missing / is not missing)")
            self.take()
            return Condition(col, part, "present" if negate else "missing")
        self.fail(tok, "expected a comparison (= != < <= > >=), 'in' or 'is missing' after "
                       f"the column {col.value!r}")

    def value(self) -> Token:
        tok = self.take()
        if tok.kind not in ("word", "quoted"):
            self.fail(tok, "expected a value")
        return tok

    def value_list(self) -> tuple:
        paren = self.peek().kind == "punct" and self.peek().text == "("
        if paren:
            self.take()
        values = [self.value()]
        while self.peek().kind == "punct" and self.peek().text == ",":
            self.take()
            values.append(self.value())
        if paren:
            if not (self.peek().kind == "punct" and self.peek().text == ")"):
                self.fail(self.peek(), "expected ')' after the list of values")
            self.take()
        return tuple(values)


def parse(text: str):
    """The tree of ``text`` (``Node`` / ``Condition``); WhereError when it is not an
    expression of the grammar."""
    if not text or not text.strip():
        raise WhereError(text or "", 0, 1, "empty expression (e.g. split=valid)")
    p = _Parser(text, tokenize(text))
    tree = p.expr()
    if p.peek().kind != "end":
        p.fail(p.peek(), "unexpected text after the expression (join conditions with 'and' "
                         "or 'or')")
    return tree


# --- evaluation -----------------------------------------------------------------------------------
@dataclass
class Selection:
    """What an expression selected: mask (N,) bool and warnings (one line each)."""

    mask: np.ndarray
    warnings: list = field(default_factory=list)


def select(texts, n: int, column: Callable[[str], Column | None], names=()) -> Selection:
    """Rows passing every expression of ``texts`` (a string or several; none = every row).

    column(name) -> the ``Column`` (None when unknown); names: the known columns, for the
    message of an unknown one."""
    if isinstance(texts, str):
        texts = [texts]
    out = Selection(np.ones(n, bool))
    for text in texts or ():
        tree = parse(text)
        ev = _Evaluator(text, n, column, list(names), out.warnings)
        out.mask &= ev.run(tree)
    return out


@dataclass
class _Evaluator:
    text: str
    n: int
    lookup: Callable
    names: list
    warnings: list

    def run(self, tree) -> np.ndarray:
        if isinstance(tree, Node):
            parts = [self.run(c) for c in tree.children]
            if tree.op == "not":
                return ~parts[0]
            return np.logical_and.reduce(parts) if tree.op == "and" else \
                np.logical_or.reduce(parts)
        return self.condition(tree)

    def fail(self, tok: Token, message: str):
        raise WhereError(self.text, tok.start, tok.end, message)

    def column(self, cond: Condition) -> Column:
        col = self.lookup(cond.column.value)
        if col is None:
            near = difflib.get_close_matches(cond.column.value, self.names, 1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            self.fail(cond.column, f"unknown column {cond.column.value!r} ({hint}columns: "
                                   f"{', '.join(self.names) or 'none'})")
        if cond.part is None:
            return col
        if col.kind != "datetime":
            self.fail(cond.column, f".{cond.part} needs a date/time column; {col.name!r} holds "
                                   f"{col.kind} values")
        return date_part(col, cond.part)

    def condition(self, cond: Condition) -> np.ndarray:
        col = self.column(cond)
        has = present(col.kind, col.values)
        if cond.op in ("missing", "present"):
            return ~has if cond.op == "missing" else has
        if col.kind == "tags":
            return self.tags(col, cond)
        if cond.op in ("in", "notin"):
            hit = np.zeros(self.n, bool)
            for tok in cond.values:
                hit |= self.compare(col, "=", tok, has)
            return hit if cond.op == "in" else ~hit
        hit = self.compare(col, "=" if cond.op == "!=" else cond.op, cond.values[0], has)
        return ~hit if cond.op == "!=" else hit

    def compare(self, col: Column, op: str, tok: Token, has: np.ndarray) -> np.ndarray:
        if col.kind == "number":
            v = parse_number(tok.value)
            if v is None:
                self.fail(tok, f"{col.name!r} holds numbers; {tok.value!r} is not a number")
            return _ordered(col.values.astype(np.float64), op, v, None, has)
        if col.kind == "datetime":
            lo, hi = _interval(tok.value)
            if lo is None:
                self.fail(tok, f"{col.name!r} holds dates and times; {tok.value!r} is not an "
                               "ISO 8601 date or time (e.g. 2024-05-01 or 2024-05-01T20:00)")
            return _ordered(col.values, op, lo, hi, has)
        values = col.values
        if op == "=":
            hit = np.fromiter((v == tok.value for v in values), bool, len(values))
            if not hit.any() and has.any():
                self.warn(col, tok, values)
            return hit
        keyed = np.asarray([v if v is not None else "" for v in values], dtype=object)
        return has & _ordered_text(keyed, op, tok.value)

    def warn(self, col: Column, tok: Token, values) -> None:
        seen = sorted({str(v) for v in values if v is not None})
        near = difflib.get_close_matches(tok.value, seen, 1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        shown = ", ".join(seen[:12]) + (", …" if len(seen) > 12 else "")
        self.warnings.append(f"--where {self.text!r}: no image has {col.name}={tok.value!r}"
                             f"{hint}; its values: {shown}")

    def tags(self, col: Column, cond: Condition) -> np.ndarray:
        if cond.op not in ("=", "!=", "in", "notin"):
            self.fail(cond.column, "tags take =, !=, in, not in and is missing")
        wanted = {t.value.casefold() for t in cond.values}
        hit = np.fromiter((any(n.casefold() in wanted for n in v) for v in col.values), bool,
                          len(col.values))
        known = {n.casefold() for v in col.values for n in v}
        for tok in cond.values:
            if tok.value.casefold() not in known:
                self.warnings.append(f"--where {self.text!r}: no image carries the tag "
                                     f"{tok.value!r}")
        return hit if cond.op in ("=", "in") else ~hit


def _ordered(values: np.ndarray, op: str, lo, hi, has: np.ndarray) -> np.ndarray:
    """Compare with a value naming the interval [lo, hi) (hi None: the point lo)."""
    point = hi is None
    with np.errstate(invalid="ignore"):
        if op == "=":
            out = values == lo if point else (values >= lo) & (values < hi)
        elif op == "<":
            out = values < lo
        elif op == "<=":
            out = values <= lo if point else values < hi
        elif op == ">":
            out = values > lo if point else values >= hi
        else:
            out = values >= lo
    return np.asarray(out, bool) & has


def _ordered_text(values: np.ndarray, op: str, v: str) -> np.ndarray:
    fn = {"<": str.__lt__, "<=": str.__le__, ">": str.__gt__, ">=": str.__ge__}[op]
    return np.fromiter((fn(str(x), v) for x in values), bool, len(values))


def _interval(text: str):
    """An ISO 8601 value -> [start, end) as datetime64[s] at the value's precision."""
    t = text.strip()
    for pattern, unit in ((r"^\d{4}$", "Y"), (r"^\d{4}-\d{2}$", "M")):
        if re.match(pattern, t):
            start = np.datetime64(t, unit)
            return start.astype("datetime64[s]"), (start + 1).astype("datetime64[s]")
    point = parse_datetime(t)
    if point is None:
        return None, None
    body = t.split("+")[0].rstrip("Z")
    clock = body[11:] if len(body) > 10 else ""
    unit = "D" if not clock else {2: "h", 5: "m"}.get(len(clock), "s")
    start = point.astype(f"datetime64[{unit}]")
    return start.astype("datetime64[s]"), (start + 1).astype("datetime64[s]")


def date_part(col: Column, part: str) -> Column:
    """A date/time column's ``part`` as a column of its own (``date``: a datetime column at day
    precision; the others: numbers)."""
    v = col.values.astype("datetime64[s]")
    missing = np.isnat(v)
    if part == "date":
        return Column(f"{col.name}.date", "datetime", v.astype("datetime64[D]")
                      .astype("datetime64[s]"))
    days = v.astype("datetime64[D]")
    if part == "hour":
        out = (v - days).astype("timedelta64[h]").astype(np.float64)
    elif part == "year":
        out = v.astype("datetime64[Y]").astype(np.int64).astype(np.float64) + 1970
    elif part == "month":
        out = (v.astype("datetime64[M]").astype(np.int64) % 12 + 1).astype(np.float64)
    elif part == "day":
        out = (days - v.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1.0
    else:  # weekday, ISO: 1970-01-01 was a Thursday (4)
        out = ((days.astype(np.int64) + 3) % 7 + 1).astype(np.float64)
    out = np.where(missing, np.nan, out)
    return Column(f"{col.name}.{part}", "number", out)
