"""Static readers of registry sources. Nothing here imports or executes a registry file.

Sources:
- a Python registry module assigning a `STEP_NAMES` dict literal (read with `ast`);
- a workspace registry module with `LOCAL_STEPS`, `STEP_OVERRIDES`, `WORKSPACE_METADATA`;
- a directory of `*.step.yaml` interface files;
- a YAML or JSON table of step name -> row.

Every reader returns its definitions *and* its problems; bad user data never raises. Each
definition carries the location of its name key (0-based, columns in code points).
"""

from __future__ import annotations

import ast
import bisect
import json
import os
import re
import stat
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from hybrid_registry.models import (
    DEVELOPER_ID_PATTERN,
    Location,
    Problem,
    RegistryType,
    Severity,
    SourceRange,
    StepDefinition,
    validate_step_name_value,
)

WORKSPACE_REGISTRY_PARTS = ("src", "cursus_dev", "registry", "workspace_registry.py")
INTERFACE_SUFFIX = ".step.yaml"
CORE_VARIABLE = "STEP_NAMES"
LOCAL_VARIABLE = "LOCAL_STEPS"
OVERRIDES_VARIABLE = "STEP_OVERRIDES"
METADATA_VARIABLE = "WORKSPACE_METADATA"

_ROW_FIELDS = frozenset(
    {
        "config_class",
        "spec_type",
        "sagemaker_step_type",
        "builder_step_name",
        "description",
        "framework",
        "job_types",
        "priority",
        "compatibility_tags",
        "framework_version",
        "environment_tags",
        "conflict_resolution_strategy",
        "override_source",
    }
)

_YamlLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML_STR_TAG = "tag:yaml.org,2002:str"


@dataclass
class SourceLoad:
    """What one source file gave: definitions by name (in file order) and problems."""

    path: str
    definitions: dict[str, StepDefinition] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class WorkspaceLoad:
    """A workspace registry module, read statically."""

    workspace_id: str
    directory: str
    file: str
    local_steps: dict[str, StepDefinition] = field(default_factory=dict)
    overrides: dict[str, StepDefinition] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


# --------------------------------------------------------------------------- reading files

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _line_starts(text: str) -> list[int]:
    """The index where each line starts (LSP's line breaks)."""
    return [0, *(match.end() for match in _LINE_BREAK.finditer(text))]


def _position(starts: list[int], index: int) -> tuple[int, int]:
    """(line, column) of a string index, given the text's `_line_starts`."""
    line = bisect.bisect_right(starts, index) - 1
    return line, index - starts[line]


def split_lines(text: str) -> list[str]:
    """Lines as Python's tokenizer and LSP count them: only `\\n`, `\\r\\n` and `\\r` end a
    line (`str.splitlines` also splits at form feeds and other separators)."""
    return _LINE_BREAK.split(text)


def real_path(path: str | Path) -> Path:
    """The absolute path with symlinks resolved, never raising (`Path.resolve` raises on a
    symlink loop before Python 3.13; a loop stays as it is here)."""
    return Path(os.path.realpath(path))


class NotARegularFile(OSError):
    """A path that is a folder, a FIFO, a device...: never read (a FIFO would block)."""


