"""Unit tests of the pure features (completion, hover, navigation, diagnostics) on registries
built in a temporary folder: no server, no client, just text in and domain results out."""

from __future__ import annotations

import pprint
import re
from pathlib import Path
from typing import Any

import pytest

from hybrid_registry.manager import UnifiedRegistryManager
from hybrid_registry.models import Severity, SourceRange
from registry_lsp.analysis import analyze
from registry_lsp.config import DiagnosticSettings
from registry_lsp.features import code_actions, completion, hover, navigation
from registry_lsp.features.completion import NameIndex
from registry_lsp.features.context import FeatureContext, Finding
from registry_lsp.features.diagnostics import (
    apply_settings,
    document_findings,
    registry_file_findings,
)
from registry_lsp.files import FolderIndex
from registry_lsp.state import DocumentState, FolderState, findings_for_document

WORKSPACE_RELPATH = Path("src", "cursus_dev", "registry", "workspace_registry.py")
DESCRIPTION = "Uses *stars*, _under_ `ticks` [a](http://x) <b>html</b> | pipe\n\n# Not a heading"


# ------------------------------------------------------------------------------ builders


def row(name: str, sagemaker: str = "Processing", **extra: Any) -> dict[str, Any]:
    return {
        "config_class": f"{name}Config",
        "builder_step_name": f"{name}StepBuilder",
        "spec_type": name,
        "sagemaker_step_type": sagemaker,
        **extra,
    }


def table(variable: str, steps: dict[str, Any]) -> str:
    return f"{variable} = {pprint.pformat(steps, sort_dicts=False)}\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_workspace(
    root: Path,
    folder: str,
    local: dict[str, Any],
    overrides: dict[str, Any] | None = None,
    developer_id: str | None = None,
) -> Path:
    text = '"""Workspace registry."""\n'
    if developer_id is not None:
        text += table("WORKSPACE_METADATA", {"developer_id": developer_id})
    text += table("LOCAL_STEPS", local) + table("STEP_OVERRIDES", overrides or {})
    return write(root / "dev" / folder / WORKSPACE_RELPATH, text)


def build_folder(root: Path) -> Path:
    """Core (6 steps) + alice (local, override of a core step, override of a non-core step)
    + bob (a step that conflicts with alice's)."""
    write(
        root / "pyproject.toml",
        '[tool.hybrid-registry]\ncore = ["registry/step_names.py"]\nworkspaces = ["dev"]\n'
        'job-types = ["training", "calibration"]\n',
    )
    write(
        root / "registry" / "step_names.py",
        table(
            "STEP_NAMES",
            {
                "CradleDataLoading": row(
                    "CradleDataLoading", "CradleDataLoading", job_types=["training", "testing"]
                ),
                "TabularPreprocessing": row("TabularPreprocessing"),
                "XGBoostTraining": row("XGBoostTraining", "Training", description=DESCRIPTION),
                "XGBoostModelEval": row("XGBoostModelEval"),
                "PyTorchTraining": row("PyTorchTraining", "Training"),
                "Package": row("Package"),
            },
        ),
    )
    write_workspace(
        root,
        "alice",
        local={
            "AliceStep": row("AliceStep", description="alice's own"),
            "TextEmbedding": row("TextEmbedding", description="alice's embedding"),
        },
        overrides={
            "XGBoostTraining": row("XGBoostTrainingGpu", "Training"),
            "NotInCore": row("NotInCore"),
        },
    )
    write_workspace(
        root,
        "bob",
        developer_id="bob_ml",
        local={"TextEmbedding": row("SentenceEmbedding", description="bob's embedding")},
    )
    write(
        root / "pipeline_registry" / "configs.py",
        "class Base:\n    pass\n\n\nclass XGBoostTrainingConfig(Base):\n    pass\n",
    )
    write(
        root / "pipeline_registry" / "builders.py",
        "if True:\n    class  XGBoostTrainingStepBuilder:\n        pass\n",
    )
    return root


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_folder(tmp_path_factory.mktemp("features") / "project")


@pytest.fixture(scope="module")
def manager(folder: Path) -> UnifiedRegistryManager:
    return UnifiedRegistryManager.from_folder(folder)


