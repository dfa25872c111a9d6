"""The real cursus interface data loads to exactly the golden step-names snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from hybrid_registry import RegistryType, UnifiedRegistryManager

from registry_helpers import CURSUS, requires_shared

pytestmark = requires_shared


@pytest.fixture(scope="module")
def cursus_manager() -> UnifiedRegistryManager:
    return UnifiedRegistryManager(
        core_registry_path=[CURSUS / "interfaces", CURSUS / "abstract_steps.yaml"]
    )


def test_interfaces_and_abstract_steps_give_the_golden_snapshot(
    cursus_manager: UnifiedRegistryManager,
) -> None:
    golden = json.loads((CURSUS / "step_names_registry_snapshot.json").read_text("utf-8"))

    assert len(golden) == 64
    assert cursus_manager.create_legacy_step_names_dict() == golden
    assert cursus_manager.all_problems() == []
    assert cursus_manager.get_step_count() == 64


def test_spec_dependencies_and_outputs_are_kept_in_metadata(
    cursus_manager: UnifiedRegistryManager,
) -> None:
    for path in sorted((CURSUS / "interfaces").glob("*.step.yaml")):
        data = yaml.safe_load(path.read_text("utf-8"))
        spec = data.get("spec") or {}
        definition = cursus_manager.get_step_definition(data["step_type"])
        assert definition is not None, path.name
        assert definition.metadata["dependencies"] == (spec.get("dependencies") or {})
        assert definition.metadata["outputs"] == (spec.get("outputs") or {})
        assert definition.location is not None
        assert Path(definition.location.path) == path
        # The key range is the `step_type` value, on its line.
        line = path.read_text("utf-8").splitlines()[definition.location.range.start_line]
        rng = definition.location.range
        assert line[rng.start_col : rng.end_col] == data["step_type"]

    training = cursus_manager.get_step_definition("XGBoostTraining")
    assert training is not None
    sources = training.metadata["dependencies"]["input_path"]["compatible_sources"]
    assert "TabularPreprocessing" in sources


def test_abstract_steps_come_from_the_yaml_table(cursus_manager: UnifiedRegistryManager) -> None:
    for name in ("Base", "Processing", "HyperparameterPrep"):
        definition = cursus_manager.get_step_definition(name)
        assert definition is not None
        assert definition.registry_type is RegistryType.CORE
        assert definition.source == str((CURSUS / "abstract_steps.yaml").resolve())


def test_pipeline_config_node_names_resolve_with_job_types(
    cursus_manager: UnifiedRegistryManager,
) -> None:
    config = json.loads((CURSUS / "pipeline_config_ab_lightgbm.json").read_text("utf-8"))
    config_types: dict[str, str] = config["metadata"]["config_types"]
    assert "CradleDataLoading_training" in config_types
    for node, config_class in config_types.items():
        result = cursus_manager.resolve(node)
        assert result.resolved, (node, result.errors)
        assert result.selected_definition is not None
        assert result.selected_definition.config_class == config_class
        if result.job_type is not None:
            assert node == f"{result.base_name}_{result.job_type}"
    split = cursus_manager.resolve("CradleDataLoading_training")
    assert (split.base_name, split.job_type) == ("CradleDataLoading", "training")
