"""`registry-lsp check` and `registry-lsp --version`, in-process and through the installed
console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from registry_lsp import __version__
from registry_lsp.cli import main

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
SCRIPT = Path(sys.executable).parent / "registry-lsp"
TYPO = "pipelines/pytorch_pipeline.py:46:52: error[unknown-step]: "
TYPO_MESSAGE = "Unknown step 'XGBoostTrainng_training'. Did you mean "
WORKSPACE = Path("src", "cursus_dev", "registry", "workspace_registry.py")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def core_module(*names: str) -> str:
    rows = ", ".join(
        f'"{name}": {{"config_class": "{name}Config", "sagemaker_step_type": "Processing"}}'
        for name in names
    )
    return f"STEP_NAMES = {{{rows}}}\n"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    """(exit status, stdout lines, stderr) of an in-process run."""
    status = main(args)
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def run_script(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    if not SCRIPT.exists():
        pytest.skip(f"{SCRIPT} is not installed")
    return subprocess.run(
        [str(SCRIPT), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )


@pytest.fixture()
def examples(tmp_path: Path) -> Path:
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, target)
    return target


# ------------------------------------------------------------------------------ the example


def test_check_the_example_folder(
    examples: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(examples)
    status, lines, err = run(["check", "."], capsys)
    assert status == 1
    assert err == ""
    (typo,) = [line for line in lines if line.startswith(TYPO)]
    assert typo[len(TYPO) :].startswith(TYPO_MESSAGE)
    assert "'XGBoostTraining_training'" in typo
    alice = "developers/alice/src/cursus_dev/registry/workspace_registry.py"
    assert (
        f"{alice}:24:6: warning[step-conflict]: "
        "Step 'TextEmbedding' is defined by several workspaces: alice, bob_ml."
    ) in lines
    assert (
        f"{alice}:37:6: hint[overrides-core]: Overrides core step 'XGBoostTraining' "
        "(pipeline_registry/step_names.py:82) for this workspace"
    ) in lines
    assert lines[-1] == "7 problem(s) in 3 file(s) (1 error(s)) — checked 15 file(s)"
    # sorted by path, then position
    findings = lines[:-1]
    assert findings == sorted(
        findings, key=lambda line: (line.split(":")[0], *map(int, line.split(":")[1:3]))
    )


def test_check_from_the_parent_folder_prints_paths_from_there(
    examples: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's command: `registry-lsp check examples` from the repository root."""
    monkeypatch.chdir(examples.parent)
    status, lines, _ = run(["check", "examples"], capsys)
    assert status == 1
    assert any(line.startswith(f"examples/{TYPO}{TYPO_MESSAGE}") for line in lines)


