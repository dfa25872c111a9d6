"""Find step-name positions (string literals that name a pipeline step) in Python source text.

Pure: no pygls or lsprotocol. Every column is a code-point index into the line (a Python ``str``
index); converting to the client's position encoding is the renderer's job.

How it stays correct and fast on code that is being typed:

* A string-, comment- and bracket-aware line scanner splits the document into logical lines. An
  unclosed bracket is abandoned where the next statement seems to start, so a half-written
  call does not swallow the rest of the file.
* Logical lines whose step position is certain without a parser are read directly: a plain call
  with simple arguments (``dag.add_node("A")``, one regular expression) and a statement that
  starts with the only step-name word in it (``cfg = STEP_NAMES["A"]["x"]``, a multi-line
  ``add_edge(...)``, a ``STEP_NAMES = {...}`` registry).
* The other logical lines that mention a step-name word are parsed in small units cut at
  statement boundaries (an indented unit is wrapped in ``if 1:`` headers): with :mod:`ast`,
  several consecutive units at once, and with parso's error-tolerant parser for a unit that
  ``ast`` rejects.
* Parsers only locate the bracket that opens a step position: the call's ``(``, the subscript's
  ``[``, the registry dict's ``{``. One tokenizer reads the literals inside every such bracket,
  whoever found it, so the paths agree by construction (and tests check that they do).
* :class:`DocumentAnalyzer` caches scanned lines, read statements and parsed units by their
  text, so after an edit only what changed is read again.
"""

from __future__ import annotations

import ast
import keyword
import re
import threading
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from enum import Enum
from functools import cached_property, lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any, NamedTuple

import parso.grammar

__all__ = [
    "DEFINITION_DICTS",
    "PIPELINE_DAG",
    "STEP_NAME_CALLS",
    "STEP_NAME_SUBSCRIPTS",
    "ArgumentSlot",
    "DocumentAnalysis",
    "DocumentAnalyzer",
    "ReferenceKind",
    "StepReference",
    "analyze",
    "warm_up",
]

STEP_NAME_CALLS: frozenset[str] = frozenset(
    {
        "add_node",
        "add_edge",
        "get_config_class_name",
        "get_builder_step_name",
        "get_spec_step_type",
        "get_step_description",
        "get_sagemaker_step_type",
    }
)
"""Functions and methods whose string arguments are step names."""

STEP_NAME_SUBSCRIPTS: frozenset[str] = frozenset(
    {"STEP_NAMES", "BUILDER_STEP_NAMES", "SPEC_STEP_TYPES"}
)
"""Dicts whose subscript key is a step name: ``STEP_NAMES["XGBoostTraining"]``."""

DEFINITION_DICTS: frozenset[str] = frozenset({"STEP_NAMES", "LOCAL_STEPS", "STEP_OVERRIDES"})
"""Module-level dicts whose top-level keys define step names."""

PIPELINE_DAG = "PipelineDAG"
"""``PipelineDAG(nodes=[...], edges=[(..., ...)])``: positional or keyword."""


class ReferenceKind(str, Enum):
    """A use of a step name, or its definition (a top-level key of a registry dict)."""

    USE = "use"
    DEFINITION = "definition"


_USE = ReferenceKind.USE


@dataclass(frozen=True, slots=True)
class StepReference:
    """A string literal in a step-name position. Columns are code points on ``line``."""

    value: str
    """Raw source text between the quotes; for an unclosed literal, the rest of the line."""
    line: int
    start_col: int
    """First content character, just after the opening quote."""
    end_col: int
    """Just after the last content character (before the closing quote)."""
    kind: ReferenceKind
    context: str
    """What makes it a step position: "add_node", "STEP_NAMES", "PipelineDAG.nodes", ..."""
    quote: str
    closed: bool
    literal_start_col: int
    """Start of the whole literal: its prefix (``r``/``u``) or opening quote."""
    literal_end_col: int
    """Just after the closing quote; equal to ``end_col`` when the literal is unclosed."""


@dataclass(frozen=True, slots=True)
class ArgumentSlot:
    """Whitespace inside a step-name call, subscript or DAG list where a string argument could be
    typed but none is: ``add_node(|)``, ``add_edge("A", |)``, ``nodes=[|]``. One slot per line
    of the gap; completion offers quoted names anywhere in ``[start_col, end_col]``."""

    line: int
    col: int
    """Where an inserted argument goes: the end of the whitespace run (== ``end_col``)."""
    start_col: int
    end_col: int
    context: str


@dataclass(frozen=True)
class DocumentAnalysis:
    """Step-name references (sorted by position) and empty argument slots of one document."""

    references: tuple[StepReference, ...] = ()
    slots: tuple[ArgumentSlot, ...] = ()

    def reference_at(self, line: int, col: int) -> StepReference | None:
        """The reference whose content span contains ``col``; both ends count, so a cursor just
        after the last character (or inside an empty ``""``) finds it."""
        for ref in self._references_by_line.get(line, ()):
            if ref.start_col <= col <= ref.end_col:
                return ref
        return None

    def slot_at(self, line: int, col: int) -> ArgumentSlot | None:
        for slot in self._slots_by_line.get(line, ()):
            if slot.start_col <= col <= slot.end_col:
                return slot
        return None

    def uses(self) -> tuple[StepReference, ...]:
        return tuple(r for r in self.references if r.kind is ReferenceKind.USE)

    def definitions(self) -> tuple[StepReference, ...]:
        return tuple(r for r in self.references if r.kind is ReferenceKind.DEFINITION)

    @cached_property
    def _references_by_line(self) -> dict[int, list[StepReference]]:
        by_line: dict[int, list[StepReference]] = {}
        for ref in self.references:
            by_line.setdefault(ref.line, []).append(ref)
        return by_line

    @cached_property
    def _slots_by_line(self) -> dict[int, list[ArgumentSlot]]:
        by_line: dict[int, list[ArgumentSlot]] = {}
        for slot in self.slots:
            by_line.setdefault(slot.line, []).append(slot)
        return by_line


def warm_up() -> None:
    """Load parso's grammar now (tens of milliseconds, once per process) rather than on the
    first keystroke that leaves a syntax error. Optional."""
    _parso_grammar()


def analyze(text: str, step_name_calls: Iterable[str] = ()) -> DocumentAnalysis:
    """Analyse ``text`` from scratch. Editors should keep a :class:`DocumentAnalyzer` per
    document instead, which re-analyses an edited document much faster."""
    return DocumentAnalyzer().analyze(text, step_name_calls)


# --------------------------------------------------------------------------------------------
# Names


