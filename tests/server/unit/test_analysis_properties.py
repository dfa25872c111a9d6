"""Property tests for step-name analysis: it never crashes, caching never changes a result, spans
are exact, and on valid code the fast paths, the unit split, ``ast`` and parso all agree."""

from __future__ import annotations

import ast
import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from registry_lsp import analysis
from registry_lsp.analysis import DocumentAnalysis, DocumentAnalyzer, analyze

LINE_BREAK = re.compile(r"\r\n?|\n")
DEFAULT_NAMES = analysis._names_for(frozenset())

# ---------------------------------------------------------------------------------------------
# Valid Python built from the constructs the analysis cares about.

CONTENT_CHARS = "abcXYZ_09 -.é漢🎉\u0301"


@st.composite
def string_literals(draw: st.DrawFn, plain: bool = False) -> str:
    """A valid literal: any quote, prefix and escapes (``plain``: no bytes or f-strings, so that
    two can be concatenated)."""
    quote = draw(st.sampled_from(['"', "'"]))
    prefixes = ["", "r", "u"] if plain else ["", "", "", "r", "u", "R", "b", "f", "rb", "F"]
    prefix = draw(st.sampled_from(prefixes))
    chars = "abcXYZ_09 -." if "b" in prefix.lower() else CONTENT_CHARS
    pieces = draw(
        st.lists(
            st.one_of(
                st.text(chars, max_size=4),
                st.sampled_from(["\\\\", "\\n", "\\" + quote]),
                st.sampled_from(['"' if quote == "'" else "'"]),
            ),
            max_size=4,
        )
    )
    if draw(st.booleans()) and "f" in prefix.lower():
        pieces.append("{x}")
    return prefix + quote + "".join(pieces) + quote


CALL_NAMES = [*sorted(analysis.STEP_NAME_CALLS), "foo", "PipelineDAG", "print"]


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> str:
    kinds = ["str", "str", "name", "number", "subscript", "concat", "paren", "list", "call"]
    kinds += ["wrapped"]
    if depth >= 2:
        kinds = ["str", "str", "name", "number", "concat"]
    kind = draw(st.sampled_from(kinds))
    if kind == "wrapped":  # continuation lines at the statement's indentation
        template = draw(
            st.sampled_from(
                [
                    "(\n{a} if x else\n{b} if y else\n{c})",
                    "[\n{a}\nfor x in y\nif {b}\n]",
                    "(\n{a}\n+ {b}\n)",
                    "(\n{a} and\n{b} or\nnot {c})",
                    "{{\n{a}:\n{b},\n}}",
                    "(lambda:\n{a})",
                ]
            )
        )
        a, b, c = (draw(expressions(depth + 1)) for _ in range(3))
        return template.format(a=a, b=b, c=c)
    if kind == "str":
        return draw(string_literals())
    if kind == "name":
        return draw(st.sampled_from(["x", "dag", "STEP_NAMES", "add_node", "config.value"]))
    if kind == "number":
        return draw(st.sampled_from(["0", "12", "3.5"]))
    if kind == "subscript":
        table = draw(
            st.sampled_from(["STEP_NAMES", "BUILDER_STEP_NAMES", "x.SPEC_STEP_TYPES", "d"])
        )
        key = draw(string_literals())
        tail = draw(st.sampled_from(["", '["config_class"]', ".get('a')"]))
        return f"{table}[{key}]{tail}"
    if kind == "concat":
        return draw(string_literals(plain=True)) + " " + draw(string_literals(plain=True))
    if kind == "paren":
        return "(" + draw(expressions(depth + 1)) + ")"
    if kind == "list":
        items = draw(st.lists(expressions(depth + 1), max_size=3))
        return "[" + ", ".join(items) + "]"
    return draw(calls(depth + 1))


@st.composite
def separators(draw: st.DrawFn) -> str:
    return draw(st.sampled_from([", ", ",", ",\n    ", ",  # note\n        ", " ,\n"]))


