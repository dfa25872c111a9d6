"""Server settings: a fully defaulted model, layered over the folder's `[tool.hybrid-registry]`.

Settings come from `initializationOptions` and `workspace/configuration` (section
`hybridRegistry`). Invalid values are reported and replaced by defaults; unknown keys are
reported and ignored. Nothing here raises for user input.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from hybrid_registry.discovery import RegistryLayout, discover, resolve_entry, workspaces_under
from hybrid_registry.models import Problem, Severity
from registry_lsp.constants import KNOWN_CODES

log = logging.getLogger(__name__)

DEFAULT_DEBOUNCE_MS = 150


class DiagnosticSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    severity: dict[str, Severity] = Field(default_factory=dict)
    """Severity per diagnostic code, replacing the default one."""
    disabled: tuple[str, ...] = ()
    """Codes never reported."""
    debounce_ms: StrictInt = Field(default=DEFAULT_DEBOUNCE_MS, ge=0, le=5000)


class ServerSettings(BaseModel):
    """Settings of one workspace folder. `None` for a list means: use the folder's config."""

    model_config = ConfigDict(frozen=True)

    core: tuple[str, ...] | None = None
    workspaces: tuple[str, ...] | None = None
    default_workspace: str | None = None
    step_name_calls: tuple[str, ...] = ()
    diagnostics: DiagnosticSettings = Field(default_factory=DiagnosticSettings)


_ALIASES = {
    "core": "core",
    "workspaces": "workspaces",
    "defaultWorkspace": "default_workspace",
    "default_workspace": "default_workspace",
    "stepNameCalls": "step_name_calls",
    "step_name_calls": "step_name_calls",
    "diagnostics": "diagnostics",
}
_DIAGNOSTIC_ALIASES = {
    "severity": "severity",
    "disabled": "disabled",
    "debounceMs": "debounce_ms",
    "debounce_ms": "debounce_ms",
}
# Client-side settings the server receives but does not use.
_CLIENT_ONLY = frozenset({"interpreter", "trace", "server", "showStatus"})


def _empty_list_is_unset(value: Any) -> Any:
    """VS Code sends `[]` for an untouched array setting: treat it as "use the folder's"."""
    return None if value == [] else value


def parse_settings(raw: Any) -> tuple[ServerSettings, list[str]]:
    """Settings from a client's JSON value, and a message per invalid or unknown entry."""
    try:
        return _parse_settings(raw)
    except Exception as exc:  # our bug: never let odd settings stop the server
        log.exception("Reading the settings %r failed", raw)
        return ServerSettings(), [
            f"The hybridRegistry settings could not be read ({exc}); using defaults"
        ]


def _parse_settings(raw: Any) -> tuple[ServerSettings, list[str]]:
    messages: list[str] = []
    if raw is None:
        return ServerSettings(), messages
    if not isinstance(raw, dict):
        return ServerSettings(), [f"hybridRegistry settings must be an object, not {raw!r}"]
    values: dict[str, Any] = {}
    for key, value in raw.items():
        field = _ALIASES.get(key)
        if field is None:
            if key not in _CLIENT_ONLY:
                messages.append(f"Unknown setting 'hybridRegistry.{key}' is ignored")
            continue
        if field == "diagnostics":
            diagnostics, problems = _parse_diagnostics(value)
            values[field] = diagnostics
            messages.extend(problems)
            continue
        if field in ("core", "workspaces"):
            value = _empty_list_is_unset(value)
        if field == "step_name_calls" and isinstance(value, list):
            odd = [v for v in value if not (isinstance(v, str) and v.isidentifier())]
            if odd:
                messages.append(
                    f"'hybridRegistry.stepNameCalls' entries {odd!r} are not plain names and are "
                    "ignored: give the function or method name ('register_step', not "
                    "'builder.register_step')"
                )
        if field == "default_workspace" and value == "":
            value = None
        candidate = {**values, field: value}
        try:
            ServerSettings.model_validate(candidate)
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            messages.append(
                f"Invalid value for 'hybridRegistry.{key}': {value!r} ({reason}); using the default"
            )
            continue
        values[field] = value
    return ServerSettings.model_validate(values), messages


