"""`UnifiedRegistryManager`: the hybrid folder end to end, and the resolution rules."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from hybrid_registry import (
    RegistryType,
    ResolutionContext,
    ResolutionStrategy,
    Severity,
    UnifiedRegistryManager,
)
from hybrid_registry.discovery import discover

from registry_helpers import (
    CAROL_BROKEN,
    CORE_MODULE,
    HybridFolder,
    row,
    workspace_text,
    write_workspace,
)

# --------------------------------------------------------------------------- the hybrid folder


@pytest.fixture
def hybrid(hybrid_folder: HybridFolder) -> UnifiedRegistryManager:
    return UnifiedRegistryManager.from_folder(hybrid_folder.root)


def problems_by_code(manager: UnifiedRegistryManager) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in manager.all_problems():
        found.setdefault(problem.code, []).append(Path(problem.path).name)
    return found


def test_hybrid_folder_workspaces_and_steps(
    hybrid: UnifiedRegistryManager, hybrid_folder: HybridFolder
) -> None:
    assert hybrid.list_workspaces() == ["alice", "bob_ml", "carol", "dave", "mallory"]
    assert hybrid.root == hybrid_folder.root.resolve()
    assert hybrid.config_file == (hybrid_folder.root / "pyproject.toml").resolve()
    bob = hybrid.get_workspace("bob_ml")
    assert bob is not None and Path(bob.directory).name == "bob"  # renamed by developer_id
    assert set(hybrid.step_names()) == {
        # core module (valid entries), interfaces, YAML table, JSON table
        "TabularPreprocessing",
        "XGBoostTraining",
        "ModelEval",
        "Computed",
        "UsesRebound",
        "Duplicated",
        "NoSagemakerType",
        "Package_special",
        "Package",
        "DataLoading",
        "Incomplete",
        "Base",
        "YamlOnly",
        "JsonOnly",
        "AlsoJson",
        # workspaces
        "TextEmbedding",
        "FeatureStoreLoading",
        "DocumentChunking",
        "MalloryStep",
    }


def test_hybrid_folder_problems(
    hybrid: UnifiedRegistryManager, hybrid_folder: HybridFolder
) -> None:
    assert problems_by_code(hybrid) == {
        "syntax-error": ["workspace_registry.py"],  # carol
        "unreadable-file": ["workspace_registry.py"],  # dave, not UTF-8
        "missing-field": ["step_names.py", "incomplete.step.yaml"],
        "invalid-name": ["step_names.py"],
        "not-a-literal": ["step_names.py", "step_names.py"],
        "duplicate-key": ["step_names.py"],
    }
    by_file = hybrid.get_problems()
    carol = by_file[str(hybrid_folder.carol.resolve())]
    assert [(p.code, p.range.start_line, p.range.start_col) for p in carol] == [
        ("syntax-error", 3, 40)
    ]
    assert CAROL_BROKEN.splitlines()[3][40] == "}"
    dave = by_file[str(hybrid_folder.dave.resolve())]
    assert "UTF-8" in dave[0].message
    incomplete = by_file[str((hybrid_folder.interfaces / "incomplete.step.yaml").resolve())]
    assert incomplete[0].severity is Severity.ERROR
    # A broken workspace hides nothing else.
    assert hybrid.get_local_only_definitions("alice").keys() == {
        "TextEmbedding",
        "FeatureStoreLoading",
        "XGBoostTraining",
    }
    assert hybrid.get_local_only_definitions("carol") == {}
    status = hybrid.get_registry_status()
    assert status["carol"]["problem_count"] == 1
    assert status["alice"]["problem_count"] == 0
    assert not hybrid.validate_registry().is_valid


def test_hybrid_folder_resolutions(
    hybrid: UnifiedRegistryManager, hybrid_folder: HybridFolder
) -> None:
    # alice's TextEmbedding has priority 90: it wins outside any workspace, and is a conflict.
    text = hybrid.resolve("TextEmbedding")
    assert text.source_registry == "alice" and text.conflict_detected
    assert {d.workspace_id for d in text.conflicting_definitions} == {"alice", "bob_ml"}
    assert hybrid.resolve("TextEmbedding", "bob_ml").source_registry == "bob_ml"
    assert hybrid.get_step_conflicts().keys() == {"TextEmbedding"}
    # alice's override applies in her context only.
    gpu = hybrid.get_step_definition("XGBoostTraining", "alice")
    assert gpu is not None and gpu.config_class == "GpuConfig"
    assert gpu.registry_type is RegistryType.OVERRIDE
    core = hybrid.get_step_definition("XGBoostTraining")
    assert core is not None and core.config_class == "XGBoostTrainingConfig"
    # YAML and JSON tables, interfaces: locations in their own files.
    for name, file in (
        ("YamlOnly", hybrid_folder.yaml_table),
        ("JsonOnly", hybrid_folder.json_table),
        ("DataLoading", hybrid_folder.interfaces / "data_loading.step.yaml"),
        ("TabularPreprocessing", hybrid_folder.core_module),
    ):
        definition = hybrid.get_step_definition(name)
        assert definition is not None and definition.location is not None, name
        assert definition.location.path == str(file.resolve())
    tabular = hybrid.get_step_definition("TabularPreprocessing")
    assert tabular is not None and tabular.location is not None
    assert tabular.location.range.start_line == CORE_MODULE.splitlines().index(
        '    "TabularPreprocessing": {'
    )


def test_top_level_code_never_runs(hybrid_folder: HybridFolder) -> None:
    manager = UnifiedRegistryManager.from_folder(hybrid_folder.root)
    assert manager.resolve("MalloryStep").source_registry == "mallory"
    manager.list_all_steps(include_source=True)
    manager.create_legacy_step_names_dict("mallory")
    manager.get_step_conflicts()
    manager.reload_source(hybrid_folder.mallory)
    manager.reload_source(hybrid_folder.mallory, hybrid_folder.mallory.read_text() + "\n# edit")
    manager.load()
    assert manager.get_step_definition("MalloryStep", "mallory") is not None
    assert not hybrid_folder.sentinel.exists()


def test_files_deleted_between_discovery_and_load(hybrid_folder: HybridFolder) -> None:
    layout = discover(hybrid_folder.root)
    hybrid_folder.bob.unlink()
    hybrid_folder.yaml_table.unlink()
    manager = UnifiedRegistryManager.from_layout(layout)

    unreadable = {
        Path(p.path).resolve()
        for p in manager.all_problems()
        if p.code == "unreadable-file" and "not found" in p.message
    }
    assert unreadable == {hybrid_folder.bob.resolve(), hybrid_folder.yaml_table.resolve()}
    assert not manager.has_step("YamlOnly") and not manager.has_step("DocumentChunking")
    assert manager.has_step("JsonOnly") and manager.has_step("FeatureStoreLoading")


def test_progress_callback_reports_start_and_end(hybrid_folder: HybridFolder) -> None:
    calls: list[tuple[int, int, str]] = []
    UnifiedRegistryManager.from_folder(hybrid_folder.root, progress=lambda *a: calls.append(a))
    assert calls[0][0] == 0
    assert calls[-1][0] == calls[-1][1] > 0


# --------------------------------------------------------------------------- resolution rules


@pytest.fixture
def simple(simple_folder: Path) -> UnifiedRegistryManager:
    return UnifiedRegistryManager.from_folder(simple_folder)


def description(manager: UnifiedRegistryManager, name: str, workspace: str | None) -> str | None:
    definition = manager.get_step_definition(name, workspace)
    assert definition is not None, (name, workspace)
    return definition.description


def test_no_context_core_first_then_workspace_only_names(simple: UnifiedRegistryManager) -> None:
    assert simple.resolve("Train").source_registry == "core"
    assert simple.resolve("Eval").source_registry == "core"  # bob's local Eval does not leak
    assert simple.resolve("AliceOnly").source_registry == "alice"
    assert description(simple, "Shared", None) == "alice"  # same priority: by id
    assert description(simple, "Preferred", None) == "bob"  # priority 10 beats 100
    assert simple.resolve("Preferred").conflict_detected


def test_workspace_context_override_then_local_then_core(simple: UnifiedRegistryManager) -> None:
    assert description(simple, "Train", "alice") == "alice's train"  # 1. override
    assert description(simple, "Train", "carol") == "carol's train"
    assert description(simple, "Train", "bob_ml") is None  # core
    assert description(simple, "Shared", "bob_ml") == "bob"  # 2. own local
    assert description(simple, "Eval", "bob_ml") == "bob's local Eval shadows core for bob"
    assert description(simple, "Preferred", "carol") == "carol"
    assert description(simple, "Preprocess", "alice") is None  # 3. core


def test_other_workspaces_locals_are_visible(simple: UnifiedRegistryManager) -> None:
    result = simple.resolve("CarolOnly", "alice")
    assert result.resolved and result.source_registry == "carol"
    assert result.resolution_strategy is ResolutionStrategy.WORKSPACE_PRIORITY
    assert description(simple, "Preferred", "alice") == "bob"  # lowest priority among others
    assert simple.resolve("Preprocess").resolution_strategy is ResolutionStrategy.CORE_FALLBACK


def test_unknown_workspace_context_behaves_like_no_context(
    simple: UnifiedRegistryManager,
) -> None:
    assert description(simple, "Train", "nobody") is None
    assert simple.resolve("Shared", "nobody").source_registry == "alice"


def test_job_type_splitting(simple: UnifiedRegistryManager) -> None:
    result = simple.resolve("Train_training")
    assert (result.resolved, result.base_name, result.job_type) == (True, "Train", "training")
    assert result.source_registry == "core"
    in_alice = simple.resolve("Train_calibration", "alice")
    assert in_alice.selected_definition is not None
    assert in_alice.selected_definition.description == "alice's train"
    assert in_alice.job_type == "calibration"
    # A real step named X_y wins over splitting.
    real = simple.resolve("Preprocess_custom")
    assert (real.base_name, real.job_type) == ("Preprocess_custom", None)
    other = simple.resolve("Preprocess_other")
    assert (other.base_name, other.job_type) == ("Preprocess", "other")
    assert not simple.resolve("Preprocess_Other").resolved  # suffix must be lowercase
    assert not simple.resolve("Nothing_training").resolved
    assert simple.get_step_definition("Train_training") is None  # exact names only
    assert simple.job_types_for("Train") == ["training"]
    assert simple.known_job_types()[:4] == ["training", "calibration", "validation", "testing"]


def test_errors_carry_suggestions(simple: UnifiedRegistryManager) -> None:
    result = simple.resolve("Preproces")
    assert not result.resolved
    assert result.suggestions[0] == "Preprocess"
    assert result.errors == ["Unknown step 'Preproces'. Did you mean 'Preprocess'?"]
    split = simple.resolve("Trian_training")
    assert "Train_training" in split.suggestions
    assert simple.get_step("Preproces", ResolutionContext(workspace_id="alice")).suggestions


def test_resolve_chain_winner_first(simple: UnifiedRegistryManager) -> None:
    def chain(name: str, workspace: str | None) -> list[str]:
        return [d.layer_label for d in simple.resolve_chain(name, workspace)]

    assert chain("Train", "alice") == ["override in alice", "core"]
    assert chain("Train", None) == ["core"]
    assert chain("Shared", None) == ["workspace alice", "workspace bob_ml"]
    assert chain("Shared", "bob_ml") == ["workspace bob_ml", "workspace alice"]
    assert chain("Eval", "bob_ml") == ["workspace bob_ml", "core"]
    assert chain("Eval", None) == ["core", "workspace bob_ml"]
    assert chain("Preferred", "alice") == ["workspace bob_ml", "workspace carol"]
    assert chain("Missing", "alice") == []
    for name in ("Train", "Shared", "Eval", "Preferred"):
        for workspace in (None, "alice", "bob_ml", "carol"):
            assert simple.resolve_chain(name, workspace)[0] == simple.get_step_definition(
                name, workspace
            )


def test_conflicts(simple: UnifiedRegistryManager) -> None:
    conflicts = simple.get_step_conflicts()
    assert conflicts.keys() == {"Shared", "Preferred", "Train"}
    assert [d.workspace_id for d in conflicts["Preferred"]] == ["bob_ml", "carol"]
    assert {d.registry_type for d in conflicts["Train"]} == {RegistryType.OVERRIDE}
    assert simple.conflicts_of("Eval") == []
    analyses = {a.step_name: a for a in simple.analyze_conflicts()}
    assert analyses["Shared"].workspaces == ["alice", "bob_ml"]


def test_listing_counts_and_legacy_dicts(simple: UnifiedRegistryManager) -> None:
    names = simple.list_steps()
    assert names == sorted(names)
    assert set(names) == {
        "Preprocess",
        "Train",
        "Eval",
        "Preprocess_custom",
        "Shared",
        "AliceOnly",
        "Preferred",
        "CarolOnly",
    }
    assert simple.get_step_count() == len(names)
    assert simple.has_step("AliceOnly") and not simple.has_step("Nope")
    by_source = simple.list_all_steps(include_source=True)
    assert isinstance(by_source, dict)
    assert by_source["alice"] == ["AliceOnly", "Shared", "Train"]
    assert by_source["core"] == ["Eval", "Preprocess", "Preprocess_custom", "Train"]

    legacy = simple.create_legacy_step_names_dict()
    assert legacy["Train"] == row("Train", "Training", job_types=["training"])
    alice = simple.create_legacy_step_names_dict("alice")
    assert alice["Train"]["description"] == "alice's train"
    assert alice.keys() == legacy.keys()
    legacy["Train"]["job_types"].append("mutated")  # callers get copies
    assert simple.create_legacy_step_names_dict()["Train"]["job_types"] == ["training"]
    everything = simple.get_all_step_definitions("bob_ml")
    assert everything["Eval"].workspace_id == "bob_ml"


def test_registry_status(simple: UnifiedRegistryManager, simple_folder: Path) -> None:
    status = simple.get_registry_status()
    assert set(status) == {"core", "alice", "bob_ml", "carol"}
    assert status["core"]["step_count"] == 4 and status["core"]["loaded"] is True
    assert status["core"]["sources"] == [str((simple_folder / "core.py").resolve())]
    assert status["alice"]["local_step_count"] == 2
    assert status["alice"]["override_count"] == 1
    assert status["bob_ml"]["path"] == str((simple_folder / "ws" / "bob").resolve())
    assert status["bob_ml"]["metadata"] == {"developer_id": "bob_ml"}
    for key in ("loaded", "step_count", "problem_count"):
        assert all(key in entry for entry in status.values())


def test_workspace_context_api(simple: UnifiedRegistryManager) -> None:
    assert simple.get_workspace_context() is None
    with simple.resolution_context("alice") as manager:
        assert manager is simple
        assert simple.get_workspace_context() == "alice"
        assert description(simple, "Train", None) == "alice's train"
        with simple.resolution_context("carol"):
            assert description(simple, "Train", None) == "carol's train"
        assert simple.get_workspace_context() == "alice"
        assert description(simple, "Train", "bob_ml") is None  # explicit id wins
    assert simple.get_workspace_context() is None
    simple.set_workspace_context("carol")
    try:
        assert simple.resolve("Train").source_registry == "carol"
        seen: list[str | None] = []
        thread = threading.Thread(target=lambda: seen.append(simple.get_workspace_context()))
        thread.start()
        thread.join()
        assert seen == [None]  # the context is per thread / task
    finally:
        simple.clear_workspace_context()
    assert simple.get_workspace_context() is None


def test_add_and_remove_workspace_registry(simple: UnifiedRegistryManager, tmp_path: Path) -> None:
    extra = write_workspace(
        tmp_path / "elsewhere" / "dave",
        workspace_text(
            metadata={"developer_id": "ignored"},
            local={"DaveOnly": row("DaveOnly"), "Shared": row("Shared", description="dave")},
        ),
    )
    before = simple.generation
    simple.add_workspace_registry("dave", extra.parents[3])
    assert simple.generation > before
    assert "dave" in simple.list_workspaces()
    assert simple.resolve("DaveOnly").source_registry == "dave"
    assert {d.workspace_id for d in simple.conflicts_of("Shared")} == {"alice", "bob_ml", "dave"}
    assert simple.source_for_path(extra) == "dave"
    # The explicit id survives a reload of the file.
    simple.reload_source(extra)
    assert simple.resolve("DaveOnly").source_registry == "dave"
    assert simple.remove_workspace_registry("dave")
    assert not simple.has_step("DaveOnly")
    assert not simple.remove_workspace_registry("dave")
    assert "dave" not in simple.get_registry_status()


def test_add_workspace_registry_replaces_an_id(
    simple: UnifiedRegistryManager, simple_folder: Path, tmp_path: Path
) -> None:
    replacement = write_workspace(
        tmp_path / "other", workspace_text(local={"NewAlice": row("NewAlice")})
    )
    old_file = simple_folder / "ws" / "alice" / "src/cursus_dev/registry/workspace_registry.py"
    simple.add_workspace_registry("alice", replacement)
    assert simple.has_step("NewAlice") and not simple.has_step("AliceOnly")
    assert simple.source_for_path(old_file) is None or simple.source_for_path(old_file) == "alice"
    assert simple.reload_source(old_file) == {"alice"}  # the old file comes back as alice...
    assert simple.has_step("NewAlice")  # ...and cannot take the id from the explicit one
    assert any(p.code == "duplicate-workspace" for p in simple.all_problems())


def test_workspace_for_path_and_source_for_path(
    simple: UnifiedRegistryManager, simple_folder: Path
) -> None:
    bob = simple_folder / "ws" / "bob"
    assert simple.workspace_for_path(bob / "src" / "pipeline.py") == "bob_ml"
    assert simple.workspace_for_path(bob) == "bob_ml"
    assert simple.workspace_for_path(simple_folder / "pipelines" / "x.py") is None
    assert simple.workspace_for_path(simple_folder / "ws" / "bobby" / "x.py") is None
    assert simple.source_for_path(simple_folder / "core.py") == "core"
    registry = bob / "src" / "cursus_dev" / "registry" / "workspace_registry.py"
    assert simple.source_for_path(registry) == "bob_ml"
    assert simple.source_for_path(simple_folder / "unrelated.py") is None
    assert str(registry.resolve()) in simple.registry_files()
    assert any(p.endswith("workspace_registry.py") for p in simple.watch_patterns())


def test_names_with_prefix(simple: UnifiedRegistryManager) -> None:
    assert simple.names_with_prefix("Pre") == ["Preferred", "Preprocess", "Preprocess_custom"]
    assert simple.names_with_prefix("") == list(simple.step_names())
    assert simple.names_with_prefix("Zzz") == []


def test_constructor_with_paths(simple_folder: Path) -> None:
    manager = UnifiedRegistryManager(
        core_registry_path=str(simple_folder / "core.py"), workspaces_root=simple_folder / "ws"
    )
    assert manager.list_workspaces() == ["alice", "bob_ml", "carol"]
    assert manager.loaded
    lazy = UnifiedRegistryManager(simple_folder / "core.py", load=False)
    assert not lazy.loaded and lazy.step_names() == ()
    lazy.load()
    assert lazy.has_step("Train")


def test_override_of_an_unknown_core_step_is_a_warning(tmp_path: Path) -> None:
    write_workspace(
        tmp_path / "ws" / "erin",
        workspace_text(overrides={"Trian": row("Trian")}),
    )
    (tmp_path / "core.py").write_text("STEP_NAMES = {'Train': {'sagemaker_step_type': 'T'}}\n")
    manager = UnifiedRegistryManager(tmp_path / "core.py", tmp_path / "ws")
    problems = [p for p in manager.all_problems() if p.code == "unknown-override"]
    assert len(problems) == 1
    assert (
        problems[0].severity is Severity.WARNING and "Did you mean 'Train'" in problems[0].message
    )
    assert manager.get_step_definition("Trian", "erin") is not None
    assert "Trian" in manager.get_all_step_definitions("erin")
    assert "Trian" not in manager.get_all_step_definitions()


def test_cache_control(simple: UnifiedRegistryManager) -> None:
    first = simple.create_legacy_step_names_dict()
    simple.clear_builder_class_cache()
    simple.clear_component_cache()
    assert simple.create_legacy_step_names_dict() == first


def test_a_reader_bug_loses_one_file_not_the_registry(
    hybrid_folder: HybridFolder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hybrid_registry import manager as manager_module

    real_workspace = manager_module.load_workspace_registry

    def broken_python(*args: object, **kwargs: object) -> None:
        raise ValueError("boom")

    def broken_for_alice(path: str, text: str | None = None) -> object:
        if "alice" in str(path):
            raise ValueError("boom")
        return real_workspace(path, text)

    monkeypatch.setattr(manager_module, "load_python_registry", broken_python)
    monkeypatch.setattr(manager_module, "load_workspace_registry", broken_for_alice)
    manager = UnifiedRegistryManager.from_folder(hybrid_folder.root)
    assert "YamlOnly" in manager.step_names() and "XGBoostTraining" not in manager.step_names()
    assert "alice" in manager.list_workspaces() and "bob_ml" in manager.list_workspaces()
    problems = manager.get_problems()
    internal = [p for ps in problems.values() for p in ps if p.code == "internal-error"]
    assert {Path(p.path).name for p in internal} == {"step_names.py", "workspace_registry.py"}
    assert all("ValueError: boom" in p.message for p in internal)


def test_a_workspace_named_core_is_ignored_with_a_problem(tmp_path: Path) -> None:
    from registry_helpers import WORKSPACE_RELPATH, write

    write(
        tmp_path / "dev" / "core" / WORKSPACE_RELPATH,
        "LOCAL_STEPS = {'A': {'sagemaker_step_type': 'Processing'}}\n",
    )
    odd = write(
        tmp_path / "dev" / "odd" / WORKSPACE_RELPATH,
        "WORKSPACE_METADATA = {'developer_id': 'bad id/../x'}\n"
        "LOCAL_STEPS = {'B': {'sagemaker_step_type': 'Processing'}}\n",
    )
    manager = UnifiedRegistryManager(workspaces_root=tmp_path / "dev")
    assert manager.list_workspaces() == ["odd"]  # the folder name, not the invalid id
    status = manager.get_registry_status()
    assert status["core"]["sources"] == [] and "odd" in status
    messages = [p.message for ps in manager.get_problems().values() for p in ps]
    assert any("'core' is reserved" in m for m in messages)
    (invalid,) = manager.get_problems()[str(odd.resolve())]
    assert "is not a valid id" in invalid.message


def test_a_step_two_core_files_define_is_reported_where_it_wins(tmp_path: Path) -> None:
    from registry_helpers import write

    row = "registry: {sagemaker_step_type: Processing}\n"
    write(tmp_path / "steps" / "a.step.yaml", "step_type: Same\n" + row)
    later = write(tmp_path / "steps" / "b.step.yaml", "step_type: Same\n" + row)
    manager = UnifiedRegistryManager(core_registry_path=tmp_path / "steps")
    definition = manager.get_step_definition("Same")
    assert definition is not None and definition.location is not None
    assert definition.location.path == str(later)
    (problem,) = [p for ps in manager.get_problems().values() for p in ps]
    assert problem.path == str(later) and problem.code == "duplicate-key"
    assert "a.step.yaml:1:12" in problem.message