class _Names:
    """The step-name vocabulary for one ``step_name_calls`` setting."""

    def __init__(self, extra_calls: frozenset[str]) -> None:
        self.calls = STEP_NAME_CALLS | extra_calls
        every = sorted(self.calls | {PIPELINE_DAG} | STEP_NAME_SUBSCRIPTS | DEFINITION_DICTS)
        self.trigger = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, every)) + r")(?!\w)")


@lru_cache(maxsize=32)
def _names_for(extra_calls: frozenset[str]) -> _Names:
    usable = (name for name in extra_calls if name.isidentifier() and not keyword.iskeyword(name))
    return _Names(frozenset(usable))


# --------------------------------------------------------------------------------------------
# Relative results. A unit's results are cached relative to its first line and turned into
# StepReference / ArgumentSlot objects with absolute lines when a document is assembled.


# Plain tuples (made by the thousand, so no NamedTuple), lines relative to their unit: (line,
# start_col, end_col, value, quote, closed, literal_start_col, literal_end_col, kind, context)
_RelRef = tuple[int, int, int, str, str, bool, int, int, ReferenceKind, str]
# (line, start_col, end_col, context)
_RelSlot = tuple[int, int, int, str]
_UnitResult = tuple[tuple[_RelRef, ...], tuple[_RelSlot, ...]]
_NO_RESULT: _UnitResult = ((), ())


# A frozen dataclass sets each field through object.__setattr__, which makes the thousands of
# references of a large document slow to build. _make_ref fills the slots directly instead:
# the same object, several times faster (a test checks it equals the constructor's).
_new_object = object.__new__
(
    _set_value,
    _set_line,
    _set_start_col,
    _set_end_col,
    _set_kind,
    _set_context,
    _set_quote,
    _set_closed,
    _set_literal_start_col,
    _set_literal_end_col,
) = (getattr(StepReference, f.name).__set__ for f in fields(StepReference))


def _make_ref(r: _RelRef, base: int) -> StepReference:
    line, start, end, value, quote, closed, literal_start, literal_end, kind, context = r
    ref: StepReference = _new_object(StepReference)
    _set_value(ref, value)
    _set_line(ref, base + line)
    _set_start_col(ref, start)
    _set_end_col(ref, end)
    _set_kind(ref, kind)
    _set_context(ref, context)
    _set_quote(ref, quote)
    _set_closed(ref, closed)
    _set_literal_start_col(ref, literal_start)
    _set_literal_end_col(ref, literal_end)
    return ref


def _make_slot(s: _RelSlot, base: int) -> ArgumentSlot:
    line, start, end, context = s
    return ArgumentSlot(base + line, end, start, end, context)


# --------------------------------------------------------------------------------------------
# Shared tokenizer: reads the literals inside a step-position bracket.

_SPACE = re.compile(r"[ \t\f]*")
# The body of a single-quoted literal on one line: stops before the closing quote, at the end
# of the line, or before a final backslash (which continues the literal on the next line).
_SINGLE_BODY = {q: re.compile(rf"[^{q}\\]*(?:\\.[^{q}\\]*)*") for q in "'\""}
_TRIPLE_END = {q * 3: re.compile(rf"(?:[^{q}\\]|\\.|{q}(?!{q}{q}))*{q}{q}{q}") for q in "'\""}


def _body_end(quote: str, text: str, pos: int) -> int:
    """Where the body of a single-quoted literal starting at ``pos`` stops on this line."""
    return _SINGLE_BODY[quote].match(text, pos).end()  # type: ignore[union-attr]


_TOKEN = re.compile(
    r"""[ \t\f]*(?:
      (?P<prefix>(?:[rR][bBfF]?|[bBfF][rR]?|[uU])?)
      (?: (?P<triple>'''|\"\"\")
        | "(?P<d>[^"\\]*(?:\\.[^"\\]*)*)"
        | '(?P<s>[^'\\]*(?:\\.[^'\\]*)*)'
        | (?P<quote>["'])
      )
    | (?P<name>\w+)
    | (?P<op>:=|==|!=|<=|>=|->|\*\*=?|//=?|<<=?|>>=?|[-+*/%&|^@]=|\.\.\.|[-+*/%&|^~<>=.:;,@!])
    | (?P<open>[(\[{])
    | (?P<close>[)\]}])
    | (?P<end>\#|\\$|$)
    | (?P<other>.)
    )""",
    re.VERBOSE,
)
_ELIGIBLE_PREFIXES = frozenset({"", "r", "R", "u", "U"})


class _Tok(NamedTuple):
    """A name or operator token."""

    name: bool  # a name (or number); else an operator
    text: str
    line: int
    col: int


class _Str(NamedTuple):
    """A string literal token. Only an ``eligible`` one (one line, not triple-quoted, no f/b
    prefix) can be a step name."""

    line: int
    col: int  # literal start (prefix)
    start: int  # content start
    end: int  # content end
    end_col: int  # literal end
    quote: str
    closed: bool
    eligible: bool


class _Element:
    """One comma-separated element of a bracket: its tokens and nested groups."""

    __slots__ = ("end", "items", "start")

    def __init__(self, start: tuple[int, int]) -> None:
        self.items: list[_Tok | _Str | _Group] = []
        self.start = start  # just after the separator before it
        self.end = start  # at the separator or bracket after it


class _Group:
    """A bracketed region: ``(...)``, ``[...]`` or ``{...}``."""

    __slots__ = ("char", "closed_at", "comprehension", "elements")

    def __init__(self, char: str, line: int, col: int) -> None:
        self.char = char
        self.elements = [_Element((line, col + 1))]
        self.comprehension = False
        self.closed_at: tuple[int, int] | None = None  # just after the closing bracket


_Item = _Tok | _Str | _Group


