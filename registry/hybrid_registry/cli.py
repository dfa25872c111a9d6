"""`hybrid-registry`: inspect a folder's step registry from the command line.

Every subcommand works on the registry of `--root` (default: the current folder), found the way
the language server finds it (configuration, else a bounded search). Errors the user can cause
print one line to stderr and exit non-zero; only bugs of ours print a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from hybrid_registry import __version__
from hybrid_registry.discovery import workspace_target_problem
from hybrid_registry.loaders import real_path
from hybrid_registry.manager import CORE_KEY, UnifiedRegistryManager
from hybrid_registry.models import Location, Problem, Severity

PROG = "hybrid-registry"
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A mistake in the command line (exit code 2)."""


class CommandError(Exception):
    """The command cannot do what was asked (exit code 1)."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (`hybrid-registry: error: ...`) instead of usage dumps."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


# --------------------------------------------------------------------------- output helpers


def display_path(path: str | Path) -> str:
    """`path` relative to the current folder when it is inside it, else as given."""
    absolute = Path(path).absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def display_location(location: Location | None) -> str:
    """`path:line` (1-based) of a definition, or `-` when it has none."""
    if location is None:
        return "-"
    return f"{display_path(location.path)}:{location.range.start_line + 1}"


def format_problem(problem: Problem) -> str:
    """`path:line:col: severity[code]: message`, 1-based, with the path shown relative: the
    same shape as `registry-lsp check`, so editors' problem matchers read both."""
    where = Location(path=display_path(problem.path), range=problem.range).display()
    return f"{where}: {problem.severity.value}[{problem.code}]: {problem.message}"


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned columns separated by two spaces."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return lines


def _print(text: str = "") -> None:
    if sys.stdout is None:  # started with stdout closed (`>&-`)
        raise CommandError("standard output is closed")
    sys.stdout.write(text + "\n")


