"""`registry-lsp check`: the server's diagnostics without an editor, same code path."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from hybrid_registry.discovery import find_config_root
from hybrid_registry.loaders import read_text, real_path
from hybrid_registry.models import Problem, Severity
from registry_lsp.features.context import Finding
from registry_lsp.files import iter_files
from registry_lsp.state import DocumentState, FolderState, findings_for_document

CHECKED_SUFFIXES = (".py", ".step.yaml", ".yaml", ".yml", ".json")


@dataclass(frozen=True)
class FileFindings:
    path: Path
    findings: list[Finding]


def _folder_for(path: Path, default_root: Path, folders: dict[Path, FolderState]) -> FolderState:
    root = find_config_root(path) or default_root
    if root not in folders:
        folder = FolderState(root=root)
        folder.manager = folder.build_manager()
        folders[root] = folder
    return folders[root]


def check_paths(paths: list[Path], default_root: Path) -> list[FileFindings]:
    """Diagnostics of every Python file and registry file under `paths`."""
    folders: dict[Path, FolderState] = {}
    results: list[FileFindings] = []
    seen: set[Path] = set()
    for given in paths:
        for file in iter_files(real_path(given), CHECKED_SUFFIXES):
            file = real_path(file)
            if file in seen:
                continue
            seen.add(file)
            folder = _folder_for(file, default_root, folders)
            assert folder.manager is not None
            is_registry = folder.manager.source_for_path(file) is not None
            if not file.name.endswith(".py") and not is_registry:
                continue
            problems: list[Problem] = []
            text = read_text(file, problems)
            if text is None:
                results.append(FileFindings(file, [Finding.from_problem(p) for p in problems]))
                continue
            document = DocumentState(uri=file.as_uri(), path=str(file))
            document.update(text, None)
            findings = findings_for_document(folder, document) or []
            results.append(FileFindings(file, findings))
    # Problems of registry files that were not checked themselves still matter: those under
    # the given paths, and those outside the registry's folder (a configured `../shared`
    # core), which no check of the folder would ever show.
    checked_roots = [real_path(p) for p in paths]
    for folder in folders.values():
        assert folder.manager is not None
        for path, problems in folder.manager.get_problems().items():
            where = Path(path)
            if where not in seen and (
                any(where.is_relative_to(p) for p in checked_roots)
                or not where.is_relative_to(folder.root)
            ):
                results.append(
                    FileFindings(Path(path), [Finding.from_problem(p) for p in problems])
                )
    return results


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def report(results: list[FileFindings], output_format: str, out: TextIO) -> int:
    """Print findings; the exit status is 1 if any is an error."""
    errors = 0
    records = []
    for result in sorted(results, key=lambda r: str(r.path)):
        for finding in sorted(
            result.findings, key=lambda f: (f.range.start_line, f.range.start_col, f.code)
        ):
            if finding.severity is Severity.ERROR:
                errors += 1
            records.append((result.path, finding))
    if output_format == "json":
        json.dump(
            [
                {
                    "path": str(path),
                    "line": finding.range.start_line + 1,
                    "column": finding.range.start_col + 1,
                    "endLine": finding.range.end_line + 1,
                    "endColumn": finding.range.end_col + 1,
                    "severity": finding.severity.value,
                    "code": finding.code,
                    "message": finding.message,
                    "related": [
                        {
                            "path": r.location.path,
                            "line": r.location.range.start_line + 1,
                            "column": r.location.range.start_col + 1,
                            "message": r.message,
                        }
                        for r in finding.related
                    ],
                }
                for path, finding in records
            ],
            out,
            indent=2,
        )
        out.write("\n")
    else:
        for path, finding in records:
            out.write(
                f"{_shown(path)}:{finding.range.start_line + 1}:{finding.range.start_col + 1}: "
                f"{finding.severity.value}[{finding.code}]: {finding.message}\n"
            )
        files = len({path for path, _ in records})
        out.write(
            f"{len(records)} problem(s) in {files} file(s) "
            f"({errors} error(s)) — checked {len(results)} file(s)\n"
        )
    return 1 if errors else 0