def _read_group(
    lines: Sequence[str], line: int, col: int, seen: dict[tuple[int, int], _Group]
) -> _Group:
    """Read the bracketed region that opens at (line, col) up to its close, the end of
    ``lines`` or an unclosed literal (which ends the reading: the rest of the line is its).
    Every group read, nested ones included, is added to ``seen`` by where it opens."""
    root = _Group(lines[line][col], line, col)
    seen[line, col] = root
    stack = [root]
    group = root
    element = root.elements[0]
    n_lines = len(lines)
    text = lines[line]
    col += 1
    match = _TOKEN.match
    while True:
        m = match(text, col)
        assert m is not None  # every alternative but "end" consumes a character
        kind = m.lastgroup
        if kind == "end":
            line += 1
            if line == n_lines:
                break
            text = lines[line]
            col = 0
            continue
        at = m.start(kind or "other")
        col = m.end()
        if kind == "d" or kind == "s":
            start, end = m.span(kind)
            eligible = m.group("prefix") in _ELIGIBLE_PREFIXES
            quote = '"' if kind == "d" else "'"
            element.items.append(
                _Str(line, m.start("prefix"), start, end, col, quote, True, eligible)
            )
        elif kind == "open":
            inner = _Group(m.group("open"), line, at)
            seen[line, at] = inner
            element.items.append(inner)
            stack.append(inner)
            group = inner
            element = inner.elements[0]
        elif kind == "close":
            element.end = (line, at)
            group.closed_at = (line, col)
            stack.pop()
            if not stack:
                return root
            group = stack[-1]
            element = group.elements[-1]
        elif kind == "op" and m.group("op") == ",":
            element.end = (line, at)
            element = _Element((line, col))
            group.elements.append(element)
        elif kind == "name" or kind == "op" or kind == "other":
            token = m.group(kind)
            if token == "for":
                group.comprehension = True
            element.items.append(_Tok(kind == "name", token, line, at))
        else:  # "triple" or "quote": a literal that does not close on this line
            literal_start = m.start("prefix")
            start_line = line
            closed_at = -1
            if kind == "triple":
                delimiter = m.group("triple")
                close = _TRIPLE_END[delimiter].match(text, col)
                while close is None and line + 1 < n_lines:
                    line += 1
                    text = lines[line]
                    close = _TRIPLE_END[delimiter].match(text)
                if close is not None:
                    closed_at = close.end()
            else:
                quote = m.group("quote")
                if _body_end(quote, text, col) == len(text):  # unclosed: it ends with the line
                    eligible = m.group("prefix") in _ELIGIBLE_PREFIXES
                    end = len(text)
                    element.items.append(
                        _Str(line, literal_start, col, end, end, quote, False, eligible)
                    )
                    col = end
                    break
                while line + 1 < n_lines:  # a final backslash continues it on the next line
                    line += 1
                    text = lines[line]
                    end = _body_end(quote, text, 0)
                    if end < len(text) and text[end] == quote:
                        closed_at = end + 1
                        break
                    if end == len(text):
                        break
            if closed_at < 0:
                col = len(text)
                break
            col = closed_at
            element.items.append(
                _Str(start_line, literal_start, literal_start, literal_start, col, "", True, False)
            )
    # Ran out of lines (or stopped at an unclosed literal): every open group ends here.
    last_line = min(line, n_lines - 1)
    stop = (last_line, len(lines[last_line]) if line >= n_lines else col)
    for open_group in stack:
        open_group.elements[-1].end = stop
    return root


def _is_op(item: _Item, text: str) -> bool:
    return isinstance(item, _Tok) and not item.name and item.text == text


def _keyword(items: list[_Item]) -> str | None:
    """The keyword of a ``name=value`` element."""
    if len(items) >= 2 and _is_op(items[1], "="):
        first = items[0]
        if isinstance(first, _Tok) and first.name:
            return first.text
    return None


def _string_item(items: list[_Item], keyword_ok: bool) -> _Str | None:
    if len(items) == 1:
        item = items[0]
    elif keyword_ok and len(items) == 3 and _keyword(items) is not None:
        item = items[2]
    else:
        return None
    return item if isinstance(item, _Str) and item.eligible else None


