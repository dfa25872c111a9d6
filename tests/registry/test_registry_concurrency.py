"""Readers during reloads: every read sees one consistent version of a workspace."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from hybrid_registry import UnifiedRegistryManager

from registry_helpers import WORKSPACE_RELPATH, row, workspace_text, write, write_core_module

WRITES = 120
READERS = 4


def version_text(version: int) -> str:
    """alice's registry at `version`: every entry carries the version in its description."""
    tag = f"v{version}"
    return workspace_text(
        local={
            "Shared": row("Shared", description=tag),
            f"OnlyV{version}": row(f"OnlyV{version}", description=tag),
        },
        overrides={"Train": row("Train", "Training", description=tag)},
    )


def test_readers_see_consistent_state_during_reloads(tmp_path: Path) -> None:
    write(tmp_path / ".hybrid-registry.toml", 'core = ["core.py"]\nworkspaces = ["ws"]\n')
    write_core_module(tmp_path / "core.py", {"Train": row("Train", "Training"), "E": row("E")})
    alice = write(tmp_path / "ws" / "alice" / WORKSPACE_RELPATH, version_text(1))
    write(
        tmp_path / "ws" / "bob" / WORKSPACE_RELPATH,
        workspace_text(local={"Shared": row("Shared", description="bob")}),
    )
    manager = UnifiedRegistryManager.from_folder(tmp_path)

    stop = threading.Event()
    errors: list[BaseException] = []
    reads = [0] * READERS

    def version_of(names: object) -> int:
        """1 or 2: the version whose only-step is present (exactly one must be)."""
        has_one = "OnlyV1" in names  # type: ignore[operator]
        has_two = "OnlyV2" in names  # type: ignore[operator]
        assert has_one != has_two, "both or neither version's step visible"
        return 1 if has_one else 2

    def read_once() -> None:
        legacy = manager.create_legacy_step_names_dict("alice")
        tag = f"v{version_of(legacy)}"
        assert legacy["Shared"]["description"] == tag
        assert legacy["Train"]["description"] == tag
        assert legacy["E"] == row("E")

        definitions = manager.get_all_step_definitions("alice")
        tag = f"v{version_of(definitions)}"
        assert definitions["Shared"].description == tag
        assert definitions["Train"].description == tag

        version_of(manager.step_names())
        assert len(manager.names_with_prefix("Only")) == 1

        with manager.resolution_context("alice"):
            result = manager.resolve("Train_training")
        assert result.resolved and result.job_type == "training"
        assert result.selected_definition is not None
        assert result.selected_definition.description in ("v1", "v2")
        chain = manager.resolve_chain("Train", "alice")
        assert [d.layer_label for d in chain] == ["override in alice", "core"]

        conflicts = manager.get_step_conflicts()
        assert set(conflicts) == {"Shared"}
        assert [d.workspace_id for d in conflicts["Shared"]] == ["alice", "bob"]
        assert manager.resolve("Shared", "bob").source_registry == "bob"
        assert manager.get_registry_status()["alice"]["local_step_count"] == 2
        assert manager.all_problems() == []

    def reader(index: int) -> None:
        try:
            while not stop.is_set():
                read_once()
                reads[index] += 1
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            stop.set()

    def writer() -> None:
        try:
            steps: list[Callable[[int], object]] = [
                lambda v: (alice.write_text(version_text(v)), manager.reload_source(alice)),
                lambda v: manager.reload_source(alice, version_text(v)),  # unsaved text
                lambda v: manager.reload_source(alice),  # back to the disk version
            ]
            for iteration in range(WRITES):
                if stop.is_set():
                    break
                steps[iteration % len(steps)](1 + iteration % 2)
                time.sleep(0.001)
        except BaseException as exc:
            errors.append(exc)
        finally:
            stop.set()

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(READERS)]
    threads.append(threading.Thread(target=writer))
    generation = manager.generation
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    if errors:
        raise errors[0]
    assert manager.generation > generation
    assert all(count > 0 for count in reads), reads
    read_once()  # the final state is consistent too