def test_check_suggests_exactly_the_readme_name(
    examples: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the node name with its job type, not also the bare step name."""
    monkeypatch.chdir(examples)
    _, lines, _ = run(["check", "pipelines"], capsys)
    assert (
        f"{TYPO}Unknown step 'XGBoostTrainng_training'. Did you mean 'XGBoostTraining_training'?"
    ) in lines


def test_check_one_file_reports_only_that_file(
    examples: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(examples)
    status, lines, _ = run(["check", "pipelines/xgboost_pipeline.py"], capsys)
    assert status == 0
    assert lines == ["0 problem(s) in 0 file(s) (0 error(s)) — checked 1 file(s)"]


def test_check_json_format(
    examples: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(examples)
    status = main(["check", ".", "--format", "json"])
    out, err = capsys.readouterr()
    assert status == 1 and err == ""
    records: list[dict[str, Any]] = json.loads(out)
    assert len(records) == 7
    for record in records:
        assert set(record) == {
            "path",
            "line",
            "column",
            "endLine",
            "endColumn",
            "severity",
            "code",
            "message",
            "related",
        }
    typo = next(r for r in records if r["code"] == "unknown-step")
    assert typo["path"] == str((examples / "pipelines" / "pytorch_pipeline.py").resolve())
    assert (typo["line"], typo["column"]) == (46, 52)
    assert (typo["endLine"], typo["endColumn"]) == (46, 52 + len("XGBoostTrainng_training"))
    assert typo["severity"] == "error"
    assert typo["message"].startswith(TYPO_MESSAGE)
    assert typo["related"] == []
    conflict = next(r for r in records if r["code"] == "step-conflict" and "/alice/" in r["path"])
    bob = (examples / "developers" / "bob" / WORKSPACE).resolve()
    assert conflict["related"] == [
        {
            "path": str(bob),
            "line": 16,
            "column": 6,
            "message": "'TextEmbedding' defined here (workspace bob_ml)",
        }
    ]
    assert sorted({r["severity"] for r in records}) == ["error", "hint", "warning"]


def test_console_script_checks_the_example(examples: Path) -> None:
    result = run_script(["check", "."], examples)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    assert any(line.startswith(TYPO + TYPO_MESSAGE) for line in result.stdout.splitlines())


# ------------------------------------------------------------------------------ folders


@pytest.fixture()
def clean(tmp_path: Path) -> Path:
    root = tmp_path / "clean"
    write(root / ".hybrid-registry.toml", 'core = ["steps.py"]\n')
    write(root / "steps.py", core_module("Load", "Train"))
    write(
        root / "pipes" / "p.py",
        'dag.add_node("Load_training")\ndag.add_edge("Load_training", "Train")\n'
        'print("Nope")  # not a step-name position\n',
    )
    return root


def test_a_folder_without_errors_exits_0(
    clean: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(clean)
    status, lines, err = run(["check", "."], capsys)
    assert (status, err) == (0, "")
    assert lines == ["0 problem(s) in 0 file(s) (0 error(s)) — checked 2 file(s)"]
    status = main(["check", ".", "--format", "json"])
    assert status == 0
    assert json.loads(capsys.readouterr().out) == []


def test_warnings_alone_exit_0(
    clean: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(clean / "ws" / "a" / WORKSPACE, 'LOCAL_STEPS = {"Shared": {"config_class": "A"}}\n')
    write(clean / "ws" / "b" / WORKSPACE, 'LOCAL_STEPS = {"Shared": {"config_class": "B"}}\n')
    write(clean / ".hybrid-registry.toml", 'core = ["steps.py"]\nworkspaces = ["ws"]\n')
    write(clean / "pipes" / "p.py", 'dag.add_node("Shared")\n')
    monkeypatch.chdir(clean)
    status, lines, _ = run(["check", "pipes"], capsys)
    assert status == 0
    assert lines == [
        "pipes/p.py:1:15: warning[step-conflict]: Step 'Shared' is defined by several "
        "workspaces: a, b. Here it resolves to a's definition.",
        "1 problem(s) in 1 file(s) (0 error(s)) — checked 1 file(s)",
    ]


def test_root_is_the_registry_of_files_without_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = tmp_path / "registry_folder"
    write(registry / ".hybrid-registry.toml", 'core = ["my_steps.py"]\n')
    write(registry / "my_steps.py", core_module("Load", "Train"))
    scripts = tmp_path / "scripts"
    write(scripts / "run.py", 'dag.add_node("Load")\ndag.add_node("Trian")\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    status, lines, _ = run(["check", str(scripts), "--root", str(registry)], capsys)
    assert status == 1
    assert lines == [
        "../scripts/run.py:2:15: error[unknown-step]: Unknown step 'Trian'. Did you mean 'Train'?",
        "1 problem(s) in 1 file(s) (1 error(s)) — checked 1 file(s)",
    ]
    # without --root the current folder (no registry here) is the registry: nothing is known
    status, lines, _ = run(["check", str(scripts)], capsys)
    assert status == 1
    assert lines[-1] == "2 problem(s) in 1 file(s) (2 error(s)) — checked 1 file(s)"


def test_nearest_config_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outer = tmp_path / "outer"
    write(outer / "pyproject.toml", '[tool.hybrid-registry]\ncore = ["core.py"]\n')
    write(outer / "core.py", core_module("Alpha", "Beta"))
    write(outer / "nested" / ".hybrid-registry.toml", 'core = ["inner.py"]\n')
    write(outer / "nested" / "inner.py", core_module("Gamma"))
    pipeline = 'dag.add_node("Alpha")\ndag.add_node("Gamma")\n'
    write(outer / "pipes" / "p.py", pipeline)
    write(outer / "nested" / "deeper" / "q.py", pipeline)
    # a pyproject.toml without the tool table is no registry configuration
    write(outer / "nested" / "deeper" / "pyproject.toml", '[project]\nname = "x"\n')
    monkeypatch.chdir(outer)
    status, lines, _ = run(["check", "."], capsys)
    assert status == 1
    assert lines == [
        "nested/deeper/q.py:1:15: error[unknown-step]: Unknown step 'Alpha'.",
        "pipes/p.py:2:15: error[unknown-step]: Unknown step 'Gamma'.",
        "2 problem(s) in 2 file(s) (2 error(s)) — checked 4 file(s)",
    ]


def test_registry_file_problems_and_unreadable_files_are_reported(
    clean: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(clean / ".hybrid-registry.toml", 'core = ["steps.py"]\nworkspaces = ["ws"]\n')
    write(clean / "ws" / "dora" / WORKSPACE, "LOCAL_STEPS = {\n")
    (clean / "pipes" / "latin1.py").write_bytes(b'dag.add_node("Caf\xe9")\n')
    monkeypatch.chdir(clean)
    status, lines, _ = run(["check", "."], capsys)
    assert status == 1
    assert lines[0].startswith("pipes/latin1.py:1:1: error[unreadable-file]: ")
    assert lines[1].startswith(f"ws/dora/{WORKSPACE.as_posix()}:")
    assert "error[syntax-error]: " in lines[1]
    assert lines[-1] == "2 problem(s) in 2 file(s) (2 error(s)) — checked 4 file(s)"


# ------------------------------------------------------------------------------ usage errors


def test_nonexistent_path_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    status, lines, err = run(["check", "nope", "."], capsys)
    assert status == 2
    assert lines == []
    assert err == "registry-lsp: error: no such file or folder: nope\n"
    status, _, err = run(["check", ".", "--root", "missing"], capsys)
    assert status == 2
    assert err == "registry-lsp: error: --root missing is not a folder\n"


def test_console_script_usage_error_has_no_traceback(tmp_path: Path) -> None:
    result = run_script(["check", "does/not/exist"], tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "registry-lsp: error: no such file or folder: does/not/exist\n"


def test_unknown_format_is_an_argparse_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", ".", "--format", "xml"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"registry-lsp {__version__}\n"
    result = run_script(["--version"], tmp_path)
    assert (result.returncode, result.stdout) == (0, f"registry-lsp {__version__}\n")
    assert __version__ == "0.1.0"


def test_configuration_problems_are_reported_at_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "bad_config"
    write(root / ".hybrid-registry.toml", 'core = ["missing.py"]\nworkspaces = 3\n')
    write(root / "p.py", "x = 1\n")
    monkeypatch.chdir(root)
    status, lines, _ = run(["check", "."], capsys)
    assert status == 1
    assert lines == [
        ".hybrid-registry.toml:1:10: error[invalid-config]: Core registry source 'missing.py' "
        f"does not exist (relative to {root.resolve()})",
        ".hybrid-registry.toml:2:1: error[invalid-config]: 'workspaces' must be a list of "
        "strings; using the default instead",
        "2 problem(s) in 1 file(s) (2 error(s)) — checked 2 file(s)",
    ]


def test_problems_of_a_core_outside_the_folder_are_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "shared" / "step_names.py", "STEP_NAMES = {\n")  # a syntax error
    project = tmp_path / "project"
    write(project / ".hybrid-registry.toml", 'core = ["../shared/step_names.py"]\n')
    write(project / "p.py", 'dag.add_node("A")\n')
    monkeypatch.chdir(project)
    status, lines, _ = run(["check", "."], capsys)
    assert status == 1
    assert any(
        line.startswith("../shared/step_names.py:") and "[syntax-error]" in line for line in lines
    ), lines
    assert any(line.startswith("p.py:1:15: error[unknown-step]") for line in lines), lines


def test_a_closed_pipe_ends_check_quietly(examples: Path) -> None:
    if not SCRIPT.exists():
        pytest.skip(f"{SCRIPT} is not installed")
    # far more output than a pipe buffers, so the writes meet the closed pipe
    calls = "".join(f'dag.add_node("NoSuchStep{i}")\n' for i in range(2000))
    write(examples / "pipelines" / "many_typos.py", calls)
    process = subprocess.Popen(
        [str(SCRIPT), "check", "--format", "json", "."],
        cwd=examples,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(1)
    process.stdout.close()  # like `| head -c1`
    err = process.stderr.read().decode()
    assert process.wait(60) == 1
    assert "Traceback" not in err and "BrokenPipe" not in err, err
