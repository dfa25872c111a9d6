"""Builders of registry folders for the registry tests, and where the shared real data is.

Registry files are written as text here and only ever read statically by the library; the
`mallory` workspace proves it: its top-level code would create `SENTINEL` if it ever ran.
"""

from __future__ import annotations

import pprint
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
"""`/work/shared`: the sibling of the repository, holding the real cursus registry data."""
CURSUS = SHARED / "data" / "cursus"
requires_shared = pytest.mark.skipif(
    not (CURSUS / "interfaces").is_dir(), reason="shared cursus data not available"
)

WORKSPACE_RELPATH = Path("src", "cursus_dev", "registry", "workspace_registry.py")
SENTINEL = "EXECUTED.txt"


def write(path: Path, content: str | bytes) -> Path:
    """Write a file (creating its folders); text is written as UTF-8."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def row(name: str, sagemaker: str = "Processing", **extra: Any) -> dict[str, Any]:
    """A legacy registry row with the conventional names."""
    return {
        "config_class": f"{name}Config",
        "builder_step_name": f"{name}StepBuilder",
        "spec_type": name,
        "sagemaker_step_type": sagemaker,
        **extra,
    }


def module_text(variable: str, table: dict[str, Any]) -> str:
    return f"{variable} = {pprint.pformat(table, sort_dicts=False)}\n"


def write_core_module(path: Path, steps: dict[str, dict[str, Any]]) -> Path:
    return write(path, '"""Core registry."""\n\n' + module_text("STEP_NAMES", steps))


def workspace_text(
    local: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    extra: str = "",
) -> str:
    parts = ['"""Workspace registry."""\n']
    if metadata is not None:
        parts.append(module_text("WORKSPACE_METADATA", metadata))
    parts.append(module_text("LOCAL_STEPS", local or {}))
    parts.append(module_text("STEP_OVERRIDES", overrides or {}))
    parts.append(extra)
    return "\n".join(parts)


def write_workspace(workspace_dir: Path, text: str | bytes) -> Path:
    return write(workspace_dir / WORKSPACE_RELPATH, text)


def line_col(text: str, needle: str, occurrence: int = 0) -> tuple[int, int]:
    """0-based (line, column in code points) of the `occurrence`-th `needle` in `text`."""
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index)
    return line, index - (text.rfind("\n", 0, index) + 1)


# --------------------------------------------------------------------------- the hybrid folder

CORE_MODULE = '''\
"""Core registry of the test folder: constants, a problem of each kind, an emoji line."""

_PROCESSING = "Processing"
_TRAINING: str = "Training"
_DESC = "Tabular preprocessing (accents: déjà vu)"
_REBOUND = "literal at first"
_REBOUND = compute_it()


def compute_it():
    return "never called"


STEP_NAMES = {
    "TabularPreprocessing": {
        "config_class": "TabularPreprocessingConfig",
        "builder_step_name": "TabularPreprocessingStepBuilder",
        "spec_type": "TabularPreprocessing",
        "sagemaker_step_type": _PROCESSING,
        "description": _DESC,
    },
    "XGBoostTraining": {
        "config_class": "XGBoostTrainingConfig",
        "builder_step_name": "XGBoostTrainingStepBuilder",
        "spec_type": "XGBoostTraining",
        "sagemaker_step_type": _TRAINING,
        "description": "XGBoost training",
        "job_types": ["training", "calibration"],
    },
    "ModelEval": {"sagemaker_step_type": "Processing", "description": "naïve café 🙂"}, "Émoji": {},
    "Computed": {
        "sagemaker_step_type": "Processing",
        "description": "résumé 🙂 " + compute_it(),
        "config_class": "ComputedConfig",
    },
    "UsesRebound": {"sagemaker_step_type": "Processing", "description": _REBOUND},
    "Duplicated": {"sagemaker_step_type": "Processing", "description": "first"},
    "NoSagemakerType": {"config_class": "NoSagemakerTypeConfig"},
    "Duplicated": {"sagemaker_step_type": "Processing", "description": "second"},
    "Package_special": {"sagemaker_step_type": "Processing", "description": "a real X_y step"},
    "Package": {"sagemaker_step_type": "Processing"},
}
'''

INTERFACE_GOOD = """\
step_type: DataLoading
node_type: source
registry:
  sagemaker_step_type: Processing
  description: Loads data (données 🙂)
