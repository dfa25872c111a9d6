"""Find what to load for a folder: its configuration, core sources and workspaces.

Configuration lives in `pyproject.toml` under `[tool.hybrid-registry]` or in
`.hybrid-registry.toml` (same keys at top level). Without it, the folder is searched (bounded:
no hidden folders, virtual environments, `node_modules`, or symlink loops; limited depth).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from hybrid_registry.loaders import (
    INTERFACE_SUFFIX,
    WORKSPACE_REGISTRY_PARTS,
    read_regular_file,
    real_path,
    split_lines,
    workspace_registry_file,
)
from hybrid_registry.models import Problem, Severity, SourceRange

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_FILE = ".hybrid-registry.toml"
PYPROJECT = "pyproject.toml"
TOOL_TABLE = "hybrid-registry"
MAX_DEPTH = 12
SKIPPED_DIRS = frozenset(
    {"node_modules", "__pycache__", "site-packages", "dist-packages", "venv", "env"}
)
SYSTEM_DIRS = frozenset({"/proc", "/sys", "/dev", "/run"})
"""Never walked, even when a folder at the file-system root is opened."""
FRAMEWORK_PACKAGES = ("cursus",)


class RegistryConfig(BaseModel):
    """The folder's registry configuration; `None` means auto-detect."""

    core: list[str] | None = None
    workspaces: list[str] | None = None
    default_workspace: str | None = Field(default=None, alias="default-workspace")
    step_name_calls: list[str] = Field(default_factory=list, alias="step-name-calls")
    job_types: list[str] = Field(default_factory=list, alias="job-types")

    model_config = {"populate_by_name": True}


_CONFIG_KEYS: dict[str, type] = {
    "core": list,
    "workspaces": list,
    "default-workspace": str,
    "step-name-calls": list,
    "job-types": list,
}


@dataclass
class RegistryLayout:
    """What to load for a folder, and the problems found while deciding."""

    root: Path
    config: RegistryConfig = field(default_factory=RegistryConfig)
    config_file: Path | None = None
    core_sources: list[Path] = field(default_factory=list)
    workspace_roots: list[Path] = field(default_factory=list)
    workspace_files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def setting_range(text: str, key: str, in_tool_table: bool) -> SourceRange:
    """Where a key is written in a TOML file (line search; tomllib keeps no positions)."""
    lines = split_lines(text)
    start = 0
    if in_tool_table:
        header = re.compile(r"^\s*\[\s*tool\s*\.\s*[\"']?hybrid-registry[\"']?\s*\]")
        for index, line in enumerate(lines):
            if header.match(line):
                start = index + 1
                break
    pattern = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
    for index in range(start, len(lines)):
        line = lines[index]
        if in_tool_table and index > start and line.lstrip().startswith("["):
            break
        if pattern.match(line):
            col = len(line) - len(line.lstrip())
            end = col + len(key) + (2 if line.lstrip()[:1] in "\"'" else 0)
            return SourceRange(start_line=index, start_col=col, end_line=index, end_col=end)
    return SourceRange.point(max(start - 1, 0))


def _entry_range(text: str, key: str, entry: str, in_tool_table: bool) -> SourceRange:
    """Where a string of a list setting is written (its content), else the key's range."""
    key_range = setting_range(text, key, in_tool_table)
    lines = split_lines(text)
    for index in range(key_range.start_line, min(key_range.start_line + 200, len(lines))):
        line = lines[index]
        if index > key_range.start_line and re.match(r"^\s*[\[A-Za-z]", line):
            break  # the next setting or table
        for quote in ('"', "'"):
            col = line.find(f"{quote}{entry}{quote}")
            if col >= 0:
                return SourceRange(
                    start_line=index,
                    start_col=col + 1,
                    end_line=index,
                    end_col=col + 1 + len(entry),
                )
    return key_range


def _toml_error_range(error: Exception, text: str) -> SourceRange:
    """Where a TOML error is: `lineno`/`colno` (Python 3.14+), else parsed from the message."""
    line = getattr(error, "lineno", None)
    col = getattr(error, "colno", None)
    if not isinstance(line, int) or not isinstance(col, int):
        match = re.search(r"at line (\d+), column (\d+)", str(error))
        if match:
            line, col = int(match.group(1)), int(match.group(2))
        elif "end of document" in str(error):
            lines = split_lines(text) or [""]
            line, col = len(lines), len(lines[-1]) + 1
        else:
            line, col = 1, 1
    return SourceRange.point(max(line - 1, 0), max(col - 1, 0))


def _is_setting_of_type(value: Any, expected: type) -> bool:
    if expected is list:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    return isinstance(value, expected)


