"""Reloading one workspace patches the name indexes; the result must equal a full rebuild."""

from __future__ import annotations

import random
from pathlib import Path

from hybrid_registry.manager import UnifiedRegistryManager
from hybrid_registry.utils import SuggestionIndex

NAMES = ["Alpha", "Beta", "Gamma", "Delta", "Core1", "Core2"]


def workspace_text(rng: random.Random, developer_id: str) -> str:
    local = rng.sample(NAMES, rng.randint(0, 3))
    overrides = rng.sample(["Core1", "Core2", "Alpha"], rng.randint(0, 2))
    rows = lambda names: ", ".join(  # noqa: E731
        f'"{n}": {{"config_class": "{developer_id}{n}Config", "sagemaker_step_type": "P",'
        f' "priority": {rng.randint(1, 3)}}}'
        for n in names
    )
    return (
        f'WORKSPACE_METADATA = {{"developer_id": "{developer_id}"}}\n'
        f"LOCAL_STEPS = {{{rows(local)}}}\nSTEP_OVERRIDES = {{{rows(overrides)}}}\n"
    )


def snapshot(manager: UnifiedRegistryManager) -> object:
    contexts = [None, *manager.list_workspaces()]
    return (
        manager.step_names(),
        {k: [d.model_dump() for d in v] for k, v in manager.get_step_conflicts().items()},
        {
            (name, context): [d.model_dump() for d in manager.resolve_chain(name, context)]
            for name in NAMES
            for context in contexts
        },
    )


def test_reloads_patch_indexes_like_a_full_rebuild(tmp_path: Path) -> None:
    rng = random.Random(7)
    (tmp_path / "core.py").write_text(
        "STEP_NAMES = {"
        '"Core1": {"sagemaker_step_type": "P"}, "Core2": {"sagemaker_step_type": "P"}}\n',
        encoding="utf-8",
    )
    files = []
    for index in range(4):
        file = tmp_path / "ws" / f"dev{index}" / "src" / "cursus_dev" / "registry"
        file.mkdir(parents=True)
        file = file / "workspace_registry.py"
        file.write_text(workspace_text(rng, f"dev{index}"), encoding="utf-8")
        files.append(file)
    manager = UnifiedRegistryManager(tmp_path / "core.py", tmp_path / "ws")
    for _ in range(60):
        snapshot(manager)  # build every cache, so the next reload has indexes to patch
        file = rng.choice(files)
        if rng.random() < 0.15 and file.exists():
            file.unlink()
        else:
            # sometimes a renamed developer id, so ids come and go (unique: which of two
            # folders claiming one id wins depends on load order, by design)
            folder = file.parents[3].name
            developer = rng.choice([folder, f"{folder}_renamed"])
            file.write_text(workspace_text(rng, developer), encoding="utf-8")
        manager.reload_source(file)
        fresh = UnifiedRegistryManager(tmp_path / "core.py", tmp_path / "ws")
        assert manager.list_workspaces() == fresh.list_workspaces()
        assert snapshot(manager) == snapshot(fresh)


def test_suggestion_index_updates_like_a_fresh_index() -> None:
    rng = random.Random(3)
    pool = [f"{a}{b}" for a in ("Xgb", "Tab", "Risk", "Data") for b in ("Train", "Eval", "Load")]
    pool += ["XgbTrain2", "TabEvall", "RiskLoad_x"]
    index = SuggestionIndex(())
    queries = ["XgbTrian", "Tabeval", "RiskLod", "DataTrain", "zz"]
    for _ in range(40):
        names = tuple(sorted(rng.sample(pool, rng.randint(0, len(pool)))))
        for query in queries:  # fill the remembered answers before the update
            index.suggest(query)
        index.update(names)
        fresh = SuggestionIndex(names)
        for query in queries:
            assert index.suggest(query) == fresh.suggest(query), (query, names)


def test_suggestion_index_drops_dead_ids_and_still_answers_like_a_fresh_index() -> None:
    many = [f"Step{i:04d}Training" for i in range(3000)]
    index = SuggestionIndex(many)
    kept = (*many[2500:], "XGBoostTraining")
    index.update(kept)  # 2,500 removed: more dead ids than live ones, so the postings rebuild
    assert index._dead == 0 and len(index._by_id) == len(kept)
    fresh = SuggestionIndex(kept)
    for query in ("Step2600Trainin", "Step0001Training", "XGBoostTrainng", "Step27O0Training"):
        assert index.suggest(query) == fresh.suggest(query), query
    assert index.suggest("XGBoostTrainng") == ["XGBoostTraining"]
    assert "Step0001Training" not in index.suggest("Step0001Trainin")  # removed: never offered
