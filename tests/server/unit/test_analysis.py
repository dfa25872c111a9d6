"""Unit tests for step-name analysis: which literals are step names, their exact code-point
spans, empty argument slots, lookups and the per-document cache."""

from __future__ import annotations

import ast
import dataclasses
import re

import pytest

from registry_lsp import analysis
from registry_lsp.analysis import (
    ArgumentSlot,
    DocumentAnalysis,
    DocumentAnalyzer,
    ReferenceKind,
    StepReference,
    analyze,
)

USE = ReferenceKind.USE
DEF = ReferenceKind.DEFINITION
LINE_BREAK = re.compile(r"\r\n?|\n")


def found(text: str, calls: tuple[str, ...] = ()) -> list[tuple[str, str, ReferenceKind]]:
    return [(r.value, r.context, r.kind) for r in analyze(text, calls).references]


def whole_unit(text: str, parser: str) -> DocumentAnalysis:
    """The text parsed as one unit by one parser: no fast lines, no unit split."""
    names = analysis._names_for(frozenset())
    refs, slots = analysis._analyze_unit(LINE_BREAK.split(text), (), names, parser)
    return DocumentAnalysis(
        tuple(analysis._make_ref(r, 0) for r in refs),
        tuple(analysis._make_slot(s, 0) for s in slots),
    )


def check_spans(text: str, result: DocumentAnalysis) -> None:
    lines = LINE_BREAK.split(text)
    for ref in result.references:
        line = lines[ref.line]
        assert line[ref.start_col : ref.end_col] == ref.value
        assert line[ref.start_col - 1] == ref.quote
        assert ref.literal_start_col <= ref.start_col - 1
        if ref.closed:
            assert line[ref.end_col] == ref.quote
            assert ref.literal_end_col == ref.end_col + 1
        else:
            assert ref.literal_end_col == ref.end_col == len(line)


CALL_NAMES = sorted(analysis.STEP_NAME_CALLS)

