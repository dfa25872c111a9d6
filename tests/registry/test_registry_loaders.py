"""Static readers: Python modules, workspace modules, interface files, YAML and JSON tables."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from hybrid_registry.loaders import (
    load_python_registry,
    load_step_interface,
    load_table,
    load_workspace_registry,
    read_text,
    workspace_dir_of,
    workspace_registry_file,
)
from hybrid_registry.models import Problem, RegistryType, Severity, SourceRange

from registry_helpers import (
    CAROL_BROKEN,
    CORE_MODULE,
    INTERFACE_GOOD,
    INTERFACE_NO_TYPE,
    JSON_TABLE,
    WORKSPACE_RELPATH,
    YAML_TABLE,
    line_col,
    mallory_text,
    write,
)


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def only(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, problems
    return found[0]


# --------------------------------------------------------------------------- Python modules


def test_core_module_loads_every_valid_entry(tmp_path: Path) -> None:
    path = write(tmp_path / "step_names.py", CORE_MODULE)
    load = load_python_registry(path)

    assert list(load.definitions) == [
        "TabularPreprocessing",
        "XGBoostTraining",
        "ModelEval",
        "Computed",
        "UsesRebound",
        "NoSagemakerType",
        "Duplicated",
        "Package_special",
        "Package",
    ]
    for definition in load.definitions.values():
        assert definition.registry_type is RegistryType.CORE
        assert definition.source == str(path)
        assert definition.location is not None and definition.location.path == str(path)


def test_names_bound_to_module_constants_are_resolved(tmp_path: Path) -> None:
    load = load_python_registry(write(tmp_path / "step_names.py", CORE_MODULE))

    tabular = load.definitions["TabularPreprocessing"]
    assert tabular.sagemaker_step_type == "Processing"  # _PROCESSING = "Processing"
    assert tabular.description == "Tabular preprocessing (accents: déjà vu)"
    assert load.definitions["XGBoostTraining"].sagemaker_step_type == "Training"  # annotated
    assert load.definitions["XGBoostTraining"].job_types == ["training", "calibration"]


def test_key_ranges_are_code_points_after_emoji_and_accents(tmp_path: Path) -> None:
    path = write(tmp_path / "step_names.py", CORE_MODULE)
    load = load_python_registry(path)

    location = load.definitions["TabularPreprocessing"].location
    assert location is not None
    assert location.range == SourceRange(start_line=14, start_col=5, end_line=14, end_col=25)
    # "Émoji" follows "naïve café 🙂" on its line: its column counts code points, not bytes.
    invalid = only(load.problems, "invalid-name")
    line, col = line_col(CORE_MODULE, '"Émoji"')
    assert (line, col) == (29, 87)
    assert invalid.range == SourceRange(start_line=29, start_col=88, end_line=29, end_col=93)
    assert invalid.severity is Severity.ERROR
    assert "Émoji" in invalid.message


def test_non_literal_value_is_a_problem_at_its_location_and_the_rest_loads(tmp_path: Path) -> None:
    load = load_python_registry(write(tmp_path / "step_names.py", CORE_MODULE))

    computed = load.definitions["Computed"]
    assert computed.config_class == "ComputedConfig"  # the rest of the row is kept
    assert computed.description is None
    not_literal = [p for p in load.problems if p.code == "not-a-literal"]
    call_line, call_col = line_col(CORE_MODULE, "compute_it(),")
    assert not_literal[0].range == SourceRange(
        start_line=call_line, start_col=call_col, end_line=call_line, end_col=call_col + 12
    )
    assert (call_line, call_col) == (32, 37)


def test_a_constant_rebound_to_a_non_literal_is_not_used(tmp_path: Path) -> None:
    load = load_python_registry(write(tmp_path / "step_names.py", CORE_MODULE))

    assert load.definitions["UsesRebound"].description is None
    problem = [p for p in load.problems if "_REBOUND" in p.message]
    assert len(problem) == 1
    line, col = line_col(CORE_MODULE, "_REBOUND}")
    assert (problem[0].range.start_line, problem[0].range.start_col) == (line, col)


def test_duplicate_keys_warn_and_the_later_one_wins(tmp_path: Path) -> None:
    load = load_python_registry(write(tmp_path / "step_names.py", CORE_MODULE))

    assert load.definitions["Duplicated"].description == "second"
    duplicate = only(load.problems, "duplicate-key")
    assert duplicate.severity is Severity.WARNING
    line, col = line_col(CORE_MODULE, '"Duplicated"', 1)
    assert (duplicate.range.start_line, duplicate.range.start_col) == (line, col + 1)
    assert "line 37" in duplicate.message  # the first definition, 1-based


def test_missing_sagemaker_step_type_is_an_error_but_the_step_loads(tmp_path: Path) -> None:
    load = load_python_registry(write(tmp_path / "step_names.py", CORE_MODULE))

    problem = only(load.problems, "missing-field")
    assert problem.severity is Severity.ERROR
    assert "NoSagemakerType" in problem.message and "sagemaker_step_type" in problem.message
    assert (problem.range.start_line, problem.range.start_col) == (37, 5)
    assert load.definitions["NoSagemakerType"].config_class == "NoSagemakerTypeConfig"


def test_exact_problem_set_of_the_core_module(tmp_path: Path) -> None:
    load = load_python_registry(write(tmp_path / "step_names.py", CORE_MODULE))
    assert sorted(codes(load.problems)) == [
        "duplicate-key",
        "invalid-name",
        "missing-field",
        "not-a-literal",
        "not-a-literal",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STEP_NAMES: dict = {'A': {'sagemaker_step_type': 'P'}}\n", {"A": "P"}),
        ("X = 'P'\nY = X\nSTEP_NAMES = {'A': {'sagemaker_step_type': Y}}\n", {"A": "P"}),
        ("K = 'A'\nSTEP_NAMES = {K: {'sagemaker_step_type': 'P'}}\n", {"A": "P"}),
        ("STEP_NAMES = {'A': {'sagemaker_step_type': 'Pro' + 'cessing'}}\n", {"A": "Processing"}),
        ("STEP_NAMES = {'A': {'sagemaker_step_type': 'P', 'priority': -5}}\n", {"A": "P"}),
        ("STEP_NAMES = {}\nSTEP_NAMES = {'B': {'sagemaker_step_type': 'Q'}}\n", {"B": "Q"}),
    ],
)
def test_python_literal_forms(text: str, expected: dict[str, str]) -> None:
    load = load_python_registry("m.py", text)
    assert {n: d.sagemaker_step_type for n, d in load.definitions.items()} == expected
    assert load.problems == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("STEP_NAMES = dict(A={})\n", "invalid-value"),
        ("STEP_NAMES = {**OTHER}\n", "not-a-literal"),
        ("STEP_NAMES = {'A': 'not a dict'}\n", "invalid-value"),
        ("STEP_NAMES = {1: {'sagemaker_step_type': 'P'}}\n", "invalid-name"),
        ("STEP_NAMES = {'bad name': {'sagemaker_step_type': 'P'}}\n", "invalid-name"),
        ("STEP_NAMES = {'': {'sagemaker_step_type': 'P'}}\n", "invalid-name"),
        ("STEP_NAMES = {'A': {'sagemaker_step_type': 'P', 'priority': 'high'}}\n", "invalid-value"),
        ("STEP_NAMES = {'A': {'sagemaker_step_type': f'{x}'}}\n", "not-a-literal"),
        ("OTHER = 1\n", "missing-table"),
        ("STEP_NAMES = {\n", "syntax-error"),
        ("STEP_NAMES = {'A': {}}\x00\n", "syntax-error"),
    ],
)
def test_python_problem_codes(text: str, code: str) -> None:
    load = load_python_registry("m.py", text)
    assert code in codes(load.problems)


def test_syntax_error_position_counts_code_points() -> None:
    path = "/ws/carol/" + str(WORKSPACE_RELPATH)
    load = load_workspace_registry(path, CAROL_BROKEN)

    problem = only(load.problems, "syntax-error")
    line, col = line_col(CAROL_BROKEN, "},\n}")
    assert (problem.range.start_line, problem.range.start_col) == (line, col) == (3, 40)
    assert load.local_steps == {} and load.workspace_id == "carol"


def test_read_text_reports_missing_and_non_utf8_files(tmp_path: Path) -> None:
    problems: list[Problem] = []
    assert read_text(tmp_path / "missing.py", problems) is None
    bad = write(tmp_path / "latin1.py", b"STEP_NAMES = {'Caf\xe9': {}}\n")
    assert read_text(bad, problems) is None
    assert codes(problems) == ["unreadable-file", "unreadable-file"]
    assert "UTF-8" in problems[1].message


def test_a_file_deleted_before_loading_is_a_problem(tmp_path: Path) -> None:
    load = load_python_registry(tmp_path / "gone.py")
    assert load.definitions == {}
    assert codes(load.problems) == ["unreadable-file"]


# --------------------------------------------------------------------------- workspace modules


def test_workspace_module_reads_locals_overrides_and_metadata(tmp_path: Path) -> None:
    text = """
