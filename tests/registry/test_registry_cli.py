"""The `hybrid-registry` command: in-process with capsys, and the installed console script."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hybrid_registry import UnifiedRegistryManager, __version__
from hybrid_registry.cli import main

from registry_helpers import WORKSPACE_RELPATH, HybridFolder, write

PROBLEM_LINE = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (error|warning|information|hint)"
    r"\[(?P<code>[a-z-]+)\]: .+$"
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_error_line(err: str, fragment: str) -> None:
    assert err.count("\n") == 1 and err.startswith("hybrid-registry: error: "), err
    assert fragment in err
    assert "Traceback" not in err


@pytest.fixture
def in_simple(simple_folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(simple_folder)
    return simple_folder


def test_list_text_is_aligned(capsys: pytest.CaptureFixture[str], in_simple: Path) -> None:
    code, out, err = run(capsys, "list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["STEP", "CONFIG", "CLASS", "SAGEMAKER", "TYPE", "SOURCE"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert rows["Train"].split() == ["Train", "TrainConfig", "Training", "core"]
    assert rows["AliceOnly"].split()[-2:] == ["workspace", "alice"]
    column = lines[0].index("SOURCE")
    assert all(line[column - 2 : column] == "  " for line in lines)


def test_list_json_is_the_legacy_dict(capsys: pytest.CaptureFixture[str], in_simple: Path) -> None:
    manager = UnifiedRegistryManager.from_folder(in_simple)
    code, out, _ = run(capsys, "list", "--format", "json")
    assert code == 0 and json.loads(out) == manager.create_legacy_step_names_dict()
    code, out, _ = run(capsys, "list", "--format", "json", "--workspace", "alice", "--root", ".")
    assert json.loads(out)["Train"]["description"] == "alice's train"


def test_list_uses_the_default_workspace(
    capsys: pytest.CaptureFixture[str], in_simple: Path
) -> None:
    config = in_simple / ".hybrid-registry.toml"
    config.write_text(config.read_text() + 'default-workspace = "carol"\n')
    _, out, _ = run(capsys, "list", "--format", "json")
    assert json.loads(out)["Train"]["description"] == "carol's train"


def test_show_prints_the_chain_with_relative_locations(
    capsys: pytest.CaptureFixture[str], in_simple: Path
) -> None:
    code, out, err = run(capsys, "show", "Train_training", "--workspace", "alice")
    assert code == 0 and err == ""
    alice_registry = (Path("ws") / "alice" / WORKSPACE_RELPATH).as_posix()
    assert out.splitlines()[0] == "Train_training"
    assert "Train, job type 'training'" in out
    assert "workspace alice" in out
    chain = out[out.index("resolution chain") :].splitlines()[1:3]
    assert chain[0].split()[:4] == ["*", "override", "in", "alice"]
    assert re.search(re.escape(alice_registry) + r":\d+$", chain[0])
    assert re.search(r"core\s+core\.py:\d+$", chain[1])
    assert "conflict: 'Train' is defined by several workspaces" in out
    assert str(in_simple) not in out  # paths are relative to the current folder


def test_show_paths_outside_the_current_folder_stay_absolute(
    capsys: pytest.CaptureFixture[str],
    simple_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out, _ = run(capsys, "show", "Eval", "--root", str(simple_folder))
    assert code == 0
    assert f"{simple_folder.resolve() / 'core.py'}:" in out
    assert "conflicts: none" in out


def test_show_unknown_step_suggests(capsys: pytest.CaptureFixture[str], in_simple: Path) -> None:
    code, out, err = run(capsys, "show", "Preproces")
    assert code == 1 and out == ""
    assert err == "hybrid-registry: error: Unknown step 'Preproces'. Did you mean 'Preprocess'?\n"


def test_conflicts(capsys: pytest.CaptureFixture[str], in_simple: Path) -> None:
    code, out, _ = run(capsys, "conflicts")
    assert code == 0
    blocks = out.split("\n")
    assert "Preferred: defined by 2 workspaces" in blocks
    index = blocks.index("Preferred: defined by 2 workspaces")
    assert blocks[index + 1].split()[:2] == ["workspace", "bob_ml"]
    bob = Path("ws") / "bob" / WORKSPACE_RELPATH
    lines = bob.read_text().splitlines()
    line = next(number for number, text in enumerate(lines, 1) if "'Preferred': {" in text)
    assert blocks[index + 1].endswith(f"{bob.as_posix()}:{line}")
    assert blocks[index + 2].split()[:2] == ["workspace", "carol"]


def test_no_conflicts(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path / "registry" / "step_names.py", "STEP_NAMES = {}\n")
    assert run(capsys, "conflicts", "--root", str(tmp_path))[:2] == (0, "No conflicts.\n")


def test_validate_lists_sorted_problems_and_fails_on_errors(
    capsys: pytest.CaptureFixture[str], hybrid_folder: HybridFolder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(hybrid_folder.root)
    code, out, err = run(capsys, "validate")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 10
    keys = []
    codes = []
    for line in lines:
        match = PROBLEM_LINE.match(line)
        assert match, line
        keys.append((match["path"], int(match["line"]), int(match["col"])))
        codes.append(match["code"])
    assert keys == sorted(keys)
    assert codes.count("step-conflict") == 2  # both definitions of the conflicted name
    carol_file = (Path("developers") / "carol" / WORKSPACE_RELPATH).as_posix()
    carol = f"{carol_file}:4:41: error[syntax-error]: Syntax"
    assert any(line.startswith(carol) for line in lines)
    assert (
        "registry/step_names.py:39:6: warning[duplicate-key]: Step 'Duplicated' is defined twice"
        in out
    )
    assert "error(s)" in err
    assert not hybrid_folder.sentinel.exists()


def test_validate_clean_folder(capsys: pytest.CaptureFixture[str], in_simple: Path) -> None:
    code, out, err = run(capsys, "validate")
    assert code == 0
    assert {line.split(": ")[1] for line in out.splitlines()} == {"warning[step-conflict]"}
    assert "0 error(s)" in err


def test_status(capsys: pytest.CaptureFixture[str], in_simple: Path) -> None:
    code, out, _ = run(capsys, "status")
    assert code == 0
    assert "config:      .hybrid-registry.toml" in out
    assert "core:        4 steps, 0 problem(s)" in out
    assert re.search(r"bob_ml\s+3 local\s+0 override\(s\)\s+0 problem\(s\)\s+ws/bob", out)
    assert "conflicts:   3 (Preferred, Shared, Train)" in out
    code, out, _ = run(capsys, "status", "--format", "json")
    status = json.loads(out)
    assert set(status) == {"core", "alice", "bob_ml", "carol"}
    assert status["core"]["step_count"] == 4


def test_init_workspace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "init-workspace", "devs/dana", "--developer-id", "dana")
    created = Path("devs") / "dana" / WORKSPACE_RELPATH
    assert (code, out, err) == (0, f"{created}\n", "")
    assert "dana" in created.read_text()

    code, _, err = run(capsys, "init-workspace", "devs/dana", "--developer-id", "dana")
    assert code == 1
    assert_one_error_line(err, "already exists")
    assert "--force" in err

    code, out, _ = run(
        capsys,
        "init-workspace",
        "devs/dana",
        "--developer-id",
        "dana2",
        "--template",
        "minimal",
        "--force",
    )
    assert code == 0 and "dana2" in created.read_text()

    code, _, err = run(capsys, "init-workspace", "devs/x", "--developer-id", "9 bad")
    assert code == 2
    assert_one_error_line(err, "Invalid developer id")
    assert not Path("devs/x").exists()

    # PATH is relative to --root; the new workspace is found by auto-detection.
    code, out, _ = run(
        capsys, "init-workspace", "w/erin", "--developer-id", "erin", "--root", "devs"
    )
    assert code == 0 and out.startswith("devs/w/erin/")
    assert UnifiedRegistryManager.from_folder(tmp_path / "devs").list_workspaces() == [
        "dana2",
        "erin",
    ]


@pytest.mark.parametrize(
    ("args", "fragment", "expected"),
    [
        (["list", "--root", "/definitely/not/here"], "does not exist", 2),
        (["status", "--root", "FILE"], "is not a folder", 2),
        (["list", "--workspace", "nobody"], "unknown workspace 'nobody'", 2),
        (["list", "--format", "xml"], "invalid choice", 2),
        (["frobnicate"], "invalid choice", 2),
        ([], "required", 2),
        (["show"], "required", 2),
        (["init-workspace", "9x"], "Invalid developer id", 2),  # the folder name by default
    ],
)
def test_user_errors_are_one_line(
    capsys: pytest.CaptureFixture[str],
    in_simple: Path,
    args: list[str],
    fragment: str,
    expected: int,
) -> None:
    write(in_simple / "FILE", "")
    code, out, err = run(capsys, *args)
    assert code == expected and out == ""
    assert_one_error_line(err, fragment)


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert (code, out) == (0, f"hybrid-registry {__version__}\n")
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "init-workspace" in out


# --------------------------------------------------------------------------- the installed script


def console_script() -> str:
    found = Path(sys.executable).with_name("hybrid-registry")
    if found.exists():
        return str(found)
    which = shutil.which("hybrid-registry")
    if which is None:
        pytest.skip("the hybrid-registry console script is not installed")
    return which


def test_console_script_list_json(simple_folder: Path, tmp_path: Path) -> None:
    completed = subprocess.run(
        [console_script(), "list", "--root", str(simple_folder), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    expected = UnifiedRegistryManager.from_folder(simple_folder).create_legacy_step_names_dict()
    assert json.loads(completed.stdout) == expected


def test_console_script_error_has_no_traceback(tmp_path: Path) -> None:
    completed = subprocess.run(
        [console_script(), "list", "--root", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert_one_error_line(completed.stderr, "does not exist")


def test_console_script_never_runs_registry_code(hybrid_folder: HybridFolder) -> None:
    for command in (["list"], ["show", "MalloryStep"], ["validate"], ["status"]):
        subprocess.run(
            [console_script(), *command, "--root", str(hybrid_folder.root)],
            capture_output=True,
            timeout=60,
            check=False,
        )
    assert not hybrid_folder.sentinel.exists()


def test_a_folder_without_a_registry_gets_a_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hybrid_registry.discovery.FRAMEWORK_PACKAGES", ())
    code, out, err = run(capsys, "list", "--format", "json", "--root", str(tmp_path))
    assert (code, json.loads(out)) == (0, {})
    assert err.startswith("hybrid-registry: warning: no step registry found")


def test_init_workspace_in_an_unwritable_place_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = write(tmp_path / "blocker", "a file where a folder should be")
    code, out, err = run(capsys, "init-workspace", str(blocker / "ws"), "--developer-id", "x")
    assert code == 1 and out == ""
    assert_one_error_line(err, "Cannot")


def test_warnings_for_a_missing_default_workspace_a_wrong_job_type_and_broken_config(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(
        tmp_path / "core.py",
        "STEP_NAMES = {'Score': {'sagemaker_step_type': 'Processing',"
        " 'job_types': ['training']}}\n",
    )
    write(tmp_path / ".hybrid-registry.toml", 'core = ["core.py"]\ndefault-workspace = "erin"\n')
    code, out, err = run(capsys, "show", "Score_testing", "--root", str(tmp_path))
    assert code == 0
    assert "context         none (no workspace)" in out
    assert "the default workspace 'erin' is not a loaded workspace" in err
    assert "step 'Score' has no job type 'testing' (it declares: training)" in err

    write(tmp_path / ".hybrid-registry.toml", 'core = ["nowhere.py"]\n')
    code, out, err = run(capsys, "status", "--root", str(tmp_path))
    assert code == 0
    assert "none of the sources configured in" in err and "validate" in err
    assert "no step registry found" not in err


def test_init_workspace_warns_when_the_registry_will_not_use_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.hybrid-registry]\nworkspaces = ["devs"]\n', encoding="utf-8"
    )
    assert run(capsys, "init-workspace", "devs/ann", "--developer-id", "ann")[0] == 0
    code, _, err = run(capsys, "init-workspace", "devs/ann2", "--developer-id", "ann")
    assert code == 0 and "already used" in err and "another --developer-id" in err
    code, _, err = run(capsys, "init-workspace", "other/bo", "--developer-id", "bo")
    assert code == 0 and "not under the workspace folders configured in pyproject.toml" in err
    for holder in ("devs", ".", "devs/ann/.."):
        code, _, err = run(capsys, "init-workspace", holder, "--developer-id", "dee")
        assert code == 2
        assert_one_error_line(err, "holds the workspaces")
    code, _, err = run(capsys, "init-workspace", "x", "--developer-id", "cy", "--root", "nope")
    assert code == 2
    assert_one_error_line(err, "root folder 'nope' does not exist")
    assert not (tmp_path / "nope").exists()


def test_output_and_path_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], in_simple: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, "list", "--root", "a" * 300)
    assert code == 1
    assert_one_error_line(err, "File name too long")

    class Full:
        def write(self, text: str) -> int:
            raise OSError(28, "No space left on device")

        def fileno(self) -> int:
            raise ValueError("no file")

    monkeypatch.setattr("sys.stdout", Full())
    code = main(["list"])
    _, err = capsys.readouterr()
    assert code == 1
    assert_one_error_line(err, "No space left on device")
    monkeypatch.setattr("sys.stdout", None)
    code = main(["list"])
    _, err = capsys.readouterr()
    assert code == 1
    assert_one_error_line(err, "standard output is closed")