def read_config(folder: str | Path) -> tuple[RegistryConfig | None, Path | None, list[Problem]]:
    """The folder's configuration (None when it has none), its file, and its problems."""
    folder = Path(folder)
    problems: list[Problem] = []
    for name, in_tool in ((CONFIG_FILE, False), (PYPROJECT, True)):
        path = folder / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(
                Problem(path=str(path), code="invalid-config", message=f"Cannot read: {exc}")
            )
            continue
        except RecursionError:
            problems.append(
                Problem(path=str(path), code="invalid-config", message="TOML nested too deeply")
            )
            continue
        except tomllib.TOMLDecodeError as exc:
            problems.append(
                Problem(
                    path=str(path),
                    range=_toml_error_range(exc, text),
                    code="invalid-config",
                    message=f"Invalid TOML: {exc}; registry settings in this file are ignored",
                )
            )
            continue
        table: Any = data
        if in_tool:
            tool = data.get("tool")
            table = tool.get(TOOL_TABLE) if isinstance(tool, dict) else None
            if table is None:
                continue
        if not isinstance(table, dict):
            problems.append(
                Problem(
                    path=str(path),
                    code="invalid-config",
                    message=f"[tool.{TOOL_TABLE}] must be a table",
                )
            )
            continue
        values: dict[str, Any] = {}
        for key, value in table.items():
            expected = _CONFIG_KEYS.get(key)
            rng = setting_range(text, key, in_tool)
            if expected is None:
                known = ", ".join(_CONFIG_KEYS)
                problems.append(
                    Problem(
                        path=str(path),
                        range=rng,
                        severity=Severity.WARNING,
                        code="invalid-config",
                        message=f"Unknown setting '{key}' (known: {known}); it is ignored",
                    )
                )
            elif not _is_setting_of_type(value, expected):
                kind = "a list of strings" if expected is list else "a string"
                problems.append(
                    Problem(
                        path=str(path),
                        range=rng,
                        code="invalid-config",
                        message=f"'{key}' must be {kind}; using the default instead",
                    )
                )
            else:
                values[key] = value
        return RegistryConfig.model_validate(values), path, problems
    return None, None, problems


def resolve_entry(root: Path, entry: str) -> Path | None:
    """A configured path made absolute, or None when no file could have that name (a null
    byte, a name too long...): the caller reports it like a missing path."""
    try:
        path = real_path(root / entry)
        path.exists()  # raises for names the OS rejects
    except (OSError, ValueError, RuntimeError):
        return None
    return path


