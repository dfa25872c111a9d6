"""Create developer workspaces: the folder skeleton and a commented workspace registry.

A workspace is a folder holding `src/cursus_dev/registry/workspace_registry.py`. The generated
registry is plain literals only, because the registry tools read it statically and never run it.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Literal

from hybrid_registry.models import DEVELOPER_ID_PATTERN, RESERVED_WORKSPACE_IDS

__all__ = [
    "DEVELOPER_ID_PATTERN",
    "REGISTRY_PARTS",
    "STEP_PACKAGES",
    "TEMPLATES",
    "WorkspaceSetupError",
    "create_workspace_registry",
    "create_workspace_structure",
    "render_workspace_registry",
    "validate_developer_id",
]


REGISTRY_PARTS = ("src", "cursus_dev", "registry")
"""The registry package of a workspace, relative to the workspace folder."""

REGISTRY_FILE_NAME = "workspace_registry.py"

STEP_PACKAGES = ("builders", "configs", "contracts", "specs", "scripts")
"""The component packages under `src/cursus_dev/steps/`."""

Template = Literal["standard", "minimal"]
TEMPLATES: tuple[Template, ...] = ("standard", "minimal")


class WorkspaceSetupError(ValueError):
    """A workspace cannot be created as asked (bad id, existing file, unwritable folder)."""


def validate_developer_id(developer_id: str) -> str:
    """Return `developer_id` if it is a valid id, else raise `WorkspaceSetupError`."""
    if not isinstance(developer_id, str) or not DEVELOPER_ID_PATTERN.fullmatch(developer_id):
        raise WorkspaceSetupError(
            f"Invalid developer id {developer_id!r}: start with a letter, then use only "
            "letters, digits, '_' or '-' (for example 'alice' or 'team-nlp_2')"
        )
    if developer_id in RESERVED_WORKSPACE_IDS:
        raise WorkspaceSetupError(
            f"Invalid developer id {developer_id!r}: it is reserved for the core registry"
        )
    return developer_id


def _py_str(text: str) -> str:
    """`text` as a Python string literal: `repr`, preferring double quotes when that is safe."""
    literal = repr(text)
    if literal.startswith("'") and '"' not in text:
        literal = f'"{literal[1:-1]}"'
    return literal


_DOCSTRING = '''\
"""Workspace registry: the steps this workspace adds to, or replaces in, the core registry.

The registry tools and the editor read this file statically; it is never imported or run,
so keep every value a literal (strings, numbers, lists, dicts) or a name bound to a literal.

- WORKSPACE_METADATA: who owns the workspace. Its "developer_id" is the workspace id; without
  it the id is this workspace folder's name.
- LOCAL_STEPS: new steps that exist only in this workspace.
- STEP_OVERRIDES: core steps this workspace replaces, for this workspace only.

In this workspace's context a step name resolves to its override here, then its local step
here, then the core registry. Outside any workspace, a name that only workspaces define
resolves to that workspace's step, and is a conflict if several workspaces define it.
"""
'''

_MINIMAL_DOCSTRING = '''\
"""Workspace registry: new steps (LOCAL_STEPS) and replaced core steps (STEP_OVERRIDES).