def silence_stdout() -> None:
    """After a failed write to stdout (the reader went away, the disk is full), point it at
    /dev/null, so that the flush at exit does not fail and complain again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


# --------------------------------------------------------------------------- commands


def _root(args: argparse.Namespace) -> Path:
    root = Path(args.root)
    if not root.exists():
        raise UsageError(f"root folder '{args.root}' does not exist")
    if not root.is_dir():
        raise UsageError(f"root '{args.root}' is not a folder")
    return root


def _manager(args: argparse.Namespace) -> UnifiedRegistryManager:
    root = _root(args)
    manager = UnifiedRegistryManager.from_folder(root)
    if not manager.get_registry_status()[CORE_KEY]["sources"] and not manager.list_workspaces():
        if manager.config_file is not None:
            hint = (
                f"none of the sources configured in {display_path(manager.config_file)} "
                f"could be loaded (see '{PROG} validate --root {args.root}')"
            )
        else:
            hint = (
                f"no step registry found in '{args.root}' (configure [tool.hybrid-registry] "
                "in pyproject.toml or add a .hybrid-registry.toml)"
            )
        _warn(hint)
    return manager


def _context(manager: UnifiedRegistryManager, workspace: str | None) -> str | None:
    """The workspace to resolve in: `--workspace`, else the configured default, if any."""
    known = manager.list_workspaces()
    if workspace is None:
        default = manager.default_workspace
        if default and default not in known:
            _warn(
                f"the default workspace '{default}' is not a loaded workspace "
                f"(workspaces: {', '.join(known) or 'none found'}); resolving with no context"
            )
            return None
        return default
    if workspace not in known:
        choices = ", ".join(known) if known else "none found"
        raise UsageError(f"unknown workspace '{workspace}' (workspaces: {choices})")
    return workspace


def cmd_list(args: argparse.Namespace) -> int:
    manager = _manager(args)
    context = _context(manager, args.workspace)
    if args.format == "json":
        legacy = manager.create_legacy_step_names_dict(context)
        _print(json.dumps(legacy, indent=2, sort_keys=True, ensure_ascii=False))
        return EXIT_OK
    definitions = manager.get_all_step_definitions(context)
    rows = [["STEP", "CONFIG CLASS", "SAGEMAKER TYPE", "SOURCE"]]
    for name in sorted(definitions):
        definition = definitions[name]
        rows.append(
            [
                name,
                definition.config_class or "-",
                definition.sagemaker_step_type or "-",
                definition.layer_label,
            ]
        )
    for line in _table(rows):
        _print(line)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    manager = _manager(args)
    context = _context(manager, args.workspace)
    result = manager.resolve(args.name, context)
    if not result.resolved or result.selected_definition is None:
        message = result.errors[0] if result.errors else f"Unknown step '{args.name}'."
        raise CommandError(message)
    base = result.base_name or args.name
    winner = result.selected_definition
    fields = [
        ("step", f"{base}, job type '{result.job_type}'" if result.job_type else base),
        ("context", f"workspace {context}" if context else "none (no workspace)"),
        ("resolves to", f"{winner.layer_label}  {display_location(winner.location)}"),
        ("config class", winner.config_class or "-"),
        ("builder", winner.builder_step_name or "-"),
        ("sagemaker type", winner.sagemaker_step_type or "-"),
        ("description", winner.description or "-"),
    ]
    if winner.job_types:
        fields.append(("job types", ", ".join(winner.job_types)))
        if result.job_type and result.job_type not in winner.job_types:
            _warn(
                f"step '{base}' has no job type '{result.job_type}' "
                f"(it declares: {', '.join(winner.job_types)})"
            )
    _print(args.name)
    for line in _table([[f"  {label}", value] for label, value in fields]):
        _print(line)
    _print("  resolution chain (winner first):")
    chain = manager.resolve_chain(base, context)
    rows = [
        ["    *" if index == 0 else "     ", d.layer_label, display_location(d.location)]
        for index, d in enumerate(chain)
    ]
    for line in _table(rows):
        _print(line)
    if result.conflicting_definitions:
        _print(f"  conflict: '{base}' is defined by several workspaces:")
        rows = [
            ["    ", d.layer_label, display_location(d.location)]
            for d in result.conflicting_definitions
        ]
        for line in _table(rows):
            _print(line)
    else:
        _print("  conflicts: none")
    return EXIT_OK


def cmd_conflicts(args: argparse.Namespace) -> int:
    manager = _manager(args)
    conflicts = manager.get_step_conflicts()
    if not conflicts:
        _print("No conflicts.")
        return EXIT_OK
    for name in sorted(conflicts):
        _print(f"{name}: defined by {len(conflicts[name])} workspaces")
        rows = [["   ", d.layer_label, display_location(d.location)] for d in conflicts[name]]
        for line in _table(rows):
            _print(line)
    return EXIT_OK


def _conflict_problems(manager: UnifiedRegistryManager) -> list[Problem]:
    """A warning on every definition of a name that several workspaces define."""
    problems = []
    for name, definitions in manager.get_step_conflicts().items():
        owners = ", ".join(sorted({d.workspace_id or "core" for d in definitions}))
        for definition in definitions:
            if definition.location is None:
                continue
            problems.append(
                Problem.at(
                    definition.location,
                    "step-conflict",
                    f"Step '{name}' is defined by several workspaces: {owners}.",
                    Severity.WARNING,
                )
            )
    return problems


def cmd_validate(args: argparse.Namespace) -> int:
    manager = _manager(args)
    problems = sorted(
        [*manager.all_problems(), *_conflict_problems(manager)],
        key=lambda p: (
            display_path(p.path),
            p.range.start_line,
            p.range.start_col,
            p.message,
        ),
    )
    for problem in problems:
        _print(format_problem(problem))
    errors = sum(1 for p in problems if p.severity is Severity.ERROR)
    steps = len(manager.step_names())
    sys.stderr.write(
        f"{steps} steps, {errors} error(s), {len(problems) - errors} other problem(s)\n"
    )
    return EXIT_FAILURE if errors else EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    manager = _manager(args)
    status = manager.get_registry_status()
    if args.format == "json":
        _print(json.dumps(status, indent=2, default=str))  # metadata may mix key types
        return EXIT_OK
    root = manager.root or Path(args.root)
    _print(f"root:        {display_path(root) or '.'}")
    config = display_path(manager.config_file) if manager.config_file else "none (auto-detected)"
    _print(f"config:      {config}")
    if manager.default_workspace:
        _print(f"default workspace: {manager.default_workspace}")
    core = status[CORE_KEY]
    _print(f"core:        {core['step_count']} steps, {core['problem_count']} problem(s)")
    for source in core["sources"]:
        _print(f"  {display_path(source)}")
    workspaces = [key for key in status if key != CORE_KEY]
    _print(f"workspaces:  {len(workspaces)}")
    rows = []
    for workspace_id in workspaces:
        info = status[workspace_id]
        rows.append(
            [
                f"  {workspace_id}",
                f"{info['local_step_count']} local",
                f"{info['override_count']} override(s)",
                f"{info['problem_count']} problem(s)",
                display_path(info["path"]),
            ]
        )
    for line in _table(rows):
        _print(line)
    conflicts = manager.get_step_conflicts()
    _print(
        f"conflicts:   {len(conflicts)}"
        + (f" ({', '.join(sorted(conflicts))})" if conflicts else "")
    )
    _print(f"steps:       {len(manager.step_names())} visible")
    return EXIT_OK


def cmd_init_workspace(args: argparse.Namespace) -> int:
    # Imported here so the other commands work while setup is unavailable or being changed.
    from hybrid_registry.setup import (
        WorkspaceSetupError,
        create_workspace_registry,
        validate_developer_id,
    )

    if args.developer_id is None:
        args.developer_id = Path(args.path).resolve().name
    try:
        validate_developer_id(args.developer_id)
    except WorkspaceSetupError as exc:
        raise UsageError(str(exc)) from None
    root = _root(args)
    path = root / args.path  # an absolute PATH stays as it is
    refused = workspace_target_problem(root, path)
    if refused is not None:
        raise UsageError(f"{refused} (e.g. {Path(args.path) / 'NAME'})")
    try:
        created = create_workspace_registry(
            path, args.developer_id, args.template, overwrite=args.force
        )
    except WorkspaceSetupError as exc:
        message = str(exc)
        if "already exists" in message:
            message = f"{message}; use --force to replace it"
        raise CommandError(message) from None
    _print(display_path(created))
    _check_new_workspace(root, created, args.developer_id)
    return EXIT_OK


def _check_new_workspace(root: Path, created: Path, developer_id: str) -> None:
    """Warn when the registry of `root` will not use the workspace just written."""
    manager = UnifiedRegistryManager.from_folder(root)
    if manager.workspace_for_path(created) == developer_id:
        return
    problems = manager.get_problems().get(str(real_path(created)), [])
    duplicate = next((p for p in problems if p.code == "duplicate-workspace"), None)
    if duplicate is not None:
        _warn(f"{duplicate.message} (choose another --developer-id)")
    elif manager.config_file is not None:
        _warn(
            f"{display_path(created)} is not under the workspace folders configured in "
            f"{display_path(manager.config_file)}; add its parent folder to 'workspaces' "
            "there, or the registry will not use it"
        )
    else:
        _warn(f"the registry of '{root}' does not pick up {display_path(created)}")


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    root_help = "the folder whose registry to use (default: the current folder)"
    common = _Parser(add_help=False)
    common.add_argument("--root", default=".", metavar="DIR", help=root_help)

    parser = _Parser(
        prog=PROG,
        description="Inspect the hybrid step registry (core + developer workspaces) of a folder.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    def add(name: str, handler: Callable[[argparse.Namespace], int], text: str) -> Any:
        sub = commands.add_parser(name, parents=[common], help=text, description=text)
        sub.set_defaults(handler=handler)
        return sub

    workspace_help = (
        "resolve in this workspace's context (default: the configured default-workspace)"
    )
    sub = add("list", cmd_list, "list the visible steps")
    sub.add_argument("--workspace", metavar="W", help=workspace_help)
    sub.add_argument("--format", choices=("text", "json"), default="text")

    sub = add("show", cmd_show, "show how a step name (optionally Name_jobtype) resolves")
    sub.add_argument("name", metavar="NAME")
    sub.add_argument("--workspace", metavar="W", help=workspace_help)

    add("conflicts", cmd_conflicts, "list step names defined by several workspaces")
    add(
        "validate",
        cmd_validate,
        "report every problem of the registry files and every cross-workspace conflict; "
        "exit 1 if any is an error (diagnostics of pipeline code: 'registry-lsp check')",
    )

    sub = add("status", cmd_status, "summarise the registry's sources and workspaces")
    sub.add_argument("--format", choices=("text", "json"), default="text")

    sub = add("init-workspace", cmd_init_workspace, "create a workspace registry")
    sub.add_argument("path", metavar="PATH", help="the workspace folder (relative to --root)")
    sub.add_argument(
        "--developer-id", metavar="ID", help="the workspace id (default: the folder's name)"
    )
    sub.add_argument("--template", choices=("standard", "minimal"), default="standard")
    sub.add_argument("--force", action="store_true", help="replace an existing registry")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except CommandError as exc:
        _error(str(exc))
        return EXIT_FAILURE
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_FAILURE
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        silence_stdout()
        return EXIT_FAILURE
    except OSError as exc:  # a path the system refuses, a full disk under stdout...
        silence_stdout()
        _error(f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130


def _error(message: str) -> None:
    if sys.stderr is not None:
        sys.stderr.write(f"{PROG}: error: {message}\n")


def _warn(message: str) -> None:
    if sys.stderr is not None:
        sys.stderr.write(f"{PROG}: warning: {message}\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