def _read_regular(path: str | Path, limit: int = -1) -> str:
    """The text of a regular file, opened without blocking (so a FIFO put where a file is
    expected cannot hang us) and checked to be a regular file before any read. UTF-8, with a
    byte-order mark dropped as Python does for source files."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        os.close(fd)
        raise
    if not regular:  # checked before `open()`, which names a folder by its descriptor
        os.close(fd)
        raise NotARegularFile(f"{path} is not a regular file")
    with open(fd, "rb", closefd=True) as handle:
        data = handle.read(limit)
    return data.decode("utf-8-sig")


def read_regular_file(path: str | Path, limit: int = -1) -> str | None:
    """Like `read_text`, for best-effort readers: None when the file cannot be read (or is
    not UTF-8); at most `limit` bytes."""
    try:
        return _read_regular(path, limit)
    except (OSError, ValueError):  # UnicodeDecodeError is a ValueError
        return None


def read_text(path: str | Path, problems: list[Problem]) -> str | None:
    """Read a UTF-8 file; a missing, unreadable or non-UTF-8 file becomes a problem."""
    try:
        return _read_regular(path)
    except NotARegularFile:
        problems.append(
            _problem(path, None, "unreadable-file", "Not a regular file; it was not read")
        )
    except FileNotFoundError:
        problems.append(_problem(path, None, "unreadable-file", "File not found (was it deleted?)"))
    except UnicodeDecodeError as exc:
        problems.append(
            _problem(
                path,
                None,
                "unreadable-file",
                f"File is not valid UTF-8 (byte {exc.start}); save it as UTF-8",
            )
        )
    except (OSError, ValueError) as exc:
        problems.append(_problem(path, None, "unreadable-file", f"Cannot read file: {exc}"))
    return None


def _problem(
    path: str | Path,
    rng: SourceRange | None,
    code: str,
    message: str,
    severity: Severity = Severity.ERROR,
) -> Problem:
    return Problem(
        path=str(path), range=rng or SourceRange(), severity=severity, code=code, message=message
    )


# --------------------------------------------------------------------------- Python modules


MAX_CONCATENATED_CHARS = 100_000
"""Longest string `"a" + NAME + ...` may build (a file of a few KB must not build gigabytes)."""


_MUTATING_METHODS = frozenset(
    {"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__", "__ior__"}
)


def _root_names(target: ast.AST) -> Iterator[str]:
    """Names a target binds or changes: `X`, `X[k]`, `X.a[k]`, `(X, Y)`, `*X`."""
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Subscript, ast.Attribute, ast.Starred)):
        yield from _root_names(target.value)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _root_names(element)


def _changed_names(node: ast.AST) -> Iterator[str]:
    """Names a statement or expression assigns, deletes, rebinds or mutates in place."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            yield from _root_names(target)
    elif isinstance(node, (ast.AugAssign, ast.For, ast.AsyncFor, ast.NamedExpr)) or (
        isinstance(node, ast.AnnAssign) and node.value is not None  # not a bare annotation
    ):
        yield from _root_names(node.target)
    elif isinstance(node, ast.Delete):
        for target in node.targets:
            yield from _root_names(target)
    elif isinstance(node, ast.withitem) and node.optional_vars is not None:
        yield from _root_names(node.optional_vars)
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            yield alias.asname or alias.name.split(".")[0]
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield node.name
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _MUTATING_METHODS
    ):
        yield from _root_names(node.func.value)