def find_config_root(path: str | Path) -> Path | None:
    """The nearest folder at or above `path` holding a registry configuration."""
    current = real_path(path)
    if current.is_file():
        current = current.parent
    for folder in (current, *current.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
        pyproject = folder / PYPROJECT
        if pyproject.is_file():
            try:
                text = pyproject.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            try:
                data = tomllib.loads(text)
            except (tomllib.TOMLDecodeError, RecursionError):
                # A broken pyproject that means to configure us: report it, don't skip it.
                if f"[tool.{TOOL_TABLE}]" in text:
                    return folder
                continue
            if isinstance(data.get("tool"), dict) and TOOL_TABLE in data["tool"]:
                return folder
    return None


def _is_workspace_registry(path: Path) -> bool:
    return path.parts[-len(WORKSPACE_REGISTRY_PARTS) :] == WORKSPACE_REGISTRY_PARTS


def _assigns_step_names(path: Path) -> bool:
    text = read_regular_file(path, 2_000_000)
    if text is None:
        return False
    return re.search(r"^STEP_NAMES\s*(:[^=]*)?=", text, re.MULTILINE) is not None


@dataclass
class _WalkResult:
    interface_dirs: list[Path] = field(default_factory=list)
    core_modules: list[Path] = field(default_factory=list)
    workspace_files: list[Path] = field(default_factory=list)


def walk_folder(
    root: Path, max_depth: int = MAX_DEPTH
) -> Iterator[tuple[Path, list[os.DirEntry[str]]]]:
    """Each folder under `root` with its file entries, sorted by name: bounded depth; no
    hidden folders, virtual environments, `node_modules`, system folders, symlink loops, or
    symlinks that lead out of `root` (a link to `/` must not make us walk the whole disk)."""
    visited: set[str] = set()
    stack: list[tuple[Path, int]] = [(root, 0)]
    inside = os.path.join(os.path.realpath(root), "")
    while stack:
        folder, depth = stack.pop()
        try:
            real = os.path.realpath(folder)
            if real in visited or real in SYSTEM_DIRS:
                continue
            if folder != root and not real.startswith(inside):
                continue
            visited.add(real)
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        if folder != root and any(entry.name == "pyvenv.cfg" for entry in entries):
            continue
        files: list[os.DirEntry[str]] = []
        subfolders: list[Path] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if not is_dir:
                files.append(entry)
            elif (
                depth < max_depth
                and not entry.name.startswith(".")
                and entry.name not in SKIPPED_DIRS
            ):
                subfolders.append(Path(entry.path))
        yield folder, files
        stack.extend((sub, depth + 1) for sub in reversed(subfolders))


def _walk(root: Path, max_depth: int = MAX_DEPTH) -> _WalkResult:
    """Bounded search for registry sources under `root`."""
    result = _WalkResult()
    for folder, files in walk_folder(root, max_depth):
        if any(entry.name.endswith(INTERFACE_SUFFIX) for entry in files):
            result.interface_dirs.append(folder)
        for entry in files:
            path = Path(entry.path)
            if entry.name == WORKSPACE_REGISTRY_PARTS[-1] and _is_workspace_registry(path):
                result.workspace_files.append(path)
            elif (
                folder.name == "registry"
                and entry.name.startswith("step_names")
                and entry.name.endswith(".py")
                and _assigns_step_names(path)
            ):
                result.core_modules.append(path)
    result.interface_dirs.sort()
    result.core_modules.sort()
    result.workspace_files.sort()
    return result


def installed_framework_sources() -> list[Path]:
    """Registry sources of a pipeline framework installed in this interpreter, found by
    location only (`find_spec` of a top-level name imports nothing)."""
    sources: list[Path] = []
    for package in FRAMEWORK_PACKAGES:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in spec.submodule_search_locations:
            base = Path(location)
            sources.extend(sorted((base / "registry").glob("step_names*.py")))
            interfaces = base / "steps" / "interfaces"
            if interfaces.is_dir():
                sources.append(interfaces)
    return sources


def workspaces_under(root: Path) -> list[Path]:
    """Workspace registry files of a configured workspaces dir: the dir itself, or its children."""
    # Anything at the registry's path counts (a folder, a FIFO, a symlink loop too): loading
    # it then reports why it cannot be read, instead of the workspace vanishing silently.
    own = workspace_registry_file(root)
    if os.path.lexists(own):
        return [own]
    try:
        children = sorted(p for p in root.iterdir() if p.is_dir())
    except OSError:
        return []
    files = (workspace_registry_file(child) for child in children)
    return [f for f in files if os.path.lexists(f)]


def discover(folder: str | Path, *, use_installed_framework: bool = True) -> RegistryLayout:
    """Decide what to load for `folder`: configured sources, else what a bounded walk finds."""
    root = real_path(folder)
    config, config_file, problems = read_config(root)
    layout = RegistryLayout(
        root=root, config=config or RegistryConfig(), config_file=config_file, problems=problems
    )
    walk: _WalkResult | None = None

    def walked() -> _WalkResult:
        nonlocal walk
        if walk is None:
            walk = _walk(root)
        return walk

    config_text = ""
    if config_file is not None:
        try:
            config_text = config_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            config_text = ""
    in_tool = config_file is not None and config_file.name == PYPROJECT

    def missing(key: str, entry: str, what: str) -> None:
        layout.problems.append(
            Problem(
                path=str(config_file),
                range=_entry_range(config_text, key, entry, in_tool),
                code="invalid-config",
                message=f"{what} '{entry}' does not exist (relative to {root})",
            )
        )

    if layout.config.core is not None:
        for entry in layout.config.core:
            path = resolve_entry(root, entry)
            if path is not None and path.exists():
                layout.core_sources.append(path)
            else:
                missing("core", entry, "Core registry source")
    else:
        found = walked()
        layout.core_sources = [*found.core_modules, *found.interface_dirs]
        if not layout.core_sources and use_installed_framework:
            layout.core_sources = installed_framework_sources()

    if layout.config.workspaces is not None:
        for entry in layout.config.workspaces:
            path = resolve_entry(root, entry)
            if path is not None and path.is_dir():
                layout.workspace_roots.append(path)
                layout.workspace_files.extend(workspaces_under(path))
            else:
                missing("workspaces", entry, "Workspaces folder")
    else:
        layout.workspace_roots = [root]
        layout.workspace_files = list(walked().workspace_files)
    return layout


def workspace_target_problem(root: Path, target: Path) -> str | None:
    """Why a new workspace must not be created at `target` in the project at `root`, if it
    must not: the project's root or a folder that holds workspaces would then be one
    workspace, and the registry would stop seeing the workspaces inside it."""
    holders = {real_path(root), *(real_path(p) for p in discover(root).workspace_roots)}
    if real_path(target) in holders:
        return (
            f"{target} is the folder that holds the workspaces; a workspace there would hide "
            "the others: choose a folder inside it"
        )
    return None