# (source, expected (value, context, kind) in document order). Every source here is valid
# Python, so each is also checked against a whole-file ast parse and a whole-file parso parse.
VALID_CASES: list[tuple[str, list[tuple[str, str, ReferenceKind]]]] = [
    *[
        (f'dag.{name}("XGBoostTraining")\n', [("XGBoostTraining", name, USE)])
        for name in CALL_NAMES
    ],
    *[(f'{name}("XGBoostTraining")\n', [("XGBoostTraining", name, USE)]) for name in CALL_NAMES],
    ('a.b.add_node("A")\n', [("A", "add_node", USE)]),
    ('get_dag().add_node("A")\n', [("A", "add_node", USE)]),
    ('node = dag.add_node("A")\n', [("A", "add_node", USE)]),
    ('dag.add_node ("A")\n', [("A", "add_node", USE)]),
    ('dag.add_edge("A", "B")\n', [("A", "add_edge", USE), ("B", "add_edge", USE)]),
    ('dag.add_node(name="A")\n', [("A", "add_node", USE)]),
    ('get_config_class_name(step_name="A", strict=True)\n', [("A", "get_config_class_name", USE)]),
    ('dag.add_node("A", cfg, 3, flag=True, label=x.y)\n', [("A", "add_node", USE)]),
    ('print("A")\nfoo.bar("B")\n', []),
    ('print(dag.add_node("A"))\n', [("A", "add_node", USE)]),
    ('dag.add_node(STEP_NAMES["B"])\n', [("B", "STEP_NAMES", USE)]),
    (
        'x = [dag.add_node("A"), get_step_description("B")]\n',
        [
            ("A", "add_node", USE),
            ("B", "get_step_description", USE),
        ],
    ),
    ('@add_node("A")\ndef build():\n    pass\n', [("A", "add_node", USE)]),
    ('def add_node(name="A"):\n    pass\n', []),
    ('def build(step=add_node("A")):\n    pass\n', [("A", "add_node", USE)]),
    ('class Step(get_config_class_name("A")):\n    pass\n', [("A", "get_config_class_name", USE)]),
    ('add_node(("A"))\n', []),
    ('add_node("A" + x)\nadd_node("A".lower())\nadd_node("A" if x else "B")\n', []),
    ('add_node(*"A")\nadd_node(x for x in "AB")\n', []),
    ('dag.add_edge(\n    "A",\n    "B",\n)\n', [("A", "add_edge", USE), ("B", "add_edge", USE)]),
    (
        'dag.add_edge(  # first\n    "A",  # source\n    # nothing\n    "B")\n',
        [
            ("A", "add_edge", USE),
            ("B", "add_edge", USE),
        ],
    ),
    ('dag.add_edge(\\\n"A", "B")\n', [("A", "add_edge", USE), ("B", "add_edge", USE)]),
    (
        'x = (add_node("A") if y else\nadd_node("B") if z else\nadd_node("C") if w else\n'
        'add_node("D"))\n',
        [
            ("A", "add_node", USE),
            ("B", "add_node", USE),
            ("C", "add_node", USE),
            ("D", "add_node", USE),
        ],
    ),
    ('x = [\nadd_node("A")\nfor y in z\n]\n', [("A", "add_node", USE)]),
    # Subscripts
    ('STEP_NAMES["A"]\n', [("A", "STEP_NAMES", USE)]),
    ('x = BUILDER_STEP_NAMES["A"]\n', [("A", "BUILDER_STEP_NAMES", USE)]),
    ('x = SPEC_STEP_TYPES["A"]\n', [("A", "SPEC_STEP_TYPES", USE)]),
    ('x = registry.STEP_NAMES["A"]\n', [("A", "STEP_NAMES", USE)]),
    ('cfg = STEP_NAMES["A"]["config_class"]\n', [("A", "STEP_NAMES", USE)]),
    ('STEP_NAMES["A"] = {}\n', [("A", "STEP_NAMES", USE)]),
    ('OTHER["A"]\nSTEP_NAMES["A", "B"]\nSTEP_NAMES[key]\nSTEP_NAMES["A":"B"]\n', []),
    # PipelineDAG
    (
        'dag = PipelineDAG(nodes=["A", "B"], edges=[("A", "B")])\n',
        [
            ("A", "PipelineDAG.nodes", USE),
            ("B", "PipelineDAG.nodes", USE),
            ("A", "PipelineDAG.edges", USE),
            ("B", "PipelineDAG.edges", USE),
        ],
    ),
    ('dag = dags.PipelineDAG(nodes=["A"])\n', [("A", "PipelineDAG.nodes", USE)]),
    (
        'dag = PipelineDAG(["A"], [["A", "B"]])\n',
        [
            ("A", "PipelineDAG.nodes", USE),
            ("A", "PipelineDAG.edges", USE),
            ("B", "PipelineDAG.edges", USE),
        ],
    ),
    (
        'dag = PipelineDAG(\n    nodes=[\n        "A",\n    ],\n'
        '    edges=[\n        ("A", "B"),\n    ],\n)\n',
        [
            ("A", "PipelineDAG.nodes", USE),
            ("A", "PipelineDAG.edges", USE),
            ("B", "PipelineDAG.edges", USE),
        ],
    ),
    ('dag = PipelineDAG(nodes=names, edges=[], name="A")\n', []),
    ('dag = PipelineDAG(nodes=[n for n in "AB"])\n', []),
    # Definitions
    (
        'STEP_NAMES = {\n    "A": {"config_class": "AConfig"},\n    "B": {},\n}\n',
        [("A", "STEP_NAMES", DEF), ("B", "STEP_NAMES", DEF)],
    ),
    ('LOCAL_STEPS = {"A": {"x": "y"}}\n', [("A", "LOCAL_STEPS", DEF)]),
    ('STEP_OVERRIDES = {"A": {}}\n', [("A", "STEP_OVERRIDES", DEF)]),
    (
        "STEP_NAMES: dict[str, dict] = {\n    \"A\": {},\n    'B': {},\n}\n",
        [("A", "STEP_NAMES", DEF), ("B", "STEP_NAMES", DEF)],
    ),
    ('STEP_NAMES = ({"A": {}})\n', [("A", "STEP_NAMES", DEF)]),
    (
        'STEP_NAMES = {\n    "A": {"builder": get_builder_step_name("B")},\n}\n',
        [("A", "STEP_NAMES", DEF), ("B", "get_builder_step_name", USE)],
    ),
    ('STEP_NAMES = {**BASE, "A": {}, key: {}, "B" "C": {}}\n', [("A", "STEP_NAMES", DEF)]),
    ('OTHER = {"A": {}}\nSTEP_NAMES = {k: {} for k in "AB"}\nSTEP_NAMES |= {"A": {}}\n', []),
    ('def f():\n    STEP_NAMES = {"A": {}}\n', []),
    ('if TYPE_CHECKING:\n    LOCAL_STEPS = {"A": {}}\n', []),
    ('x = 1; STEP_NAMES = {"A": {}}\n', []),
    # Strings that are never step names
    ('# dag.add_node("A")\ndag.add_node(x)  # "B"\n', []),
    ('"""Docs.\n\ndag.add_node("A")\nSTEP_NAMES["B"]\n"""\n', []),
    ('def f():\n    """\nadd_node("A")\n    """\n', []),
    ('dag.add_node(f"A")\ndag.add_node(F"A{x}")\nx = f"{STEP_NAMES[\'A\']}"\n', []),
    ('dag.add_node(b"A")\ndag.add_node(rb"A")\ndag.add_node(Br"A")\n', []),
    ('dag.add_node("A" "B")\ndag.add_node("A"\n    "B")\n', []),
    ("dag.add_node(\"\"\"A\"\"\")\ndag.add_node('''A''')\n", []),
    ('dag.add_node("A\\\nB")\n', []),
    # Quotes, prefixes and escapes: the value is the raw source text
    (
        "dag.add_node('A')\ndag.add_node(r\"B\")\ndag.add_node(u'C')\ndag.add_node(R\"D\")\n",
        [
            ("A", "add_node", USE),
            ("B", "add_node", USE),
            ("C", "add_node", USE),
            ("D", "add_node", USE),
        ],
    ),
    (
        "dag.add_node(\"A\\\"B\")\ndag.add_node('it\\'s')\n",
        [('A\\"B', "add_node", USE), ("it\\'s", "add_node", USE)],
    ),
    ('dag.add_node("")\n', [("", "add_node", USE)]),
    # Compound statements around the calls
    (
        'def build():\n    dag = PipelineDAG()\n    for x in y:\n        dag.add_node("A")\n'
        '    else:\n        dag.add_node("B")\n    return dag\n',
        [("A", "add_node", USE), ("B", "add_node", USE)],
    ),
    (
        'try:\n    dag.add_node("A")\n    x = STEP_NAMES["B"]\nexcept KeyError:\n'
        '    dag.add_node("C")\nfinally:\n    pass\n',
        [("A", "add_node", USE), ("B", "STEP_NAMES", USE), ("C", "add_node", USE)],
    ),
    (
        "class Steps:\n    @staticmethod\n    def make():\n"
        '        return get_spec_step_type("A")\n',
        [("A", "get_spec_step_type", USE)],
    ),
]