class _ModuleReader:
    """Evaluates literal expressions of one module, resolving names bound to literals."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = split_lines(text)
        self.problems: list[Problem] = []
        self.constants: dict[str, Any] = {}
        self.assignments: dict[str, ast.expr] = {}

    # positions -------------------------------------------------------------------------
    def _col(self, line: int, byte_col: int) -> int:
        """Convert an ast UTF-8 byte column to a code-point column."""
        if 0 <= line < len(self.lines):
            text = self.lines[line]
            if text.isascii():
                return byte_col
            return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))
        return byte_col

    def node_range(self, node: ast.AST) -> SourceRange:
        line = getattr(node, "lineno", 1) - 1
        end_line = (getattr(node, "end_lineno", None) or line + 1) - 1
        col = self._col(line, getattr(node, "col_offset", 0))
        end_col = self._col(end_line, getattr(node, "end_col_offset", None) or 0)
        return SourceRange(start_line=line, start_col=col, end_line=end_line, end_col=end_col)

    def string_content_range(self, node: ast.AST) -> SourceRange:
        """The range of a string literal's content, without prefix and quotes."""
        rng = self.node_range(node)
        if rng.start_line != rng.end_line or rng.start_line >= len(self.lines):
            return rng
        source = self.lines[rng.start_line][rng.start_col : rng.end_col]
        prefix = len(source) - len(source.lstrip("rRuUbBfF"))
        body = source[prefix:]
        quote = 3 if body[:3] in ('"""', "'''") else 1
        if len(body) < 2 * quote or body[0] not in "\"'" or body[-1] != body[0]:
            return rng
        return SourceRange(
            start_line=rng.start_line,
            start_col=rng.start_col + prefix + quote,
            end_line=rng.end_line,
            end_col=rng.end_col - quote,
        )

    def report(
        self, node: ast.AST | None, code: str, message: str, severity: Severity = Severity.ERROR
    ) -> None:
        rng = self.node_range(node) if node is not None else None
        self.problems.append(_problem(self.path, rng, code, message, severity))

    # evaluation ------------------------------------------------------------------------
    def literal(self, node: ast.expr) -> tuple[bool, Any]:
        """(ok, value): a literal value, reporting each part that is not one."""
        try:
            return self._literal(node)
        except (RecursionError, MemoryError):
            self.report(node, "not-a-literal", "Value is nested too deeply to read; simplify it")
            return False, None

    def _literal(self, node: ast.expr) -> tuple[bool, Any]:
        if isinstance(node, ast.Constant):
            return True, node.value
        if isinstance(node, ast.Name):
            if node.id in self.constants:
                return True, self.constants[node.id]
            self.report(
                node,
                "not-a-literal",
                f"'{node.id}' is not a module-level name bound to a literal; "
                "registry files are read without running them, so use a literal value",
            )
            return False, None
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = []
            ok = True
            for element in node.elts:
                element_ok, value = self._literal(element)
                ok = ok and element_ok
                if element_ok:
                    items.append(value)
            return ok, items
        if isinstance(node, ast.Dict):
            result: dict[Any, Any] = {}
            ok = True
            for key_node, value_node in zip(node.keys, node.values, strict=True):
                if key_node is None:
                    self.report(value_node, "not-a-literal", "'**' unpacking is not supported here")
                    ok = False
                    continue
                key_ok, key = self._literal(key_node)
                if key_ok and isinstance(key, (list, dict)):  # tuples are read as lists
                    self.report(key_node, "not-a-literal", "Keys must be strings or numbers")
                    key_ok = False
                value_ok, value = self._literal(value_node)
                ok = ok and key_ok and value_ok
                if key_ok and value_ok:
                    result[key] = value
            return ok, result
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            ok, value = self._literal(node.operand)
            if ok and isinstance(value, (int, float)):
                return True, -value
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left_ok, left = self._literal(node.left)
            right_ok, right = self._literal(node.right)
            if left_ok and right_ok and isinstance(left, str) and isinstance(right, str):
                if len(left) + len(right) > MAX_CONCATENATED_CHARS:
                    self.report(
                        node,
                        "invalid-value",
                        f"String longer than {MAX_CONCATENATED_CHARS:,} characters; not read",
                    )
                    return False, None
                return True, left + right
            if not (left_ok and right_ok):
                return False, None
        self.report(
            node,
            "not-a-literal",
            "Not a literal value; registry files are read without running them, "
            "so use strings, numbers, lists or dicts",
        )
        return False, None

    def scan_module(self, tree: ast.Module, wanted: Iterable[str]) -> None:
        """Record module-level constants and the last assignment of each wanted name."""
        wanted_names = set(wanted)
        read: set[int] = set()  # the `NAME = {...}` statements whose value is read
        for statement in tree.body:
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(statement, ast.Assign):
                targets, value = statement.targets, statement.value
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                targets, value = [statement.target], statement.value
            elif isinstance(statement, ast.AugAssign):
                targets = [statement.target]  # `X += ...`: X is no longer a known literal
            for target in targets:
                if not isinstance(target, ast.Name):
                    for node in ast.walk(target):  # `a, b = ...`: forget what they were
                        if isinstance(node, ast.Name):
                            self.constants.pop(node.id, None)
                    continue
                if value is not None and target.id in wanted_names:
                    self.assignments[target.id] = value
                    read.add(id(statement))
                    continue
                ok, constant = (
                    _quiet_literal(value, self.constants)
                    if value is not None and _is_plain_literal(value)
                    else (False, None)
                )
                if ok:
                    self.constants[target.id] = constant
                else:
                    # Rebound to something we cannot evaluate: the earlier literal is gone.
                    self.constants.pop(target.id, None)
        self._report_changes(tree, wanted_names, read)

    def _report_changes(self, tree: ast.Module, wanted: set[str], read: set[int]) -> None:
        """Warn about every other statement that changes or rebinds a table: it would take
        effect when the module runs, and it is never run."""
        for node in ast.walk(tree):
            if id(node) in read:
                continue
            changed = [name for name in _changed_names(node) if name in wanted]
            for name in dict.fromkeys(changed):
                self.report(
                    node,
                    "not-a-literal",
                    f"This change to {name} is not read: registry files are read without "
                    f"running them, so put every entry in the module-level {name} = {{...}} "
                    "literal",
                    Severity.WARNING,
                )

    def step_table(
        self,
        variable: str,
        registry_type: RegistryType,
        workspace_id: str | None,
        source: str,
        required: tuple[str, ...],
        missing_severity: Severity,
    ) -> dict[str, StepDefinition]:
        """Read `variable = {name: row, ...}` into definitions, reporting bad entries."""
        node = self.assignments.get(variable)
        if node is None:
            return {}
        if not isinstance(node, ast.Dict):
            self.report(node, "invalid-value", f"{variable} must be a dict literal")
            return {}
        definitions: dict[str, StepDefinition] = {}
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            if key_node is None:
                self.report(value_node, "not-a-literal", f"'**' unpacking in {variable} is ignored")
                continue
            key_ok, name = self.literal(key_node)
            if not key_ok:
                continue
            key_range = (
                self.string_content_range(key_node)
                if isinstance(key_node, ast.Constant)
                else self.node_range(key_node)
            )
            if not isinstance(name, str):
                self.report(key_node, "invalid-name", f"Step names must be strings, not {name!r}")
                continue
            _, row = self.literal(value_node)
            if not isinstance(row, dict):
                if row is not None:
                    self.report(
                        value_node, "invalid-value", f"The row of step '{name}' must be a dict"
                    )
                continue
            location = Location(path=self.path, range=key_range)
            problems: list[Problem] = []
            definition = make_definition(
                name,
                row,
                location=location,
                registry_type=registry_type,
                workspace_id=workspace_id,
                source=source,
                problems=problems,
                required=required,
                missing_severity=missing_severity,
            )
            self.problems.extend(problems)
            if definition is None:
                continue
            if name in definitions:
                first = definitions[name].location
                where = f" (first defined on line {first.range.start_line + 1})" if first else ""
                self.problems.append(
                    _problem(
                        self.path,
                        key_range,
                        "duplicate-key",
                        f"Step '{name}' is defined twice in {variable}{where}; the later one wins",
                        Severity.WARNING,
                    )
                )
                del definitions[name]
            definitions[name] = definition
        return definitions


