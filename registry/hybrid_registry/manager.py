"""`UnifiedRegistryManager`: one thread-safe view of core and workspace registries.

Resolution rules
----------------
A step name is looked up in layers. In the context of workspace W:

1. W's `STEP_OVERRIDES` (an override replaces a core step for W only),
2. W's `LOCAL_STEPS`,
3. the core registry,
4. other workspaces' `LOCAL_STEPS` (visible everywhere, so a pipeline may use a colleague's
   step; when several workspaces define the name, the lowest `priority` wins, then the
   workspace id in alphabetical order, and the name is a conflict).

With no context, layers 1-2 are skipped: core first, then workspace-only names as in 4.

A name that is not a step but matches `Name_jobtype` resolves to `Name` with that job type.

A *conflict* is a name defined (locally or as an override) by two or more workspaces.

Concurrency
-----------
Files are parsed outside the lock; the results are swapped in under an `RLock`, so readers
always see either the old or the new state of a source, never a half-loaded one. Derived
caches (merged core, conflicts, legacy dicts, name lists) are rebuilt lazily after a change,
and only those a change affects are dropped.
"""

from __future__ import annotations

import bisect
import contextvars
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hybrid_registry.discovery import (
    RegistryConfig,
    RegistryLayout,
    discover,
    setting_range,
    workspaces_under,
)
from hybrid_registry.loaders import (
    INTERFACE_SUFFIX,
    WORKSPACE_REGISTRY_PARTS,
    SourceLoad,
    WorkspaceLoad,
    interface_files,
    is_table_file,
    load_python_registry,
    load_step_interface,
    load_table,
    load_workspace_registry,
    real_path,
    workspace_dir_of,
    workspace_registry_file,
)
from hybrid_registry.models import (
    RESERVED_WORKSPACE_IDS,
    ConflictAnalysis,
    ConflictType,
    Problem,
    RegistryType,
    RegistryValidationResult,
    ResolutionContext,
    ResolutionStrategy,
    Severity,
    SourceRange,
    StepDefinition,
    StepResolutionResult,
)
from hybrid_registry.utils import (
    DEFAULT_JOB_TYPES,
    SuggestionIndex,
    split_job_type,
    suggest,
    unknown_step_message,
)

ProgressCallback = Callable[[int, int, str], None]
"""(done, total, message) while loading."""

_context: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "hybrid_registry_workspace", default=None
)
CORE_KEY = "core"
WORKSPACE_REGISTRY_FILE = WORKSPACE_REGISTRY_PARTS[-1]

log = logging.getLogger(__name__)
_CORE_CACHES = ("core", "core_duplicates")
"""Caches built from the core sources alone: kept when only workspaces change."""


def _key(path: str | Path) -> str:
    return str(real_path(path))


@dataclass
class _CoreSource:
    """One configured core source: a module, a table, or a directory of interface files."""

    path: Path
    kind: str  # "python" | "table" | "interfaces"
    files: dict[str, SourceLoad] = field(default_factory=dict)

    def load_file(self, file: str, text: str | None) -> SourceLoad:
        try:
            if self.kind == "interfaces":
                return load_step_interface(file, text, source=str(self.path))
            if self.kind == "table":
                return load_table(file, text, source=str(self.path))
            return load_python_registry(file, text, source=str(self.path))
        except Exception as exc:  # our bug: this file is lost, never the whole registry
            result = SourceLoad(path=file)
            result.problems.append(_internal_error(file, exc))
            return result


def _internal_error(file: str, exc: Exception) -> Problem:
    log.exception("Reading %s failed", file)
    return Problem(
        path=file,
        code="internal-error",
        message=f"This file could not be read ({type(exc).__name__}: {exc}); "
        "please report it with the file",
    )


def _core_kind(path: Path) -> str:
    if path.is_dir():
        return "interfaces"
    return "table" if is_table_file(path) else "python"


def _as_paths(value: str | Path | Sequence[str | Path] | None) -> list[Path]:
    if value is None:
        return []
    if isinstance(value, (str, Path)):
        return [Path(value)]
    return [Path(item) for item in value]


