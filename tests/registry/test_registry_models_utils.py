"""Models and utilities: name validation, legacy conversions, suggestions, problem formatting.

Property tests (hypothesis) cover name validation, legacy round trips, and loaders fed random
bytes and text: they return problems, never raise.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from hybrid_registry import UnifiedRegistryManager
from hybrid_registry.loaders import (
    load_python_registry,
    load_step_interface,
    load_table,
    load_workspace_registry,
)
from hybrid_registry.models import (
    ConflictAnalysis,
    Location,
    Problem,
    RegistryType,
    RegistryValidationResult,
    ResolutionStrategy,
    Severity,
    SourceRange,
    StepDefinition,
    StepResolutionResult,
)
from hybrid_registry.utils import (
    format_problems,
    from_legacy_format,
    is_valid_step_name,
    split_job_type,
    suggest,
    to_legacy_dict,
    unknown_step_message,
    validate_registry_type,
)

from registry_helpers import (
    CORE_MODULE,
    INTERFACE_GOOD,
    JSON_TABLE,
    WORKSPACE_RELPATH,
    YAML_TABLE,
    write,
)

NAME_CHARS = string.ascii_letters + string.digits + "_-"
valid_names = st.text(alphabet=NAME_CHARS, min_size=1, max_size=40)
LEGACY_KEYS = ("config_class", "builder_step_name", "spec_type", "sagemaker_step_type")
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# --------------------------------------------------------------------------- names


@given(valid_names)
def test_valid_names_are_accepted(name: str) -> None:
    assert is_valid_step_name(name)
    assert StepDefinition(name=name).step_name == name


@given(st.text(min_size=0, max_size=40).filter(lambda s: not s or set(s) - set(NAME_CHARS)))
@example("")
@example("Name\n")
@example("Café")
@example("A B")
@example("Step.Name")
def test_names_with_other_characters_are_rejected(name: str) -> None:
    assert not is_valid_step_name(name)
    with pytest.raises(ValidationError):
        StepDefinition(name=name)


@given(
    st.from_regex(r"[A-Za-z][A-Za-z0-9]*", fullmatch=True),
    st.from_regex(r"[a-z]+", fullmatch=True),
)
def test_job_type_split(base: str, job_type: str) -> None:
    assert split_job_type(f"{base}_{job_type}") == (base, job_type)


@pytest.mark.parametrize(
    "node", ["Name", "Name_Training", "Name_", "_training", "A_b_c", "Name_training\n", "1a_b"]
)
def test_not_a_job_type_split(node: str) -> None:
    assert split_job_type(node) is None


def test_registry_type_validation() -> None:
    assert validate_registry_type("override") is RegistryType.OVERRIDE
    with pytest.raises(ValueError, match="core, workspace, override"):
        validate_registry_type("global")


# --------------------------------------------------------------------------- legacy format

optional_text = st.none() | st.text(max_size=30)
definitions = st.builds(
    StepDefinition,
    name=valid_names,
    registry_type=st.sampled_from(list(RegistryType)),
    config_class=optional_text,
    spec_type=optional_text,
    sagemaker_step_type=optional_text,
    builder_step_name=optional_text,
    description=optional_text,
    framework=optional_text,
    job_types=st.lists(st.text(alphabet=string.ascii_lowercase, min_size=1), max_size=4),
    workspace_id=st.none() | valid_names,
    priority=st.integers(-1000, 1000),
)


@given(definitions)
def test_legacy_round_trip(definition: StepDefinition) -> None:
    row = definition.to_legacy_format()
    back = from_legacy_format(
        definition.name, row, definition.registry_type, definition.workspace_id
    )
    assert back.to_legacy_format() == row
    for key in (*LEGACY_KEYS, "description", "framework", "job_types"):
        assert getattr(back, key) == getattr(definition, key)
    assert (back.name, back.registry_type, back.workspace_id) == (
        definition.name,
        definition.registry_type,
        definition.workspace_id,
    )


@given(
    valid_names,
    st.fixed_dictionaries(
        {key: st.text(max_size=20) for key in LEGACY_KEYS},
        optional={"description": st.text(max_size=20), "unknown_key": st.integers()},
    ),
)
def test_row_to_model_to_row(name: str, row: dict[str, Any]) -> None:
    definition = from_legacy_format(name, row)
    expected = {key: value for key, value in row.items() if key != "unknown_key"}
    assert definition.to_legacy_format() == expected
    if "unknown_key" in row:
        assert definition.metadata == {"unknown_key": row["unknown_key"]}


def test_to_legacy_dict_and_legacy_rows_are_copies() -> None:
    definition = StepDefinition(name="A", job_types=["training"], sagemaker_step_type="P")
    legacy = to_legacy_dict([definition])
    legacy["A"]["job_types"].append("x")
    assert definition.job_types == ["training"]


# --------------------------------------------------------------------------- messages


def test_suggestions_and_unknown_step_messages() -> None:
    names = ["XGBoostTraining", "XGBoostModelEval", "PyTorchTraining", "Package"]
    assert suggest("XGBoostTrainig", names)[0] == "XGBoostTraining"
    assert suggest("xgboosttraining", names)[0] == "XGBoostTraining"  # case-insensitive
    assert suggest("Completely", names) == []
    assert suggest("", names) == []
    assert unknown_step_message("X", []) == "Unknown step 'X'."
    assert unknown_step_message("X", ["Y"]) == "Unknown step 'X'. Did you mean 'Y'?"
    assert unknown_step_message("X", ["Y", "Z", "W"]) == (
        "Unknown step 'X'. Did you mean 'Y', 'Z' or 'W'?"
    )


def test_problem_formatting_is_one_based_and_sorted() -> None:
    later = Problem(path="b.py", range=SourceRange.point(0, 0), code="c", message="m")
    first = Problem(
        path="a.py",
        range=SourceRange.point(9, 4),
        severity=Severity.WARNING,
        code="duplicate-key",
        message="dup",
    )
    earliest = Problem(path="a.py", range=SourceRange.point(2, 0), code="c", message="x")
    assert format_problems([later, first, earliest]) == [
        "a.py:3:1: error: x",
        "a.py:10:5: warning: dup",
        "b.py:1:1: error: m",
    ]
    assert Location(path="f.py", range=SourceRange.point(0, 3)).display() == "f.py:1:4"


def test_result_summaries() -> None:
    definition = StepDefinition(name="A", registry_type=RegistryType.WORKSPACE, workspace_id="w")
    assert definition.layer_label == "workspace w"
    assert StepDefinition(name="A").layer_label == "core"
    override = StepDefinition(name="A", registry_type=RegistryType.OVERRIDE, workspace_id="w")
    assert override.layer_label == "override in w"
    result = StepResolutionResult(
        step_name="A_training",
        resolved=True,
        selected_definition=definition,
        base_name="A",
        job_type="training",
        source_registry="w",
        resolution_strategy=ResolutionStrategy.WORKSPACE_PRIORITY,
    )
    summary = result.get_resolution_summary()
    assert summary["job_type"] == "training" and summary["strategy"] == "workspace_priority"
    conflict = ConflictAnalysis(step_name="A", workspaces=["v", "w"])
    assert conflict.get_conflict_summary()["workspaces"] == ["v", "w"]
    validation = RegistryValidationResult(is_valid=False, issues=["x"], step_count=3)
    assert validation.get_validation_summary()["issue_count"] == 1


# --------------------------------------------------------------------------- robustness


def _mutate(text: str, data: st.DataObject) -> str:
    """Cut a random slice out of `text` and insert random text in its place."""
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 40)))
    inserted = data.draw(st.text(max_size=10))
    return text[:start] + inserted + text[end:]


@FUZZ
@given(st.text(max_size=300))
@example("STEP_NAMES = {" + "[" * 500 + "]" * 500 + "}")
@example("STEP_NAMES = " + "-" * 100_000 + "1")
@example("STEP_NAMES = {'A': {'sagemaker_step_type': 'P', 'job_types': [1, {}]}}")
@example("LOCAL_STEPS = {'A': 1}\nSTEP_OVERRIDES = []\nWORKSPACE_METADATA = 3")
def test_python_loaders_never_raise_on_random_text(text: str) -> None:
    load = load_python_registry("m.py", text)
    assert all(isinstance(p, Problem) for p in load.problems)
    workspace = load_workspace_registry("/w/x/" + str(WORKSPACE_RELPATH), text)
    assert all(isinstance(p, Problem) for p in workspace.problems)


@FUZZ
@given(st.text(max_size=300))
@example("[" * 5000)
@example("a: &x [*x]\n")
@example('{"A": ' * 2000)
@example("? [a]\n: 1\n")
@example("A: !!python/object:os.system {}\n")
def test_table_and_interface_loaders_never_raise_on_random_text(text: str) -> None:
    for path in ("t.yaml", "t.json"):
        assert all(isinstance(p, Problem) for p in load_table(path, text).problems)
    load_step_interface("x.step.yaml", text, source="d")


@FUZZ
@given(st.data())
def test_loaders_never_raise_on_mutated_registries(data: st.DataObject) -> None:
    load_python_registry("m.py", _mutate(CORE_MODULE, data))
    load_table("t.yaml", _mutate(YAML_TABLE, data))
    load_table("t.json", _mutate(JSON_TABLE, data))
    load_step_interface("x.step.yaml", _mutate(INTERFACE_GOOD, data), source="d")


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes_as_registry_files_are_problems(tmp_path: Path, content: bytes) -> None:
    module = write(tmp_path / "step_names.py", content)
    table = write(tmp_path / "table.yaml", content)
    workspace = write(tmp_path / "ws" / WORKSPACE_RELPATH, content)
    load_python_registry(module)
    load_table(table)
    load_workspace_registry(workspace)
    manager = UnifiedRegistryManager([module, table], tmp_path)
    assert isinstance(manager.all_problems(), list)
    manager.reload_source(workspace, content.decode("utf-8", errors="replace"))
    manager.resolve("Anything")
