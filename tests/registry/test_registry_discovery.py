"""Discovery: configuration files, their problems, and the bounded auto-detection walk."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from hybrid_registry import Severity, UnifiedRegistryManager
from hybrid_registry.discovery import (
    MAX_DEPTH,
    discover,
    find_config_root,
    installed_framework_sources,
    read_config,
)

from registry_helpers import (
    INTERFACE_GOOD,
    WORKSPACE_RELPATH,
    row,
    workspace_text,
    write,
    write_core_module,
    write_workspace,
)

ALL_KEYS = """\
core = ["core.py", "interfaces"]
workspaces = ["developers", "solo"]
default-workspace = "alice"
step-name-calls = ["add_node", "add_step"]
job-types = ["training", "scoring"]
"""


def make_sources(root: Path) -> None:
    write_core_module(root / "core.py", {"Train": row("Train", "Training")})
    write(root / "interfaces" / "loading.step.yaml", INTERFACE_GOOD)
    write_workspace(root / "developers" / "alice", workspace_text(local={"A": row("A")}))
    write_workspace(root / "developers" / "bob", workspace_text(local={"B": row("B")}))
    write(root / "developers" / "notes" / "README.md", "not a workspace")
    write_workspace(root / "solo", workspace_text(local={"S": row("S")}))


def check_all_keys(root: Path, config_file: Path) -> None:
    layout = discover(root)
    assert layout.problems == []
    assert layout.config_file == config_file
    assert layout.core_sources == [(root / "core.py").resolve(), (root / "interfaces").resolve()]
    assert layout.workspace_roots == [
        (root / "developers").resolve(),
        (root / "solo").resolve(),
    ]
    assert [p.parents[3].name for p in layout.workspace_files] == ["alice", "bob", "solo"]
    manager = UnifiedRegistryManager.from_layout(layout)
    assert manager.default_workspace == "alice"
    assert manager.step_name_calls == ("add_node", "add_step")
    assert manager.known_job_types()[:2] == ["training", "scoring"]
    assert manager.list_workspaces() == ["alice", "bob", "solo"]
    assert manager.has_step("DataLoading") and manager.has_step("Train")


def test_hybrid_registry_toml_with_every_key(tmp_path: Path) -> None:
    make_sources(tmp_path)
    config = write(tmp_path / ".hybrid-registry.toml", ALL_KEYS)
    check_all_keys(tmp_path, config.resolve())


def test_pyproject_tool_table_with_every_key(tmp_path: Path) -> None:
    make_sources(tmp_path)
    config = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.hybrid-registry]\n' + ALL_KEYS + "\n[tool.other]\na = 1\n",
    )
    check_all_keys(tmp_path, config.resolve())


def test_dedicated_file_wins_over_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.hybrid-registry]\ncore = ["a.py"]\n')
    write(tmp_path / ".hybrid-registry.toml", 'core = ["b.py"]\n')
    config, path, _ = read_config(tmp_path)
    assert config is not None and config.core == ["b.py"] and path is not None
    assert path.name == ".hybrid-registry.toml"


def test_pyproject_without_the_table_means_auto_detect(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\ntool = 1\n')
    assert read_config(tmp_path) == (None, None, [])
    write(tmp_path / "pyproject.toml", "tool = 1\n")
    assert read_config(tmp_path) == (None, None, [])


def test_unknown_keys_and_wrong_types_are_problems_at_their_line(tmp_path: Path) -> None:
    write_core_module(tmp_path / "core.py", {"Train": row("Train", "Training")})
    write(
        tmp_path / "pyproject.toml",
        "[project]\n"
        'name = "x"\n'
        "\n"
        "[tool.hybrid-registry]\n"
        'core = ["core.py"]\n'
        'workspaces = "developers"\n'
        "default-workspace = 3\n"
        '  "job-types" = ["ok", 1]\n'
        "colour = 'blue'\n",
    )
    layout = discover(tmp_path)
    found = {
        (p.range.start_line, p.range.start_col, p.severity, p.message.split("'")[1])
        for p in layout.problems
    }
    assert found == {
        (5, 0, Severity.ERROR, "workspaces"),
        (6, 0, Severity.ERROR, "default-workspace"),
        (7, 2, Severity.ERROR, "job-types"),
        (8, 0, Severity.WARNING, "colour"),
    }
    assert all(p.code == "invalid-config" for p in layout.problems)
    # Defaults are used for the bad settings; the good ones apply.
    assert layout.config.workspaces is None and layout.config.default_workspace is None
    assert layout.config.job_types == []
    assert layout.core_sources == [(tmp_path / "core.py").resolve()]
    manager = UnifiedRegistryManager.from_layout(layout)
    assert len(manager.get_problems()[str(tmp_path / "pyproject.toml")]) == 4


def test_invalid_toml_is_a_problem_with_its_position(tmp_path: Path) -> None:
    write(tmp_path / ".hybrid-registry.toml", 'core = ["a.py"]\nworkspaces = ]\n')
    config, _, problems = read_config(tmp_path)
    assert config is None
    assert [(p.code, p.range.start_line, p.range.start_col) for p in problems] == [
        ("invalid-config", 1, 13)
    ]
    write(tmp_path / ".hybrid-registry.toml", 'core = ["a.py"]\nworkspaces = [\n')
    _, _, problems = read_config(tmp_path)
    assert [p.range.start_line for p in problems] == [2]  # at the end of the document


def test_missing_configured_paths_are_problems(tmp_path: Path) -> None:
    write_core_module(tmp_path / "core.py", {"A": row("A")})
    (tmp_path / "ws").mkdir()
    write(
        tmp_path / ".hybrid-registry.toml",
        '# comment\ncore = [\n  "core.py",\n  "missing.py",\n]\nworkspaces = ["ws", "nowhere"]\n',
    )
    layout = discover(tmp_path)
    assert [(p.range.start_line, p.range.start_col, p.range.end_col) for p in layout.problems] == [
        (3, 3, 13),
        (5, 21, 28),
    ]
    assert "missing.py" in layout.problems[0].message
    assert "nowhere" in layout.problems[1].message
    assert layout.core_sources == [(tmp_path / "core.py").resolve()]
    assert layout.workspace_roots == [(tmp_path / "ws").resolve()]
    assert layout.workspace_files == []


def test_a_configured_folder_that_is_itself_a_workspace(tmp_path: Path) -> None:
    write_workspace(tmp_path / "me", workspace_text(local={"Mine": row("Mine")}))
    write(tmp_path / ".hybrid-registry.toml", 'core = []\nworkspaces = ["me"]\n')
    manager = UnifiedRegistryManager.from_folder(tmp_path)
    assert manager.list_workspaces() == ["me"] and manager.has_step("Mine")


# --------------------------------------------------------------------------- auto-detection


def test_auto_detection(tmp_path: Path) -> None:
    interfaces = write(tmp_path / "pkg" / "steps" / "interfaces" / "a.step.yaml", INTERFACE_GOOD)
    core = write_core_module(tmp_path / "pkg" / "registry" / "step_names_v2.py", {"X": row("X")})
    write(tmp_path / "pkg" / "registry" / "step_names_notes.py", "NOTHING = {}\n")
    write_core_module(tmp_path / "pkg" / "elsewhere" / "step_names.py", {"Y": row("Y")})
    deep_ws = write_workspace(tmp_path / "a" / "b" / "c" / "dev", workspace_text())
    layout = discover(tmp_path, use_installed_framework=False)

    assert layout.config_file is None and layout.problems == []
    assert layout.core_sources == [core.resolve(), interfaces.parent.resolve()]
    assert layout.workspace_files == [deep_ws.resolve()]
    assert layout.workspace_roots == [tmp_path.resolve()]


def test_walk_skips_tooling_hidden_and_virtualenv_folders(tmp_path: Path) -> None:
    for skipped in (".git", "node_modules", ".hidden", "__pycache__", "my-env-with-any-name"):
        write_workspace(tmp_path / skipped / "ws", workspace_text())
        write(tmp_path / skipped / "interfaces" / "a.step.yaml", INTERFACE_GOOD)
    write(tmp_path / "my-env-with-any-name" / "pyvenv.cfg", "home = /usr/bin\n")
    kept = write_workspace(tmp_path / "visible" / "ws", workspace_text())
    layout = discover(tmp_path, use_installed_framework=False)
    assert layout.workspace_files == [kept.resolve()]
    assert layout.core_sources == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_walk_terminates_on_a_symlink_loop(tmp_path: Path) -> None:
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    try:
        (inner / "loop").symlink_to(tmp_path / "a", target_is_directory=True)
        (tmp_path / "self").symlink_to(tmp_path, target_is_directory=True)
    except OSError:
        pytest.skip("cannot create symlinks here")
    kept = write_workspace(inner / "ws", workspace_text())
    layout = discover(tmp_path, use_installed_framework=False)
    assert layout.workspace_files == [kept.resolve()]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_walk_never_follows_a_symlink_out_of_the_folder(tmp_path: Path) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    write_workspace(elsewhere / "ws", workspace_text())
    kept = write_workspace(project / "own" / "ws", workspace_text())
    try:
        (project / "out").symlink_to(elsewhere, target_is_directory=True)
        (project / "in").symlink_to(project / "own", target_is_directory=True)
    except OSError:
        pytest.skip("cannot create symlinks here")
    layout = discover(project, use_installed_framework=False)
    assert [path.resolve() for path in layout.workspace_files] == [kept.resolve()]


def test_walk_depth_is_bounded(tmp_path: Path) -> None:
    shallow = tmp_path.joinpath(*["d"] * 3)
    deep = tmp_path.joinpath(*["d"] * (MAX_DEPTH + 2))
    write(shallow / "interfaces" / "a.step.yaml", INTERFACE_GOOD)
    write(deep / "interfaces" / "a.step.yaml", INTERFACE_GOOD)
    layout = discover(tmp_path, use_installed_framework=False)
    assert layout.core_sources == [(shallow / "interfaces").resolve()]


def test_installed_framework_is_found_without_importing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site" / "cursus"
    sentinel = tmp_path / "IMPORTED.txt"
    write(package / "__init__.py", f"open({str(sentinel)!r}, 'w').close()\n")
    module = write_core_module(package / "registry" / "step_names.py", {"Fw": row("Fw")})
    write(package / "steps" / "interfaces" / "a.step.yaml", INTERFACE_GOOD)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, "cursus", raising=False)

    assert installed_framework_sources() == [module, package / "steps" / "interfaces"]
    empty = tmp_path / "empty"
    empty.mkdir()
    layout = discover(empty)
    assert layout.core_sources == [module, package / "steps" / "interfaces"]
    assert discover(empty, use_installed_framework=False).core_sources == []
    assert "cursus" not in sys.modules and not sentinel.exists()


def test_find_config_root(tmp_path: Path) -> None:
    project = tmp_path / "project"
    nested = write(project / "src" / "pkg" / "module.py", "")
    assert find_config_root(nested) is None or find_config_root(nested) != project
    write(project / "pyproject.toml", '[project]\nname = "p"\n')
    write(project / "src" / "pyproject.toml", "not toml [")
    assert find_config_root(nested) != project.resolve()
    write(project / "pyproject.toml", '[project]\nname = "p"\n[tool.hybrid-registry]\n')
    assert find_config_root(nested) == project.resolve()
    assert find_config_root(nested.parent) == project.resolve()
    write(project / "src" / ".hybrid-registry.toml", "")
    assert find_config_root(nested) == (project / "src").resolve()


def test_registry_files_and_watch_patterns(tmp_path: Path) -> None:
    make_sources(tmp_path)
    write(tmp_path / ".hybrid-registry.toml", ALL_KEYS)
    manager = UnifiedRegistryManager.from_folder(tmp_path)
    files = {Path(f).relative_to(tmp_path.resolve()).as_posix() for f in manager.registry_files()}
    assert files == {
        "core.py",
        "interfaces/loading.step.yaml",
        *(f"developers/{w}/{WORKSPACE_RELPATH.as_posix()}" for w in ("alice", "bob")),
        f"solo/{WORKSPACE_RELPATH.as_posix()}",
    }
    patterns = manager.watch_patterns()
    assert str((tmp_path / "interfaces").resolve() / "*.step.yaml") in patterns


# --------------------------------------------------------------------------- odd files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_like_a_core_module_never_blocks_the_walk(tmp_path: Path) -> None:
    (tmp_path / "registry").mkdir()
    os.mkfifo(tmp_path / "registry" / "step_names_x.py")
    core = write_core_module(tmp_path / "pkg" / "registry" / "step_names.py", {"X": row("X")})
    layout = discover(tmp_path, use_installed_framework=False)  # would hang on open()
    assert layout.core_sources == [core.resolve()]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_an_unreadable_workspace_registry_is_a_problem_not_a_vanished_workspace(
    tmp_path: Path,
) -> None:
    write_core_module(tmp_path / "core.py", {"A": row("A")})
    as_folder = tmp_path / "developers" / "alice" / WORKSPACE_RELPATH
    as_folder.mkdir(parents=True)
    loop = tmp_path / "developers" / "bob" / WORKSPACE_RELPATH
    loop.parent.mkdir(parents=True)
    os.symlink(loop, loop)
    fifo = tmp_path / "developers" / "carol" / WORKSPACE_RELPATH
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    write(tmp_path / ".hybrid-registry.toml", 'core = ["core.py"]\nworkspaces = ["developers"]\n')
    manager = UnifiedRegistryManager.from_folder(tmp_path)
    unreadable = sorted(
        Path(p.path).parents[3].name for p in manager.all_problems() if p.code == "unreadable-file"
    )
    assert unreadable == ["alice", "bob", "carol"]
    assert manager.has_step("A")


def test_a_registry_module_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    core = tmp_path / "core.py"
    core.write_bytes(b"\xef\xbb\xbfSTEP_NAMES = {'Abc': {'sagemaker_step_type': 'Processing'}}\n")
    write(tmp_path / ".hybrid-registry.toml", 'core = ["core.py"]\n')
    manager = UnifiedRegistryManager.from_folder(tmp_path)
    assert manager.all_problems() == []
    definition = manager.get_step_definition("Abc")
    assert definition is not None and definition.location is not None
    assert definition.location.range.start_col == 15  # columns as the editor shows them
