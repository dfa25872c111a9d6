"""Bounded folder walks and the static class / job-type index."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hybrid_registry.models import SourceRange
from registry_lsp.files import FolderIndex, LazyFolderIndex, iter_files


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def relative(root: Path, files: list[Path]) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in files)


# ------------------------------------------------------------------------------ iter_files


def test_iter_files_skips_hidden_folders_node_modules_and_caches(tmp_path: Path) -> None:
    write(tmp_path / "a.py")
    write(tmp_path / "pkg" / "b.py")
    write(tmp_path / "pkg" / "notes.txt")
    write(tmp_path / ".git" / "hooks" / "c.py")
    write(tmp_path / ".hidden" / "d.py")
    write(tmp_path / "node_modules" / "lib" / "e.py")
    write(tmp_path / "pkg" / "__pycache__" / "f.py")
    write(tmp_path / "site-packages" / "g.py")
    write(tmp_path / ".top.py")  # hidden *files* are still files
    found = relative(tmp_path, list(iter_files(tmp_path, (".py",))))
    assert found == [".top.py", "a.py", "pkg/b.py"]


def test_iter_files_skips_virtual_environments_by_pyvenv_cfg(tmp_path: Path) -> None:
    write(tmp_path / "src" / "a.py")
    write(tmp_path / "myenv" / "pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path / "myenv" / "lib" / "python3.12" / "mod.py")
    write(tmp_path / "myenv" / "top.py")
    assert relative(tmp_path, list(iter_files(tmp_path, (".py",)))) == ["src/a.py"]
    # the root itself may be a virtual environment's folder: it is still walked
    assert relative(tmp_path / "myenv", list(iter_files(tmp_path / "myenv", (".py",)))) == [
        "lib/python3.12/mod.py",
        "top.py",
    ]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_iter_files_survives_symlink_loops(tmp_path: Path) -> None:
    write(tmp_path / "a" / "x.py")
    (tmp_path / "a" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "a" / "self").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere", target_is_directory=True)
    found = list(iter_files(tmp_path, (".py",)))
    assert [p.name for p in found] == ["x.py"]


def test_iter_files_respects_max_files(tmp_path: Path) -> None:
    for number in range(30):
        write(tmp_path / f"d{number % 3}" / f"f{number:02d}.py")
    assert len(list(iter_files(tmp_path, (".py",)))) == 30
    assert len(list(iter_files(tmp_path, (".py",), max_files=7))) == 7
    assert list(iter_files(tmp_path, (".py",), max_files=0)) == []


def test_iter_files_walks_in_a_stable_order_and_filters_suffixes(tmp_path: Path) -> None:
    for name in ("b/z.py", "b/a.step.yaml", "a/y.py", "c.yaml", "d.json", "e.txt"):
        write(tmp_path / name)
    found = relative(tmp_path, list(iter_files(tmp_path, (".py", ".step.yaml"))))
    assert found == ["a/y.py", "b/a.step.yaml", "b/z.py"]
    order = [p.relative_to(tmp_path).as_posix() for p in iter_files(tmp_path, (".py",))]
    assert order == ["a/y.py", "b/z.py"]


def test_iter_files_on_a_single_file_and_a_missing_path(tmp_path: Path) -> None:
    file = write(tmp_path / "one.py")
    assert list(iter_files(file, (".py",))) == [file]
    assert list(iter_files(file, (".yaml",))) == []
    assert list(iter_files(tmp_path / "missing", (".py",))) == []


def test_iter_files_bounds_the_depth(tmp_path: Path) -> None:
    deep = tmp_path
    for level in range(15):
        deep = deep / f"l{level}"
    write(deep / "deep.py")
    write(tmp_path / "l0" / "shallow.py")
    assert [p.name for p in iter_files(tmp_path, (".py",))] == ["shallow.py"]


# ------------------------------------------------------------------------------ FolderIndex

CONFIGS = '''"""Config classes."""


class BaseConfig:
    """A class XGBoostTrainingConfig is documented here, not defined."""


class XGBoostTrainingConfig(BaseConfig):
    pass


if True:
\tclass  IndentedConfig:  # two spaces and a tab indent
\t\tpass

def factory():
    class LocalConfig:
        pass
'''


def test_folder_index_finds_classes_with_exact_ranges(tmp_path: Path) -> None:
    path = write(tmp_path / "configs.py", CONFIGS)
    index = FolderIndex()
    index.add_file(path, CONFIGS)
    assert set(index.classes) == {
        "BaseConfig",
        "XGBoostTrainingConfig",
        "IndentedConfig",
        "LocalConfig",
    }
    (location,) = index.classes["XGBoostTrainingConfig"]
    assert location.path == str(path)
    assert location.range == SourceRange(start_line=7, start_col=6, end_line=7, end_col=27)
    (indented,) = index.classes["IndentedConfig"]
    assert indented.range == SourceRange(start_line=12, start_col=8, end_line=12, end_col=22)
    line = CONFIGS.splitlines()[12]
    assert line[indented.range.start_col : indented.range.end_col] == "IndentedConfig"
    (local,) = index.classes["LocalConfig"]
    assert local.range == SourceRange(start_line=16, start_col=10, end_line=16, end_col=21)


def test_folder_index_reads_unicode_identifiers_in_code_points(tmp_path: Path) -> None:
    text = '"""Configs — é 🎉 漢."""\nclass ÉtapeConfig:\n    pass\nclass Step漢Config: pass\n'
    index = FolderIndex()
    index.add_file(tmp_path / "x.py", text)
    assert set(index.classes) == {"ÉtapeConfig", "Step漢Config"}
    (etape,) = index.classes["ÉtapeConfig"]
    assert etape.range == SourceRange(start_line=1, start_col=6, end_line=1, end_col=17)
    (han,) = index.classes["Step漢Config"]
    assert han.range == SourceRange(start_line=3, start_col=6, end_line=3, end_col=17)


def test_folder_index_keeps_every_definition_of_a_name(tmp_path: Path) -> None:
    index = FolderIndex()
    index.add_file(tmp_path / "a.py", "class Dup:\n    pass\n")
    index.add_file(tmp_path / "b.py", "\n\nclass Dup:\n    pass\n")
    assert [(loc.path, loc.range.start_line) for loc in index.classes["Dup"]] == [
        (str(tmp_path / "a.py"), 0),
        (str(tmp_path / "b.py"), 2),
    ]


def test_folder_index_counts_job_types_of_node_names(tmp_path: Path) -> None:
    text = (
        'dag.add_node("CradleDataLoading_training")\n'
        "dag.add_edge('TabularPreprocessing_training', \"XGBoostTraining_nightly\")\n"
        'PipelineDAG(nodes=["Package_calibration"])\n'
    )
    index = FolderIndex()
    index.add_file(tmp_path / "p.py", text)
    assert index.job_types == {"training": 2, "nightly": 1, "calibration": 1}


def test_folder_index_ignores_snake_case_strings(tmp_path: Path) -> None:
    """`"file_name"` or `"user_id"` are no node names: their tails are no job types."""
    text = (
        'open("data_file")\n'
        'row["user_id"]\n'
        'config = {"learning_rate": 0.1}\n'
        'dag.add_node("Package_testing")\n'
    )
    index = FolderIndex()
    index.add_file(tmp_path / "p.py", text)
    assert index.job_types == {"testing": 1}


def test_lazy_folder_index_builds_once_and_rebuilds_after_invalidate(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "class First:\n    pass\n")
    write(tmp_path / ".venv" / "pyvenv.cfg")
    write(tmp_path / ".venv" / "lib" / "site.py", "class Hidden:\n    pass\n")
    write(tmp_path / "bad.py").write_bytes(b"class Broken\xff:\n")
    lazy = LazyFolderIndex(tmp_path)
    assert not lazy.ready
    index = lazy.get()
    assert lazy.ready
    assert set(index.classes) == {"First"}
    write(tmp_path / "b.py", "class Second:\n    pass\n")
    assert lazy.get() is index  # cached until invalidated
    lazy.invalidate()
    assert not lazy.ready
    assert set(lazy.get().classes) == {"First", "Second"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_the_class_index_skips_fifos_and_reads_a_bom_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "a_pipe.py")  # opening it for reading would block
    (tmp_path / "b.py").write_bytes(b"\xef\xbb\xbfclass Found:\n    pass\n")
    index = LazyFolderIndex(tmp_path).get()
    assert [loc.path for loc in index.classes["Found"]] == [str(tmp_path / "b.py")]
