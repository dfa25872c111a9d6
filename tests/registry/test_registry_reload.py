"""Reloading one source by path: disk edits, unsaved text, deletions, new files, caches."""

from __future__ import annotations

from pathlib import Path

import pytest

from hybrid_registry import UnifiedRegistryManager

from registry_helpers import (
    INTERFACE_GOOD,
    WORKSPACE_RELPATH,
    row,
    workspace_text,
    write,
    write_core_module,
    write_workspace,
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "reload"
    write(root / ".hybrid-registry.toml", 'core = ["core.py", "interfaces"]\nworkspaces = ["ws"]\n')
    write_core_module(root / "core.py", {"Train": row("Train", "Training"), "Eval": row("Eval")})
    write(root / "interfaces" / "loading.step.yaml", INTERFACE_GOOD)
    write(
        root / "interfaces" / "other.step.yaml",
        "step_type: Other\nregistry: {sagemaker_step_type: Processing}\n",
    )
    write_workspace(root / "ws" / "alice", workspace_text(local={"AliceStep": row("AliceStep")}))
    write_workspace(root / "ws" / "bob", workspace_text(local={"BobStep": row("BobStep")}))
    return root


@pytest.fixture
def manager(folder: Path) -> UnifiedRegistryManager:
    return UnifiedRegistryManager.from_folder(folder)


def alice_file(folder: Path) -> Path:
    return folder / "ws" / "alice" / WORKSPACE_RELPATH


def test_disk_edit_then_reload(manager: UnifiedRegistryManager, folder: Path) -> None:
    assert manager.has_step("AliceStep")
    generation = manager.generation
    write(alice_file(folder), workspace_text(local={"Renamed": row("Renamed")}))
    assert manager.has_step("AliceStep")  # nothing changes until the reload
    assert manager.reload_source(alice_file(folder)) == {"alice"}
    assert manager.generation > generation
    assert not manager.has_step("AliceStep") and manager.has_step("Renamed")
    assert "Renamed" in manager.create_legacy_step_names_dict()
    assert "Renamed" in manager.names_with_prefix("Ren")


def test_unsaved_text_then_revert(manager: UnifiedRegistryManager, folder: Path) -> None:
    unsaved = workspace_text(local={"Typing": row("Typing")}, overrides={"Train": row("Train")})
    assert manager.reload_source(alice_file(folder), unsaved) == {"alice"}
    assert manager.has_step("Typing") and not manager.has_step("AliceStep")
    assert manager.resolve("Train", "alice").source_registry == "alice"
    # A full reload keeps the unsaved text of open files.
    manager.load()
    assert manager.has_step("Typing")
    # Reloading without text goes back to the file on disk.
    manager.reload_source(alice_file(folder))
    assert manager.has_step("AliceStep") and not manager.has_step("Typing")
    assert manager.resolve("Train", "alice").source_registry == "core"


def test_unsaved_text_with_a_syntax_error(manager: UnifiedRegistryManager, folder: Path) -> None:
    manager.reload_source(alice_file(folder), "LOCAL_STEPS = {\n")
    problems = manager.get_problems()[str(alice_file(folder).resolve())]
    assert [p.code for p in problems] == ["syntax-error"]
    assert not manager.has_step("AliceStep") and manager.has_step("BobStep")
    manager.reload_source(alice_file(folder))
    assert str(alice_file(folder).resolve()) not in manager.get_problems()


def test_deleted_workspace_file(manager: UnifiedRegistryManager, folder: Path) -> None:
    alice_file(folder).unlink()
    assert manager.reload_source(alice_file(folder)) == {"alice"}
    assert manager.list_workspaces() == ["bob"]
    assert not manager.has_step("AliceStep")
    assert "alice" not in manager.get_registry_status()


def test_deleted_core_module(manager: UnifiedRegistryManager, folder: Path) -> None:
    (folder / "core.py").unlink()
    assert manager.reload_source(folder / "core.py") == {"core"}
    assert not manager.has_step("Train")
    assert manager.has_step("DataLoading")  # the interfaces are another source
    problems = manager.get_problems()[str((folder / "core.py").resolve())]
    assert [p.code for p in problems] == ["unreadable-file"]
    write_core_module(folder / "core.py", {"Train": row("Train", "Training")})
    manager.reload_source(folder / "core.py")
    assert manager.has_step("Train") and manager.all_problems() == []


def test_newly_created_workspace(manager: UnifiedRegistryManager, folder: Path) -> None:
    new = write_workspace(
        folder / "ws" / "carol",
        workspace_text(metadata={"developer_id": "carol_x"}, local={"CarolStep": row("C")}),
    )
    assert manager.source_for_path(new) == "carol"  # recognised before it is loaded
    assert manager.reload_source(new) == {"carol_x"}
    assert manager.list_workspaces() == ["alice", "bob", "carol_x"]
    assert manager.resolve("CarolStep").source_registry == "carol_x"


def test_renaming_a_workspace_by_developer_id(
    manager: UnifiedRegistryManager, folder: Path
) -> None:
    write(alice_file(folder), workspace_text(metadata={"developer_id": "alice2"}))
    assert manager.reload_source(alice_file(folder)) == {"alice", "alice2"}
    assert manager.list_workspaces() == ["alice2", "bob"]


def test_a_duplicate_id_is_rejected_until_the_other_leaves(
    manager: UnifiedRegistryManager, folder: Path
) -> None:
    bob_file = folder / "ws" / "bob" / WORKSPACE_RELPATH
    write(bob_file, workspace_text(metadata={"developer_id": "alice"}, local={"B": row("B")}))
    manager.reload_source(bob_file)
    assert manager.list_workspaces() == ["alice"]
    assert [p.code for p in manager.get_problems()[str(bob_file.resolve())]] == [
        "duplicate-workspace"
    ]
    assert manager.source_for_path(bob_file) == "alice"
    alice_file(folder).unlink()
    manager.reload_source(alice_file(folder))
    assert manager.list_workspaces() == ["alice"]
    assert manager.has_step("B")  # bob's file took the free id
    assert manager.all_problems() == []


def test_one_interface_file_in_a_directory(manager: UnifiedRegistryManager, folder: Path) -> None:
    other = manager.get_step_definition("Other")
    interface = folder / "interfaces" / "loading.step.yaml"
    write(interface, INTERFACE_GOOD.replace("DataLoading", "DataLoadingV2"))
    assert manager.reload_source(interface) == {"core"}
    assert manager.has_step("DataLoadingV2") and not manager.has_step("DataLoading")
    assert manager.get_step_definition("Other") is other  # the other file was not re-read
    # A new interface file in the directory, then its deletion.
    added = write(
        folder / "interfaces" / "added.step.yaml",
        "step_type: Added\nregistry: {sagemaker_step_type: Processing}\n",
    )
    manager.reload_source(added)
    assert manager.has_step("Added")
    added.unlink()
    manager.reload_source(added)
    assert not manager.has_step("Added")
    assert manager.all_problems() == []
    # An unsaved interface without its sagemaker_step_type: an error in that file only.
    manager.reload_source(interface, "step_type: DataLoadingV2\n")
    assert {Path(p.path).name for p in manager.all_problems()} == {"loading.step.yaml"}


def test_unrelated_paths_are_ignored(manager: UnifiedRegistryManager, folder: Path) -> None:
    generation = manager.generation
    assert manager.reload_source(folder / "pipelines" / "x.py") == set()
    assert manager.reload_source(folder / "ws" / "alice" / "src" / "other.py") == set()
    assert manager.generation == generation


def test_caches_change_with_the_data_and_keep_unaffected_results(
    manager: UnifiedRegistryManager, folder: Path
) -> None:
    legacy = manager.create_legacy_step_names_dict()
    alice_legacy = manager.create_legacy_step_names_dict("alice")
    names = manager.step_names()
    assert manager.step_names() is names  # cached between calls
    train = manager.get_step_definition("Train")
    conflicts = manager.get_step_conflicts()

    write(alice_file(folder), workspace_text(local={"AliceStep": row("AliceStep", "Lambda")}))
    manager.reload_source(alice_file(folder))

    assert manager.create_legacy_step_names_dict()["AliceStep"]["sagemaker_step_type"] == "Lambda"
    changed = manager.create_legacy_step_names_dict("alice")
    assert changed != alice_legacy
    assert {k: v for k, v in changed.items() if k != "AliceStep"} == {
        k: v for k, v in legacy.items() if k != "AliceStep"
    }
    assert manager.step_names() == names  # same names, rebuilt
    assert manager.get_step_definition("Train") is train  # core untouched by a workspace reload
    assert manager.get_step_conflicts() == conflicts

    write_core_module(folder / "core.py", {"Train": row("Train", "Training", description="v2")})
    manager.reload_source(folder / "core.py")
    assert manager.get_step_definition("Train") is not train
    assert manager.create_legacy_step_names_dict()["Train"]["description"] == "v2"
    assert "Eval" not in manager.step_names()


def test_an_empty_interface_folder_is_a_warning_until_a_file_appears(tmp_path: Path) -> None:
    folder = tmp_path / "interfaces"
    folder.mkdir()
    manager = UnifiedRegistryManager(core_registry_path=folder)
    assert [p.code for p in manager.all_problems()] == ["empty-source"]
    added = write(folder / "a.step.yaml", INTERFACE_GOOD)
    assert manager.reload_source(added) == {"core"}
    assert manager.all_problems() == [] and manager.has_step("DataLoading")
