"""An editor opened on a repository whose registry is configured in a subfolder (the folder's
`examples/pyproject.toml`): files of that project resolve against its registry, as
`registry-lsp check` does, not against what auto-detection finds at the repository root."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsprotocol import types

from lsp_session import Session

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES, repo / "examples")
    (repo / "README.md").write_text("# a repository\n", encoding="utf-8")
    return repo


async def test_a_subfolder_with_its_own_configuration_uses_its_registry(
    session: Session, folder: Path
) -> None:
    uri = session.open("examples/pipelines/pytorch_pipeline.py")
    diagnostics = await session.diagnostics(uri)
    unknown = [d for d in diagnostics if d.code == "unknown-step"]
    assert [d.message for d in unknown] == [
        "Unknown step 'XGBoostTrainng_training'. Did you mean 'XGBoostTraining_training'?"
    ]
    hover = await session.hover(uri, session.find(uri, "PyTorchTraining", offset=2))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "PyTorchTrainingConfig" in hover.contents.value
    status = await session.status()
    folders = {f["folder"]: f for f in status["folders"]}
    project = folders[str((folder / "examples").resolve())]
    assert project["stepCount"] == 27 and project["configFile"].endswith("pyproject.toml")


async def test_a_configuration_that_appears_or_goes_away_moves_open_files(
    session: Session, folder: Path
) -> None:
    late = folder / "late"
    (late / "reg").mkdir(parents=True)
    (late / "reg" / "steps.py").write_text(
        'STEP_NAMES = {"LateOnly": {"sagemaker_step_type": "Processing"}}\n', encoding="utf-8"
    )
    uri = session.open("late/p.py", 'dag.add_node("LateOnly")\n')

    def unknown(diagnostics: list[types.Diagnostic]) -> list[str]:
        return [d.message for d in diagnostics if d.code == "unknown-step"]

    await session.diagnostics_until(uri, lambda ds: unknown(ds) != [])
    session.disk_changed("late/.hybrid-registry.toml", 'core = ["reg/steps.py"]\n')
    await session.diagnostics_until(uri, lambda ds: unknown(ds) == [])
    session.disk_changed("late/.hybrid-registry.toml", None)
    await session.diagnostics_until(uri, lambda ds: unknown(ds) != [])
    status = await session.status()
    assert str(late.resolve()) not in [f["folder"] for f in status["folders"]]