Read statically, never run: keep every value a literal.
"""
'''

_LOCAL_STEPS_STANDARD = """\
# New steps of this workspace. Uncomment the example, rename it and fill in each field.
LOCAL_STEPS = {
    # "MyCustomProcessing": {
    #     # The step's configuration class.
    #     "config_class": "MyCustomProcessingConfig",
    #     # The class that builds the SageMaker step from the config.
    #     "builder_step_name": "MyCustomProcessingStepBuilder",
    #     # The step specification type; by convention the step name itself.
    #     "spec_type": "MyCustomProcessing",
    #     # Required: Processing, Training, Transform, CreateModel, Lambda, ...
    #     "sagemaker_step_type": "Processing",
    #     # One line for people; editors show it on hover and in completion.
    #     "description": "Cleans and enriches the raw tables",
    #     # Optional: the ML framework, which tells competing definitions apart.
    #     "framework": "pandas",
    #     # Optional: the job types this step runs as, e.g. node MyCustomProcessing_training.
    #     "job_types": ["training", "calibration"],
    #     # Optional: when several definitions compete, the lower priority wins (default 100).
    #     "priority": 90,
    # },
}
"""

_STEP_OVERRIDES_STANDARD = """\
# Core steps replaced in this workspace only. The key must be an existing core step name; the
# row takes the same fields as LOCAL_STEPS.
STEP_OVERRIDES = {
    # "XGBoostTraining": {
    #     "config_class": "MyXGBoostTrainingConfig",
    #     "builder_step_name": "MyXGBoostTrainingStepBuilder",
    #     "spec_type": "XGBoostTraining",
    #     "sagemaker_step_type": "Training",
    #     # Say why this workspace replaces the core step.
    #     "description": "XGBoost training with this team's feature set",
    # },
}
"""


def render_workspace_registry(developer_id: str, template: Template = "standard") -> str:
    """The text of a `workspace_registry.py` for `developer_id` (validated) and `template`."""
    validate_developer_id(developer_id)
    if template not in TEMPLATES:
        raise WorkspaceSetupError(
            f"Unknown template {template!r}: use one of {', '.join(map(repr, TEMPLATES))}"
        )
    description = f"Pipeline steps of developer {developer_id}"
    metadata = (
        "WORKSPACE_METADATA = {\n"
        f'    "developer_id": {_py_str(developer_id)},\n'
        '    "version": "1.0.0",\n'
        f'    "description": {_py_str(description)},\n'
        "}\n"
    )
    if template == "minimal":
        return f"{_MINIMAL_DOCSTRING}\n{metadata}\nLOCAL_STEPS = {{}}\n\nSTEP_OVERRIDES = {{}}\n"
    return f"{_DOCSTRING}\n{metadata}\n{_LOCAL_STEPS_STANDARD}\n{_STEP_OVERRIDES_STANDARD}"


def _make_folder(directory: Path, created: list[Path]) -> None:
    """Create `directory` if missing; never through a symbolic link (it could lead anywhere)."""
    if directory.is_symlink():
        raise WorkspaceSetupError(
            f"{directory} is a symbolic link; not creating the workspace through it"
        )
    if not directory.is_dir():
        directory.mkdir(parents=True, exist_ok=True)
        created.append(directory)


def _make_package(directory: Path, created: list[Path]) -> None:
    """Create `directory` and its `__init__.py` if missing, recording what was created."""
    _make_folder(directory, created)
    init_file = directory / "__init__.py"
    if not os.path.lexists(init_file):  # a dangling symlink is left alone, never followed
        os.close(os.open(init_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644))
        created.append(init_file)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _make_packages(root: Path, parts: tuple[str, ...], created: list[Path]) -> Path:
    """Create the packages along `root/parts[1:]` (`parts[0]`, e.g. `src`, is a plain folder)."""
    directory = root / parts[0]
    _make_folder(directory, created)
    for part in parts[1:]:
        directory = directory / part
        _make_package(directory, created)
    return directory


def _os_error(action: str, error: OSError) -> WorkspaceSetupError:
    where = f" {error.filename}" if error.filename else ""
    return WorkspaceSetupError(f"Cannot {action}{where}: {error.strerror or error}")


def create_workspace_structure(path: str | Path) -> list[Path]:
    """Create the folder skeleton of a workspace at `path`; return what this call created.

    The skeleton is `src/cursus_dev/registry/` and `src/cursus_dev/steps/<component>/` for each
    of `STEP_PACKAGES`, each a package with an `__init__.py`. Existing folders and files are
    kept, so calling it again creates nothing and returns an empty list.
    """
    root = Path(path)
    created: list[Path] = []
    try:
        if not root.is_dir():
            root.mkdir(parents=True, exist_ok=True)
            created.append(root)
        _make_packages(root, REGISTRY_PARTS, created)
        steps = _make_packages(root, (*REGISTRY_PARTS[:2], "steps"), created)
        for component in STEP_PACKAGES:
            _make_package(steps / component, created)
    except OSError as error:
        raise _os_error("create the workspace folders", error) from error
    return created


def create_workspace_registry(
    workspace_path: str | Path,
    developer_id: str,
    template: Template = "standard",
    *,
    overwrite: bool = False,
) -> Path:
    """Write `<workspace_path>/src/cursus_dev/registry/workspace_registry.py`; return its path.

    The folders and their `__init__.py` files are created as needed. An existing registry is
    only replaced with `overwrite=True` (atomically, so readers never see half a file).
    """
    content = render_workspace_registry(developer_id, template)
    root = Path(workspace_path)
    target = root.joinpath(*REGISTRY_PARTS, REGISTRY_FILE_NAME)
    if target.exists() and not overwrite:
        raise WorkspaceSetupError(f"{target} already exists and was left unchanged")
    try:
        _make_packages(root, REGISTRY_PARTS, [])
        if overwrite:
            _replace_file(target, content)
        else:
            _create_file(target, content)
    except OSError as error:
        raise _os_error("write the workspace registry", error) from error
    return target


def _create_file(target: Path, content: str) -> None:
    """Create `target`, refusing (exclusive creation) a file that appeared since we checked."""
    try:
        handle = target.open("x", encoding="utf-8", newline="\n")
    except FileExistsError as error:
        raise WorkspaceSetupError(f"{target} already exists and was left unchanged") from error
    with handle:
        handle.write(content)


def _replace_file(target: Path, content: str) -> None:
    """Write `content` to `target` through a temporary file in the same folder."""
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
        # mkstemp makes the file private (0600); keep the replaced file's mode, else 0644.
        mode = stat.S_IMODE(target.stat().st_mode) if target.is_file() else 0o644
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