WORKSPACE_METADATA = {"developer_id": "bob_ml", "version": "1.0.0"}
LOCAL_STEPS = {"Local": {"sagemaker_step_type": "Processing"}}
STEP_OVERRIDES = {"Core": {"config_class": "OtherConfig"}}
"""
    path = write(tmp_path / "bob" / WORKSPACE_RELPATH, text)
    load = load_workspace_registry(path)

    assert load.workspace_id == "bob_ml"
    assert load.directory == str(tmp_path / "bob")
    assert load.metadata == {"developer_id": "bob_ml", "version": "1.0.0"}
    assert load.local_steps["Local"].registry_type is RegistryType.WORKSPACE
    assert load.local_steps["Local"].workspace_id == "bob_ml"
    assert load.overrides["Core"].registry_type is RegistryType.OVERRIDE
    assert load.problems == []  # overrides need no sagemaker_step_type


def test_workspace_id_falls_back_to_the_folder_name(tmp_path: Path) -> None:
    path = write(
        tmp_path / "carol" / WORKSPACE_RELPATH,
        'WORKSPACE_METADATA = {"developer_id": 5}\nLOCAL_STEPS = {}\n',
    )
    load = load_workspace_registry(path)
    assert load.workspace_id == "carol"
    assert codes(load.problems) == ["invalid-value"]


def test_workspace_local_step_without_sagemaker_type_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path / "w" / WORKSPACE_RELPATH, 'LOCAL_STEPS = {"A": {}}\n')
    load = load_workspace_registry(path)
    assert [(p.code, p.severity) for p in load.problems] == [("missing-field", Severity.WARNING)]
    assert "A" in load.local_steps


def test_workspace_without_tables_is_informational(tmp_path: Path) -> None:
    path = write(tmp_path / "w" / WORKSPACE_RELPATH, "X = 1\n")
    load = load_workspace_registry(path)
    assert [(p.code, p.severity) for p in load.problems] == [
        ("missing-table", Severity.INFORMATION)
    ]


def test_top_level_code_is_never_executed(tmp_path: Path) -> None:
    sentinel = tmp_path / "EXECUTED.txt"
    path = write(tmp_path / "m" / WORKSPACE_RELPATH, mallory_text(sentinel))
    load = load_workspace_registry(path)
    assert list(load.local_steps) == ["MalloryStep"]
    assert load.problems == []
    assert not sentinel.exists()


def test_workspace_paths() -> None:
    file = workspace_registry_file("/a/b/alice")
    assert file == Path("/a/b/alice") / WORKSPACE_RELPATH
    assert workspace_dir_of(file) == Path("/a/b/alice")


# --------------------------------------------------------------------------- interface files


def test_interface_file_derives_the_row_and_keeps_spec_data() -> None:
    load = load_step_interface("i/data_loading.step.yaml", INTERFACE_GOOD, source="i")
    definition = load.definitions["DataLoading"]

    assert load.problems == []
    assert definition.to_legacy_format() == {
        "config_class": "DataLoadingConfig",
        "builder_step_name": "DataLoadingStepBuilder",
        "spec_type": "DataLoading",
        "sagemaker_step_type": "Processing",
        "description": "Loads data (données 🙂)",
    }
    assert definition.metadata["outputs"] == {"DATA": {"type": "processing_output"}}
    assert definition.metadata["dependencies"] == {}
    assert definition.metadata["node_type"] == "source"
    assert definition.source == "i"
    assert definition.location is not None
    assert definition.location.range == SourceRange(
        start_line=0, start_col=11, end_line=0, end_col=22
    )


def test_interface_without_sagemaker_step_type_is_an_error_in_that_file() -> None:
    load = load_step_interface("i/incomplete.step.yaml", INTERFACE_NO_TYPE, source="i")
    problem = only(load.problems, "missing-field")
    assert problem.path == "i/incomplete.step.yaml"
    assert problem.severity is Severity.ERROR
    assert problem.range.start_line == 0


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "invalid-value"),
        ("- a list\n", "invalid-value"),
        ("registry: {}\n", "missing-field"),
        ("step_type: [A]\n", "missing-field"),
        ("step_type: A\nregistry: [1]\n", "invalid-value"),
        ("step_type: A\nregistry: {sagemaker_step_type: P\n", "syntax-error"),
        ("step_type: bad name\nregistry: {sagemaker_step_type: P}\n", "invalid-name"),
    ],
)
def test_interface_problems(text: str, code: str) -> None:
    load = load_step_interface("x.step.yaml", text, source="d")
    assert code in codes(load.problems)


# --------------------------------------------------------------------------- YAML/JSON tables


def test_yaml_table_with_positions_after_emoji() -> None:
    load = load_table("t.yaml", YAML_TABLE)
    assert load.problems == []
    assert list(load.definitions) == ["Base", "YamlOnly"]
    assert load.definitions["Base"].description == "é🙂"
    location = load.definitions["YamlOnly"].location
    assert location is not None
    assert location.range == SourceRange(start_line=2, start_col=0, end_line=2, end_col=8)


def test_yaml_table_problems_have_positions() -> None:
    text = 'A: {description: "🙂"}\n"🙂": {}\nB: 3\n1: {}\nA: {sagemaker_step_type: P}\n'
    load = load_table("t.yaml", text)
    found = {(p.code, p.range.start_line, p.range.start_col) for p in load.problems}
    assert ("invalid-name", 1, 1) in found  # quoted key: the range is its content
    assert ("invalid-value", 2, 3) in found  # B's row is not a mapping
    assert ("invalid-name", 3, 0) in found  # an int key
    assert ("duplicate-key", 4, 0) in found
    assert load.definitions["A"].sagemaker_step_type == "P"  # the later one wins


def test_json_table_with_positions_after_emoji() -> None:
    load = load_table("t.json", JSON_TABLE)
    assert load.problems == []
    also = load.definitions["AlsoJson"].location
    assert also is not None
    line, col = line_col(JSON_TABLE, '"AlsoJson"')
    assert also.range == SourceRange(
        start_line=line, start_col=col + 1, end_line=0, end_col=col + 9
    )
    assert load.definitions["JsonOnly"].description == "👍 json"


def test_json_specifics() -> None:
    text = '{\n  "A": {"sagemaker_step_type": "P\\/Q", "description": "\\ud83d\\ude00"},\n'
    text += '  "A": {"sagemaker_step_type": "R"},\n  "B": [1]\n}\n'
    load = load_table("t.json", text)
    assert load.definitions["A"].sagemaker_step_type == "R"
    found = {(p.code, p.range.start_line, p.range.start_col) for p in load.problems}
    assert found == {("duplicate-key", 2, 3), ("invalid-value", 3, 7)}

    broken = load_table("t.json", '{"A": {},\n  }\n')
    assert [(p.code, p.range.start_line, p.range.start_col) for p in broken.problems] == [
        ("syntax-error", 1, 2)
    ]


def test_empty_yaml_table_is_empty_and_clean() -> None:
    load = load_table("t.yaml", "# nothing yet\n")
    assert load.definitions == {} and load.problems == []


def test_unencodable_text_is_a_problem() -> None:
    for loader_path in ("t.yaml", "t.json"):
        assert codes(load_table(loader_path, 'A: "\ud800"').problems) == ["syntax-error"]
    assert codes(load_python_registry("m.py", "X = '\ud800'").problems) == ["syntax-error"]


ROW_WITH = "{'S': {'sagemaker_step_type': 'P', 'description': %s}}"


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("A = B = 'x'\nSTEP_NAMES = OTHER = " + ROW_WITH % "B", "x"),
        ("D = 'a'\nD += 'b'\nSTEP_NAMES = " + ROW_WITH % "D", None),
        ("D = 'a'\nD, E = 1, 2\nSTEP_NAMES = " + ROW_WITH % "D", None),
    ],
)
def test_constants_follow_rebinding(text: str, description: str | None) -> None:
    load = load_python_registry("m.py", text)
    assert load.definitions["S"].description == description
    assert codes(load.problems) == ([] if description else ["not-a-literal"])


def test_compiler_warnings_in_user_files_are_not_raised(recwarn: pytest.WarningsRecorder) -> None:
    text = "X = '\\['\nSTEP_NAMES = {'A': {'sagemaker_step_type': 'P', 'description': X}}\n"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load = load_python_registry("m.py", text)
    assert load.problems == [] and load.definitions["A"].description == "\\["
    assert len(recwarn) == 0


def test_odd_values_in_a_row_are_problems_and_the_rest_loads(tmp_path: Path) -> None:
    terms = " + ".join(["A"] * 1500)  # valid Python, deeper than the recursion limit
    module = write(
        tmp_path / "core.py",
        'A = "x"\nBIG = "' + "y" * 60_000 + '"\n'
        "STEP_NAMES = {\n"
        "    'TupleKey': {'sagemaker_step_type': 'Processing', 'extra': {('a', 'b'): 1, {}: 2}},\n"
        f"    'Deep': {{'sagemaker_step_type': 'Processing', 'description': {terms}}},\n"
        "    'Bomb': {'sagemaker_step_type': 'Processing', 'description': BIG + BIG + BIG},\n"
        "    'Good': {'sagemaker_step_type': 'Processing'},\n"
        "}\n",
    )
    loaded = load_python_registry(module)
    assert "Good" in loaded.definitions
    by_line = {p.range.start_line: p for p in loaded.problems}
    key_problems = [p for p in loaded.problems if p.range.start_line == 3]
    assert [p.code for p in key_problems] == ["not-a-literal"] * 2
    assert all("Keys must be" in p.message for p in key_problems)
    assert by_line[4].code == "not-a-literal" and "nested too deeply" in by_line[4].message
    assert by_line[5].code == "invalid-value" and "longer than" in by_line[5].message
    assert len(loaded.problems) == 4


def test_an_interface_keeps_the_other_fields_of_its_registry_block(tmp_path: Path) -> None:
    interface = write(
        tmp_path / "train.step.yaml",
        "step_type: Train\nregistry:\n  sagemaker_step_type: Training\n"
        "  job_types: [training, calibration]\n  framework: xgboost\n  requires: [Data]\n"
        "  spec_type: Ignored\n",
    )
    loaded = load_step_interface(interface, source=str(tmp_path))
    definition = loaded.definitions["Train"]
    assert definition.job_types == ["training", "calibration"]
    assert definition.framework == "xgboost"
    assert definition.spec_type == "Train"  # always the step name
    assert definition.metadata["requires"] == ["Data"]
    assert loaded.problems == []


def test_interface_aliases_are_never_expanded_and_loops_are_cut(tmp_path: Path) -> None:
    levels = "\n".join(f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 10))
    bomb = write(
        tmp_path / "bomb.step.yaml",
        "step_type: Bomb\nregistry: {sagemaker_step_type: Processing}\n"
        f"spec:\n  dependencies:\n  l0: &l0 [x]\n{levels}\n  outputs: {{all: *l9}}\n",
    )
    loop = write(
        tmp_path / "loop.step.yaml",
        "step_type: Loop\nregistry: {sagemaker_step_type: Processing}\n"
        "spec: {dependencies: &a [*a]}\n",
    )
    loaded = load_step_interface(bomb, source=str(tmp_path))  # 10**9 strings if expanded
    outputs = loaded.definitions["Bomb"].metadata["outputs"]["all"]
    assert outputs[0] is outputs[1]  # still shared
    looped = load_step_interface(loop, source=str(tmp_path)).definitions["Loop"]
    assert looped.metadata["dependencies"] == [None]


def test_changes_to_the_table_after_its_literal_are_reported(tmp_path: Path) -> None:
    module = write(
        tmp_path / "core.py",
        'STEP_NAMES = {"Early": {"sagemaker_step_type": "Processing"}}\n'
        'STEP_NAMES |= {"Late": {"sagemaker_step_type": "Processing"}}\n'
        'STEP_NAMES["Later"] = {"sagemaker_step_type": "Processing"}\n'
        'STEP_NAMES.update({"Upd": {"sagemaker_step_type": "Processing"}})\n'
        'del STEP_NAMES["Early"]\n'
        'STEP_NAMES["Early"]["sagemaker_step_type"] = "Training"\n'
        "if True:\n    STEP_NAMES['B'] = {}\n"
        "STEP_NAMES.__setitem__('C', {})\n"
        "_ = STEP_NAMES.update(D={})\n"
        "STEP_NAMES, X = {}, 1\n"
        "(STEP_NAMES := {})\n"
        "from x import y as STEP_NAMES\n"
        "for STEP_NAMES['E'] in []: pass\n"
        'OTHER = {}\nOTHER["x"] = 1\nOTHER.update(y=2)\nprint(STEP_NAMES.get("x"))\n'
        "STEP_NAMES: dict\n",
    )
    loaded = load_python_registry(module)
    assert list(loaded.definitions) == ["Early"]
    assert sorted((p.range.start_line, p.severity) for p in loaded.problems) == [
        (line, Severity.WARNING) for line in (1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13)
    ]
    assert all("is not read" in p.message for p in loaded.problems)


def test_a_registry_file_outside_the_usual_layout_is_its_own_workspace() -> None:
    assert workspace_dir_of("workspace_registry.py") == Path(".")
    assert workspace_dir_of("/w/a/src/cursus_dev/registry/workspace_registry.py") == Path("/w/a")


def test_yaml_and_json_positions_follow_lsp_line_breaks(tmp_path: Path) -> None:
    # YAML also ends lines at U+2028 and NEL; LSP and the editor do not.
    table = write(
        tmp_path / "t.yaml",
        'Alpha: {sagemaker_step_type: Processing, description: "a\u2028b\x85c"}\n'
        "Beta:\n  sagemaker_step_type: Processing\n",
    )
    loaded = load_table(table, source=str(tmp_path))
    beta = loaded.definitions["Beta"].location
    assert beta is not None and (beta.range.start_line, beta.range.start_col) == (1, 0)
    broken = write(tmp_path / "b.yaml", "# \u2028 comment\nA: [\n")
    (problem,) = load_table(broken, source=str(tmp_path)).problems
    assert problem.code == "syntax-error"
    assert (problem.range.start_line, problem.range.start_col) == (1, 1)  # the ':' of 'A:'
    # JSON with old Mac line ends (lone CR)
    data = write(
        tmp_path / "t.json",
        '{"First": {"sagemaker_step_type": "Processing"},\r'
        ' "Third": {"sagemaker_step_type": "Processing"}\r}\r',
    )
    third = load_table(data, source=str(tmp_path)).definitions["Third"].location
    assert third is not None and (third.range.start_line, third.range.start_col) == (1, 2)
    bad = write(tmp_path / "bad.json", '{"A": 1,\r "B": }\r')
    (problem,) = load_table(bad, source=str(tmp_path)).problems
    assert (problem.range.start_line, problem.range.start_col) == (1, 6)


@pytest.mark.parametrize("value", ["!!bool maybe", "!!timestamp ''", "!!int '-'", "2024-02-30"])
def test_yaml_values_their_tag_cannot_hold_are_problems(tmp_path: Path, value: str) -> None:
    table = write(tmp_path / "t.yaml", f"A: {{sagemaker_step_type: Processing, x: {value}}}\n")
    (problem,) = load_table(table, source=str(tmp_path)).problems
    assert problem.code == "invalid-value" and "cannot be read" in problem.message


def test_json_rows_too_deep_or_with_lone_cr_lines(tmp_path: Path) -> None:
    deep = "[" * 600 + "]" * 600
    table = write(
        tmp_path / "t.json",
        '{"Good": {"sagemaker_step_type": "Processing"},\r"Deep": {"x": ' + deep + '},\r"B":\r1\r}',
    )
    loaded = load_table(table, source=str(tmp_path))
    assert list(loaded.definitions) == ["Good"]
    deep_problem, b_problem = loaded.problems
    assert "nested too deeply" in deep_problem.message and deep_problem.range.start_line == 1
    assert (b_problem.range.start_line, b_problem.range.start_col) == (3, 0)