@pytest.mark.parametrize(("source", "expected"), VALID_CASES)
def test_step_name_positions(source: str, expected: list[tuple[str, str, ReferenceKind]]) -> None:
    assert ast.parse(source)
    assert found(source) == expected
    check_spans(source, analyze(source))


@pytest.mark.parametrize(("source", "expected"), VALID_CASES)
def test_ast_and_parso_agree_and_match_the_fast_paths(
    source: str, expected: list[tuple[str, str, ReferenceKind]]
) -> None:
    by_ast = whole_unit(source, "ast")
    assert whole_unit(source, "parso") == by_ast
    assert analyze(source) == by_ast


def test_extra_step_name_calls() -> None:
    source = 'register_step("A")\nreg.register_step(name="B")\nregister_step(\n    "C",\n)\n'
    assert found(source) == []
    assert found(source, ("register_step",)) == [
        ("A", "register_step", USE),
        ("B", "register_step", USE),
        ("C", "register_step", USE),
    ]
    assert found('dag.add_node("A")', ("register_step", "not an identifier", "")) == [
        ("A", "add_node", USE)
    ]


def test_reference_fields() -> None:
    text = "x = 1\n  dag.add_edge(r\"Src\", 'Dst')  # ok\n"
    src, dst = analyze(text).references
    assert src == StepReference(
        value="Src",
        line=1,
        start_col=17,
        end_col=20,
        kind=USE,
        context="add_edge",
        quote='"',
        closed=True,
        literal_start_col=15,
        literal_end_col=21,
    )
    assert (dst.value, dst.quote, dst.start_col, dst.end_col, dst.literal_start_col) == (
        "Dst",
        "'",
        24,
        27,
        23,
    )