def _is_plain_literal(node: ast.expr) -> bool:
    return isinstance(
        node, (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.UnaryOp, ast.Name)
    )


def _quiet_literal(node: ast.expr, constants: dict[str, Any]) -> tuple[bool, Any]:
    """Evaluate a helper constant without reporting: non-literal helpers are simply unknown."""
    if isinstance(node, ast.Name):
        return (True, constants[node.id]) if node.id in constants else (False, None)
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


_PARSE_LOCK = threading.Lock()
"""`warnings.catch_warnings` swaps process-wide state: one parse at a time does it."""


def _parse(text: str, path: str) -> ast.Module:
    """`ast.parse` without the compiler's warnings (e.g. invalid escape sequences) reaching
    the process: the user's file is not ours to lint, and `-W error` would turn them into
    exceptions."""
    with _PARSE_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=path)


def _parse_module(path: str, text: str, problems: list[Problem]) -> ast.Module | None:
    try:
        return _parse(text, path)
    except SyntaxError as exc:
        line = max((exc.lineno or 1) - 1, 0)
        col = max((exc.offset or 1) - 1, 0)
        end_line = max((getattr(exc, "end_lineno", None) or line + 1) - 1, line)
        end_col = max((getattr(exc, "end_offset", None) or col + 1) - 1, col)
        if end_line == line and end_col <= col:
            end_col = col + 1
        problems.append(
            _problem(
                path,
                SourceRange(start_line=line, start_col=col, end_line=end_line, end_col=end_col),
                "syntax-error",
                f"Syntax error: {exc.msg}; the registry in this file was not loaded",
            )
        )
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        reason = str(exc) or "it is nested too deeply"
        problems.append(_problem(path, None, "syntax-error", f"Cannot parse file: {reason}"))
    return None


ISOLATED_PARSE_MIN_CHARS: int | None = None
"""When set, core modules at least this long are parsed in a child process
(`hybrid_registry.isolated`): the language server sets it, so that parsing a huge module does
not leave the server with the parser's peak memory for good."""


def load_python_registry(
    path: str | Path,
    text: str | None = None,
    *,
    variable: str = CORE_VARIABLE,
    source: str | None = None,
) -> SourceLoad:
    """Read a core registry module's `STEP_NAMES` dict literal (never importing it)."""
    path = str(path)
    result = SourceLoad(path=path)
    if text is None:
        text = read_text(path, result.problems)
        if text is None:
            return result
    if ISOLATED_PARSE_MIN_CHARS is not None and len(text) >= ISOLATED_PARSE_MIN_CHARS:
        from hybrid_registry.isolated import load_python_registry_isolated

        return load_python_registry_isolated(path, text, variable=variable, source=source)
    tree = _parse_module(path, text, result.problems)
    if tree is None:
        return result
    reader = _ModuleReader(path, text)
    reader.scan_module(tree, [variable])
    if variable not in reader.assignments:
        result.problems.append(
            _problem(
                path,
                None,
                "missing-table",
                f"No module-level '{variable} = {{...}}' dict literal found",
                Severity.WARNING,
            )
        )
        return result
    result.definitions = reader.step_table(
        variable,
        RegistryType.CORE,
        None,
        source or path,
        required=("sagemaker_step_type",),
        missing_severity=Severity.ERROR,
    )
    result.problems.extend(reader.problems)
    return result