@st.composite
def calls(draw: st.DrawFn, depth: int = 0) -> str:
    name = draw(st.sampled_from(CALL_NAMES))
    receiver = draw(st.sampled_from(["", "", "dag.", "a.b.", "get_dag()."]))
    if name == "PipelineDAG":
        return receiver + name + draw(dag_arguments())
    positional = draw(st.lists(expressions(depth), max_size=3))
    keywords = draw(
        st.lists(
            st.tuples(st.sampled_from(["name", "step", "x"]), expressions(depth)),
            max_size=2,
            unique_by=lambda kv: kv[0],
        )
    )
    arguments = positional + [f"{k}={v}" for k, v in keywords]
    if draw(st.booleans()) and positional:
        arguments.append("*rest")
    text = ""
    for i, argument in enumerate(arguments):
        text += (draw(separators()) if i else draw(st.sampled_from(["", "\n    ", " "]))) + argument
    if arguments and draw(st.booleans()):
        text += draw(st.sampled_from([",", ",\n"]))
    return f"{receiver}{name}({text})"


@st.composite
def dag_arguments(draw: st.DrawFn) -> str:
    nodes = draw(st.lists(string_literals(), max_size=3))
    edges = draw(st.lists(st.tuples(string_literals(), string_literals()), max_size=2))
    nodes_text = "[" + draw(separators()).join(nodes) + "]"
    edge_open, edge_close = draw(st.sampled_from([("(", ")"), ("[", "]")]))
    edges_text = "[" + ", ".join(f"{edge_open}{a}, {b}{edge_close}" for a, b in edges) + "]"
    style = draw(st.sampled_from(["keywords", "positional", "nodes", "empty"]))
    if style == "keywords":
        return f"(nodes={nodes_text},\n    edges={edges_text})"
    if style == "positional":
        return f"({nodes_text}, {edges_text})"
    if style == "nodes":
        return f"(nodes={nodes_text})"
    return "()"


@st.composite
def simple_statements(draw: st.DrawFn, top_level: bool) -> list[str]:
    kind = draw(
        st.sampled_from(
            ["call", "call", "assign", "subscript", "definition", "docstring", "comment", "blank"]
        )
    )
    if kind == "call":
        return draw(calls()).split("\n")
    if kind == "assign":
        return ("value = " + draw(expressions())).split("\n")
    if kind == "subscript":
        return ("config = " + draw(expressions(1))).split("\n")
    if kind == "definition":
        table = draw(st.sampled_from(["STEP_NAMES", "LOCAL_STEPS", "STEP_OVERRIDES", "OTHER"]))
        annotation = draw(st.sampled_from(["", ": dict[str, dict]"]))
        rows = draw(st.lists(st.tuples(string_literals(), expressions(1)), max_size=3))
        body = "".join(f"\n    {k}: {{'config_class': {v}}}," for k, v in rows)
        return f"{table}{annotation} = {{{body}\n}}".split("\n")
    if kind == "docstring":
        return ['"""Docs', 'add_node("x")', 'STEP_NAMES["y"]', '"""']
    if kind == "comment":
        return ['# add_node("commented")']
    return [""]


@st.composite
def statements(draw: st.DrawFn, depth: int = 0) -> list[str]:
    kind = draw(st.sampled_from(["simple"] * 4 + ([] if depth >= 2 else ["def", "if", "try"])))
    if kind == "simple":
        return draw(simple_statements(top_level=depth == 0))
    body = draw(blocks(depth + 1))
    if kind == "def":
        decorator = draw(st.sampled_from(["", '@add_node("Decorated")']))
        head = ([decorator] if decorator else []) + ["def build(dag=add_node('Default')):"]
        return head + body
    if kind == "if":
        other = draw(blocks(depth + 1))
        return ["if x:", *body, "else:", *other]
    handler = draw(blocks(depth + 1))
    return ["try:", *body, "except Exception:", *handler]


@st.composite
def blocks(draw: st.DrawFn, depth: int) -> list[str]:
    lines = [
        line for stmt in draw(st.lists(statements(depth), min_size=1, max_size=3)) for line in stmt
    ]
    if not any(line.strip() and not line.lstrip().startswith("#") for line in lines):
        lines.append("pass")
    return ["    " + line if line else line for line in lines]


@st.composite
def programs(draw: st.DrawFn) -> str:
    body = [line for stmt in draw(st.lists(statements(), max_size=6)) for line in stmt]
    return "\n".join(body) + draw(st.sampled_from(["\n", "", "\n\n"]))