def test_references_built_by_the_analysis_are_ordinary_step_references() -> None:
    made = analysis._make_ref((2, 5, 8, "XGB", "'", False, 4, 8, DEF, "STEP_NAMES"), 10)
    expected = StepReference("XGB", 12, 5, 8, DEF, "STEP_NAMES", "'", False, 4, 8)
    assert made == expected
    assert hash(made) == hash(expected)
    assert repr(made) == repr(expected)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.value = "other"  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# Code being typed

UNFINISHED_CASES: list[tuple[str, list[tuple[str, int, bool]]]] = [
    # (source, expected (value, line, closed))
    ('x = 1\ndag.add_node("XGB\ny = 2\n', [("XGB", 1, False)]),
    ('dag.add_node("XGB', [("XGB", 0, False)]),
    ("dag.add_node('XGB Boost  ", [("XGB Boost  ", 0, False)]),
    ('dag.add_node("XGB\n', [("XGB", 0, False)]),
    ('dag.add_node(r"XGB', [("XGB", 0, False)]),
    ('dag.add_node("A", "XGB', [("A", 0, True), ("XGB", 0, False)]),
    ('STEP_NAMES["XGB', [("XGB", 0, False)]),
    ('dag = PipelineDAG(nodes=["A", "B', [("A", 0, True), ("B", 0, False)]),
    ('dag = PipelineDAG(edges=[("A", "B', [("A", 0, True), ("B", 0, False)]),
    ('dag.add_node("A", ', [("A", 0, True)]),
    ('dag.add_node("A",\n', [("A", 0, True)]),
    ('dag.add_node(\n    "A",\n', [("A", 1, True)]),
    # A half-written call does not swallow the statements after it.
    (
        'dag.add_node("A", \ndag.add_node("B")\ndag.add_node("C")\n',
        [
            ("A", 0, True),
            ("B", 1, True),
            ("C", 2, True),
        ],
    ),
    ('dag.add_node("A"\ndag.add_node("B")\n', [("A", 0, True), ("B", 1, True)]),
    ('dag.add_node(\ndef f():\n    add_node("B")\n', [("B", 2, True)]),
    (
        'def f():\n    dag.add_node("A",\n    dag.add_node("B")\n\n\ndef g():\n    add_node("C")\n',
        [("A", 1, True), ("B", 2, True), ("C", 6, True)],
    ),
    ('dag.add_node("XGB\ndag.add_node("B")\n', [("XGB", 0, False), ("B", 1, True)]),
    (
        'dag.add_node(\nx = STEP_NAMES["A"\ndag.add_edge("B", \ndag.add_edge(\n    "C", "D")\n',
        [("A", 1, True), ("B", 2, True), ("C", 4, True), ("D", 4, True)],
    ),
    ("add_node(\n" * 50 + 'add_node("A")\n', [("A", 50, True)]),
    # A syntax error elsewhere does not hide anything.
    ('x = = 1\ndag.add_node("A")\nif x\n    STEP_NAMES["B"]\n', [("A", 1, True), ("B", 3, True)]),
    ('def f(:\n    dag.add_edge("A",\n        "B")\n', [("A", 1, True), ("B", 2, True)]),
    ('STEP_NAMES = {\n    "A": {},\n    "B": {\n', [("A", 1, True), ("B", 2, True)]),
    ('LOCAL_STEPS: dict[str, dict] = {"A": {}, "B', [("A", 0, True)]),
    # An unclosed triple quote makes the rest of the file a string, as in Python.
    ('x = """\ndag.add_node("A")\n', []),
]


@pytest.mark.parametrize(("source", "expected"), UNFINISHED_CASES)
def test_code_being_typed(source: str, expected: list[tuple[str, int, bool]]) -> None:
    result = analyze(source)
    assert [(r.value, r.line, r.closed) for r in result.references] == expected
    check_spans(source, result)


