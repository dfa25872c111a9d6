"""`registry-lsp`: serve LSP (stdio by default, or TCP), or `check` files without an editor."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from registry_lsp import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="registry-lsp",
        description="Language server for hybrid step registry step names.",
    )
    parser.add_argument("--version", action="version", version=f"registry-lsp {__version__}")
    parser.add_argument("--stdio", action="store_true", help="serve over stdio (the default)")
    parser.add_argument("--tcp", metavar="HOST:PORT", help="serve over TCP instead of stdio")
    parser.add_argument("--log-file", metavar="PATH", help="also write the log to this file")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more logging (-vv: protocol too)"
    )
    sub = parser.add_subparsers(dest="command")
    check = sub.add_parser(
        "check",
        help="print the server's diagnostics for files or folders",
        description=(
            "Analyse every Python file (and registry file) under PATH exactly as the server "
            "would. Each file is checked against the registry of the nearest folder holding "
            "[tool.hybrid-registry] or .hybrid-registry.toml, else --root, else the current "
            "folder. Exit status 1 if any error is found."
        ),
    )
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--root", metavar="DIR", help="registry folder for files without config")
    check.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def _fail(message: str) -> int:
    if sys.stderr is not None:
        print(f"registry-lsp: error: {message}", file=sys.stderr)
    return 2


def _check(args: argparse.Namespace) -> int:
    from hybrid_registry.cli import silence_stdout
    from registry_lsp.check import check_paths, report

    if sys.stdout is None:
        return _fail("standard output is closed")
    try:
        paths = [Path(p) for p in args.paths]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            return _fail(f"no such file or folder: {', '.join(missing)}")
        root = Path(args.root) if args.root else Path.cwd()
        if not root.is_dir():
            return _fail(f"--root {args.root} is not a folder")
        return report(check_paths(paths, Path(os.path.realpath(root))), args.format, sys.stdout)
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        silence_stdout()
        return 1
    except OSError as exc:  # a path the system refuses, a full disk under stdout...
        silence_stdout()
        return _fail(f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "check":
        return _check(args)

    host, _, port = (args.tcp or "").rpartition(":")
    if args.tcp and not (port.isdigit() and int(port) < 65536):
        return _fail(f"--tcp expects HOST:PORT, not {args.tcp!r}")

    from registry_lsp.logs import configure

    try:
        log_handler = configure(args.verbose, args.log_file)
    except OSError as error:
        return _fail(f"cannot write the log file {args.log_file}: {error.strerror or error}")

    from registry_lsp.server import server

    server.log_handler = log_handler
    log = logging.getLogger("registry_lsp.cli")
    if args.tcp:
        log.info("registry-lsp %s listening on %s:%s", __version__, host or "127.0.0.1", port)
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        log.info("registry-lsp %s serving over stdio (pid %d)", __version__, os.getpid())
        server.start_io()
    return 0


if __name__ == "__main__":
    sys.exit(main())