def workspace_registry_file(workspace_dir: str | Path) -> Path:
    return Path(workspace_dir).joinpath(*WORKSPACE_REGISTRY_PARTS)


def workspace_dir_of(registry_file: str | Path) -> Path:
    """The workspace folder of a `.../src/cursus_dev/registry/workspace_registry.py` file
    (for a registry file placed elsewhere: its own folder)."""
    path = Path(registry_file)
    if path.parts[-len(WORKSPACE_REGISTRY_PARTS) :] == WORKSPACE_REGISTRY_PARTS:
        return path.parents[len(WORKSPACE_REGISTRY_PARTS) - 1]
    return path.parent


def load_workspace_registry(
    registry_file: str | Path,
    text: str | None = None,
) -> WorkspaceLoad:
    """Read a workspace registry module: local steps, overrides and metadata."""
    path = str(registry_file)
    directory = workspace_dir_of(path)
    result = WorkspaceLoad(workspace_id=directory.name, directory=str(directory), file=path)
    if text is None:
        text = read_text(path, result.problems)
        if text is None:
            return result
    tree = _parse_module(path, text, result.problems)
    if tree is None:
        return result
    reader = _ModuleReader(path, text)
    reader.scan_module(tree, [LOCAL_VARIABLE, OVERRIDES_VARIABLE, METADATA_VARIABLE])
    metadata_node = reader.assignments.get(METADATA_VARIABLE)
    if metadata_node is not None:
        ok, metadata = reader.literal(metadata_node)
        if isinstance(metadata, dict):
            result.metadata = {str(k): v for k, v in metadata.items()}
            developer_id = metadata.get("developer_id")
            if isinstance(developer_id, str) and DEVELOPER_ID_PATTERN.fullmatch(developer_id):
                result.workspace_id = developer_id
            elif developer_id is not None:
                reader.report(
                    metadata_node,
                    "invalid-value",
                    f"WORKSPACE_METADATA['developer_id'] {developer_id!r} is not a valid id "
                    "(a letter, then letters, digits, '_' or '-'); "
                    f"using the folder name '{directory.name}'",
                    Severity.WARNING,
                )
        elif ok:
            reader.report(metadata_node, "invalid-value", "WORKSPACE_METADATA must be a dict")
    if LOCAL_VARIABLE not in reader.assignments and OVERRIDES_VARIABLE not in reader.assignments:
        reader.problems.append(
            _problem(
                path,
                None,
                "missing-table",
                "Neither LOCAL_STEPS nor STEP_OVERRIDES is defined; this workspace adds no steps",
                Severity.INFORMATION,
            )
        )
    result.local_steps = reader.step_table(
        LOCAL_VARIABLE,
        RegistryType.WORKSPACE,
        result.workspace_id,
        path,
        required=("sagemaker_step_type",),
        missing_severity=Severity.WARNING,
    )
    result.overrides = reader.step_table(
        OVERRIDES_VARIABLE,
        RegistryType.OVERRIDE,
        result.workspace_id,
        path,
        required=(),
        missing_severity=Severity.WARNING,
    )
    result.problems.extend(reader.problems)
    return result


# --------------------------------------------------------------------------- rows -> models


def make_definition(
    name: str,
    row: dict[str, Any],
    *,
    location: Location,
    registry_type: RegistryType,
    workspace_id: str | None,
    source: str,
    problems: list[Problem],
    required: tuple[str, ...] = ("sagemaker_step_type",),
    missing_severity: Severity = Severity.ERROR,
    metadata: dict[str, Any] | None = None,
) -> StepDefinition | None:
    """Build a definition from a legacy row; invalid data becomes problems at `location`."""
    path = location.path
    try:
        validate_step_name_value(name)
    except ValueError as exc:
        problems.append(_problem(path, location.range, "invalid-name", str(exc)))
        return None
    fields: dict[str, Any] = {}
    extra: dict[str, Any] = dict(metadata or {})
    for key, value in row.items():
        if key in _ROW_FIELDS:
            fields[key] = value
        elif isinstance(key, str):
            extra[key] = value
    for key in required:
        if not fields.get(key):
            problems.append(
                _problem(
                    path,
                    location.range,
                    "missing-field",
                    f"Step '{name}' has no '{key}'",
                    missing_severity,
                )
            )
    for list_key in ("job_types", "compatibility_tags", "environment_tags"):
        value = fields.get(list_key)
        if isinstance(value, str):
            fields[list_key] = [value]
    try:
        return StepDefinition(
            name=name,
            registry_type=registry_type,
            workspace_id=workspace_id,
            location=location,
            source=source,
            metadata=extra,
            **fields,
        )
    except ValidationError as exc:
        for error in exc.errors():
            field_name = ".".join(str(part) for part in error["loc"])
            problems.append(
                _problem(
                    path,
                    location.range,
                    "invalid-value",
                    f"Step '{name}': field '{field_name}': {error['msg']}",
                )
            )
        valid = {
            key: value
            for key, value in fields.items()
            if not any(str(e["loc"][0]) == key for e in exc.errors() if e["loc"])
        }
        try:
            return StepDefinition(
                name=name,
                registry_type=registry_type,
                workspace_id=workspace_id,
                location=location,
                source=source,
                metadata=extra,
                **valid,
            )
        except ValidationError:
            return None