def test_unclosed_literal_spans_to_end_of_line() -> None:
    (ref,) = analyze('dag.add_node("XGB  \nnext = 1\n').references
    assert (ref.start_col, ref.end_col, ref.literal_start_col, ref.literal_end_col) == (
        14,
        19,
        13,
        19,
    )
    assert ref.value == "XGB  "


def test_crlf_and_cr_line_endings() -> None:
    for newline in ("\r\n", "\r"):
        text = newline.join(["x = 1", "dag.add_edge(", '    "A", "B")', ""])
        result = analyze(text)
        assert [(r.value, r.line, r.start_col) for r in result.references] == [
            ("A", 2, 5),
            ("B", 2, 10),
        ]


# ---------------------------------------------------------------------------------------------
# Code-point columns


@pytest.mark.parametrize(
    "before",
    ["🎉", "é", "e\u0301", "漢字", "\t", "🎉🎉 é\u0301 漢"],
)
@pytest.mark.parametrize(
    "template",
    [
        'dag.add_edge("{b}", "B")\n',  # fast line
        'x = ("{b}", get_step_description("B"))\n',  # parsed with ast (byte offsets)
        'x = ("{b}", get_step_description("B")\n',  # parsed with parso (unclosed)
        'STEP_NAMES = {{"{b}": {{}}, "B": {{}}}}\n',  # definitions
        'dag.add_edge(\n    "{b}", "B")\n',  # multi-line call
    ],
)
def test_columns_are_code_points(before: str, template: str) -> None:
    text = template.format(b=before)
    refs = [r for r in analyze(text).references if r.value == "B"]
    assert len(refs) == 1
    ref = refs[0]
    line = text.split("\n")[ref.line]
    assert ref.start_col == line.index('"B"') + 1
    assert ref.end_col == ref.start_col + 1


def test_tab_indentation() -> None:
    text = 'def f():\n\tdag.add_node("A")\n\tx = STEP_NAMES["B"]\n'
    assert [(r.value, r.line, r.start_col) for r in analyze(text).references] == [
        ("A", 1, 15),
        ("B", 2, 17),
    ]


# ---------------------------------------------------------------------------------------------
# Slots


SLOT_CASES: list[tuple[str, list[tuple[int, int, int, str]]]] = [
    # (source, expected (line, start_col, end_col, context))
    ("add_node()\n", [(0, 9, 9, "add_node")]),
    ("dag.add_node(  )\n", [(0, 13, 15, "add_node")]),
    ('dag.add_edge("A", )\n', [(0, 17, 18, "add_edge")]),
    ('dag.add_edge("A",)\n', [(0, 17, 17, "add_edge")]),
    (
        "dag.add_node(\n    \n)\n",
        [(0, 13, 13, "add_node"), (1, 0, 4, "add_node"), (2, 0, 0, "add_node")],
    ),
    ("dag.add_node(  # note\n)\n", [(0, 13, 15, "add_node"), (1, 0, 0, "add_node")]),
    ("dag.add_node(name=)\n", [(0, 18, 18, "add_node")]),
    ("STEP_NAMES[]\n", [(0, 11, 11, "STEP_NAMES")]),
    ("dag = PipelineDAG(nodes=[])\n", [(0, 25, 25, "PipelineDAG.nodes")]),
    ('dag = PipelineDAG(nodes=["A", ])\n', [(0, 29, 30, "PipelineDAG.nodes")]),
    ("dag = PipelineDAG(edges=[()])\n", [(0, 26, 26, "PipelineDAG.edges")]),
    ('dag = PipelineDAG(edges=[("A", )])\n', [(0, 30, 31, "PipelineDAG.edges")]),
    ("dag.add_node(", [(0, 13, 13, "add_node")]),
    ('dag.add_edge("A", ', [(0, 17, 18, "add_edge")]),
    ("def f():\n    dag.add_node(\n    x = 1\n", [(1, 17, 17, "add_node")]),
    # Not slots: an argument is there, or the call is not a step-name call.
    ('print()\nfoo(x, )\ndag.add_node(x)\ndag.add_node("A" )\nPipelineDAG()\n', []),
    ("dag = PipelineDAG(edges=[])\nSTEP_NAMES = {}\n", []),
]


@pytest.mark.parametrize(("source", "expected"), SLOT_CASES)
def test_argument_slots(source: str, expected: list[tuple[int, int, int, str]]) -> None:
    slots = analyze(source).slots
    assert [(s.line, s.start_col, s.end_col, s.context) for s in slots] == expected
    assert all(s.col == s.end_col for s in slots)