class UnifiedRegistryManager:
    """Core + workspace registries with resolution, conflicts, caching and reloads."""

    def __init__(
        self,
        core_registry_path: str | Path | Sequence[str | Path] | None = None,
        workspaces_root: str | Path | Sequence[str | Path] | None = None,
        *,
        job_types: Iterable[str] = (),
        default_workspace: str | None = None,
        load: bool = True,
        progress: ProgressCallback | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._core_sources = [
            _CoreSource(path=real_path(p), kind=_core_kind(p))
            for p in _as_paths(core_registry_path)
        ]
        self._workspace_roots = [real_path(p) for p in _as_paths(workspaces_root)]
        self._workspaces: dict[str, WorkspaceLoad] = {}
        self._workspace_by_file: dict[str, str] = {}
        self._rejected_workspaces: dict[str, WorkspaceLoad] = {}
        self._config_problems: list[Problem] = []
        self._overlays: dict[str, str] = {}
        self._reload_seq: dict[str, int] = {}
        self._forced_ids: dict[str, str] = {}
        """Workspace files added with an explicit id (`add_workspace_registry`)."""
        self.configured_job_types: tuple[str, ...] = tuple(job_types)
        self.default_workspace = default_workspace
        self.step_name_calls: tuple[str, ...] = ()
        self.root: Path | None = None
        self.config_file: Path | None = None
        self._generation = 0
        self._loaded = False
        self._caches: dict[str, Any] = {}
        self._suggestion_index = SuggestionIndex()
        self._touched: dict[int, frozenset[str] | None] = {}
        self._discovered_workspace_files: list[str] | None = None
        if load:
            self.load(progress)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_layout(
        cls, layout: RegistryLayout, *, load: bool = True, progress: ProgressCallback | None = None
    ) -> UnifiedRegistryManager:
        manager = cls(
            layout.core_sources,
            layout.workspace_roots,
            job_types=layout.config.job_types,
            default_workspace=layout.config.default_workspace,
            load=False,
        )
        manager.root = layout.root
        manager.config_file = layout.config_file
        manager.step_name_calls = tuple(layout.config.step_name_calls)
        manager._config_problems = list(layout.problems)
        manager._discovered_workspace_files = [_key(f) for f in layout.workspace_files]
        if load:
            manager.load(progress)
        return manager

    @classmethod
    def from_folder(
        cls, path: str | Path, *, load: bool = True, progress: ProgressCallback | None = None
    ) -> UnifiedRegistryManager:
        """Discover the folder's configuration and sources, then load them."""
        return cls.from_layout(discover(path), load=load, progress=progress)

    @property
    def config(self) -> RegistryConfig:
        return RegistryConfig(
            core=[str(s.path) for s in self._core_sources],
            workspaces=[str(p) for p in self._workspace_roots],
            default_workspace=self.default_workspace,
            step_name_calls=list(self.step_name_calls),
            job_types=list(self.configured_job_types),
        )

    # ------------------------------------------------------------------ loading
    def _workspace_files_to_load(self) -> list[str]:
        if self._discovered_workspace_files is not None:
            files = list(self._discovered_workspace_files)
        else:
            files = [_key(f) for root in self._workspace_roots for f in workspaces_under(root)]
        files.extend(f for f in self._forced_ids if f not in files)
        return files

    def _load_workspace(self, file_key: str, text: str | None) -> WorkspaceLoad:
        """Read a workspace registry file, applying an id given to `add_workspace_registry`."""
        try:
            workspace = load_workspace_registry(file_key, text)
        except Exception as exc:  # our bug: this workspace is lost, never the whole registry
            directory = workspace_dir_of(file_key)
            workspace = WorkspaceLoad(
                workspace_id=directory.name, directory=str(directory), file=file_key
            )
            workspace.problems.append(_internal_error(file_key, exc))
        forced = self._forced_ids.get(file_key)
        if forced is not None and forced != workspace.workspace_id:
            workspace.workspace_id = forced
            for table in (workspace.local_steps, workspace.overrides):
                for name, definition in table.items():
                    table[name] = definition.model_copy(update={"workspace_id": forced})
        return workspace

    def load(self, progress: ProgressCallback | None = None) -> None:
        """(Re)load every source. Parsing happens outside the lock; the swap is atomic."""
        jobs: list[tuple[_CoreSource | None, str]] = []
        for core_source in self._core_sources:
            if core_source.kind == "interfaces":
                jobs.extend((core_source, f) for f in interface_files(core_source.path))
            else:
                jobs.append((core_source, str(core_source.path)))
        with self._lock:
            workspace_files = self._workspace_files_to_load()
            overlays = dict(self._overlays)
        jobs.extend((None, f) for f in workspace_files)
        total = len(jobs)
        core_files: dict[int, dict[str, SourceLoad]] = {id(s): {} for s in self._core_sources}
        workspaces: list[WorkspaceLoad] = []
        for done, (source, file) in enumerate(jobs):
            if progress is not None and (done % 200 == 0):
                progress(done, total, f"Loading {Path(file).name}")
            text = overlays.get(file)
            if source is None:
                workspaces.append(self._load_workspace(file, text))
            else:
                core_files[id(source)][file] = source.load_file(file, text)
        with self._lock:
            for source in self._core_sources:
                source.files = core_files[id(source)]
            self._workspaces.clear()
            self._workspace_by_file.clear()
            self._rejected_workspaces.clear()
            for workspace in workspaces:
                self._install_workspace(workspace)
            self._loaded = True
            self._changed(everything=True)
        if progress is not None:
            progress(total, total, "Registry loaded")

    def _install_workspace(self, workspace: WorkspaceLoad) -> None:
        """Add a loaded workspace; a second folder claiming the same id is rejected."""
        file_key = _key(workspace.file)
        if workspace.workspace_id in RESERVED_WORKSPACE_IDS:
            workspace.problems.append(
                Problem(
                    path=workspace.file,
                    code="invalid-value",
                    message=(
                        f"Workspace id '{workspace.workspace_id}' is reserved for the core "
                        "registry; this workspace is ignored. Set "
                        "WORKSPACE_METADATA['developer_id'] to another id"
                    ),
                )
            )
            self._rejected_workspaces[file_key] = workspace
            return
        existing = self._workspaces.get(workspace.workspace_id)
        if existing is not None and _key(existing.file) != file_key:
            workspace.problems.append(
                Problem(
                    path=workspace.file,
                    code="duplicate-workspace",
                    message=(
                        f"Workspace id '{workspace.workspace_id}' is already used by "
                        f"{existing.file}; this workspace is ignored. Set a unique "
                        "WORKSPACE_METADATA['developer_id']"
                    ),
                )
            )
            self._rejected_workspaces[file_key] = workspace
            return
        self._rejected_workspaces.pop(file_key, None)
        self._workspaces[workspace.workspace_id] = workspace
        self._workspace_by_file[file_key] = workspace.workspace_id

    def _remove_workspace_file(self, file_key: str) -> str | None:
        self._rejected_workspaces.pop(file_key, None)
        workspace_id = self._workspace_by_file.pop(file_key, None)
        if workspace_id is not None:
            self._workspaces.pop(workspace_id, None)
        return workspace_id

    def _changed(self, *, everything: bool = False, core: bool = False) -> None:
        """Drop caches a change affects; `core` changes also drop the merged core table."""
        self._generation += 1
        self._touched[self._generation] = None  # unknown: anything may have changed
        self._touched.pop(self._generation - 16, None)
        if everything or core:
            self._caches.clear()
        else:
            for key in [k for k in self._caches if k not in _CORE_CACHES]:
                del self._caches[key]

    def _workspaces_changed(self, before: dict[str, WorkspaceLoad]) -> None:
        """After workspaces were replaced: patch the name indexes for the names they define
        instead of rebuilding them (a reload must not cost a pass over every workspace)."""
        after = self._workspaces
        changed = {i for i in set(before) | set(after) if before.get(i) is not after.get(i)}
        index: dict[str, list[StepDefinition]] | None = self._caches.get("workspace_index")
        local: dict[str, list[StepDefinition]] | None = self._caches.get("local_index")
        names: tuple[str, ...] | None = self._caches.get("names")
        conflicts: dict[str, list[StepDefinition]] | None = self._caches.get("conflicts")
        directories: dict[str, str] | None = self._caches.get("workspace_dirs")
        self._changed()
        same_folders = all(
            (before.get(i) is None) == (after.get(i) is None)
            and (before[i].directory == after[i].directory if i in before else True)
            for i in changed
        )
        if directories is not None and same_folders:
            self._caches["workspace_dirs"] = directories
        if index is None or local is None:
            return
        touched: set[str] = set()
        for workspace_id in changed:
            for workspace in (before.get(workspace_id), after.get(workspace_id)):
                if workspace is not None:
                    touched.update(workspace.local_steps, workspace.overrides)
        core = self._core_table()
        visible = list(names) if names is not None else None
        for name in touched:
            definitions = [d for d in index.get(name, ()) if d.workspace_id not in changed]
            for workspace_id in changed:
                workspace = after.get(workspace_id)
                if workspace is None:
                    continue
                for table in (workspace.overrides, workspace.local_steps):
                    if name in table:
                        definitions.append(table[name])
            definitions.sort(key=_preference)
            _set_or_drop(index, name, definitions)
            _set_or_drop(
                local,
                name,
                [d for d in definitions if d.registry_type is RegistryType.WORKSPACE],
            )
            if conflicts is not None:
                owners = {d.workspace_id for d in definitions}
                _set_or_drop(conflicts, name, list(definitions) if len(owners) > 1 else [])
            if visible is not None:
                position = bisect.bisect_left(visible, name)
                was_visible = position < len(visible) and visible[position] == name
                is_visible = name in core or name in local
                if is_visible and not was_visible:
                    visible.insert(position, name)
                elif was_visible and not is_visible:
                    del visible[position]
        self._touched[self._generation] = frozenset(touched)
        self._caches["workspace_index"] = index
        self._caches["local_index"] = local
        if conflicts is not None:
            self._caches["conflicts"] = conflicts
        if visible is not None:
            self._caches["names"] = (
                names
                if len(visible) == len(names or ()) and tuple(visible) == names
                else tuple(visible)
            )

    def names_changed_since(self, generation: int) -> frozenset[str] | None:
        """The step names whose definitions may differ from those at `generation`; None when
        that is unknown (a core change, a full load, or too long ago)."""
        with self._lock:
            changed: set[str] = set()
            for step in range(generation + 1, self._generation + 1):
                touched = self._touched.get(step)
                if touched is None:
                    return None
                changed |= touched
            return frozenset(changed)

    @property
    def generation(self) -> int:
        """Increases on every change; callers may key their own caches on it."""
        return self._generation

    @property
    def loaded(self) -> bool:
        return self._loaded

    def source_for_path(self, path: str | Path) -> str | None:
        """`core` or a workspace id when `path` is one of the registry's files, else None."""
        file_key = _key(path)
        with self._lock:
            if file_key in self._workspace_by_file:
                return self._workspace_by_file[file_key]
            if file_key in self._rejected_workspaces:
                return self._rejected_workspaces[file_key].workspace_id
            if self._core_source_of(file_key) is not None:
                return CORE_KEY
            if self._is_new_workspace_file(Path(file_key)):
                return workspace_dir_of(file_key).name
        return None

    def _core_source_of(self, file_key: str) -> _CoreSource | None:
        for source in self._core_sources:
            if source.kind == "interfaces":
                if file_key.endswith(INTERFACE_SUFFIX) and str(Path(file_key).parent) == str(
                    source.path
                ):
                    return source
            elif str(source.path) == file_key:
                return source
        return None

    def _is_new_workspace_file(self, path: Path) -> bool:
        if str(path) in self._forced_ids:
            return True
        if path.name != WORKSPACE_REGISTRY_FILE or len(path.parts) <= len(WORKSPACE_REGISTRY_PARTS):
            return False
        if workspace_registry_file(workspace_dir_of(path)) != path:
            return False
        directory = workspace_dir_of(path)
        return any(directory == root or root in directory.parents for root in self._workspace_roots)

    def reload_source(self, path: str | Path, text: str | None = None) -> set[str]:
        """Reload one file (changed, created or deleted on disk, or `text` = unsaved contents).

        Passing `text` keeps it as an overlay until the file is reloaded without text.
        Returns the affected keys (`core` and/or workspace ids); empty if the file is not part
        of the registry.
        """
        file_key = _key(path)
        with self._lock:
            if text is None:
                self._overlays.pop(file_key, None)
            else:
                self._overlays[file_key] = text
            # Parsing happens outside the lock: when two reloads of one file overlap, only the
            # latest one installs its result.
            sequence = self._reload_seq.get(file_key, 0) + 1
            self._reload_seq[file_key] = sequence
            source = self._core_source_of(file_key)
            known = file_key in self._workspace_by_file or file_key in self._rejected_workspaces
            is_new = not known and self._is_new_workspace_file(Path(file_key))
        exists = text is not None or Path(file_key).is_file()
        if source is not None:
            loaded = source.load_file(file_key, text) if exists else None
            with self._lock:
                if self._reload_seq.get(file_key) != sequence:
                    return {CORE_KEY}
                if loaded is None:
                    source.files.pop(file_key, None)
                    if source.kind != "interfaces":
                        # A vanished module/table: keep a visible trace of why steps are gone.
                        source.files[file_key] = SourceLoad(
                            path=file_key,
                            problems=[
                                Problem(
                                    path=file_key,
                                    code="unreadable-file",
                                    message="Core registry file was deleted",
                                )
                            ],
                        )
                else:
                    source.files[file_key] = loaded
                self._changed(core=True)
            return {CORE_KEY}
        if not (known or is_new):
            return set()
        workspace = self._load_workspace(file_key, text) if exists else None
        with self._lock:
            affected: set[str] = set()
            if self._reload_seq.get(file_key) != sequence:
                current = self._workspace_by_file.get(file_key)
                return {current} if current else affected
            before = dict(self._workspaces)
            old = self._remove_workspace_file(file_key)
            if old is not None:
                affected.add(old)
            if workspace is not None:
                self._install_workspace(workspace)
                affected.add(workspace.workspace_id)
            self._retry_rejected()
            self._workspaces_changed(before)
            return affected

    def _retry_rejected(self) -> None:
        for workspace in list(self._rejected_workspaces.values()):
            reserved = workspace.workspace_id in RESERVED_WORKSPACE_IDS  # rejected for good
            if not reserved and workspace.workspace_id not in self._workspaces:
                workspace.problems = [
                    p for p in workspace.problems if p.code != "duplicate-workspace"
                ]
                self._install_workspace(workspace)

    def registry_files(self) -> list[str]:
        """Every file the registry was read from (for file watchers)."""
        with self._lock:
            files: list[str] = []
            for source in self._core_sources:
                files.extend(source.files)
            files.extend(self._workspace_by_file)
            files.extend(self._rejected_workspaces)
            return files

    def watch_patterns(self) -> list[str]:
        """Glob patterns (absolute) covering the registry's sources, for file watchers."""
        with self._lock:
            patterns: list[str] = []
            for source in self._core_sources:
                if source.kind == "interfaces":
                    patterns.append(str(source.path / f"*{INTERFACE_SUFFIX}"))
                else:
                    patterns.append(str(source.path))
            for root in self._workspace_roots:
                patterns.append(str(root / "**" / "workspace_registry.py"))
            return patterns

    # ------------------------------------------------------------------ workspace management
    def add_workspace_registry(self, workspace_id: str, path: str | Path) -> None:
        """Add (or replace) a workspace from its folder or its registry file.

        The workspace keeps `workspace_id` (whatever its metadata says) through reloads.
        """
        file = Path(path)
        if file.is_dir():
            file = workspace_registry_file(file)
        file_key = _key(file)
        with self._lock:
            self._forced_ids[file_key] = workspace_id
            text = self._overlays.get(file_key)
        workspace = self._load_workspace(file_key, text)
        with self._lock:
            self._remove_workspace_file(file_key)
            replaced = self._workspaces.pop(workspace_id, None)
            if replaced is not None:
                self._workspace_by_file.pop(_key(replaced.file), None)
            self._install_workspace(workspace)
            self._changed()

    def remove_workspace_registry(self, workspace_id: str) -> bool:
        with self._lock:
            workspace = self._workspaces.pop(workspace_id, None)
            if workspace is None:
                return False
            file_key = _key(workspace.file)
            self._workspace_by_file.pop(file_key, None)
            self._forced_ids.pop(file_key, None)
            self._retry_rejected()
            self._changed()
            return True

    def list_workspaces(self) -> list[str]:
        with self._lock:
            return sorted(self._workspaces)

    def get_workspace(self, workspace_id: str) -> WorkspaceLoad | None:
        with self._lock:
            return self._workspaces.get(workspace_id)

    def workspace_for_path(self, path: str | Path) -> str | None:
        """The workspace whose folder contains `path` (the innermost one), if any.

        A dictionary walk up the path's parents (editors ask on every request)."""
        target = Path(path)
        if not target.is_absolute():
            target = real_path(target)

        def build() -> dict[str, str]:
            return {
                os.path.normcase(str(Path(w.directory))): workspace_id
                for workspace_id, w in self._workspaces.items()
            }

        directories: dict[str, str] = self._cached("workspace_dirs", build)
        for folder in (target, *target.parents):
            found = directories.get(os.path.normcase(str(folder)))
            if found is not None:
                return found
        return None

    # ------------------------------------------------------------------ context
    def set_workspace_context(self, workspace_id: str | None) -> None:
        _context.set(workspace_id)

    def get_workspace_context(self) -> str | None:
        return _context.get()

    def clear_workspace_context(self) -> None:
        _context.set(None)

    @contextmanager
    def resolution_context(self, workspace_id: str | None) -> Iterator[UnifiedRegistryManager]:
        token = _context.set(workspace_id)
        try:
            yield self
        finally:
            _context.reset(token)

    def _context_id(self, workspace_id: str | None) -> str | None:
        return workspace_id if workspace_id is not None else _context.get()

    # ------------------------------------------------------------------ derived indexes
    def _cached(self, key: str, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._caches:
                self._caches[key] = build()
            return self._caches[key]

    def _core_table(self) -> dict[str, StepDefinition]:
        def build() -> dict[str, StepDefinition]:
            merged: dict[str, StepDefinition] = {}
            for source in self._core_sources:
                for load in source.files.values():
                    merged.update(load.definitions)
            return merged

        result: dict[str, StepDefinition] = self._cached("core", build)
        return result

    def _core_duplicate_problems(self) -> list[Problem]:
        """A name two core files define: the later file's definition wins, silently in
        Python; say so where it is defined."""

        def build() -> list[Problem]:
            first: dict[str, StepDefinition] = {}
            problems: list[Problem] = []
            for source in self._core_sources:
                for load in source.files.values():
                    for name, definition in load.definitions.items():
                        earlier = first.setdefault(name, definition)
                        if earlier is definition or definition.location is None:
                            continue
                        where = f" ({earlier.location.display()})" if earlier.location else ""
                        problems.append(
                            Problem.at(
                                definition.location,
                                "duplicate-key",
                                f"Step '{name}' is also defined in another core file{where}; "
                                "this later definition wins",
                                Severity.WARNING,
                            )
                        )
                        first[name] = definition
            return problems

        result: list[Problem] = self._cached("core_duplicates", build)
        return result

    def _workspace_index(self) -> dict[str, list[StepDefinition]]:
        """name -> every workspace definition (local and override), best first."""

        def build() -> dict[str, list[StepDefinition]]:
            index: dict[str, list[StepDefinition]] = {}
            for workspace_id in sorted(self._workspaces):
                workspace = self._workspaces[workspace_id]
                for table in (workspace.overrides, workspace.local_steps):
                    for name, definition in table.items():
                        index.setdefault(name, []).append(definition)
            for definitions in index.values():
                definitions.sort(key=_preference)
            return index

        result: dict[str, list[StepDefinition]] = self._cached("workspace_index", build)
        return result

    def _local_index(self) -> dict[str, list[StepDefinition]]:
        """name -> workspace `LOCAL_STEPS` definitions, best first (layer 4)."""

        def build() -> dict[str, list[StepDefinition]]:
            index: dict[str, list[StepDefinition]] = {}
            for name, definitions in self._workspace_index().items():
                local = [d for d in definitions if d.registry_type is RegistryType.WORKSPACE]
                if local:
                    index[name] = local
            return index

        result: dict[str, list[StepDefinition]] = self._cached("local_index", build)
        return result

    def step_names(self) -> tuple[str, ...]:
        """Every visible step name, sorted (the same set in every context)."""

        def build() -> tuple[str, ...]:
            return tuple(sorted(set(self._core_table()) | set(self._local_index())))

        result: tuple[str, ...] = self._cached("names", build)
        return result

    def names_with_prefix(self, prefix: str) -> list[str]:
        """Sorted names starting with `prefix` (binary search on the sorted name list)."""
        names = self.step_names()
        start = bisect.bisect_left(names, prefix)
        end = bisect.bisect_left(names, prefix + "\U0010ffff")
        return list(names[start:end])

    # ------------------------------------------------------------------ resolution
    def resolve_chain(self, name: str, workspace_id: str | None = None) -> list[StepDefinition]:
        """Every layer defining `name` in this context, the winner first."""
        context = self._context_id(workspace_id)
        with self._lock:
            chain: list[StepDefinition] = []
            workspace = self._workspaces.get(context) if context else None
            if workspace is not None:
                for table in (workspace.overrides, workspace.local_steps):
                    if name in table:
                        chain.append(table[name])
            core = self._core_table().get(name)
            if core is not None:
                chain.append(core)
            for definition in self._local_index().get(name, ()):
                if definition.workspace_id != context:
                    chain.append(definition)
            return chain

    def _layers(self, context: str | None) -> _Layers:
        """The tables a name is looked up in, in this context (call holding the lock)."""
        workspace = self._workspaces.get(context) if context else None
        return _Layers(
            overrides=workspace.overrides if workspace is not None else {},
            local=workspace.local_steps if workspace is not None else {},
            core=self._core_table(),
            others=self._local_index(),
        )

    def _lookup(self, name: str, context: str | None) -> StepDefinition | None:
        return self._layers(context).lookup(name)

    def resolve_base(
        self, name: str, workspace_id: str | None = None
    ) -> tuple[StepDefinition, str, str | None] | None:
        """(winning definition, registry name, job type or None) of a node name: `Name_job`
        splits into `Name` and `job` when `Name_job` itself is no step; None when unknown."""
        with self._lock:
            return self._layers(self._context_id(workspace_id)).resolve(name)

    def resolve_names(
        self, names: Iterable[str], workspace_id: str | None = None
    ) -> dict[str, tuple[StepDefinition, str, str | None, list[StepDefinition]] | None]:
        """Resolve many node names under one lock, the tables looked up once: name ->
        (winning definition, base name, job type or None, the base's conflicting
        definitions), or None when unknown. Same rules as `resolve`."""
        result: dict[str, tuple[StepDefinition, str, str | None, list[StepDefinition]] | None]
        result = {}
        with self._lock:
            layers = self._layers(self._context_id(workspace_id))
            every = self._workspace_index()
            for name in names:
                found = layers.resolve(name)
                result[name] = (
                    None if found is None else (*found, _conflicting(every.get(found[1])))
                )
        return result

    def get_step_definition(
        self, name: str, workspace_id: str | None = None
    ) -> StepDefinition | None:
        """The winning definition of an exact step name (no job-type splitting)."""
        with self._lock:
            return self._lookup(name, self._context_id(workspace_id))

    def resolve(self, name: str, workspace_id: str | None = None) -> StepResolutionResult:
        """Resolve a node name (with an optional job-type suffix) in a workspace context."""
        context = self._context_id(workspace_id)
        with self._lock:
            found = self._layers(context).resolve(name)
            if found is None:
                suggestions = self.suggestions(name)
                return StepResolutionResult(
                    step_name=name,
                    resolved=False,
                    errors=[unknown_step_message(name, suggestions)],
                    suggestions=suggestions,
                )
            definition, base, job_type = found
            conflicts = self.conflicts_of(base)
            warnings = []
            if conflicts:
                owners = ", ".join(sorted({d.workspace_id or "" for d in conflicts}))
                warnings.append(f"Step '{base}' is defined by several workspaces: {owners}")
            strategy = (
                ResolutionStrategy.WORKSPACE_PRIORITY
                if definition.registry_type is not RegistryType.CORE
                else ResolutionStrategy.CORE_FALLBACK
            )
            return StepResolutionResult(
                step_name=name,
                resolved=True,
                selected_definition=definition,
                base_name=base,
                job_type=job_type,
                source_registry=definition.workspace_id or CORE_KEY,
                resolution_strategy=strategy,
                conflict_detected=bool(conflicts),
                conflicting_definitions=conflicts,
                warnings=warnings,
            )

    def get_step(self, name: str, context: ResolutionContext | None = None) -> StepResolutionResult:
        return self.resolve(name, context.workspace_id if context else None)

    def suggestion_index(self) -> SuggestionIndex:
        """The "did you mean" index of the current names (built once, then patched).

        Call it after a load, in the loading thread, to have it ready for diagnostics."""
        names = self.step_names()
        with self._lock:
            self._suggestion_index.update(names)
            return self._suggestion_index

    def suggestions(self, name: str, limit: int = 3) -> list[str]:
        """Close matches among all step names (and `Name_jobtype` for a misspelled base)."""
        index = self.suggestion_index()
        split = split_job_type(name)
        found: list[str] = []
        if split is not None:
            # `Naem_training` -> `Name_training`: keep the job type the user wrote.
            found += [f"{base}_{split[1]}" for base in index.suggest(split[0], limit)]
        bases = {f.rsplit("_", 1)[0] for f in found}
        found += [n for n in index.suggest(name, limit) if n not in bases]
        return list(dict.fromkeys(found))[:limit]

    def has_step(self, name: str, workspace_id: str | None = None) -> bool:
        return self.get_step_definition(name, workspace_id) is not None

    def get_all_step_definitions(
        self, workspace_id: str | None = None
    ) -> dict[str, StepDefinition]:
        context = self._context_id(workspace_id)
        with self._lock:
            result: dict[str, StepDefinition] = {}
            for name in self.step_names():
                definition = self._lookup(name, context)
                if definition is not None:
                    result[name] = definition
            workspace = self._workspaces.get(context) if context else None
            if workspace is not None:
                # Overrides of names the core lacks are still visible in their own workspace.
                for name, definition in workspace.overrides.items():
                    result.setdefault(name, definition)
            return result

    def get_local_only_definitions(self, workspace_id: str) -> dict[str, StepDefinition]:
        """A workspace's own definitions: its local steps and its overrides."""
        with self._lock:
            workspace = self._workspaces.get(workspace_id)
            if workspace is None:
                return {}
            return {**workspace.local_steps, **workspace.overrides}

    def list_steps(self, workspace_id: str | None = None) -> list[str]:
        return list(self.step_names())

    def list_all_steps(self, include_source: bool = False) -> list[str] | dict[str, list[str]]:
        with self._lock:
            if not include_source:
                return list(self.step_names())
            result: dict[str, list[str]] = {CORE_KEY: sorted(self._core_table())}
            for workspace_id in sorted(self._workspaces):
                result[workspace_id] = sorted(self.get_local_only_definitions(workspace_id))
            return result

    def get_step_count(self, workspace_id: str | None = None) -> int:
        return len(self.step_names())

    def create_legacy_step_names_dict(
        self, workspace_id: str | None = None
    ) -> dict[str, dict[str, Any]]:
        with self._lock:
            context = self._context_id(workspace_id)
            if context not in self._workspaces:
                context = None  # an unknown id resolves like no context: share its cache

            def build() -> dict[str, dict[str, Any]]:
                definitions = self.get_all_step_definitions(context)
                return {name: d.to_legacy_format() for name, d in definitions.items()}

            result: dict[str, dict[str, Any]] = self._cached(f"legacy:{context}", build)
        return {
            name: {key: list(v) if isinstance(v, list) else v for key, v in row.items()}
            for name, row in result.items()
        }

    def job_types_for(self, name: str, workspace_id: str | None = None) -> list[str]:
        """Job types declared for a step (empty when the registry says nothing)."""
        definition = self.get_step_definition(name, workspace_id)
        return list(definition.job_types) if definition else []

    def known_job_types(self) -> list[str]:
        """Configured job types, else the usual ones, plus any a step declares."""

        def build() -> list[str]:
            found = list(self.configured_job_types or DEFAULT_JOB_TYPES)
            for definition in self._core_table().values():
                found.extend(definition.job_types)
            for definitions in self._workspace_index().values():
                for definition in definitions:
                    found.extend(definition.job_types)
            return list(dict.fromkeys(found))

        result: list[str] = self._cached("job_types", build)
        return list(result)

    # ------------------------------------------------------------------ conflicts
    def get_step_conflicts(self) -> dict[str, list[StepDefinition]]:
        """Names defined (locally or as an override) by two or more workspaces."""

        def build() -> dict[str, list[StepDefinition]]:
            return {
                name: list(definitions)
                for name, definitions in self._workspace_index().items()
                if len({d.workspace_id for d in definitions}) > 1
            }

        result: dict[str, list[StepDefinition]] = self._cached("conflicts", build)
        return {name: list(defs) for name, defs in result.items()}

    def conflicts_of(self, name: str) -> list[StepDefinition]:
        with self._lock:
            return _conflicting(self._workspace_index().get(name))

    def definitions_of(self, name: str) -> list[StepDefinition]:
        """Every definition of `name` in every layer: core, then each workspace's (best first)."""
        with self._lock:
            core = self._core_table().get(name)
            return [*([core] if core is not None else []), *self._workspace_index().get(name, [])]

    def analyze_conflicts(self) -> list[ConflictAnalysis]:
        analyses = []
        for name, definitions in sorted(self.get_step_conflicts().items()):
            frameworks = {d.framework for d in definitions if d.framework}
            conflict_type = (
                ConflictType.FRAMEWORK_CONFLICT
                if len(frameworks) > 1
                else ConflictType.NAME_CONFLICT
            )
            analyses.append(
                ConflictAnalysis(
                    step_name=name,
                    conflicting_definitions=definitions,
                    conflict_type=conflict_type,
                    workspaces=sorted({d.workspace_id or "" for d in definitions}),
                    resolution_strategies=[
                        ResolutionStrategy.WORKSPACE_PRIORITY,
                        ResolutionStrategy.HIGHEST_PRIORITY,
                    ],
                    recommended_strategy=ResolutionStrategy.WORKSPACE_PRIORITY,
                )
            )
        return analyses

    # ------------------------------------------------------------------ problems and status
    def _default_workspace_problems(self) -> list[Problem]:
        """A default workspace that names no loaded workspace resolves like no context."""
        wanted = self.default_workspace
        if not wanted or wanted in self._workspaces or not self._loaded:
            return []
        known = ", ".join(sorted(self._workspaces)) or "none"
        path = self.config_file or self.root
        rng = SourceRange()
        if self.config_file is not None:
            try:
                text = self.config_file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
            rng = setting_range(
                text, "default-workspace", self.config_file.name == "pyproject.toml"
            )
        return [
            Problem(
                path=str(path or "."),
                range=rng,
                severity=Severity.WARNING,
                code="invalid-config",
                message=(
                    f"Default workspace '{wanted}' is not a loaded workspace (known: {known}); "
                    "files outside a workspace resolve with no workspace context"
                ),
            )
        ]

    def get_problems(self) -> dict[str, list[Problem]]:
        """All load and configuration problems, by file."""
        with self._lock:
            by_file: dict[str, list[Problem]] = {}
            problems: list[Problem] = list(self._config_problems)
            for source in self._core_sources:
                for load in source.files.values():
                    problems.extend(load.problems)
            for workspace in (*self._workspaces.values(), *self._rejected_workspaces.values()):
                problems.extend(workspace.problems)
            problems.extend(self._core_duplicate_problems())
            problems.extend(self._override_problems())
            problems.extend(self._default_workspace_problems())
            for source in self._core_sources:
                if source.kind == "interfaces" and not source.files:
                    problems.append(
                        Problem(
                            path=str(source.path),
                            severity=Severity.WARNING,
                            code="empty-source",
                            message=f"Core registry folder {source.path} holds no "
                            f"*{INTERFACE_SUFFIX} files; it adds no steps",
                        )
                    )
            for problem in problems:
                by_file.setdefault(problem.path, []).append(problem)
            return by_file

    def _override_problems(self) -> list[Problem]:
        """Overrides of names the core registry does not define (usually a typo)."""

        def build() -> list[Problem]:
            core = self._core_table()
            found = []
            for workspace in self._workspaces.values():
                for name, definition in workspace.overrides.items():
                    if name in core or definition.location is None:
                        continue
                    close = suggest(name, core.keys(), 1)
                    hint = f" Did you mean '{close[0]}'?" if close else ""
                    found.append(
                        Problem.at(
                            definition.location,
                            "unknown-override",
                            f"STEP_OVERRIDES entry '{name}' overrides no core step; "
                            f"it applies in workspace {workspace.workspace_id} only.{hint}",
                            Severity.WARNING,
                        )
                    )
            return found

        result: list[Problem] = self._cached("override_problems", build)
        return list(result)

    def all_problems(self) -> list[Problem]:
        return [p for problems in self.get_problems().values() for p in problems]

    def validate_registry(self) -> RegistryValidationResult:
        problems = self.all_problems()
        errors = [p.format() for p in problems if p.severity is Severity.ERROR]
        warnings = [p.format() for p in problems if p.severity is not Severity.ERROR]
        return RegistryValidationResult(
            is_valid=not errors,
            issues=errors,
            warnings=warnings,
            problems=problems,
            step_count=self.get_step_count(),
        )

    def get_registry_status(self) -> dict[str, dict[str, Any]]:
        """Status keyed by `core` and by each workspace id."""
        with self._lock:
            core_problems = sum(
                len(load.problems) for s in self._core_sources for load in s.files.values()
            )
            status: dict[str, dict[str, Any]] = {
                CORE_KEY: {
                    "registry_type": RegistryType.CORE.value,
                    "loaded": self._loaded,
                    "step_count": len(self._core_table()),
                    "sources": [str(s.path) for s in self._core_sources],
                    "problem_count": core_problems,
                }
            }
            for workspace_id in sorted(self._workspaces):
                workspace = self._workspaces[workspace_id]
                status[workspace_id] = {
                    "registry_type": RegistryType.WORKSPACE.value,
                    "loaded": True,
                    "path": workspace.directory,
                    "file": workspace.file,
                    "local_step_count": len(workspace.local_steps),
                    "override_count": len(workspace.overrides),
                    "step_count": len(workspace.local_steps) + len(workspace.overrides),
                    "metadata": dict(workspace.metadata),
                    "problem_count": len(workspace.problems),
                }
            return status

    # ------------------------------------------------------------------ cache control
    def clear_component_cache(self) -> None:
        with self._lock:
            self._caches.clear()

    def clear_builder_class_cache(self) -> None:
        """Kept for API compatibility: builder classes are never imported here."""
        with self._lock:
            self._caches = {k: v for k, v in self._caches.items() if not k.startswith("legacy:")}


def _set_or_drop(
    table: dict[str, list[StepDefinition]], name: str, definitions: list[StepDefinition]
) -> None:
    if definitions:
        table[name] = definitions
    else:
        table.pop(name, None)


@dataclass(frozen=True)
class _Layers:
    """Where a name is looked up, best first: the context workspace's overrides and local
    steps, core, then other workspaces' local steps (see the module docstring)."""

    overrides: dict[str, StepDefinition]
    local: dict[str, StepDefinition]
    core: dict[str, StepDefinition]
    others: dict[str, list[StepDefinition]]

    def lookup(self, name: str) -> StepDefinition | None:
        found = self.overrides.get(name) or self.local.get(name) or self.core.get(name)
        if found is None:
            candidates = self.others.get(name)
            found = candidates[0] if candidates else None
        return found

    def resolve(self, name: str) -> tuple[StepDefinition, str, str | None] | None:
        """(definition, registry name, job type) of a node name, splitting `Name_job`."""
        definition = self.lookup(name)
        if definition is not None:
            return definition, name, None
        split = split_job_type(name)
        if split is not None:
            definition = self.lookup(split[0])
            if definition is not None:
                return definition, split[0], split[1]
        return None


def _conflicting(definitions: list[StepDefinition] | None) -> list[StepDefinition]:
    """The workspace definitions of one name when several workspaces define it, else []."""
    if definitions and len(definitions) > 1 and len({d.workspace_id for d in definitions}) > 1:
        return list(definitions)
    return []


def _preference(definition: StepDefinition) -> tuple[int, int, str]:
    """Order among workspace definitions: lower priority, then overrides first, then id."""
    is_override = 0 if definition.registry_type is RegistryType.OVERRIDE else 1
    return (definition.priority, is_override, definition.workspace_id or "")
