"""Fixtures that build registry folders in `tmp_path` (builders in `registry_helpers`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry_helpers import (
    SHARED,
    HybridFolder,
    build_hybrid_folder,
    row,
    workspace_text,
    write,
    write_core_module,
    write_workspace,
)

__all__ = ["SHARED"]


@pytest.fixture
def hybrid_folder(tmp_path: Path) -> HybridFolder:
    return build_hybrid_folder(tmp_path / "project")


@pytest.fixture
def simple_folder(tmp_path: Path) -> Path:
    """A clean folder for resolution rules: core + alice (override, local) + bob_ml + carol."""
    root = tmp_path / "simple"
    write(root / ".hybrid-registry.toml", 'core = ["core.py"]\nworkspaces = ["ws"]\n')
    write_core_module(
        root / "core.py",
        {
            "Preprocess": row("Preprocess"),
            "Train": row("Train", "Training", job_types=["training"]),
            "Eval": row("Eval"),
            "Preprocess_custom": row("Preprocess_custom", description="a real X_y step"),
        },
    )
    write_workspace(
        root / "ws" / "alice",
        workspace_text(
            local={"Shared": row("Shared", description="alice"), "AliceOnly": row("AliceOnly")},
            overrides={"Train": row("Train", "Training", description="alice's train")},
        ),
    )
    write_workspace(
        root / "ws" / "bob",
        workspace_text(
            metadata={"developer_id": "bob_ml"},
            local={
                "Shared": row("Shared", description="bob"),
                "Preferred": row("Preferred", description="bob", priority=10),
                "Eval": row("Eval", description="bob's local Eval shadows core for bob"),
            },
        ),
    )
    write_workspace(
        root / "ws" / "carol",
        workspace_text(
            local={"Preferred": row("Preferred", description="carol"), "CarolOnly": row("C")},
            overrides={"Train": row("Train", "Training", description="carol's train")},
        ),
    )
    return root