def ctx(
    manager: UnifiedRegistryManager,
    text: str,
    workspace_id: str | None = None,
    path: Path | None = None,
    extra_job_types: tuple[str, ...] = (),
) -> FeatureContext:
    return FeatureContext(
        analysis=analyze(text),
        manager=manager,
        workspace_id=workspace_id,
        path=str(path) if path is not None else None,
        extra_job_types=extra_job_types,
    )


def at(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    """(line, code-point column) of `needle` + `offset` in `text`."""
    index = text.index(needle) + offset
    return text.count("\n", 0, index), index - (text.rfind("\n", 0, index) + 1)


def labels(result: completion.CompletionResult | None) -> list[str]:
    assert result is not None
    return [item.label for item in result.items]


def key_range(path: Path, name: str) -> SourceRange:
    """The content range of the `'name':` key in a registry file written by `table`."""
    line, col = at(path.read_text(encoding="utf-8"), f"'{name}':", 1)
    return SourceRange(start_line=line, start_col=col, end_line=line, end_col=col + len(name))


# ------------------------------------------------------------------------------ completion


def test_completion_by_prefix_replaces_the_whole_literal(manager: UnifiedRegistryManager) -> None:
    text = 'dag.add_node("XGBoostTrXX")\n'
    line, col = at(text, "XGBoostTrXX", len("XGB"))
    result = completion.complete(ctx(manager, text), line, col)
    assert labels(result) == ["XGBoostModelEval", "XGBoostTraining"]
    assert result is not None and not result.is_incomplete
    assert result.replace == SourceRange(start_line=0, start_col=14, end_line=0, end_col=25)
    item = result.items[1]
    assert item.new_text == "XGBoostTraining"
    assert item.kind == "step"
    assert item.detail == "XGBoostTrainingConfig · Training · core"


def test_completion_ignores_case_and_ranks_exact_case_first(
    manager: UnifiedRegistryManager,
) -> None:
    text = 'dag.add_node("pa")\n'
    result = completion.complete(ctx(manager, text), *at(text, "pa", 2))
    assert labels(result)[0] == "Package"
    text = 'dag.add_node("xgboostt")\n'
    result = completion.complete(ctx(manager, text), *at(text, "xgboostt", 8))
    assert labels(result) == ["XGBoostTraining"]


def test_completion_adds_names_containing_the_fragment_after_prefix_matches(
    manager: UnifiedRegistryManager,
) -> None:
    text = 'dag.add_node("Training")\n'
    result = completion.complete(ctx(manager, text), *at(text, "Training", 8))
    assert labels(result) == ["PyTorchTraining", "XGBoostTraining"]
    assert result is not None
    assert [item.sort_text[0] for item in result.items] == ["3", "3"]
    text = 'dag.add_node("Tabular")\n'
    result = completion.complete(ctx(manager, text), *at(text, "Tabular", 7))
    assert labels(result) == ["TabularPreprocessing"]


def test_completion_outside_step_positions_is_none(manager: UnifiedRegistryManager) -> None:
    text = 'print("XGB")\n# dag.add_node("XGB")\n'
    context = ctx(manager, text)
    assert completion.complete(context, 0, 9) is None
    assert completion.complete(context, 1, 18) is None


def test_completion_sorts_context_workspace_first_then_exact_prefix(
    manager: UnifiedRegistryManager,
) -> None:
    text = 'dag.add_node("")\n'
    result = completion.complete(ctx(manager, text, "alice"), *at(text, '""', 1))
    assert result is not None
    ordered = [item.label for item in sorted(result.items, key=lambda item: item.sort_text)]
    assert ordered[:3] == ["AliceStep", "TextEmbedding", "XGBoostTraining"]
    assert set(ordered) == set(manager.step_names())
    # without a context nobody is first: plain alphabetical order
    result = completion.complete(ctx(manager, text), *at(text, '""', 1))
    assert result is not None
    ordered = [item.label for item in sorted(result.items, key=lambda item: item.sort_text)]
    assert ordered == sorted(manager.step_names())
    by_label = {item.label: item for item in result.items}
    assert by_label["AliceStep"].detail == "AliceStepConfig · Processing · workspace alice"


def test_completion_job_types_after_a_step_and_underscore(
    manager: UnifiedRegistryManager,
) -> None:
    text = 'dag.add_node("CradleDataLoading_")\n'
    result = completion.complete(ctx(manager, text), *at(text, '_")', 1))
    # the step declares its job types: only those
    assert labels(result) == ["CradleDataLoading_training", "CradleDataLoading_testing"]
    assert result is not None
    assert {item.kind for item in result.items} == {"job_type"}
    assert result.items[0].detail.startswith("job type training · CradleDataLoadingConfig")
    text = 'dag.add_node("Package_ca")\n'
    result = completion.complete(ctx(manager, text), *at(text, "_ca", 3))
    assert labels(result) == ["Package_calibration"]
    # a step without declared job types: the configured ones, those other steps declare, and
    # those seen in the folder
    text = 'dag.add_node("Package_")\n'
    result = completion.complete(ctx(manager, text, extra_job_types=("nightly",)), 0, 22)
    assert labels(result) == [
        "Package_training",
        "Package_calibration",
        "Package_testing",
        "Package_nightly",
    ]


def test_completion_in_an_empty_argument_inserts_quotes(manager: UnifiedRegistryManager) -> None:
    text = "dag.add_node()\n"
    result = completion.complete(ctx(manager, text), 0, len("dag.add_node("))
    assert result is not None
    assert result.replace == SourceRange.point(0, 13)
    assert {item.new_text for item in result.items} == {f'"{n}"' for n in manager.step_names()}


def test_completion_of_a_large_registry_is_bounded_and_incomplete(tmp_path: Path) -> None:
    names = [f"Step{number:04d}" for number in range(4990)]
    names += [f"Special{number}Step" for number in range(10)]
    write(tmp_path / "registry" / "step_names.py", table("STEP_NAMES", {n: row(n) for n in names}))
    write(tmp_path / ".hybrid-registry.toml", 'core = ["registry/step_names.py"]\n')
    big = UnifiedRegistryManager.from_folder(tmp_path)
    assert big.get_step_count() == 5000
    index = NameIndex(big.step_names())
    text = 'dag.add_node("")\n'
    result = completion.complete(ctx(big, text), 0, 14, index, limit=200)
    assert result is not None
    assert len(result.items) == 200 and result.is_incomplete
    text = 'dag.add_node("Step12")\n'
    result = completion.complete(ctx(big, text), 0, 20, index, limit=200)
    assert result is not None
    assert labels(result) == [f"Step12{n:02d}" for n in range(100)]
    assert not result.is_incomplete
    text = 'dag.add_node("special")\n'
    result = completion.complete(ctx(big, text), 0, 21, index, limit=200)
    assert labels(result) == sorted(f"Special{n}Step" for n in range(10))
    assert result is not None and not result.is_incomplete


def test_completion_is_incomplete_when_containing_matches_overflow(tmp_path: Path) -> None:
    """Prefix matches fit, but more names contain the fragment than the list holds: the client
    must ask again as the user types."""
    names = [f"Train{n:02d}" for n in range(5)] + [f"X{n:03d}Train" for n in range(20)]
    write(tmp_path / "registry" / "step_names.py", table("STEP_NAMES", {n: row(n) for n in names}))
    write(tmp_path / ".hybrid-registry.toml", 'core = ["registry/step_names.py"]\n')
    small = UnifiedRegistryManager.from_folder(tmp_path)
    text = 'dag.add_node("Train")\n'
    result = completion.complete(ctx(small, text), 0, 19, limit=10)
    assert result is not None
    assert labels(result)[:5] == [f"Train{n:02d}" for n in range(5)]
    assert len(result.items) == 10
    assert result.is_incomplete
    result = completion.complete(ctx(small, text), 0, 19, limit=5)
    assert result is not None and len(result.items) == 5 and result.is_incomplete


# ------------------------------------------------------------------------------ hover


def test_hover_with_job_type_and_resolution_chain(
    manager: UnifiedRegistryManager, folder: Path
) -> None:
    text = 'dag.add_node("XGBoostTraining_training")\n'
    result = hover.hover(ctx(manager, text, "alice"), 0, 20)
    assert result is not None
    assert result.range == SourceRange(start_line=0, start_col=14, end_line=0, end_col=38)
    markdown = result.markdown
    assert markdown.startswith("**XGBoostTraining** · job type `training`")
    assert "| Config class | `XGBoostTrainingGpuConfig` |" in markdown
    assert "| SageMaker step type | `Training` |" in markdown
    alice = (folder / "dev" / "alice" / WORKSPACE_RELPATH).resolve()
    core = (folder / "registry" / "step_names.py").resolve()
    alice_line = key_range(alice, "XGBoostTraining").start_line + 1
    core_line = key_range(core, "XGBoostTraining").start_line + 1
    assert "**Resolution** (workspace `alice`):" in markdown
    assert (
        f"1. override in alice — **wins** — "
        f"[dev/alice/src/cursus\\_dev/registry/workspace\\_registry\\.py:{alice_line}]"
        f"({alice.as_uri()}#L{alice_line})"
    ) in markdown
    assert (
        f"2. core — shadowed — [registry/step\\_names\\.py:{core_line}]"
        f"({core.as_uri()}#L{core_line})"
    ) in markdown
    assert "Conflict" not in markdown


def test_hover_without_context_lists_one_winner(manager: UnifiedRegistryManager) -> None:
    text = 'dag.add_node("Package")\n'
    result = hover.hover(ctx(manager, text), 0, 15)
    assert result is not None
    assert "**Resolution** (no workspace context):" in result.markdown
    assert "1. core — **wins**" in result.markdown
    assert "shadowed" not in result.markdown


def test_hover_on_a_conflicted_name_lists_every_definition(
    manager: UnifiedRegistryManager,
) -> None:
    text = 'dag.add_node("TextEmbedding")\n'
    result = hover.hover(ctx(manager, text), 0, 16)
    assert result is not None
    conflict = result.markdown.split("⚠️ **Conflict**: defined by several workspaces:\n")[1]
    lines = conflict.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("- `alice`: `TextEmbeddingConfig` — [dev/alice/")
    assert lines[1].startswith("- `bob_ml`: `SentenceEmbeddingConfig` — [dev/bob/")


def test_hover_on_an_unknown_step_suggests_a_name(manager: UnifiedRegistryManager) -> None:
    text = 'dag.add_node("XGBoostTrainng")\n'
    result = hover.hover(ctx(manager, text), 0, 16)
    assert result is not None
    assert result.markdown == (
        "**XGBoostTrainng**\n\nUnknown step 'XGBoostTrainng'\\. Did you mean 'XGBoostTraining'?"
    )
    text = 'dag.add_node("Bad*[name](x)")\n'
    result = hover.hover(ctx(manager, text), 0, 16)
    assert result is not None
    assert result.markdown.startswith("**Bad\\*\\[name\\]\\(x\\)**\n\n")


def test_hover_escapes_markdown_in_descriptions(manager: UnifiedRegistryManager) -> None:
    text = 'dag.add_node("XGBoostTraining")\n'
    result = hover.hover(ctx(manager, text), 0, 16)
    assert result is not None
    markdown = result.markdown
    paragraph = markdown.split("\n\n")[1]
    assert paragraph.startswith(r"Uses \*stars\*, \_under\_ \`ticks\` \[a\]\(http://x\)")
    assert r"\<b\>html\</b\> \| pipe" in markdown
    # a description cannot start a heading (or any other block) of its own
    assert not any(line.lstrip().startswith("#") for line in markdown.splitlines())
    assert r"\# Not a heading" in markdown


def test_hover_outside_step_positions_is_none(manager: UnifiedRegistryManager) -> None:
    text = 'print("Package")\ndag.add_node("")\n'
    context = ctx(manager, text)
    assert hover.hover(context, 0, 9) is None
    assert hover.hover(context, 1, 14) is None  # an empty name


# ------------------------------------------------------------------------------ navigation


def test_definition_is_the_winning_key(manager: UnifiedRegistryManager, folder: Path) -> None:
    text = 'dag.add_node("XGBoostTraining_calibration")\n'
    core = (folder / "registry" / "step_names.py").resolve()
    alice = (folder / "dev" / "alice" / WORKSPACE_RELPATH).resolve()
    (location,) = navigation.definition(ctx(manager, text), 0, 16)
    assert (location.path, location.range) == (str(core), key_range(core, "XGBoostTraining"))
    (location,) = navigation.definition(ctx(manager, text, "alice"), 0, 16)
    assert (location.path, location.range) == (str(alice), key_range(alice, "XGBoostTraining"))
    assert navigation.definition(ctx(manager, 'dag.add_node("Nope")\n'), 0, 15) == []


def test_declarations_are_every_entry_of_the_name(
    manager: UnifiedRegistryManager, folder: Path
) -> None:
    core = str((folder / "registry" / "step_names.py").resolve())
    alice = str((folder / "dev" / "alice" / WORKSPACE_RELPATH).resolve())
    bob = str((folder / "dev" / "bob" / WORKSPACE_RELPATH).resolve())
    text = 'dag.add_node("XGBoostTraining")\n'
    assert [loc.path for loc in navigation.declarations(ctx(manager, text, "alice"), 0, 16)] == [
        alice,
        core,
    ]
    # outside alice's workspace: the core entry wins, and alice's override is one more entry
    assert [loc.path for loc in navigation.declarations(ctx(manager, text), 0, 16)] == [
        core,
        alice,
    ]
    text = 'dag.add_node("TextEmbedding")\n'
    found = navigation.declarations(ctx(manager, text), 0, 16)
    assert sorted(loc.path for loc in found) == sorted([alice, bob])


def test_type_definition_and_implementation_use_the_folder_index(
    manager: UnifiedRegistryManager, folder: Path
) -> None:
    index = FolderIndex()
    configs = folder / "pipeline_registry" / "configs.py"
    builders = folder / "pipeline_registry" / "builders.py"
    index.add_file(configs, configs.read_text(encoding="utf-8"))
    index.add_file(builders, builders.read_text(encoding="utf-8"))
    text = 'dag.add_node("XGBoostTraining_training")\n'
    (config,) = navigation.type_definition(ctx(manager, text), 0, 16, index)
    assert config.path == str(configs)
    assert config.range == SourceRange(start_line=4, start_col=6, end_line=4, end_col=27)
    (builder,) = navigation.implementation(ctx(manager, text), 0, 16, index)
    assert builder.path == str(builders)
    assert builder.range == SourceRange(start_line=1, start_col=11, end_line=1, end_col=37)
    # alice's override names other classes, which the folder does not define
    assert navigation.type_definition(ctx(manager, text, "alice"), 0, 16, index) == []
    assert navigation.implementation(ctx(manager, text, "alice"), 0, 16, index) == []


# ------------------------------------------------------------------------------ diagnostics


def codes(findings: list[Finding]) -> list[str]:
    return [finding.code for finding in findings]


def test_unknown_step_message_and_range(manager: UnifiedRegistryManager) -> None:
    text = 'dag.add_edge("Package", "XGBoostTrainng")\n'
    (finding,) = document_findings(ctx(manager, text))
    assert finding.code == "unknown-step"
    assert finding.severity is Severity.ERROR
    assert finding.message == "Unknown step 'XGBoostTrainng'. Did you mean 'XGBoostTraining'?"
    assert finding.range == SourceRange(start_line=0, start_col=25, end_line=0, end_col=39)


def test_unknown_step_with_a_job_type_suggests_the_node_name(
    manager: UnifiedRegistryManager,
) -> None:
    text = 'dag.add_node("XGBoostTrainng_training")\n'
    (finding,) = document_findings(ctx(manager, text))
    assert finding.code == "unknown-step"
    assert finding.message == (
        "Unknown step 'XGBoostTrainng_training'. Did you mean 'XGBoostTraining_training'?"
    )
    assert finding.range == SourceRange(start_line=0, start_col=14, end_line=0, end_col=37)


def test_unknown_step_without_a_close_name_has_no_suggestion(
    manager: UnifiedRegistryManager,
) -> None:
    (finding,) = document_findings(ctx(manager, 'dag.add_node("Zzzzzzzz")\n'))
    assert finding.message == "Unknown step 'Zzzzzzzz'."


def test_unclosed_and_empty_literals_are_not_reported(manager: UnifiedRegistryManager) -> None:
    assert document_findings(ctx(manager, 'dag.add_node("")\ndag.add_node("Unkn')) == []


def test_conflict_has_related_information_on_every_definition(
    manager: UnifiedRegistryManager, folder: Path
) -> None:
    text = 'dag.add_node("TextEmbedding_training")\n'
    (finding,) = document_findings(ctx(manager, text))
    assert finding.code == "step-conflict"
    assert finding.severity is Severity.WARNING
    assert finding.message == (
        "Step 'TextEmbedding' is defined by several workspaces: alice, bob_ml. "
        "Here it resolves to alice's definition."
    )
    alice = str((folder / "dev" / "alice" / WORKSPACE_RELPATH).resolve())
    bob = str((folder / "dev" / "bob" / WORKSPACE_RELPATH).resolve())
    assert sorted((r.location.path, r.message) for r in finding.related) == [
        (alice, "'TextEmbedding' defined here (workspace alice)"),
        (bob, "'TextEmbedding' defined here (workspace bob_ml)"),
    ]
    (finding,) = document_findings(ctx(manager, text, "bob_ml"))
    assert finding.message.endswith("Here it resolves to bob_ml's definition.")


def test_unknown_job_type_only_when_the_step_declares_job_types(
    manager: UnifiedRegistryManager,
) -> None:
    text = 'dag.add_node("CradleDataLoading_calibration")\ndag.add_node("Package_calibration")\n'
    (finding,) = document_findings(ctx(manager, text))
    assert finding.code == "unknown-job-type"
    assert finding.severity is Severity.INFORMATION
    assert finding.range.start_line == 0
    assert finding.message == (
        "Step 'CradleDataLoading' has no job type 'calibration' (it declares: training, testing)"
    )
    assert document_findings(ctx(manager, 'dag.add_node("CradleDataLoading_testing")\n')) == []


def test_registry_file_overrides_core_hint_and_unknown_override(
    manager: UnifiedRegistryManager, folder: Path
) -> None:
    alice = (folder / "dev" / "alice" / WORKSPACE_RELPATH).resolve()
    text = alice.read_text(encoding="utf-8")
    findings = document_findings(ctx(manager, text, "alice", alice))
    by_code = {finding.code: finding for finding in findings}
    assert sorted(by_code) == ["overrides-core", "step-conflict", "unknown-override"]
    hint = by_code["overrides-core"]
    assert hint.severity is Severity.HINT
    core_line = key_range(folder / "registry" / "step_names.py", "XGBoostTraining").start_line
    assert hint.message == (
        f"Overrides core step 'XGBoostTraining' (registry/step_names.py:{core_line + 1}) "
        "for this workspace"
    )
    assert hint.range == key_range(alice, "XGBoostTraining")
    assert [r.location.path for r in hint.related] == [
        str((folder / "registry" / "step_names.py").resolve())
    ]
    unknown = by_code["unknown-override"]
    assert unknown.severity is Severity.WARNING
    assert unknown.range == key_range(alice, "NotInCore")
    assert unknown.message.startswith("STEP_OVERRIDES entry 'NotInCore' overrides no core step")
    conflict = by_code["step-conflict"]
    assert conflict.range == key_range(alice, "TextEmbedding")
    # related information points at the *other* definitions only
    bob = str((folder / "dev" / "bob" / WORKSPACE_RELPATH).resolve())
    assert [r.location.path for r in conflict.related] == [bob]


def test_registry_file_load_problems_are_findings(tmp_path: Path) -> None:
    root = build_folder(tmp_path / "broken")
    carol = write_workspace(root, "carol", local={"CarolStep": row("CarolStep")})
    broken = (
        '"""Workspace registry."""\n'
        "LOCAL_STEPS = {\n"
        '    "CarolStep": {"config_class": "A"},\n'
        '    "CarolStep": {"config_class": "B"},\n'
        '    "bad name!": {"config_class": "C"},\n'
        "}\n"
    )
    carol.write_text(broken, encoding="utf-8")
    manager = UnifiedRegistryManager.from_folder(root)
    path = str(carol.resolve())
    findings = registry_file_findings(manager, path)
    assert {"duplicate-key", "invalid-name"} <= set(codes(findings))
    duplicate = next(f for f in findings if f.code == "duplicate-key")
    assert duplicate.range.start_line == 3
    assert duplicate.severity is not Severity.HINT
    # the document diagnostics of the open registry file include them
    document = document_findings(ctx(manager, broken, "carol", carol.resolve()))
    assert {"duplicate-key", "invalid-name"} <= set(codes(document))
    # a syntax error is reported at its line, and the rest of the registry keeps working
    carol.write_text('LOCAL_STEPS = {\n    "CarolStep": {\n', encoding="utf-8")
    assert manager.reload_source(carol) == {"carol"}
    findings = registry_file_findings(manager, path)
    assert codes(findings) == ["syntax-error"]
    assert manager.has_step("Package")
    assert registry_file_findings(manager, str(root / "nowhere.py")) == []


def test_apply_settings_changes_severity_and_drops_disabled_codes(
    manager: UnifiedRegistryManager,
) -> None:
    text = (
        'dag.add_node("Nope")\n'
        'dag.add_node("TextEmbedding")\n'
        'dag.add_node("CradleDataLoading_calibration")\n'
    )
    findings = document_findings(ctx(manager, text))
    assert codes(findings) == ["unknown-step", "step-conflict", "unknown-job-type"]
    settings = DiagnosticSettings(
        severity={"unknown-step": Severity.WARNING, "unknown-job-type": Severity.INFORMATION},
        disabled=("step-conflict",),
    )
    changed = apply_settings(findings, settings)
    assert [(f.code, f.severity) for f in changed] == [
        ("unknown-step", Severity.WARNING),
        ("unknown-job-type", Severity.INFORMATION),
    ]
    assert changed[0].message == findings[0].message and changed[0].range == findings[0].range
    assert apply_settings(findings, DiagnosticSettings()) == findings


def test_memo_is_shared_between_documents_of_one_context(
    manager: UnifiedRegistryManager,
) -> None:
    memo: dict[tuple[str | None, str], Any] = {}
    document_findings(ctx(manager, 'dag.add_node("Nope")\n'), memo)
    assert set(memo) == {(None, "Nope")}
    (finding,) = document_findings(ctx(manager, '\n\ndag.add_node( "Nope")\n'), memo)
    assert finding.range.start_line == 2 and finding.range.start_col == 15


def test_diagnostic_messages_are_plain_text(manager: UnifiedRegistryManager) -> None:
    """Messages are plain text: names with markdown characters are shown as written."""
    (finding,) = document_findings(ctx(manager, 'dag.add_node("My_Step*")\n'))
    assert re.fullmatch(r"Unknown step 'My_Step\*'\.( Did you mean .*)?", finding.message)


# ------------------------------------------------------------------------------ folder state


def test_folder_caches_follow_a_rebuilt_manager(tmp_path: Path) -> None:
    root = build_folder(tmp_path / "rebuilt")
    folder = FolderState(root=root)
    folder.manager = folder.build_manager()
    path = root / "pipelines" / "p.py"
    document = DocumentState(uri=path.as_uri(), path=str(path))
    document.update('dag.add_node("Brandnew")\n', 1)
    assert codes(findings_for_document(folder, document) or []) == ["unknown-step"]
    assert "Brandnew" not in folder.name_index().names
    write_workspace(root, "carol", local={"Brandnew": row("Brandnew")})
    folder.manager = folder.build_manager()  # what the server does on reload
    assert folder.manager.has_step("Brandnew")
    assert "Brandnew" in folder.name_index().names
    assert findings_for_document(folder, document) == []


def test_quick_fixes_offer_the_suggestions_of_unknown_names_in_the_span(
    manager: UnifiedRegistryManager,
) -> None:
    text = 'dag.add_node("XGBoostTrainng")\ndag.add_node("XGBoostTraining")\n'
    fixes = code_actions.quick_fixes(ctx(manager, text), (0, 0), (1, 40))
    assert fixes and fixes[0].new_name == "XGBoostTraining" and fixes[0].preferred
    assert all(fix.range.start_line == 0 for fix in fixes)  # the known name gets none
    assert not any(fix.preferred for fix in fixes[1:])
    assert code_actions.quick_fixes(ctx(manager, text), (1, 0), (1, 40)) == []
    many = "".join(f'dag.add_node("XGBoostTrainn{i}")\n' for i in range(80))
    spans = {
        fix.range.start_line
        for fix in code_actions.quick_fixes(ctx(manager, many), (0, 0), (80, 0))
    }
    assert len(spans) == code_actions.MAX_NAMES