def relative_analysis(text: str, parser: str) -> DocumentAnalysis:
    """The whole text parsed as one unit: no fast lines, no unit split."""
    lines = LINE_BREAK.split(text)
    refs, slots = analysis._analyze_unit(lines, (), DEFAULT_NAMES, parser)
    return DocumentAnalysis(
        tuple(analysis._make_ref(r, 0) for r in refs),
        tuple(analysis._make_slot(s, 0) for s in slots),
    )


def check_spans(text: str, result: DocumentAnalysis) -> None:
    lines = LINE_BREAK.split(text)
    previous = (-1, -1)
    for ref in result.references:
        line = lines[ref.line]
        assert 0 <= ref.literal_start_col <= ref.start_col <= ref.end_col <= len(line)
        assert ref.end_col <= ref.literal_end_col <= len(line)
        assert line[ref.start_col : ref.end_col] == ref.value
        assert line[ref.start_col - 1] == ref.quote
        if ref.closed:
            assert ref.literal_end_col == ref.end_col + 1
            assert line[ref.end_col] == ref.quote
        else:
            assert ref.literal_end_col == ref.end_col == len(line)
        assert (ref.line, ref.start_col) > previous
        previous = (ref.line, ref.start_col)
        assert result.reference_at(ref.line, ref.start_col) == ref
        assert result.reference_at(ref.line, ref.end_col) == ref
    for slot in result.slots:
        line = lines[slot.line]
        assert 0 <= slot.start_col <= slot.end_col <= len(line)
        assert line[slot.start_col : slot.end_col].strip() == ""
        assert slot.col == slot.end_col


# ---------------------------------------------------------------------------------------------
# Valid code: every path agrees.


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_ast_and_parso_agree_on_valid_code(text: str) -> None:
    try:
        ast.parse(text)
    except SyntaxError:
        assume(False)
    by_ast = relative_analysis(text, "ast")
    assert relative_analysis(text, "parso") == by_ast


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_fast_paths_and_units_agree_with_one_whole_parse(text: str) -> None:
    try:
        ast.parse(text)
    except SyntaxError:
        assume(False)
    result = analyze(text)
    assert result == relative_analysis(text, "ast")
    check_spans(text, result)


# ---------------------------------------------------------------------------------------------
# Any text: no crash, exact spans, caching invisible.

NASTY = [
    '"',
    "'",
    '"""',
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "=",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "    ",
    "#",
    "\\",
    "🎉",
    "é",
    "\u0301",
    "漢",
    "\x00",
    "\x0c",
    "f",
    "b",
    "r",
    "add_node(",
    "dag.add_edge(",
    'STEP_NAMES["',
    "STEP_NAMES = {",
    "PipelineDAG(nodes=[",
    "def f():\n",
    "if x:\n    ",
    "else:\n",
    "try:\n",
    "except E:\n",
    "@",
    "XGB",
]

texts = st.lists(st.sampled_from(NASTY), max_size=40).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.one_of(texts, st.text(max_size=200), programs()))
def test_any_text_analyses_without_crashing(text: str) -> None:
    result = analyze(text)
    check_spans(text, result)
    assert analyze(text, ["custom_step"]) is not None


@st.composite
def edit_sequences(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str]]]:
    start = draw(st.one_of(programs(), texts))
    edits = draw(
        st.lists(
            st.tuples(
                st.floats(0, 1),
                st.integers(0, 4),
                st.one_of(st.sampled_from(NASTY), st.text(max_size=3)),
            ),
            min_size=1,
            max_size=12,
        )
    )
    return start, [(int(where * 10**6), delete, insert) for where, delete, insert in edits]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edit_sequences())
def test_cached_reanalysis_equals_fresh_analysis(
    case: tuple[str, list[tuple[int, int, str]]],
) -> None:
    text, edits = case
    analyzer = DocumentAnalyzer()
    assert analyzer.analyze(text) == analyze(text)
    for where, delete, insert in edits:
        at = where % (len(text) + 1)
        text = text[:at] + insert + text[at + delete :]
        result = analyzer.analyze(text)
        assert result == analyze(text)
        check_spans(text, result)
