"""Per-folder and per-document state of the server, independent of the LSP transport."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hybrid_registry.loaders import split_lines
from hybrid_registry.manager import UnifiedRegistryManager
from hybrid_registry.models import Problem
from registry_lsp.analysis import DocumentAnalysis, DocumentAnalyzer
from registry_lsp.config import ServerSettings, layout_for
from registry_lsp.constants import UNKNOWN_STEP
from registry_lsp.features.completion import NameIndex
from registry_lsp.features.context import FeatureContext, Finding
from registry_lsp.features.diagnostics import (
    NameFindings,
    apply_settings,
    document_findings,
    registry_file_findings,
)
from registry_lsp.files import LazyFolderIndex

WORKSPACE_ENV = "CURSUS_WORKSPACE_ID"
CacheKey = tuple[UnifiedRegistryManager, int, tuple[str, ...]]
"""Derived caches belong to one registry state: (manager, its generation, step-name calls)."""


@dataclass
class FolderState:
    """One workspace folder: its settings, registry and derived indexes."""

    root: Path
    settings: ServerSettings = field(default_factory=ServerSettings)
    manager: UnifiedRegistryManager | None = None
    loading: bool = False
    load_serial: int = 0
    """Counts loads; only the latest one may install its registry."""
    load_error: str | None = None
    index: LazyFolderIndex = field(init=False)
    _names: tuple[CacheKey, NameIndex] | None = None
    _memo: tuple[CacheKey, dict[tuple[str | None, str], NameFindings]] | None = None

    def __post_init__(self) -> None:
        self.index = LazyFolderIndex(self.root)

    def build_manager(self, progress: Any = None) -> UnifiedRegistryManager:
        """Discover and load the registry (slow: call from a worker thread)."""
        layout = layout_for(self.root, self.settings)
        manager = UnifiedRegistryManager.from_layout(layout, progress=progress)
        manager.suggestion_index()  # ready before the first diagnostics need it
        return manager

    def step_name_calls(self) -> tuple[str, ...]:
        calls = list(self.settings.step_name_calls)
        if self.manager is not None:
            calls.extend(self.manager.step_name_calls)
        return tuple(dict.fromkeys(calls))

    def name_index(self) -> NameIndex:
        key = self._cache_key()
        if self._names is None or self._names[0] != key:
            assert self.manager is not None
            self._names = (key, NameIndex(self.manager.step_names()))
        return self._names[1]

    def diagnostics_memo(self) -> dict[tuple[str | None, str], NameFindings]:
        """Findings per (context, name), kept across registry changes for the names a change
        did not touch (a reload must not re-resolve a whole 2,000-line file)."""
        assert self.manager is not None
        key = self._cache_key()
        if self._memo is not None and self._memo[0] != key:
            old_manager, old_generation, old_calls = self._memo[0]
            touched = (
                self.manager.names_changed_since(old_generation)
                if old_manager is self.manager and old_calls == self.settings.step_name_calls
                else None
            )
            memo = self._memo[1]
            if touched is None:
                memo = {}
            else:
                for memo_key, found in list(memo.items()):
                    name = memo_key[1]
                    base = name.rsplit("_", 1)[0]
                    unknown = bool(found) and found[0][1] == UNKNOWN_STEP
                    if unknown or name in touched or base in touched:
                        del memo[memo_key]
            self._memo = (key, memo)
        elif self._memo is None:
            self._memo = (key, {})
        return self._memo[1]

    def _cache_key(self) -> CacheKey:
        """Derived caches belong to one registry state: this manager at this generation
        (a reload builds a new manager, whose generation starts again)."""
        assert self.manager is not None
        return (self.manager, self.manager.generation, self.settings.step_name_calls)

    def workspace_for(self, path: str | None) -> str | None:
        """A document inside workspace W resolves in W; else the default workspace setting,
        else `CURSUS_WORKSPACE_ID`, else no context."""
        if self.manager is not None and path is not None:
            found = self.manager.workspace_for_path(path)
            if found is not None:
                return found
        if self.settings.default_workspace:
            return self.settings.default_workspace
        if self.manager is not None and self.manager.default_workspace:
            return self.manager.default_workspace
        return os.environ.get(WORKSPACE_ENV) or None

    def problems(self) -> list[Problem]:
        return self.manager.all_problems() if self.manager is not None else []

    def status(self) -> dict[str, Any]:
        """The status payload of this folder (see constants.CMD_STATUS)."""
        manager = self.manager
        payload: dict[str, Any] = {
            "folder": str(self.root),
            # A folder whose first load is not scheduled yet is loading too, for the client:
            # "not loading, 0 steps" would read as an empty registry.
            "loading": self.loading or (manager is None and self.load_error is None),
            "error": self.load_error,
            "stepCount": 0,
            "conflictCount": 0,
            "problemCount": 0,
            "sources": [],
            "configFile": None,
            "defaultWorkspace": self.workspace_for(None),
            "workspaces": [],
            "conflicts": {},
            "problems": [],
        }
        if manager is None:
            return payload
        conflicts = manager.get_step_conflicts()
        problems = manager.all_problems()
        status = manager.get_registry_status()
        payload.update(
            stepCount=manager.get_step_count(),
            conflictCount=len(conflicts),
            problemCount=len(problems),
            sources=list(status["core"]["sources"]),
            configFile=str(manager.config_file) if manager.config_file else None,
            workspaces=[
                {
                    "id": workspace_id,
                    "path": info["path"],
                    "localSteps": info["local_step_count"],
                    "overrides": info["override_count"],
                    "problems": info["problem_count"],
                }
                for workspace_id, info in status.items()
                if workspace_id != "core"
            ],
            conflicts={
                name: sorted({d.workspace_id or "" for d in definitions})
                for name, definitions in conflicts.items()
            },
            problems=[
                {
                    "path": p.path,
                    "line": p.range.start_line,
                    "col": p.range.start_col,
                    "severity": p.severity.value,
                    "code": p.code,
                    "message": p.message,
                }
                for p in problems[:200]
            ],
        )
        return payload


@dataclass
class DocumentState:
    """An open document: its text by version, and its cached analysis."""

    uri: str
    path: str | None
    text: str = ""
    version: int | None = None
    lines: list[str] = field(default_factory=list)
    analyzer: DocumentAnalyzer = field(default_factory=DocumentAnalyzer)
    _analysis: tuple[int | None, tuple[str, ...], DocumentAnalysis] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def update(self, text: str, version: int | None) -> None:
        lines = split_lines(text)
        with self.lock:  # analysis may run in a worker thread
            self.text = text
            self.version = version
            self.lines = lines

    def analysis(self, calls: tuple[str, ...]) -> DocumentAnalysis:
        with self.lock:
            cached = self._analysis
            if cached is not None and cached[0] == self.version and cached[1] == calls:
                return cached[2]
            result = self.analyzer.analyze(self.text, calls)
            self._analysis = (self.version, calls, result)
            return result

    @property
    def is_python(self) -> bool:
        if self.path is None:
            return not self.uri.endswith((".yaml", ".yml", ".json", ".toml"))
        return self.path.endswith((".py", ".pyi"))

    def context(self, folder: FolderState) -> FeatureContext | None:
        if folder.manager is None:
            return None
        job_types: tuple[str, ...] = ()
        if folder.index.ready:
            job_types = tuple(folder.index.get().job_types)
        return FeatureContext(
            analysis=self.analysis(folder.step_name_calls()),
            manager=folder.manager,
            workspace_id=folder.workspace_for(self.path),
            path=self.path,
            extra_job_types=job_types,
        )


def findings_for_document(folder: FolderState, document: DocumentState) -> list[Finding] | None:
    """The diagnostics of a document (None while its folder's registry is not loaded).

    The server (push and pull) and `registry-lsp check` both call this.
    """
    if folder.manager is None:
        return None
    if document.is_python:
        context = document.context(folder)
        if context is None:
            return None
        findings = document_findings(context, folder.diagnostics_memo())
    elif document.path is not None:
        findings = registry_file_findings(folder.manager, document.path)
    else:
        findings = []
    return apply_settings(findings, folder.settings.diagnostics)