class _Reader:
    """Turns step-position brackets into references and slots."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self.refs: list[_RelRef] = []
        self.slots: list[_RelSlot] = []
        # Groups already read, so that nested step positions are not read again (read the
        # outer ones first).
        self.groups: dict[tuple[int, int], _Group] = {}

    def ref(self, s: _Str, kind: ReferenceKind, context: str) -> None:
        value = self.lines[s.line][s.start : s.end]
        self.refs.append(
            (s.line, s.start, s.end, value, s.quote, s.closed, s.col, s.end_col, kind, context)
        )

    def gap(self, start: tuple[int, int], end: tuple[int, int], context: str) -> None:
        """Slots over the whitespace between ``start`` and ``end`` (one per line)."""
        line, col = start
        last_line, last_col = end
        while line <= last_line:
            text = self.lines[line]
            stop = _SPACE.match(text, col).end()  # type: ignore[union-attr]
            if line == last_line:
                stop = min(stop, max(last_col, col))
            self.slots.append((line, col, stop, context))
            line += 1
            col = 0

    def strings(self, group: _Group, context: str, keyword_ok: bool) -> None:
        """References for the string elements of ``group``; slots for its empty ones."""
        if group.comprehension:
            return
        for element in group.elements:
            items = element.items
            found = _string_item(items, keyword_ok)
            if found is not None:
                self.ref(found, ReferenceKind.USE, context)
            elif not items:
                self.gap(element.start, element.end, context)
            elif keyword_ok and len(items) == 2 and _keyword(items) is not None:
                equals = items[1]
                assert isinstance(equals, _Tok)
                self.gap((equals.line, equals.col + 1), element.end, context)

    def read(self, kind: int, name: str, line: int, col: int) -> _Group | None:
        """Read the step position that a parser found at (line, col)."""
        text = self.lines[line] if 0 <= line < len(self.lines) else ""
        if col >= len(text) or text[col] != _CONTEXT_BRACKET[kind]:
            return None  # a parser position that does not point at the bracket: ignore it
        group = self.groups.get((line, col)) or _read_group(self.lines, line, col, self.groups)
        if kind == _CALL:
            self.strings(group, name, keyword_ok=True)
        elif kind == _SUBSCRIPT:
            if len(group.elements) == 1:
                self.strings(group, name, keyword_ok=False)
        elif kind == _DAG:
            self.dag(group)
        elif not group.comprehension:
            for element in group.elements:
                items = element.items
                colon = next((i for i, item in enumerate(items) if _is_op(item, ":")), -1)
                key = _string_item(items[:colon], keyword_ok=False) if colon > 0 else None
                if key is not None:
                    self.ref(key, ReferenceKind.DEFINITION, name)
        return group

    def dag(self, group: _Group) -> None:
        if group.comprehension:
            return
        position = 0
        for element in group.elements:
            items = element.items
            keyword = _keyword(items)
            if keyword is None:
                argument = ("nodes", "edges")[position] if position < 2 else ""
                position += 1
            else:
                argument, items = keyword, items[2:]
            if argument not in ("nodes", "edges") or len(items) != 1:
                continue
            value = items[0]
            if not isinstance(value, _Group) or value.char == "{":
                continue
            if argument == "nodes":
                self.strings(value, "PipelineDAG.nodes", keyword_ok=False)
            elif not value.comprehension:
                for edge in value.elements:
                    if len(edge.items) == 1:
                        pair = edge.items[0]
                        if isinstance(pair, _Group) and pair.char != "{":
                            self.strings(pair, "PipelineDAG.edges", keyword_ok=False)

    def result(self) -> _UnitResult:
        refs = sorted(set(self.refs), key=lambda r: (r[0], r[1]))
        slots = sorted(set(self.slots), key=lambda s: (s[0], s[1]))
        return tuple(refs), tuple(slots)


# Context kinds: what a parser found at a bracket.
_CALL, _SUBSCRIPT, _DAG, _DEFINITION = range(4)
_CONTEXT_BRACKET = {_CALL: "(", _SUBSCRIPT: "[", _DAG: "(", _DEFINITION: "{"}
_Context = tuple[int, str, int, int]  # kind, name, line, col (relative to the unit)


def _next_code(lines: Sequence[str], line: int, col: int) -> tuple[int, int] | None:
    """The next position after (line, col) that is not whitespace, a comment or a ``\\``."""
    while line < len(lines):
        text = lines[line]
        col = _SPACE.match(text, col).end()  # type: ignore[union-attr]
        if (
            col < len(text)
            and text[col] != "#"
            and not (text[col] == "\\" and col == len(text) - 1)
        ):
            return line, col
        line += 1
        col = 0
    return None


def _code_point_col(text: str, byte_col: int) -> int:
    if text.isascii():
        return byte_col
    return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))


# --------------------------------------------------------------------------------------------
# Line scanner: string, comment and bracket state at each line start, and the logical lines
# that can be read without a parser.

_LINE_BREAK = re.compile(r"\r\n?|\n")
_HEAD = re.compile(r"([ \t\f]*)(\w*)")
_INTERESTING = re.compile(r"['\"#()\[\]{}\\]")
_LAST_WORD = re.compile(r"\w+$")

_NAME = r"[^\W\d]\w*"
_FAST_STR_SRC = r"""[rRuU]?(?:"[^"\\]*(?:\\.[^"\\]*)*"|'[^'\\]*(?:\\.[^'\\]*)*')"""
_VALUE = rf"(?:{_FAST_STR_SRC}|{_NAME}(?:[ \t]*\.[ \t]*{_NAME})*|[0-9]+(?![\w.]))"
_ITEM = rf"(?:{_NAME}[ \t]*=(?!=)[ \t]*)?{_VALUE}"
# "Fast line": a whole line that is a call with simple arguments, optionally assigned to a name.
# Its only possible step position is the call itself, and its string arguments are its
# references, so one regular expression reads it.
_FAST_LINE = re.compile(
    rf"[ \t]*(?:{_NAME}[ \t]*=(?!=)[ \t]*)?(?:{_NAME}[ \t]*\.[ \t]*)*(?P<fn>{_NAME})[ \t]*"
    rf"\((?P<args>[ \t]*{_ITEM}[ \t]*(?:,[ \t]*{_ITEM}[ \t]*)*)\)[ \t]*(?:#.*)?"
)
_FAST_STR = re.compile(
    r"""[rRuU]?(?:"(?P<d>[^"\\]*(?:\\.[^"\\]*)*)"|'(?P<s>[^'\\]*(?:\\.[^'\\]*)*)')"""
)
_STR_GROUPS = (
    r"""(?P<{0}>[rRuU]?(?:"(?P<{0}d>[^"\\]*(?:\\.[^"\\]*)*)"|'(?P<{0}s>[^'\\]*(?:\\.[^'\\]*)*)'))"""
)
# The commonest fast lines, ``add_node("A")`` and ``add_edge("A", "B")``, in one match.
_FAST_PAIR = re.compile(
    rf"(?P<indent>[ \t]*)(?:{_NAME}[ \t]*=(?!=)[ \t]*)?(?:{_NAME}[ \t]*\.[ \t]*)*"
    rf"(?P<fn>{_NAME})[ \t]*"
    rf"\([ \t]*{_STR_GROUPS.format('a')}[ \t]*(?:,[ \t]*{_STR_GROUPS.format('b')}[ \t]*)?\)"
    r"[ \t]*(?:#.*)?"
)
# "Shaped" logical line: a statement that starts with (an assignment of) a call or subscript of
# a step-name word. When that is the only step-name word in it, the bracket after it is its only
# step position, so no parser is needed to find it.
_SHAPE = re.compile(
    rf"[ \t]*(?:{_NAME}[ \t]*=(?!=)[ \t]*)?(?:{_NAME}[ \t]*\.[ \t]*)*"
    rf"(?P<name>{_NAME})[ \t]*(?P<bracket>[(\[])"
)
# Also shaped: a module-level ``NAME = {`` or ``NAME: type = {`` whose dict is the whole value.
_DEFINITION_SHAPE = re.compile(
    rf"(?P<name>{_NAME})[ \t]*(?::(?!=)[^=\n#'\"]*)?=(?!=)[ \t]*(?P<bracket>\{{)"
)

# Compound-statement clauses: a unit never starts at one.
_CLAUSES = frozenset({"else", "elif", "except", "finally", "case"})
# Clauses that an ``if 1:`` header cannot stand in for.
_TRY_CLAUSES = frozenset({"except", "finally", "case"})
# Words that start a statement and never continue an expression: inside a bracket, a line
# starting with one shows that the bracket was left unclosed.
_STATEMENT_WORDS = frozenset(
    {
        "def",
        "class",
        "import",
        "return",
        "with",
        "while",
        "try",
        "raise",
        "pass",
        "del",
        "assert",
        "global",
        "nonlocal",
        "break",
        "continue",
    }
)


class _LineScan(NamedTuple):
    """What the scanner learns from one line, given the state at its start."""

    blank: bool  # only whitespace or a comment, at a statement boundary
    indent: str
    word: str  # first word, for clause detection
    decorator: bool
    result: _UnitResult | None  # references and slots of a line readable without a parser
    trigger: bool  # mentions a step-name word (anywhere, conservatively) and result is None
    depth: int  # bracket depth at the end of the line
    open_string: str  # delimiter of a literal continuing on the next line, else ""
    continued: bool  # ends with a backslash continuation
    last: str  # last significant word or character (":" marks a block opener)
    # For a line inside brackets: does it look like the start of the next statement?
    # _NOT_STATEMENT, _STATEMENT_LIKE, _STATEMENT_WORD or _COMPLETE_EXPRESSION.
    start: int = 0


# How much a line inside an open bracket looks like the start of a new statement.
_NOT_STATEMENT = 0
_STATEMENT_LIKE = 1  # starts with a name or "@" at the statement's indentation or less
_STATEMENT_WORD = 2  # starts with a word that only starts statements: the bracket is broken
# A balanced expression starting with a name and ending like an operand. Two in a row cannot be
# valid Python (nothing joins them), so the bracket is broken.
_COMPLETE_EXPRESSION = 3

_State = tuple[int, str, bool]


def _scan_code(text: str, pos: int, depth: int, open_string: str) -> tuple[int, str, bool, str]:
    """Scan ``text`` from ``pos``; return (depth, open_string, continued, last), where ``last``
    is the last significant word, or else character."""
    n = len(text)
    if open_string:
        if len(open_string) == 3:
            m = _TRIPLE_END[open_string].match(text, pos)
            if m is None:
                return depth, open_string, False, ""
            pos = m.end()
        else:
            end = _body_end(open_string, text, pos)
            if end < n and text[end] == open_string:
                pos = end + 1
            elif end == n - 1:  # a final backslash: still open
                return depth, open_string, False, ""
            else:  # unclosed: it ends with the line
                return depth, "", False, open_string
    comment = n
    search = _INTERESTING.search
    while True:
        m = search(text, pos)
        if m is None:
            break
        c = m.group()
        p = m.start()
        pos = p + 1
        if c == "#":
            comment = p
            break
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth:
                depth -= 1
        elif c == "\\":
            if p == n - 1:
                return depth, "", True, "\\"
        elif text.startswith(c * 3, p):
            m = _TRIPLE_END[c * 3].match(text, p + 3)
            if m is None:
                return depth, c * 3, False, ""
            pos = m.end()
        else:
            end = _body_end(c, text, pos)
            if end < n and text[end] == c:
                pos = end + 1
            elif end == n - 1:
                return depth, c, False, ""
            else:
                return depth, "", False, c
    code = text[:comment].rstrip()
    word = _LAST_WORD.search(code, max(0, len(code) - 20))  # bounded: keywords are short
    return depth, "", False, word.group() if word else code[-1:]


def _scan_clean_line(text: str, names: _Names) -> _LineScan:
    """Scan a line that starts at a statement boundary."""
    pair = _FAST_PAIR.fullmatch(text)
    if pair is not None:  # the commonest line: read it first, and with one match
        indent, fn = pair.group("indent", "fn")
        result: _UnitResult | None = _NO_RESULT
        if fn in names.calls:
            refs: tuple[_RelRef, ...] = (_pair_ref(pair, "a", fn),)
            if pair.start("b") >= 0:
                refs += (_pair_ref(pair, "b", fn),)
            result = (refs, ())
        # "word" only matters for clauses, which a call never is.
        return _LineScan(False, indent, "", False, result, False, 0, "", False, ")")
    head = _HEAD.match(text)
    assert head is not None
    indent, word = head.groups()
    k = len(indent)
    if k == len(text) or text[k] == "#":
        return _LineScan(True, indent, "", False, None, False, 0, "", False, "")
    fast = _FAST_LINE.fullmatch(text)
    if fast is not None:
        fn = fast.group("fn")
        start, end = fast.span("args")
        if fn not in names.calls:
            return _LineScan(False, indent, word, False, _NO_RESULT, False, 0, "", False, ")")
        # "for" would make the arguments a generator expression; the reader treats it so.
        if text.find("for", start, end) < 0:
            refs = tuple(_fast_ref(m, fn) for m in _FAST_STR.finditer(text, start, end))
            return _LineScan(False, indent, word, False, (refs, ()), False, 0, "", False, ")")
    depth, open_string, continued, last = _scan_code(text, k, 0, "")
    trigger = names.trigger.search(text) is not None
    result = None
    if trigger and not (depth or open_string or continued):
        result = _shaped_result([text], names)
        trigger = result is None
    return _LineScan(
        False, indent, word, text[k] == "@", result, trigger, depth, open_string, continued, last
    )


def _fast_ref(m: re.Match[str], context: str) -> _RelRef:
    group = "d" if m.group("d") is not None else "s"
    start, end = m.span(group)
    quote = '"' if group == "d" else "'"
    return (0, start, end, m.group(group), quote, True, m.start(), m.end(), _USE, context)


def _pair_ref(m: re.Match[str], group: str, context: str) -> _RelRef:
    body, quote = (group + "d", '"') if m.start(group + "d") >= 0 else (group + "s", "'")
    start, end = m.span(body)
    literal_start, literal_end = m.span(group)
    return (0, start, end, m.group(body), quote, True, literal_start, literal_end, _USE, context)


def _shaped_result(lines: Sequence[str], names: _Names) -> _UnitResult | None:
    """Read a shaped logical line (see ``_SHAPE``); None when it is not one."""
    text = lines[0] if len(lines) == 1 else "\n".join(lines)
    m = _SHAPE.match(text) or _DEFINITION_SHAPE.match(text)
    if m is None:
        return None
    triggers = names.trigger.finditer(text)
    first = next(triggers, None)
    if first is None or first.start() != m.start("name") or next(triggers, None) is not None:
        return None
    name = m.group("name")
    at = m.start("bracket")
    line = text.count("\n", 0, at)
    col = at - (text.rfind("\n", 0, at) + 1)
    reader = _Reader(lines)
    bracket = m.group("bracket")
    if bracket == "(":
        if name in names.calls:
            reader.read(_CALL, name, line, col)
        if name == PIPELINE_DAG:
            reader.read(_DAG, name, line, col)
    elif bracket == "[":
        if name in STEP_NAME_SUBSCRIPTS:
            reader.read(_SUBSCRIPT, name, line, col)
    elif name in DEFINITION_DICTS:
        group = reader.read(_DEFINITION, name, line, col)
        if group is None or not _ends_statement(lines, group.closed_at):
            return None  # the dict is only part of the value: let a parser decide
    return reader.result()


def _ends_statement(lines: Sequence[str], at: tuple[int, int] | None) -> bool:
    """Whether only whitespace or a comment follows ``at``, or nothing (``at`` is None: the
    bracket never closed, and the statement runs to the end of ``lines``)."""
    if at is None:
        return True
    line, col = at
    text = lines[line]
    end = _SPACE.match(text, col).end()  # type: ignore[union-attr]
    return line == len(lines) - 1 and (end == len(text) or text[end] == "#")


def _scan_continuation(text: str, state: _State, names: _Names) -> _LineScan:
    """Scan a line that continues a logical line (inside brackets, a literal or after ``\\``)."""
    depth_before, open_before, _ = state
    depth, open_string, continued, last = _scan_code(text, 0, depth_before, open_before)
    trigger = names.trigger.search(text) is not None
    head = _HEAD.match(text)
    assert head is not None
    indent, word = head.groups()
    k = len(indent)
    blank = not open_before and (k == len(text) or text[k] == "#")
    start = _NOT_STATEMENT
    if depth_before and not open_before and not blank:
        first = text[k]
        if word in _STATEMENT_WORDS:
            start = _STATEMENT_WORD
        elif first == "@" or first.isidentifier():
            start = _STATEMENT_LIKE
            if (
                first != "@"
                and not keyword.iskeyword(word)
                and text[k + len(word) : k + len(word) + 1] not in ("'", '"')  # not a prefix
                and depth == depth_before
                and not (open_string or continued)
                and last
                and (last[-1].isalnum() or last[-1] in "_)]}'\"")
                and not keyword.iskeyword(last)
            ):
                start = _COMPLETE_EXPRESSION
    return _LineScan(
        blank, indent, word, False, None, trigger, depth, open_string, continued, last, start
    )


class _Logical(NamedTuple):
    """A logical line: one simple statement or compound-statement header."""

    first: int
    last: int
    indent: str
    word: str
    decorator: bool
    opener: bool  # ends with ":"
    parse: bool  # mentions a step-name word and could not be read without a parser
    result: _UnitResult | None
    recovered: bool  # starts where an unclosed bracket was abandoned


# --------------------------------------------------------------------------------------------
# The two parsers: each returns the step-position brackets of a unit.


_WARNINGS_LOCK = threading.Lock()


def _ast_contexts(
    source: str, lines: Sequence[str], skip: int, names: _Names
) -> list[_Context] | None:
    """Brackets found with ``ast``; None when the unit is not valid Python.

    ``lines`` are the source's lines; the first ``skip`` are headers."""
    try:
        # Invalid escapes ("\d") warn while parsing: not the user's business here. The lock
        # keeps our threads from interleaving catch_warnings, which swaps global state.
        with _WARNINGS_LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except Exception:  # SyntaxError, ValueError (null bytes), RecursionError, ...
        return None
    found: list[_Context] = []

    def after(node: ast.expr, kind: int, name: str, bracket: str) -> None:
        line = (node.end_lineno or node.lineno) - 1
        col = _code_point_col(lines[line], node.end_col_offset or 0)
        at = _next_code(lines, line, col)
        if at is not None and lines[at[0]][at[1]] == bracket:
            found.append((kind, name, at[0] - skip, at[1]))

    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        node_type = type(node)
        if node_type is ast.JoinedStr:
            continue  # f-strings never hold step names
        if node_type is ast.Call:
            func = node.func  # type: ignore[attr-defined]
            name = _expr_name(func)
            if name is not None:
                if name in names.calls:
                    after(func, _CALL, name, "(")
                if name == PIPELINE_DAG:
                    after(func, _DAG, name, "(")
        elif node_type is ast.Subscript:
            subscripted = node.value  # type: ignore[attr-defined]
            name = _expr_name(subscripted)
            if name in STEP_NAME_SUBSCRIPTS:
                after(subscripted, _SUBSCRIPT, name, "[")
        todo.extend(ast.iter_child_nodes(node))

    for stmt in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign):
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.simple:
            target, value = stmt.target, stmt.value
        if (
            isinstance(target, ast.Name)
            and target.id in DEFINITION_DICTS
            and target.col_offset == 0
            and isinstance(value, (ast.Dict, ast.DictComp, ast.Set, ast.SetComp))
        ):
            line = value.lineno - 1
            col = _code_point_col(lines[line], value.col_offset)
            found.append((_DEFINITION, target.id, line - skip, col))
    return found


def _expr_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


@lru_cache(maxsize=1)
def _parso_grammar() -> Any:
    return parso.grammar.load_grammar()


def _parso_contexts(source: str, skip: int, names: _Names) -> list[_Context]:
    """Brackets found with parso's error-tolerant parser (for units ``ast`` rejects)."""
    try:
        module: Any = _parso_grammar().parse(source, error_recovery=True)
    except Exception:  # parso's own failures must not take the server down
        return []
    found: list[_Context] = []
    prev: tuple[str, str] = ("", "")
    prev2: tuple[str, str] = ("", "")
    unclosed_line = -1  # parso tokenizes an unclosed literal's content as code: skip it
    todo: list[Any] = [module]
    while todo:
        node = todo.pop()
        children = getattr(node, "children", None)
        if children is not None:
            if node.type == "fstring":
                prev2, prev = prev, ("fstring", "")
            else:
                todo.extend(reversed(children))
            continue
        line, col = node.start_pos
        if line == unclosed_line:
            continue
        leaf_type: str = node.type
        value: str = node.value
        if leaf_type == "error_leaf" and value in ("'", '"'):
            unclosed_line = line
            prev2, prev = prev, ("string", "")
            continue
        if (
            leaf_type == "operator"
            and value in ("(", "[")
            and prev[0] == "name"
            and prev2 not in (("keyword", "def"), ("keyword", "class"))
        ):
            name = prev[1]
            if value == "(":
                if name in names.calls:
                    found.append((_CALL, name, line - 1 - skip, col))
                if name == PIPELINE_DAG:
                    found.append((_DAG, name, line - 1 - skip, col))
            elif name in STEP_NAME_SUBSCRIPTS:
                found.append((_SUBSCRIPT, name, line - 1 - skip, col))
        prev2, prev = prev, (leaf_type, value)

    for child in module.children:
        if child.type == "simple_stmt":
            candidates = list(child.children)
        elif child.type == "error_node":
            candidates = [child, *(c for c in child.children if c.type == "expr_stmt")]
        else:
            candidates = [child]
        for candidate in candidates:
            if candidate.type in ("expr_stmt", "error_node"):
                found.extend(_parso_definition(candidate.children, skip))
    return found


def _parso_definition(seq: list[Any], skip: int) -> list[_Context]:
    """``NAME = {...}`` / ``NAME: type = {...}`` at module level, as parso children."""
    if len(seq) < 2:
        return []
    first, second = seq[0], seq[1]
    if first.type != "name" or first.value not in DEFINITION_DICTS or first.start_pos[1] != 0:
        return []
    value: Any = None
    if _is_parso_op(second, "="):
        i = 1
        while i + 1 < len(seq) and _is_parso_op(seq[i], "="):
            value = seq[i + 1]
            i += 2
            if value.type != "name":  # chained targets (A = B = {...}) continue
                break
    elif second.type == "annassign":
        parts = second.children
        if len(parts) == 4 and parts[2].type == "operator" and parts[2].value == "=":
            value = parts[3]
    elif _is_parso_op(second, ":"):
        for i in range(2, len(seq) - 1):
            if _is_parso_op(seq[i], "="):
                value = seq[i + 1]
                break
    while (
        value is not None
        and value.type == "atom"
        and len(value.children) == 3
        and _is_parso_op(value.children[0], "(")
    ):
        value = value.children[1]
    if value is None:
        return []
    if value.type == "atom":
        value = value.children[0]
    if _is_parso_op(value, "{"):
        line, col = value.start_pos
        return [(_DEFINITION, first.value, line - 1 - skip, col)]
    return []


def _is_parso_op(node: Any, value: str) -> bool:
    return node.type == "operator" and node.value == value  # type: ignore[no-any-return]


def _analyze_unit(
    lines: Sequence[str], headers: tuple[str, ...], names: _Names, parser: str = "auto"
) -> _UnitResult:
    """References and slots of one unit (its lines, relative positions).

    ``parser`` is "auto" (``ast``, then parso if ``ast`` rejects the unit), "ast" or "parso";
    tests use the last two to check that both parsers agree."""
    all_lines = [*(indent + "if 1:" for indent in headers), *lines]
    source = "\n".join(all_lines) + "\n"
    contexts = None
    if parser != "parso":
        contexts = _ast_contexts(source, all_lines, len(headers), names)
    if contexts is None and parser != "ast":
        contexts = _parso_contexts(source, len(headers), names)
    return _read_contexts(lines, contexts or [])


def _read_contexts(lines: Sequence[str], contexts: Sequence[_Context]) -> _UnitResult:
    if not contexts:
        return _NO_RESULT
    reader = _Reader(lines)
    for kind, name, line, col in sorted(contexts, key=itemgetter(2, 3)):  # outer ones first
        if line >= 0:
            reader.read(kind, name, line, col)
    return reader.result()


_Batch = list[tuple[int, int, tuple[str, ...]]]  # units (first line, end line, headers)
_BATCH_GAP = 40  # lines between two units beyond which parsing them apart is cheaper


def _analyze_units(lines: Sequence[str], batch: _Batch, names: _Names) -> list[_UnitResult]:
    """Results of units in document order, with one ``ast`` parse of the lines from the first to
    the last (parsing many small units one by one is slow) when they are valid; else split in
    halves. Lines between the units are parsed too, and what is found there is dropped."""
    if len(batch) == 1:
        first, end, headers = batch[0]
        return [_analyze_unit(lines[first:end], headers, names)]
    first, end, headers = batch[0][0], batch[-1][1], batch[0][2]
    all_lines = [*(indent + "if 1:" for indent in headers), *lines[first:end]]
    contexts = _ast_contexts("\n".join(all_lines) + "\n", all_lines, len(headers), names)
    if contexts is None:
        half = len(batch) // 2
        return _analyze_units(lines, batch[:half], names) + _analyze_units(
            lines, batch[half:], names
        )
    contexts.sort(key=lambda context: context[2])
    results = []
    k = 0
    for unit_first, unit_end, _ in batch:
        mine = []
        while k < len(contexts) and contexts[k][2] < unit_end - first:
            kind, name, line, col = contexts[k]
            mine.append((kind, name, line - (unit_first - first), col))
            k += 1
        results.append(_read_contexts(lines[unit_first:unit_end], mine))
    return results


# --------------------------------------------------------------------------------------------
# Units: statement groups that parse on their own.


def _starts_segment(logical: _Logical, previous: _Logical) -> bool:
    """Whether a top-level statement starts here (a unit boundary at indentation zero)."""
    return logical.recovered or (
        not logical.indent
        and not previous.opener
        and not previous.decorator
        and logical.word not in _CLAUSES
    )


def _units(logicals: Sequence[_Logical]) -> list[tuple[int, tuple[str, ...]]]:
    """Where units start (index into ``logicals``, a top-level segment) and the indentation of
    the blocks enclosing each start (one ``if 1:`` header per level).

    A unit may start at a logical line that is not a clause (``else``, ``except``...), does not
    follow a block opener or decorator, sits at an existing indentation level, and whose later
    dedents never reach an ``except``/``finally``/``case`` that an ``if 1:`` header cannot
    replace."""
    count = len(logicals)
    bad = [False] * count
    reaches_try = [False] * count
    lower: list[int] = []  # indices with strictly decreasing indentation, nearest last
    for j in range(count - 1, -1, -1):
        width = len(logicals[j].indent)
        while lower and len(logicals[lower[-1]].indent) >= width:
            lower.pop()
        bad[j] = bool(lower) and reaches_try[lower[-1]]
        reaches_try[j] = bad[j] or logicals[j].word in _TRY_CLAUSES
        lower.append(j)

    starts: list[tuple[int, tuple[str, ...]]] = []
    levels = [""]
    previous: _Logical | None = None
    for j, logical in enumerate(logicals):
        indent = logical.indent
        while len(levels) > 1 and len(levels[-1]) > len(indent):
            levels.pop()
        at_level = levels[-1] == indent
        if len(levels[-1]) < len(indent):
            levels.append(indent)
        elif not at_level:
            levels[-1] = indent
        if (
            previous is None
            or logical.recovered
            or (
                at_level
                and not previous.opener
                and not previous.decorator
                and logical.word not in _CLAUSES
                and not bad[j]
            )
        ):
            starts.append((j, tuple(levels[:-1])))
        previous = logical
    return starts


# --------------------------------------------------------------------------------------------
# The analyzer

_Made = tuple[_UnitResult, tuple[StepReference, ...], tuple[ArgumentSlot, ...]]


class DocumentAnalyzer:
    """Analyses successive versions of one document, reusing what did not change.

    Caches are keyed by text (lines, logical lines, units), so results always equal a fresh
    :func:`analyze`. Keep one per open document; a lock makes concurrent calls safe (they run
    one at a time). Memory stays proportional to the current document: entries the latest
    analysis did not use are dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._names: _Names | None = None
        self._reset()

    def _reset(self) -> None:
        self._clean: dict[str, _LineScan] = {}
        self._continued: dict[tuple[_State, str], _LineScan] = {}
        self._shaped: dict[str, _UnitResult | None] = {}
        self._units: dict[tuple[tuple[str, ...], str], _UnitResult] = {}
        # Objects made by the previous analysis, by first line, reused when nothing moved.
        self._made: dict[int, _Made] = {}

    def analyze(self, text: str, step_name_calls: Iterable[str] = ()) -> DocumentAnalysis:
        names = _names_for(frozenset(step_name_calls))
        with self._lock:
            if names is not self._names:
                self._reset()
                self._names = names
            return self._analyze(text, names)

    def _analyze(self, text: str, names: _Names) -> DocumentAnalysis:
        lines = _LINE_BREAK.split(text) if "\r" in text else text.split("\n")
        logicals = self._scan(lines, names)
        made: dict[int, _Made] = {}
        previous_made = self._made
        units: dict[tuple[tuple[str, ...], str], _UnitResult] = {}
        previous_units = self._units
        emitted: list[tuple[int, _Made]] = []  # by first line; sorted at the end
        # Units to parse, in one go (see _analyze_units) unless too far apart.
        batch: _Batch = []
        keys: list[tuple[tuple[str, ...], str]] = []

        def flush() -> None:
            if batch:
                results = _analyze_units(lines, batch, names)
                for (first, _, _), key, result in zip(batch, keys, results, strict=True):
                    units[key] = result
                    emit(first, result)
                batch.clear()
                keys.clear()

        def emit(first: int, result: _UnitResult) -> None:
            if not (result[0] or result[1]):
                return
            old = previous_made.get(first)
            if old is None or old[0] is not result:
                old = (
                    result,
                    tuple(_make_ref(r, first) for r in result[0]),
                    tuple(_make_slot(s, first) for s in result[1]),
                )
            made[first] = old
            emitted.append((first, old))

        def read(members: Sequence[_Logical]) -> None:
            for logical in members:
                if logical.result is not None:
                    emit(logical.first, logical.result)

        def parse_segment(start: int, stop: int) -> None:
            members = logicals[start:stop]
            starts = _units(members)
            for k, (j, headers) in enumerate(starts):
                end_j = starts[k + 1][0] if k + 1 < len(starts) else len(members)
                unit = members[j:end_j]
                if not any(logical.parse for logical in unit):
                    read(unit)
                    continue
                first = unit[0].first
                end = logicals[start + end_j].first if start + end_j < len(logicals) else len(lines)
                key = (headers, "\n".join(lines[first:end]))
                result = units.get(key) or previous_units.get(key)
                if result is not None:
                    units[key] = result
                    emit(first, result)
                    continue
                if batch and first - batch[-1][1] > _BATCH_GAP:
                    flush()
                batch.append((first, end, headers))
                keys.append(key)

        # Logical lines that need a parser are parsed within their top-level segment; the rest
        # are read directly.
        done = 0
        for j, logical in enumerate(logicals):
            if j < done or not logical.parse:
                continue
            start = j
            while start > 0 and not _starts_segment(logicals[start], logicals[start - 1]):
                start -= 1
            stop = j + 1
            while stop < len(logicals) and not _starts_segment(logicals[stop], logicals[stop - 1]):
                stop += 1
            read(logicals[done:start])
            parse_segment(start, stop)
            done = stop
        read(logicals[done:])
        flush()

        emitted.sort(key=itemgetter(0))  # parsed units come late; nearly sorted, so cheap
        refs = tuple(chain.from_iterable(item[1] for _, item in emitted))
        slots = tuple(chain.from_iterable(item[2] for _, item in emitted))
        self._made = made
        self._units = units
        return DocumentAnalysis(refs, slots)

    def _scan(self, lines: list[str], names: _Names) -> list[_Logical]:
        """Split ``lines`` into logical lines (and refresh the line caches)."""
        old_clean, old_continued, old_shaped = self._clean, self._continued, self._shaped
        clean: dict[str, _LineScan] = {}
        continued: dict[tuple[_State, str], _LineScan] = {}
        shaped: dict[str, _UnitResult | None] = {}
        logicals: list[_Logical] = []
        append = logicals.append
        n = len(lines)
        i = 0
        recovered = ran_to_end = False
        while i < n:
            text = lines[i]
            scan = clean.get(text) or old_clean.get(text)
            if scan is None:
                scan = _scan_clean_line(text, names)
            clean[text] = scan
            if scan.blank:
                i += 1
                continue
            if not (scan.depth or scan.open_string or scan.continued):
                append(
                    _Logical(
                        i,
                        i,
                        scan.indent,
                        scan.word,
                        scan.decorator,
                        scan.last == ":",
                        scan.trigger,
                        scan.result,
                        recovered,
                    )
                )
                recovered = False
                i += 1
                continue
            # A logical line over several lines.
            first = i
            triggers = [scan.trigger]
            last = scan.last
            state: _State = (scan.depth, scan.open_string, scan.continued)
            width = len(scan.indent)
            # Where to cut if the bracket turns out to be unclosed (see _scan_continuation).
            statement_like = previous_complete = broken = -1
            i += 1
            while i < n:
                text = lines[i]
                key = (state, text)
                more = continued.get(key) or old_continued.get(key)
                if more is None:
                    more = _scan_continuation(text, state, names)
                continued[key] = more
                if more.start and len(more.indent) <= width:
                    if statement_like < 0:
                        statement_like = i
                        if ran_to_end:
                            broken = i  # see below
                            break
                    if more.start == _STATEMENT_WORD:
                        broken = i
                        break
                    if more.start == _COMPLETE_EXPRESSION:
                        if previous_complete >= 0:
                            broken = previous_complete
                            break
                        previous_complete = i
                    else:
                        previous_complete = -1
                elif not more.blank:
                    previous_complete = -1
                triggers.append(more.trigger)
                last = more.last or last
                state = (more.depth, more.open_string, more.continued)
                i += 1
                if not (more.depth or more.open_string or more.continued):
                    break
            closed = broken < 0 and not (state[0] or state[1] or state[2])
            if not closed and broken < 0:
                # This bracket stayed open to the end of the document. Finding that out again
                # for every later unclosed bracket would take quadratic time: from now on, a
                # bracket is given up at the first line that looks like a statement.
                ran_to_end = True
            if not closed:
                # An unclosed bracket: give it up where the next statement seems to start.
                cut = broken if broken >= 0 else statement_like
                if cut >= 0:
                    i = cut
                    del triggers[i - first :]
            trigger = any(triggers)
            result = None
            if trigger:
                joined = "\n".join(lines[first:i])
                if joined in shaped:
                    result = shaped[joined]
                elif joined in old_shaped:
                    result = old_shaped[joined]
                else:
                    result = _shaped_result(lines[first:i], names)
                shaped[joined] = result
            append(
                _Logical(
                    first,
                    i - 1,
                    scan.indent,
                    scan.word,
                    scan.decorator,
                    closed and last == ":",
                    trigger and result is None,
                    result,
                    recovered,
                )
            )
            recovered = not closed and i < n
        self._clean, self._continued, self._shaped = clean, continued, shaped
        return logicals
