"""Bounded walks over a folder's files, and a static index of class definitions.

The index answers "where is class X defined" for go-to type definition / implementation
without importing anything: it reads files as text and looks for `class X` statements.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hybrid_registry.discovery import walk_folder
from hybrid_registry.loaders import read_regular_file
from hybrid_registry.models import Location, SourceRange

MAX_DEPTH = 12
MAX_FILES = 20_000
MAX_INDEXED_BYTES = 4_000_000
"""Bytes of a file read for the class index (a generated data file is not code to index)."""
_CLASS = re.compile(r"^([ \t]*)class[ \t]+([^\W\d]\w*)", re.MULTILINE)
"""A class statement; the name is any Python identifier (Unicode letters too)."""
_NODE_NAME = re.compile(r"[\"']([A-Z][A-Za-z0-9]*)_([a-z]+)[\"']")
"""A node name `StepName_jobtype` in a string literal: step names are CamelCase, so
snake_case strings (`"file_name"`, `"user_id"`) contribute no job types."""


def iter_files(root: Path, suffixes: tuple[str, ...], max_files: int = MAX_FILES) -> Iterator[Path]:
    """Files under `root` ending with one of `suffixes` (the registry's bounded walk), at most
    `max_files` of them."""
    if root.is_file():
        if root.name.endswith(suffixes):
            yield root
        return
    count = 0
    for _, files in walk_folder(root, MAX_DEPTH):
        for entry in files:
            if entry.name.endswith(suffixes):
                count += 1
                if count > max_files:
                    return
                yield Path(entry.path)


@dataclass
class FolderIndex:
    """Class definitions and job-type suffixes used in a folder's Python files."""

    classes: dict[str, list[Location]] = field(default_factory=dict)
    job_types: dict[str, int] = field(default_factory=dict)

    def add_file(self, path: Path, text: str) -> None:
        for match in _CLASS.finditer(text):
            line = text.count("\n", 0, match.start())
            col = match.start(2) - match.start()
            name = match.group(2)
            rng = SourceRange(
                start_line=line, start_col=col, end_line=line, end_col=col + len(name)
            )
            self.classes.setdefault(name, []).append(Location(path=str(path), range=rng))
        for match in _NODE_NAME.finditer(text):
            job_type = match.group(2)
            self.job_types[job_type] = self.job_types.get(job_type, 0) + 1


class LazyFolderIndex:
    """Builds a `FolderIndex` once, on first use (in whatever thread asks first)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._index: FolderIndex | None = None
        self._lock = threading.Lock()

    def get(self) -> FolderIndex:
        with self._lock:
            if self._index is None:
                index = FolderIndex()
                for path in iter_files(self.root, (".py",)):
                    text = read_regular_file(path, MAX_INDEXED_BYTES)
                    if text is not None:
                        index.add_file(path, text)
                self._index = index
            return self._index

    @property
    def ready(self) -> bool:
        return self._index is not None

    def invalidate(self) -> None:
        with self._lock:
            self._index = None