spec:
  dependencies: {}
  outputs:
    DATA:
      type: processing_output
"""

INTERFACE_NO_TYPE = """\
step_type: Incomplete
registry:
  description: this interface lacks its sagemaker_step_type
"""

YAML_TABLE = """\
# A YAML table: step name -> row
Base: {config_class: BasePipelineConfig, sagemaker_step_type: Base, description: "é🙂"}
YamlOnly:
  sagemaker_step_type: Lambda
  description: from the YAML table
"""

JSON_TABLE = (
    '{"JsonOnly": {"sagemaker_step_type": "Transform", "description": "👍 json"}, '
    '"AlsoJson": {"sagemaker_step_type": "Processing"}}\n'
)

PYPROJECT = """\
[project]
name = "hybrid-test-folder"

[tool.hybrid-registry]
core = ["registry/step_names.py", "interfaces", "tables/extra.yaml", "tables/extra.json"]
workspaces = ["developers"]
job-types = ["training", "calibration", "validation", "testing"]
"""

ALICE = workspace_text(
    metadata={"developer_id": "alice"},
    local={
        "TextEmbedding": row("TextEmbedding", framework="pytorch", priority=90),
        "FeatureStoreLoading": row("FeatureStoreLoading", job_types=["training"]),
    },
    overrides={"XGBoostTraining": row("XGBoostTraining", "Training", config_class="GpuConfig")},
)
BOB = workspace_text(
    metadata={"developer_id": "bob_ml", "version": "1.0.0"},
    local={
        "TextEmbedding": row("TextEmbedding", framework="huggingface"),
        "DocumentChunking": row("DocumentChunking"),
    },
)
CAROL_BROKEN = '''\
"""carol's registry, mid-edit: a syntax error (after accents and an emoji on its line)."""

LOCAL_STEPS = {
    "CarolStep": {"description": "é🙂" + },
}
'''


def mallory_text(sentinel: Path) -> str:
    return f'''\
"""A registry whose top-level code would create a file if it were ever executed."""
import pathlib

pathlib.Path({str(sentinel)!r}).write_text("executed")
open({str(sentinel)!r}, "a").close()

LOCAL_STEPS = {{
    "MalloryStep": {{"sagemaker_step_type": "Processing", "config_class": "MalloryConfig"}},
}}
'''


@dataclass
class HybridFolder:
    """Paths of the folder built by the `hybrid_folder` fixture."""

    root: Path
    core_module: Path
    interfaces: Path
    yaml_table: Path
    json_table: Path
    alice: Path
    bob: Path
    carol: Path
    mallory: Path
    dave: Path
    sentinel: Path


def build_hybrid_folder(root: Path) -> HybridFolder:
    """Core module + interfaces + YAML and JSON tables, and five workspaces:

    alice (an override, a conflict), bob (folder `bob`, id `bob_ml`), carol (syntax error),
    mallory (top-level code that must never run), dave (not UTF-8).
    """
    sentinel = root / SENTINEL
    write(root / "pyproject.toml", PYPROJECT)
    folder = HybridFolder(
        root=root,
        core_module=write(root / "registry" / "step_names.py", CORE_MODULE),
        interfaces=root / "interfaces",
        yaml_table=write(root / "tables" / "extra.yaml", YAML_TABLE),
        json_table=write(root / "tables" / "extra.json", JSON_TABLE),
        alice=write_workspace(root / "developers" / "alice", ALICE),
        bob=write_workspace(root / "developers" / "bob", BOB),
        carol=write_workspace(root / "developers" / "carol", CAROL_BROKEN),
        mallory=write_workspace(root / "developers" / "mallory", mallory_text(sentinel)),
        dave=write_workspace(
            root / "developers" / "dave",
            b'LOCAL_STEPS = {"DaveStep": {"description": "caf\xe9 in latin-1"}}\n',
        ),
        sentinel=sentinel,
    )
    write(folder.interfaces / "data_loading.step.yaml", INTERFACE_GOOD)
    write(folder.interfaces / "incomplete.step.yaml", INTERFACE_NO_TYPE)
    return folder