def test_slot_at() -> None:
    result = analyze('dag.add_edge("A",  )\n')
    assert result.slot_at(0, 16) is None
    assert result.slot_at(0, 17) == ArgumentSlot(0, 19, 17, 19, "add_edge")
    assert result.slot_at(0, 19) is not None
    assert result.slot_at(0, 20) is None
    assert result.slot_at(1, 0) is None


# ---------------------------------------------------------------------------------------------
# Lookups


def test_reference_at_boundaries() -> None:
    result = analyze('dag.add_edge("AB", "")\n')
    ab, empty = result.references
    assert result.reference_at(0, 13) is None  # on the opening quote
    assert result.reference_at(0, 14) is ab
    assert result.reference_at(0, 15) is ab
    assert result.reference_at(0, 16) is ab  # just after the last character
    assert result.reference_at(0, 17) is None
    assert result.reference_at(0, 20) is empty
    assert result.reference_at(0, 21) is None
    assert result.reference_at(1, 14) is None
    assert result.reference_at(-1, 14) is None


def test_uses_and_definitions() -> None:
    result = analyze('STEP_NAMES = {"A": {}}\nSTEP_NAMES["A"]\n')
    assert [r.line for r in result.definitions()] == [0]
    assert [r.line for r in result.uses()] == [1]


def test_empty_document() -> None:
    assert analyze("") == DocumentAnalysis()
    assert analyze("\n\n   \n# only a comment") == DocumentAnalysis()


# ---------------------------------------------------------------------------------------------
# The per-document cache


PIPELINE = "".join(
    f'dag.add_node("Step{i}")\ndag.add_edge("Step{i}", "Step{i + 1}")\n' for i in range(30)
)
FUNCTION = (
    "def build():\n    dag = PipelineDAG()\n"
    + "".join(
        f'    dag.add_node("Step{i}")\n    cfg = STEP_NAMES["Step{i}"]\n'
        f'    dag.add_edge(\n        "Step{i}",\n        "Step{i + 1}",\n    )\n'
        for i in range(20)
    )
    + "    return dag\n"
)


def edits_of(text: str) -> list[str]:
    middle = text.index("\n", len(text) // 2) + 1
    literal = text.index('"', middle) + 2
    return [
        text[:literal] + "x" + text[literal:],
        text[:middle] + "\n" + text[middle:],
        text[:middle] + 'dag.add_node("XGB\n' + text[middle:],
        text[:middle] + 'dag.add_node("A", \n' + text[middle:],
        text[:middle] + '    x = """\n' + text[middle:],
        text[:middle] + text[middle + 5 :],
        text[:middle] + "    if x:\n" + text[middle:],
        text,
    ]


@pytest.mark.parametrize("text", [PIPELINE, FUNCTION])
def test_cached_reanalysis_equals_fresh_analysis(text: str) -> None:
    analyzer = DocumentAnalyzer()
    for version in [text, *edits_of(text)]:
        assert analyzer.analyze(version) == analyze(version)
    # Typing a character at a time.
    middle = text.index("\n", len(text) // 2) + 1
    typed = ""
    for char in 'dag.add_edge("XGB", "Step1")\n':
        typed += char
        version = text[:middle] + typed + text[middle:]
        assert analyzer.analyze(version) == analyze(version)


def test_cache_reuses_unchanged_references() -> None:
    analyzer = DocumentAnalyzer()
    first = analyzer.analyze(PIPELINE)
    edited = PIPELINE.replace('"Step29")', '"Step29x")')
    second = analyzer.analyze(edited)
    assert second == analyze(edited)
    assert second.references[0] is first.references[0]
    assert second.references[-1] is first.references[-1]
    assert (first.references[-3].value, second.references[-3].value) == ("Step29", "Step29x")


def test_changing_step_name_calls_resets_the_cache() -> None:
    analyzer = DocumentAnalyzer()
    text = 'register_step("A")\n'
    assert analyzer.analyze(text).references == ()
    assert [r.value for r in analyzer.analyze(text, ["register_step"]).references] == ["A"]
    assert analyzer.analyze(text).references == ()
