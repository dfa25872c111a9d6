"""Workspace templates and folder skeleton (`hybrid_registry.setup`)."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hybrid_registry.models import StepDefinition
from hybrid_registry.setup import (
    STEP_PACKAGES,
    TEMPLATES,
    WorkspaceSetupError,
    create_workspace_registry,
    create_workspace_structure,
    render_workspace_registry,
)

REGISTRY_RELPATH = Path("src", "cursus_dev", "registry", "workspace_registry.py")
ID_REGEX = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
STEP_FIELDS = {"config_class", "builder_step_name", "spec_type", "sagemaker_step_type"}


def module_literals(text: str) -> dict[str, Any]:
    """The module-level `NAME = <literal>` assignments of `text`, read without running it."""
    values: dict[str, Any] = {}
    for node in ast.parse(text).body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            values[node.targets[0].id] = ast.literal_eval(node.value)
    return values


def uncomment_table(text: str, variable: str) -> str:
    """The `variable = {...}` block of `text` with its commented example uncommented."""
    lines = text.splitlines()
    start = lines.index(f"{variable} = {{")
    end = lines.index("}", start)
    body = [line.replace("    # ", "    ", 1) for line in lines[start + 1 : end]]
    return "\n".join([lines[start], *body, "}"])


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_is_valid_python_with_the_developer_id(tmp_path: Path, template: str) -> None:
    path = create_workspace_registry(tmp_path / "ws", "alice", template)  # type: ignore[arg-type]

    assert path == tmp_path / "ws" / REGISTRY_RELPATH
    values = module_literals(path.read_text(encoding="utf-8"))
    assert values["WORKSPACE_METADATA"]["developer_id"] == "alice"
    assert values["WORKSPACE_METADATA"]["version"] == "1.0.0"
    assert values["LOCAL_STEPS"] == {}
    assert values["STEP_OVERRIDES"] == {}
    for package in (path.parent, path.parent.parent):
        assert (package / "__init__.py").is_file()
    assert not (tmp_path / "ws" / "src" / "__init__.py").exists()


def test_standard_template_explains_every_field_in_a_working_example() -> None:
    text = render_workspace_registry("alice", "standard")

    for field in (*STEP_FIELDS, "description", "framework", "job_types", "priority"):
        assert f'#     "{field}":' in text
    local = module_literals(uncomment_table(text, "LOCAL_STEPS"))["LOCAL_STEPS"]
    overrides = module_literals(uncomment_table(text, "STEP_OVERRIDES"))["STEP_OVERRIDES"]
    for table in (local, overrides):
        ((name, row),) = table.items()
        assert row.keys() >= STEP_FIELDS
        StepDefinition(name=name, **row)


def test_minimal_template_is_short() -> None:
    minimal = render_workspace_registry("alice", "minimal")
    assert "LOCAL_STEPS = {}" in minimal
    assert "STEP_OVERRIDES = {}" in minimal
    assert len(minimal) < len(render_workspace_registry("alice", "standard")) / 2


@pytest.mark.parametrize(
    "bad", ["", "1alice", "_alice", "-a", "al ice", "al.ice", "a'b", "é", "a\n"]
)
def test_invalid_developer_ids_are_refused_with_the_rule(tmp_path: Path, bad: str) -> None:
    with pytest.raises(WorkspaceSetupError, match="start with a letter") as info:
        create_workspace_registry(tmp_path, bad)
    assert isinstance(info.value, ValueError)
    assert not (tmp_path / "src").exists()


def test_unknown_template_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceSetupError, match="standard"):
        create_workspace_registry(tmp_path, "alice", "fancy")  # type: ignore[arg-type]


def test_existing_registry_is_not_overwritten_without_the_flag(tmp_path: Path) -> None:
    path = create_workspace_registry(tmp_path, "alice")
    path.write_text("# my edits\n", encoding="utf-8")
    mode_before = path.stat().st_mode & 0o777

    with pytest.raises(WorkspaceSetupError) as info:
        create_workspace_registry(tmp_path, "bob", "minimal")
    message = str(info.value)
    assert str(path) in message
    assert "already exists and was left unchanged" in message
    assert path.read_text(encoding="utf-8") == "# my edits\n"

    assert create_workspace_registry(tmp_path, "bob", "minimal", overwrite=True) == path
    values = module_literals(path.read_text(encoding="utf-8"))
    assert values["WORKSPACE_METADATA"]["developer_id"] == "bob"
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert path.stat().st_mode & 0o777 == mode_before


def test_unwritable_location_is_a_setup_error(tmp_path: Path) -> None:
    blocker = tmp_path / "ws"
    blocker.write_text("a file where the workspace folder should be", encoding="utf-8")
    with pytest.raises(WorkspaceSetupError, match="Cannot"):
        create_workspace_registry(blocker, "alice")
    with pytest.raises(WorkspaceSetupError, match="Cannot"):
        create_workspace_structure(blocker)

    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "src").write_text("not a folder", encoding="utf-8")
    with pytest.raises(WorkspaceSetupError, match="Cannot") as info:
        create_workspace_registry(tmp_path / "other", "alice")
    assert "overwrite" not in str(info.value)


def test_structure_is_created_and_idempotent(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    created = create_workspace_structure(root)

    cursus_dev = root / "src" / "cursus_dev"
    packages = [cursus_dev, cursus_dev / "registry", cursus_dev / "steps"]
    packages += [cursus_dev / "steps" / name for name in STEP_PACKAGES]
    for package in packages:
        assert package.is_dir()
        assert package / "__init__.py" in created
        assert (package / "__init__.py").is_file()
    assert root in created
    assert len(created) == len(set(created))

    assert create_workspace_structure(root) == []
    registry = create_workspace_registry(root, "alice")
    (cursus_dev / "steps" / "configs" / "__init__.py").write_text("X = 1\n", encoding="utf-8")
    assert create_workspace_structure(root) == []
    assert registry.is_file()
    assert (cursus_dev / "steps" / "configs" / "__init__.py").read_text() == "X = 1\n"


def test_registry_after_structure_creates_nothing_twice(tmp_path: Path) -> None:
    create_workspace_structure(tmp_path)
    path = create_workspace_registry(tmp_path, "carol", "minimal")
    assert sorted(p.name for p in path.parent.iterdir()) == ["__init__.py", path.name]


@settings(max_examples=200)
@given(developer_id=st.from_regex(ID_REGEX, fullmatch=True), template=st.sampled_from(TEMPLATES))
def test_every_valid_id_gives_a_parseable_registry(developer_id: str, template: str) -> None:
    text = render_workspace_registry(developer_id, template)  # type: ignore[arg-type]
    assert module_literals(text)["WORKSPACE_METADATA"]["developer_id"] == developer_id


@settings(max_examples=300)
@given(developer_id=st.text(max_size=30))
def test_any_string_is_refused_or_gives_a_parseable_registry(developer_id: str) -> None:
    try:
        text = render_workspace_registry(developer_id)
    except WorkspaceSetupError:
        assert not ID_REGEX.match(developer_id) or developer_id.endswith("\n")
        return
    assert ID_REGEX.match(developer_id)
    assert module_literals(text)["WORKSPACE_METADATA"]["developer_id"] == developer_id


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_setup_never_creates_files_through_symlinks(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    workspace = tmp_path / "ws" / "eve"
    (workspace / "src" / "cursus_dev").mkdir(parents=True)
    dangling = workspace / "src" / "cursus_dev" / "__init__.py"
    dangling.symlink_to(outside / "created.py")
    create_workspace_registry(workspace, "eve")
    assert not (outside / "created.py").exists() and dangling.is_symlink()

    other = tmp_path / "ws" / "fay"
    (other / "src").mkdir(parents=True)
    (other / "src" / "cursus_dev").symlink_to(outside, target_is_directory=True)
    with pytest.raises(WorkspaceSetupError, match="symbolic link"):
        create_workspace_registry(other, "fay")
    assert list(outside.iterdir()) == []