# --------------------------------------------------------------------------- YAML


def _mark_range(node: yaml.Node) -> SourceRange:
    start, end = node.start_mark, node.end_mark
    quoted = isinstance(node, yaml.ScalarNode) and node.style in ('"', "'")
    if quoted and start.line == end.line and end.column - start.column >= 2:
        # The marks include the quotes; point at the content like Python keys do.
        return SourceRange(
            start_line=start.line,
            start_col=start.column + 1,
            end_line=end.line,
            end_col=end.column - 1,
        )
    return SourceRange(
        start_line=start.line, start_col=start.column, end_line=end.line, end_col=end.column
    )


_YAML_ONLY_BREAKS = ("\x85", "\u2028", "\u2029")
"""Characters YAML ends lines at and LSP (and Python) do not."""


def _mark_fixer(text: str) -> Callable[[Any], Any] | None:
    """For a text where YAML counts lines differently from LSP: a function that gives a mark
    with the line and column of its index (code points); else None (marks are right)."""
    if not any(char in text for char in _YAML_ONLY_BREAKS):
        return None
    starts = _line_starts(text)

    def fix(mark: Any) -> Any:
        line, column = _position(starts, mark.index)
        return yaml.Mark(mark.name, mark.index, line, column, None, 0)

    return fix


def _fix_marks(root: yaml.Node, fix: Callable[[Any], Any]) -> None:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        node.start_mark, node.end_mark = fix(node.start_mark), fix(node.end_mark)
        if isinstance(node, yaml.MappingNode):
            stack.extend(item for pair in node.value for item in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _compose_yaml(path: str, text: str, problems: list[Problem]) -> tuple[Any, Any] | None:
    """(root node, constructed data) of a YAML document, or None with a problem."""
    try:
        loader = _YamlLoader(text)
    except UnicodeError:  # lone surrogates (e.g. from an editor buffer) cannot be encoded
        problems.append(
            _problem(path, None, "syntax-error", "Text is not valid Unicode; file not loaded")
        )
        return None
    fix = _mark_fixer(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if fix is not None:
            _fix_marks(node, fix)
        data = loader.construct_document(node)
        return node, data
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if mark is not None and fix is not None:
            mark = fix(mark)
        rng = SourceRange.point(mark.line, mark.column) if mark else None
        problems.append(
            _problem(
                path, rng, "syntax-error", f"YAML error: {exc.problem or exc}; file not loaded"
            )
        )
    except yaml.YAMLError as exc:
        problems.append(_problem(path, None, "syntax-error", f"YAML error: {exc}; file not loaded"))
    except (RecursionError, MemoryError):
        problems.append(
            _problem(path, None, "syntax-error", "YAML is nested too deeply; file not loaded")
        )
    except (ValueError, TypeError, OverflowError, LookupError, AttributeError) as exc:
        # a value its tag cannot hold: `2024-02-30`, a 5,000-digit int, `!!bool maybe`...
        problems.append(
            _problem(
                path, None, "invalid-value", f"YAML value cannot be read ({exc}); file not loaded"
            )
        )
    finally:
        loader.dispose()
    return None


def _mapping_items(node: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(node, yaml.MappingNode):
        yield from node.value


def _find_key(node: Any, key: str) -> tuple[Any, Any] | None:
    for key_node, value_node in _mapping_items(node):
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _interned(value: Any, copies: dict[int, Any] | None = None) -> Any:
    """`value` with its strings interned: thousands of interface files repeat the same keys
    and words (`type`, `processing_output`...), each a separate string as YAML reads it.

    Containers YAML shares (anchors and aliases) stay shared, so an alias "bomb" is never
    expanded; a container that holds itself is cut at the loop (None)."""
    if isinstance(value, str):
        return sys.intern(value)
    if not isinstance(value, (dict, list)):
        return value
    if copies is None:
        copies = {}
    if id(value) in copies:
        return copies[id(value)]
    copies[id(value)] = None  # while being copied: a loop back here reads None
    copy: Any
    if isinstance(value, dict):
        copy = {_interned(key, copies): _interned(item, copies) for key, item in value.items()}
    else:
        copy = [_interned(item, copies) for item in value]
    copies[id(value)] = copy
    return copy


def load_step_interface(path: str | Path, text: str | None = None, *, source: str) -> SourceLoad:
    """Read one `*.step.yaml` interface file into its step definition.

    Derivation (as the framework does): spec_type = the name; config_class and
    builder_step_name default to `<Name>Config` / `<Name>StepBuilder`; sagemaker_step_type is
    required; description defaults to "". Other fields of `registry:` (job_types, framework...)
    are kept as in any row. `spec.dependencies`/`spec.outputs` go to metadata.
    """
    path = str(path)
    result = SourceLoad(path=path)
    if text is None:
        text = read_text(path, result.problems)
        if text is None:
            return result
    composed = _compose_yaml(path, text, result.problems)
    if composed is None:
        if not result.problems:
            result.problems.append(_problem(path, None, "invalid-value", "Empty interface file"))
        return result
    root, data = composed
    if not isinstance(data, dict):
        result.problems.append(
            _problem(path, None, "invalid-value", "An interface file must be a YAML mapping")
        )
        return result
    found = _find_key(root, "step_type")
    name = data.get("step_type")
    if found is None or not isinstance(name, str):
        result.problems.append(
            _problem(
                path, None, "missing-field", "No 'step_type' (the step name) in interface file"
            )
        )
        return result
    location = Location(path=path, range=_mark_range(found[1]))
    registry = data.get("registry") or {}
    if not isinstance(registry, dict):
        registry_found = _find_key(root, "registry")
        rng = _mark_range(registry_found[1]) if registry_found else location.range
        result.problems.append(_problem(path, rng, "invalid-value", "'registry' must be a mapping"))
        registry = {}
    row: dict[str, Any] = {
        **registry,  # every field of the block (job_types, framework...), then the defaults
        "spec_type": name,
        "config_class": registry.get("config_class") or f"{name}Config",
        "builder_step_name": registry.get("builder_step_name") or f"{name}StepBuilder",
        "sagemaker_step_type": registry.get("sagemaker_step_type"),
        "description": registry.get("description") or "",
    }
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    metadata = {
        "dependencies": (spec or {}).get("dependencies") or {},
        "outputs": (spec or {}).get("outputs") or {},
        "node_type": data.get("node_type"),
    }
    try:
        metadata = _interned(metadata)
    except RecursionError:
        result.problems.append(
            _problem(path, None, "invalid-value", "'spec' is nested too deeply; not kept")
        )
        metadata = {"dependencies": {}, "outputs": {}, "node_type": None}
    definition = make_definition(
        name,
        row,
        location=location,
        registry_type=RegistryType.CORE,
        workspace_id=None,
        source=source,
        problems=result.problems,
        metadata=metadata,
    )
    if definition is not None:
        result.definitions[name] = definition
    return result


@dataclass
class _TableEntry:
    """One top-level `name: row` pair of a table, with where its key and value are."""

    name: str | None
    row: Any
    key_range: SourceRange
    value_range: SourceRange


def _yaml_entries(path: str, text: str, problems: list[Problem]) -> list[_TableEntry] | None:
    before = len(problems)
    composed = _compose_yaml(path, text, problems)
    if composed is None:
        return [] if len(problems) == before else None  # an empty document is an empty table
    root, data = composed
    if not isinstance(data, dict):
        return None
    entries = []
    for key_node, value_node in _mapping_items(root):
        is_string = isinstance(key_node, yaml.ScalarNode) and key_node.tag == _YAML_STR_TAG
        name = key_node.value if is_string else None
        row = data.get(name) if name is not None else None
        entries.append(_TableEntry(name, row, _mark_range(key_node), _mark_range(value_node)))
    return entries


class _JsonPairs(list[tuple[str, Any]]):
    """A JSON object as its (key, value) pairs, duplicates kept (`object_pairs_hook`)."""


def _json_key_ranges(text: str) -> list[tuple[SourceRange, SourceRange]]:
    """(key, value start) ranges of the top-level object's keys, in order (code points).

    `json` keeps no positions, so this scans strings and nesting once; it assumes valid JSON.
    """
    ranges: list[tuple[SourceRange, SourceRange]] = []
    depth = line = line_start = index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\n" or (char == "\r" and text[index + 1 : index + 2] != "\n"):
            line += 1
            line_start = index + 1
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        elif char == '"':
            start = index
            index += 1
            while index < length and text[index] != '"':
                index += 2 if text[index] == "\\" else 1
            after = index + 1
            while after < length and text[after] in " \t\r\n":
                after += 1
            if depth == 1 and after < length and text[after] == ":":
                key = SourceRange(
                    start_line=line,
                    start_col=start + 1 - line_start,
                    end_line=line,
                    end_col=index - line_start,
                )
                value = after + 1
                while value < length and text[value] in " \t\r\n":
                    value += 1
                breaks = list(_LINE_BREAK.finditer(text, index, value))
                value_line = line + len(breaks)
                value_line_start = breaks[-1].end() if breaks else line_start
                ranges.append((key, SourceRange.point(value_line, value - value_line_start)))
        index += 1
    return ranges


def _json_entries(path: str, text: str, problems: list[Problem]) -> list[_TableEntry] | None:
    try:
        data = json.loads(text, object_pairs_hook=_JsonPairs)
    except json.JSONDecodeError as exc:
        problems.append(
            _problem(
                path,
                SourceRange.point(*_position(_line_starts(text), exc.pos)),
                "syntax-error",
                f"JSON error: {exc.msg}; file not loaded",
            )
        )
        return None
    except (ValueError, RecursionError, MemoryError) as exc:
        problems.append(_problem(path, None, "syntax-error", f"JSON error: {exc}; file not loaded"))
        return None
    if not isinstance(data, _JsonPairs):
        return None
    ranges = _json_key_ranges(text)
    entries = []
    for index, (name, value) in enumerate(data):
        key_range, value_start = ranges[index] if index < len(ranges) else (SourceRange(),) * 2
        try:
            row = _json_value(value)
        except RecursionError:
            problems.append(
                _problem(
                    path, key_range, "invalid-value", f"The row of '{name}' is nested too deeply"
                )
            )
            continue
        entries.append(_TableEntry(name, row, key_range, value_start))
    return entries


def _json_value(value: Any) -> Any:
    """Plain dicts and lists from parsed JSON (in an object, the later duplicate key wins)."""
    if isinstance(value, _JsonPairs):
        return {key: _json_value(item) for key, item in value}
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    return value


def load_table(
    path: str | Path,
    text: str | None = None,
    *,
    source: str | None = None,
) -> SourceLoad:
    """Read a YAML or JSON table (by the file's suffix): step name -> row."""
    path = str(path)
    result = SourceLoad(path=path)
    if text is None:
        text = read_text(path, result.problems)
        if text is None:
            return result
    reader = _json_entries if path.endswith(".json") else _yaml_entries
    entries = reader(path, text, result.problems)
    if entries is None:
        if not result.problems:
            result.problems.append(
                _problem(
                    path, None, "invalid-value", "A registry table must map step names to rows"
                )
            )
        return result
    seen: dict[str, SourceRange] = {}
    for entry in entries:
        name = entry.name
        if not isinstance(name, str):
            result.problems.append(
                _problem(path, entry.key_range, "invalid-name", "Step names must be strings")
            )
            continue
        if name in seen:
            result.problems.append(
                _problem(
                    path,
                    entry.key_range,
                    "duplicate-key",
                    f"Step '{name}' is defined twice (first on line "
                    f"{seen[name].start_line + 1}); the later one wins",
                    Severity.WARNING,
                )
            )
            result.definitions.pop(name, None)
        else:
            seen[name] = entry.key_range
        if not isinstance(entry.row, dict):
            result.problems.append(
                _problem(
                    path,
                    entry.value_range,
                    "invalid-value",
                    f"The row of step '{name}' must be a mapping",
                )
            )
            continue
        definition = make_definition(
            name,
            entry.row,
            location=Location(path=path, range=entry.key_range),
            registry_type=RegistryType.CORE,
            workspace_id=None,
            source=source or path,
            problems=result.problems,
        )
        if definition is not None:
            result.definitions[name] = definition
    return result


def interface_files(directory: str | Path) -> list[str]:
    """The `*.step.yaml` files directly in a directory, sorted for a stable order."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return sorted(
        os.path.join(directory, name) for name in names if name.endswith(INTERFACE_SUFFIX)
    )


def is_table_file(path: str | Path) -> bool:
    return str(path).endswith((".yaml", ".yml", ".json")) and not str(path).endswith(
        INTERFACE_SUFFIX
    )
