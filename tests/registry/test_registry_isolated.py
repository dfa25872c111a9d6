"""Parsing a large core module in a child process gives exactly the in-process result."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hybrid_registry import UnifiedRegistryManager, loaders
from hybrid_registry.isolated import load_python_registry_isolated
from hybrid_registry.loaders import load_python_registry

from registry_helpers import HybridFolder, write


def snapshot(manager: UnifiedRegistryManager) -> object:
    return (
        {name: d.model_dump() for name, d in manager.get_all_step_definitions().items()},
        sorted(p.model_dump_json() for p in manager.all_problems()),
    )


def test_the_child_reads_a_module_exactly_as_this_process(hybrid_folder: HybridFolder) -> None:
    text = hybrid_folder.core_module.read_text(encoding="utf-8")
    here = load_python_registry(hybrid_folder.core_module, text, source="core")
    there = load_python_registry_isolated(hybrid_folder.core_module, text, source="core")
    assert here.problems  # the module has problems (a duplicate key, a bad name...)
    assert list(there.definitions) == list(here.definitions)
    assert there.definitions == here.definitions
    assert there.problems == here.problems


def test_a_manager_with_isolated_parsing_loads_the_same_registry(
    hybrid_folder: HybridFolder, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = snapshot(UnifiedRegistryManager.from_folder(hybrid_folder.root))
    monkeypatch.setattr(loaders, "ISOLATED_PARSE_MIN_CHARS", 1)
    assert snapshot(UnifiedRegistryManager.from_folder(hybrid_folder.root)) == expected
    assert not hybrid_folder.sentinel.exists()


def test_a_child_that_cannot_run_falls_back_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    core = write(tmp_path / "core.py", "STEP_NAMES = {'A': {'sagemaker_step_type': 'Training'}}\n")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    loaded = load_python_registry_isolated(core, core.read_text(encoding="utf-8"))
    assert list(loaded.definitions) == ["A"] and loaded.problems == []
    assert "reading it here" in caplog.text
