"""Settings: parsing a client's JSON value, layering folder answers over initializationOptions,
and applying them to a folder's discovered registry layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hybrid_registry.models import Severity
from registry_lsp.config import (
    DEFAULT_DEBOUNCE_MS,
    DiagnosticSettings,
    ServerSettings,
    layout_for,
    merge_settings,
    parse_settings,
)

# ------------------------------------------------------------------------------ parse_settings


def test_camel_case_and_snake_case_keys() -> None:
    settings, messages = parse_settings(
        {
            "core": ["a.py"],
            "workspaces": ["dev"],
            "defaultWorkspace": "alice",
            "stepNameCalls": ["use_step"],
            "diagnostics": {
                "severity": {"unknown-step": "warning"},
                "disabled": ["step-conflict"],
                "debounceMs": 20,
            },
        }
    )
    assert messages == []
    assert settings == ServerSettings(
        core=("a.py",),
        workspaces=("dev",),
        default_workspace="alice",
        step_name_calls=("use_step",),
        diagnostics=DiagnosticSettings(
            severity={"unknown-step": Severity.WARNING},
            disabled=("step-conflict",),
            debounce_ms=20,
        ),
    )
    snake, messages = parse_settings(
        {
            "core": ["a.py"],
            "workspaces": ["dev"],
            "default_workspace": "alice",
            "step_name_calls": ["use_step"],
            "diagnostics": {
                "severity": {"unknown-step": "warning"},
                "disabled": ["step-conflict"],
                "debounce_ms": 20,
            },
        }
    )
    assert messages == []
    assert snake == settings


def test_missing_and_null_settings_are_the_defaults() -> None:
    for raw in (None, {}):
        settings, messages = parse_settings(raw)
        assert messages == []
        assert settings == ServerSettings()
    defaults = ServerSettings()
    assert defaults.core is None and defaults.workspaces is None
    assert defaults.default_workspace is None
    assert defaults.step_name_calls == ()
    assert defaults.diagnostics.debounce_ms == DEFAULT_DEBOUNCE_MS == 150
    assert defaults.diagnostics.severity == {} and defaults.diagnostics.disabled == ()


def test_unknown_keys_are_reported_and_ignored() -> None:
    settings, messages = parse_settings(
        {"noSuchSetting": 1, "defaultWorkspace": "bob", "diagnostics": {"colour": "red"}}
    )
    assert messages == [
        "Unknown setting 'hybridRegistry.noSuchSetting' is ignored",
        "Unknown setting 'hybridRegistry.diagnostics.colour' is ignored",
    ]
    assert settings.default_workspace == "bob"


def test_client_only_keys_are_accepted_silently() -> None:
    settings, messages = parse_settings(
        {"interpreter": ["python3"], "trace": {"server": "verbose"}, "showStatus": True}
    )
    assert messages == []
    assert settings == ServerSettings()


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("core", "pipeline_registry/step_names.py", "core"),
        ("workspaces", [1, 2], "workspaces"),
        ("defaultWorkspace", 7, "default_workspace"),
        ("stepNameCalls", "use_step", "step_name_calls"),
    ],
)
def test_wrong_types_give_a_message_and_the_default(key: str, value: Any, field: str) -> None:
    settings, messages = parse_settings({key: value})
    assert len(messages) == 1
    assert messages[0].startswith(f"Invalid value for 'hybridRegistry.{key}': {value!r} (")
    assert messages[0].endswith("; using the default")
    assert getattr(settings, field) == getattr(ServerSettings(), field)


def test_one_bad_value_keeps_the_good_ones() -> None:
    settings, messages = parse_settings(
        {"core": 5, "workspaces": ["dev"], "stepNameCalls": ["use_step"]}
    )
    assert len(messages) == 1 and "'hybridRegistry.core': 5" in messages[0]
    assert settings.core is None
    assert settings.workspaces == ("dev",)
    assert settings.step_name_calls == ("use_step",)


def test_severities_are_case_insensitive_and_invalid_ones_reported() -> None:
    settings, messages = parse_settings(
        {
            "diagnostics": {
                "severity": {
                    "unknown-step": "Warning",
                    "step-conflict": "HINT",
                    "unknown-job-type": "loud",
                }
            }
        }
    )
    assert settings.diagnostics.severity == {
        "unknown-step": Severity.WARNING,
        "step-conflict": Severity.HINT,
    }
    assert messages == [
        "Invalid severity 'loud' for 'unknown-job-type' "
        "(use one of error, warning, information, hint); using the default"
    ]


@pytest.mark.parametrize(
    ("diagnostics", "key"),
    [
        ({"debounceMs": -1}, "debounceMs"),
        ({"debounceMs": 60_000}, "debounceMs"),
        ({"debounceMs": "soon"}, "debounceMs"),
        ({"disabled": "step-conflict"}, "disabled"),
        ({"severity": "warning"}, "severity"),
    ],
)
def test_invalid_diagnostic_settings_give_a_message_and_the_default(
    diagnostics: dict[str, Any], key: str
) -> None:
    settings, messages = parse_settings({"diagnostics": diagnostics})
    assert len(messages) == 1
    assert messages[0].startswith(f"Invalid value for 'hybridRegistry.diagnostics.{key}': ")
    assert settings.diagnostics == DiagnosticSettings()


def test_diagnostics_that_is_not_an_object() -> None:
    settings, messages = parse_settings({"diagnostics": ["unknown-step"], "core": ["a.py"]})
    assert messages == [
        "'hybridRegistry.diagnostics' must be an object, not ['unknown-step']; using defaults"
    ]
    assert settings.diagnostics == DiagnosticSettings()
    assert settings.core == ("a.py",)


def test_empty_lists_and_empty_default_workspace_mean_unset() -> None:
    settings, messages = parse_settings({"core": [], "workspaces": [], "defaultWorkspace": ""})
    assert messages == []
    assert settings.core is None
    assert settings.workspaces is None
    assert settings.default_workspace is None
    # ... but they are explicitly given, so they take part in layering
    assert {"core", "workspaces", "default_workspace"} <= settings.model_fields_set


@pytest.mark.parametrize("raw", ["alice", ["core"], 3, True])
def test_settings_that_are_not_an_object(raw: Any) -> None:
    settings, messages = parse_settings(raw)
    assert settings == ServerSettings()
    assert messages == [f"hybridRegistry settings must be an object, not {raw!r}"]


# ------------------------------------------------------------------------------ merge_settings


def test_folder_answer_wins_over_initialization_options() -> None:
    base, _ = parse_settings(
        {"defaultWorkspace": "alice", "core": ["a.py"], "stepNameCalls": ["use_step"]}
    )
    folder, _ = parse_settings({"defaultWorkspace": "bob", "workspaces": ["dev"]})
    merged = merge_settings(base, folder)
    assert merged.default_workspace == "bob"
    assert merged.workspaces == ("dev",)
    assert merged.core == ("a.py",)  # not in the folder's answer: kept
    assert merged.step_name_calls == ("use_step",)


def test_no_folder_answer_keeps_the_base() -> None:
    base, _ = parse_settings({"defaultWorkspace": "alice"})
    assert merge_settings(base, None) is base
    empty, _ = parse_settings(None)
    assert merge_settings(base, empty) == base


def test_a_folder_answer_can_clear_a_setting() -> None:
    """A client that answers `defaultWorkspace: null` or `core: []` (VS Code sends its
    defaults) has cleared the setting since startup: the initializationOptions value must not
    come back."""
    base, _ = parse_settings({"defaultWorkspace": "alice", "core": ["a.py"]})
    folder, _ = parse_settings({"defaultWorkspace": None, "core": []})
    merged = merge_settings(base, folder)
    assert merged.default_workspace is None
    assert merged.core is None


def test_diagnostic_settings_merge_key_by_key() -> None:
    base, _ = parse_settings(
        {"diagnostics": {"disabled": ["step-conflict"], "severity": {"unknown-step": "hint"}}}
    )
    folder, _ = parse_settings({"diagnostics": {"severity": {"unknown-step": "warning"}}})
    merged = merge_settings(base, folder)
    assert merged.diagnostics.severity == {"unknown-step": Severity.WARNING}
    assert merged.diagnostics.disabled == ("step-conflict",)
    folder, _ = parse_settings({"diagnostics": {"disabled": []}})
    assert merge_settings(base, folder).diagnostics.disabled == ()


# ------------------------------------------------------------------------------ layout_for


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


WORKSPACE = Path("src", "cursus_dev", "registry", "workspace_registry.py")


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write(
        root / "pyproject.toml",
        '[tool.hybrid-registry]\ncore = ["reg/core.py"]\nworkspaces = ["dev"]\n'
        'default-workspace = "alice"\nstep-name-calls = ["use_step"]\n',
    )
    write(root / "reg" / "core.py", 'STEP_NAMES = {"A": {}}\n')
    write(root / "other" / "core2.py", 'STEP_NAMES = {"B": {}}\n')
    write(root / "dev" / "alice" / WORKSPACE, "LOCAL_STEPS = {}\n")
    write(root / "teams" / "carol" / WORKSPACE, "LOCAL_STEPS = {}\n")
    write(root / "teams" / "dan" / WORKSPACE, "LOCAL_STEPS = {}\n")
    return root


def test_layout_without_settings_is_the_folders_config(folder: Path) -> None:
    layout = layout_for(folder, ServerSettings())
    assert layout.core_sources == [folder / "reg" / "core.py"]
    assert layout.workspace_roots == [folder / "dev"]
    assert layout.workspace_files == [folder / "dev" / "alice" / WORKSPACE]
    assert layout.config.default_workspace == "alice"
    assert layout.config.step_name_calls == ["use_step"]
    assert layout.problems == []


def test_settings_override_the_folders_config(folder: Path) -> None:
    settings, _ = parse_settings(
        {
            "core": ["other/core2.py"],
            "workspaces": ["teams"],
            "defaultWorkspace": "carol",
            "stepNameCalls": ["make_step", "use_step"],
        }
    )
    layout = layout_for(folder, settings)
    assert layout.core_sources == [folder / "other" / "core2.py"]
    assert layout.workspace_roots == [folder / "teams"]
    assert layout.workspace_files == [
        folder / "teams" / "carol" / WORKSPACE,
        folder / "teams" / "dan" / WORKSPACE,
    ]
    # the folder's default stays: the setting applies per document (FolderState.workspace_for)
    assert layout.config.default_workspace == "alice"
    assert layout.config.step_name_calls == ["use_step", "make_step"]
    assert layout.problems == []


def test_missing_setting_paths_are_problems(folder: Path) -> None:
    settings, _ = parse_settings(
        {"core": ["reg/core.py", "nope.py"], "workspaces": ["missing", "reg/core.py"]}
    )
    layout = layout_for(folder, settings)
    assert layout.core_sources == [folder / "reg" / "core.py"]
    assert layout.workspace_roots == []
    assert [(p.code, p.message) for p in layout.problems] == [
        (
            "invalid-config",
            f"Setting hybridRegistry.core: 'nope.py' does not exist (relative to {folder})",
        ),
        (
            "invalid-config",
            f"Setting hybridRegistry.workspaces: 'missing' does not exist (relative to {folder})",
        ),
        (
            "invalid-config",
            "Setting hybridRegistry.workspaces: 'reg/core.py' is not a folder "
            f"(relative to {folder})",
        ),
    ]
    assert all(p.severity is Severity.ERROR for p in layout.problems)


def test_settings_apply_to_a_folder_without_config(tmp_path: Path) -> None:
    root = tmp_path / "bare"
    write(root / "tables" / "steps.py", 'STEP_NAMES = {"A": {}}\n')
    settings, _ = parse_settings({"core": ["tables/steps.py"], "workspaces": ["tables"]})
    layout = layout_for(root, settings)
    assert layout.config_file is None
    assert layout.core_sources == [root / "tables" / "steps.py"]
    assert layout.workspace_roots == [root / "tables"]
    assert layout.workspace_files == []


def test_unknown_diagnostic_codes_and_dotted_call_names_are_reported() -> None:
    settings, messages = parse_settings(
        {
            "diagnostics": {"severity": {"no-such-code": "error"}, "disabled": ["typo-code"]},
            "stepNameCalls": ["register_step", "builder.register_step"],
        }
    )
    assert settings.step_name_calls == ("register_step", "builder.register_step")
    assert any("'no-such-code'" in m for m in messages)
    assert any("'typo-code'" in m for m in messages)
    assert any("builder.register_step" in m and "not plain names" in m for m in messages)
    _, clean = parse_settings(
        {"diagnostics": {"disabled": ["step-conflict", "syntax-error"]}, "stepNameCalls": ["x"]}
    )
    assert clean == []


@pytest.mark.parametrize("disabled", [[{}], [["unknown-step"]], [None, 3]])
def test_unhashable_or_odd_disabled_codes_give_a_message_and_the_default(disabled: Any) -> None:
    settings, messages = parse_settings({"diagnostics": {"disabled": disabled}})
    assert settings.diagnostics.disabled == ()
    assert len(messages) == 1 and "diagnostics.disabled" in messages[0]