def _parse_diagnostics(raw: Any) -> tuple[DiagnosticSettings, list[str]]:
    messages: list[str] = []
    if raw is None:
        return DiagnosticSettings(), messages
    if not isinstance(raw, dict):
        return DiagnosticSettings(), [
            f"'hybridRegistry.diagnostics' must be an object, not {raw!r}; using defaults"
        ]
    values: dict[str, Any] = {}
    for key, value in raw.items():
        field = _DIAGNOSTIC_ALIASES.get(key)
        if field is None:
            messages.append(f"Unknown setting 'hybridRegistry.diagnostics.{key}' is ignored")
            continue
        if field == "severity" and isinstance(value, dict):
            good: dict[str, Severity] = {}
            messages.extend(_unknown_codes(value, "severity"))
            for code, level in value.items():
                try:
                    good[str(code)] = Severity(str(level).lower())
                except ValueError:
                    allowed = ", ".join(s.value for s in Severity)
                    messages.append(
                        f"Invalid severity {level!r} for '{code}' "
                        f"(use one of {allowed}); using the default"
                    )
            values[field] = good
            continue
        if field == "disabled" and isinstance(value, list):
            messages.extend(_unknown_codes(value, "disabled"))
        try:
            DiagnosticSettings.model_validate({field: value})
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            messages.append(
                f"Invalid value for 'hybridRegistry.diagnostics.{key}': {value!r} ({reason}); "
                "using the default"
            )
            continue
        values[field] = value
    return DiagnosticSettings.model_validate(values), messages


Settings = TypeVar("Settings", ServerSettings, DiagnosticSettings)


def _unknown_codes(codes: Any, key: str) -> list[str]:
    unknown = sorted(code for code in codes if isinstance(code, str) and code not in KNOWN_CODES)
    if not unknown:
        return []
    return [
        f"'hybridRegistry.diagnostics.{key}' names unknown diagnostic codes "
        f"{', '.join(repr(c) for c in unknown)} (known: {', '.join(sorted(KNOWN_CODES))})"
    ]


def merge_settings(base: Settings, folder: Settings | None) -> Settings:
    """Folder-scoped settings (workspace/configuration) win over initializationOptions.

    Every key the folder's answer gives wins, key by key inside `diagnostics`, even when it
    clears a value (`null`, `[]`): a client that clears a setting after startup must not get
    the stale initializationOptions value back. Keys it does not give keep the base value.
    """
    if folder is None:
        return base
    updates: dict[str, Any] = {}
    for name in folder.model_fields_set:
        value = getattr(folder, name)
        if isinstance(value, DiagnosticSettings):
            value = merge_settings(getattr(base, name), value)
        updates[name] = value
    return base.model_copy(update=updates)


def layout_for(root: Path, settings: ServerSettings) -> RegistryLayout:
    """Discover the folder's registry, then apply the editor's settings on top."""
    layout = discover(root)
    if settings.core is not None:
        layout.core_sources = []
        for entry in settings.core:
            path = resolve_entry(root, entry)
            if path is not None and path.exists():
                layout.core_sources.append(path)
            else:
                layout.problems.append(_setting_problem(root, "core", entry))
    if settings.workspaces is not None:
        layout.workspace_roots = []
        layout.workspace_files = []
        for entry in settings.workspaces:
            path = resolve_entry(root, entry)
            if path is not None and path.is_dir():
                layout.workspace_roots.append(path)
                layout.workspace_files.extend(workspaces_under(path))
            else:
                layout.problems.append(
                    _setting_problem(root, "workspaces", entry, "is not a folder")
                    if path is not None and path.exists()
                    else _setting_problem(root, "workspaces", entry)
                )
    # settings.default_workspace is applied per document (FolderState.workspace_for) and
    # checked by the server: the folder's configuration file is not where it was set.
    if settings.step_name_calls:
        calls = [*layout.config.step_name_calls, *settings.step_name_calls]
        layout.config = layout.config.model_copy(
            update={"step_name_calls": list(dict.fromkeys(calls))}
        )
    return layout


def _setting_problem(root: Path, key: str, entry: str, what: str = "does not exist") -> Problem:
    return Problem(
        path=str(root),
        code="invalid-config",
        message=f"Setting hybridRegistry.{key}: '{entry}' {what} (relative to {root})",
    )
