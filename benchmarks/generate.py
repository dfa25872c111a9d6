"""Deterministic benchmark workloads for the registry library and the language server.

Large (issue 5): a folder with `[tool.hybrid-registry]` in `pyproject.toml`, a core registry of
10,000 steps (a Python `STEP_NAMES` module, or 10,000 `*.step.yaml` interface files), 200
workspaces of 50 local steps and 10 overrides each (5% of local names defined by two or more
workspaces), and `pipelines/big_pipeline.py`: 2,000 lines of `dag.add_node` / `dag.add_edge`
calls, some with job types, a few unknown names and a few lines with non-ASCII text before a
literal. Small: a copy of the repository's `examples/` folder.

Run: python benchmarks/generate.py --size large --out /tmp/wl [--seed 5] [--variant yaml]

Every workload folder gets a `workload.json` manifest (sizes, seed, the pipeline to open, the
workspace registry file the benchmarks rewrite) so the benchmark scripts need no guessing.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
MANIFEST = "workload.json"
FORMAT_VERSION = 1

CORE_STEPS = 10_000
WORKSPACES = 200
LOCAL_PER_WORKSPACE = 50
OVERRIDES_PER_WORKSPACE = 10
SHARED_FRACTION = 0.05
PIPELINE_LINES = 2_000
JOB_TYPES = ("training", "calibration", "validation", "testing")
SAGEMAKER_TYPES = ("Processing", "Training", "CreateModel", "Transform", "Lambda", "RegisterModel")
FRAMEWORKS = ("xgboost", "pytorch", "sklearn", "pandas", "lightgbm", "spark")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Names are built from three word lists (50 x 40 x 25 = 50,000 combinations) so prefixes of one
# and three characters select realistic, uneven slices of the registry.
FIRST = _words(
    "Active Batch Bedrock Calibrated Cradle Currency Data Dummy Embedding Feature Gradient "
    "Hyper Image Incremental Joint Kafka Label LightGbm Missing Model Nightly Online "
    "Payload Pytorch Quantile Risk Redshift Sample Semantic Spark Stratified Tabular Text "
    "Threshold Uplift Vector Weighted Xgboost Yearly Zonal Athena Bert Cohort Delta Entity "
    "Fraud Graph Holdout Index Json"
)
MIDDLE = _words(
    "Ab Bias Bucket Category Cluster Config Cross Daily Drift Edge Event Field Filter "
    "Forecast Gate Geo Join Key Lag Mapping Merge Metric Prompt Query Rank Rule Score "
    "Segment Shard Signal Slice Split Stream Table Token Trend User Window Zone Vocab"
)
LAST = _words(
    "Loading Preprocessing Training Evaluation Inference Calibration Packaging "
    "Registration Transform Upload Validation Sampling Imputation Conversion Selection "
    "Aggregation Encoding Scoring Export Monitoring Labeling Splitting Tuning Deployment "
    "Reporting"
)
NON_ASCII_NOTES = ("é 🎉", "naïve café ☕", "東京 データ", "e\u0301tape 🎯", "Ωmega ✨")
RELOAD_PROBE = "BenchReloadProbe"
"""A name no workload defines: the pipeline uses it, `bench_*` scripts add it to a workspace."""


@dataclass(frozen=True)
class Workspace:
    id: str
    local: list[str]
    overrides: list[str]


def _names(rng: random.Random, count: int) -> list[str]:
    combos = [f"{a}{b}{c}" for a in FIRST for b in MIDDLE for c in LAST]
    return rng.sample(combos, count)


def _snake(name: str) -> str:
    out = []
    for i, char in enumerate(name):
        if char.isupper() and i:
            out.append("_")
        out.append(char.lower())
    return "".join(out)


def _description(rng: random.Random, name: str) -> str:
    verbs = ("Loads", "Transforms", "Trains", "Scores", "Validates", "Exports", "Samples")
    objects = ("tabular features", "model artifacts", "raw events", "labels", "embeddings")
    return f"{rng.choice(verbs)} {rng.choice(objects)} for the {name} step"


def _py_row(
    rng: random.Random, name: str, indent: str, declared: dict[str, list[str]], *, local: bool
) -> list[str]:
    """One `"Name": {...},` entry; records the job types it declares in `declared`."""
    sm = rng.choice(SAGEMAKER_TYPES)
    lines = [
        f'{indent}"{name}": {{',
        f'{indent}    "config_class": "{name}Config",',
        f'{indent}    "builder_step_name": "{name}StepBuilder",',
        f'{indent}    "spec_type": "{name}",',
        f'{indent}    "sagemaker_step_type": "{sm}",',
        f'{indent}    "description": "{_description(rng, name)}",',
    ]
    if local:
        lines.append(f'{indent}    "framework": "{rng.choice(FRAMEWORKS)}",')
        if rng.random() < 0.3:
            lines.append(f'{indent}    "priority": {rng.randrange(50, 150)},')
    if rng.random() < 0.25:
        job_types = sorted(rng.sample(JOB_TYPES, rng.randrange(1, 3)))
        declared[name] = job_types
        lines.append(f'{indent}    "job_types": {json.dumps(job_types)},')
    lines.append(f"{indent}}},")
    return lines


def _core_module(rng: random.Random, names: list[str], declared: dict[str, list[str]]) -> str:
    out = [
        '"""Core step registry (generated benchmark workload; read statically, never run)."""',
        "",
        "STEP_NAMES = {",
    ]
    for name in names:
        out.extend(_py_row(rng, name, "    ", declared, local=False))
    out.append("}")
    return "\n".join(out) + "\n"


def _interface_yaml(rng: random.Random, name: str, all_names: list[str]) -> str:
    snake = _snake(name)
    sm = rng.choice(SAGEMAKER_TYPES)
    sources = rng.sample(all_names, 3)
    deps = "".join(
        f"    input_{k}:\n"
        f"      type: processing_output\n"
        f"      required: {'true' if k == 0 else 'false'}\n"
        f"      compatible_sources:\n" + "".join(f"      - {s}\n" for s in sources) + ""
        f"      semantic_keywords:\n      - data\n      - input_{k}\n"
        for k in range(rng.randrange(1, 3))
    )
    outputs = "".join(
        f"    output_{k}:\n"
        f"      type: processing_output\n"
        f"      property_path: properties.ProcessingOutputConfig.Outputs['output_{k}']"
        f".S3Output.S3Uri\n"
        f"      aliases:\n      - result_{k}\n      - {snake}_output_{k}\n"
        f"      data_type: S3Uri\n"
        for k in range(rng.randrange(1, 3))
    )
    return (
        f"step_type: {name}\n"
        f"node_type: internal\n"
        f"registry:\n"
        f"  sagemaker_step_type: {sm}\n"
        f"  description: {_description(rng, name)}\n"
        f"patterns:\n"
        f"  step_assembly: step_args\n"
        f"compute:\n"
        f"  kind: {rng.choice(FRAMEWORKS)}\n"
        f"  framework_version_field: processing_framework_version\n"
        f"contract:\n"
        f"  entry_point: {snake}.py\n"
        f"  job_arguments:\n"
        f"  - flag: --job_type\n"
        f"    source: job_type\n"
        f"  env_vars:\n"
        f"    required: []\n"
        f"    optional:\n"
        f"      BATCH_SIZE: '{rng.choice((16, 32, 64))}'\n"
        f"      RANDOM_SEED: '{rng.randrange(100)}'\n"
        f"spec:\n"
        f"  dependencies:\n{deps}"
        f"  outputs:\n{outputs}"
    )


def _workspace_module(
    rng: random.Random, workspace: Workspace, declared: dict[str, list[str]]
) -> str:
    out = [
        f'"""Workspace registry of {workspace.id} (generated benchmark workload)."""',
        "",
        "WORKSPACE_METADATA = {",
        f'    "developer_id": "{workspace.id}",',
        '    "version": "1.0.0",',
        f'    "description": "Steps of {workspace.id}",',
        "}",
        "",
        "LOCAL_STEPS = {",
    ]
    for name in workspace.local:
        out.extend(_py_row(rng, name, "    ", declared, local=True))
    out += ["}", "", "STEP_OVERRIDES = {"]
    for name in workspace.overrides:
        out.extend(_py_row(rng, name, "    ", declared, local=True))
    out.append("}")
    return "\n".join(out) + "\n"


def _workspaces(rng: random.Random, core: list[str], local_pool: list[str]) -> list[Workspace]:
    """200 workspaces; 5% of the 10,000 local-name slots hold a name two workspaces define."""
    shared_slots = int(WORKSPACES * LOCAL_PER_WORKSPACE * SHARED_FRACTION)
    shared_names = local_pool[: shared_slots // 2]
    unique = iter(local_pool[len(shared_names) :])
    local: list[list[str]] = [[] for _ in range(WORKSPACES)]
    for name in shared_names:
        for index in rng.sample(range(WORKSPACES), 2):
            local[index].append(name)
    assert all(len(names) <= LOCAL_PER_WORKSPACE for names in local)
    for names in local:
        while len(names) < LOCAL_PER_WORKSPACE:
            names.append(next(unique))
        rng.shuffle(names)
    override_names = rng.sample(core, WORKSPACES * OVERRIDES_PER_WORKSPACE)
    return [
        Workspace(
            id=f"dev{i}",
            local=local[i],
            overrides=override_names[
                i * OVERRIDES_PER_WORKSPACE : (i + 1) * OVERRIDES_PER_WORKSPACE
            ],
        )
        for i in range(WORKSPACES)
    ]


def _typo(rng: random.Random, name: str) -> str:
    cut = rng.randrange(1, len(name) - 1)
    return name[:cut] + name[cut + 1 :]


def _pipeline(
    rng: random.Random,
    core: list[str],
    workspaces: list[Workspace],
    declared: dict[str, list[str]],
) -> tuple[str, int]:
    """2,000 lines of DAG calls; returns the text and the number of unknown names. Job-type
    suffixes mostly respect what a step declares (a few `unknown-job-type` remain)."""
    local = [name for w in workspaces for name in w.local]
    unknown = 0

    def node() -> str:
        nonlocal unknown
        roll = rng.random()
        if roll < 0.004:
            unknown += 1
            return _typo(rng, rng.choice(core))
        name = rng.choice(core) if roll < 0.75 else rng.choice(local)
        if rng.random() < 0.3:
            allowed = declared.get(name) if rng.random() < 0.95 else None
            name += "_" + rng.choice(allowed or JOB_TYPES)
        return name

    out = [
        '"""A generated 2,000-line pipeline (benchmark workload; read statically, never run)."""',
        "",
        "from cursus.api.dag.base_dag import PipelineDAG",
        "",
        "dag = PipelineDAG()",
        f'dag.add_node("{RELOAD_PROBE}")  # defined by no workspace until a benchmark adds it',
    ]
    unknown += 1
    while len(out) < PIPELINE_LINES:
        if rng.random() < 0.6:
            call = f'dag.add_node("{node()}")'
        else:
            call = f'dag.add_edge("{node()}", "{node()}")'
        roll = rng.random()
        if roll < 0.01:
            call = f'note = "{rng.choice(NON_ASCII_NOTES)}"; {call}  # noqa: E702'
        elif roll < 0.02:
            call = f"{call}  # {rng.choice(NON_ASCII_NOTES)}"
        out.append(call)
    return "\n".join(out) + "\n", unknown


def generate_large(out: Path, seed: int, variant: str) -> dict[str, object]:
    rng = random.Random(seed)
    shared_count = int(WORKSPACES * LOCAL_PER_WORKSPACE * SHARED_FRACTION) // 2
    local_count = WORKSPACES * LOCAL_PER_WORKSPACE - shared_count
    names = _names(rng, CORE_STEPS + local_count)
    core, local_pool = names[:CORE_STEPS], names[CORE_STEPS:]
    workspaces = _workspaces(rng, core, local_pool)
    declared: dict[str, list[str]] = {}

    if variant == "python":
        core_entry = "pipeline_registry/step_names.py"
        module = out / core_entry
        module.parent.mkdir(parents=True)
        (module.parent / "__init__.py").write_text("")
        module.write_text(_core_module(rng, core, declared), encoding="utf-8")
    else:
        core_entry = "interfaces"
        folder = out / core_entry
        folder.mkdir(parents=True)
        for name in core:
            (folder / f"{_snake(name)}.step.yaml").write_text(
                _interface_yaml(rng, name, core), encoding="utf-8"
            )
    (out / "pyproject.toml").write_text(
        "[project]\n"
        'name = "benchmark-workload"\n'
        'version = "0.0.0"\n\n'
        "[tool.hybrid-registry]\n"
        f'core = ["{core_entry}"]\n'
        'workspaces = ["workspaces"]\n'
        f"job-types = {json.dumps(list(JOB_TYPES))}\n",
        encoding="utf-8",
    )
    registry_files = []
    for workspace in workspaces:
        file = out / "workspaces" / workspace.id / "src" / "cursus_dev" / "registry"
        file.mkdir(parents=True)
        for package in (file.parent, file):
            (package / "__init__.py").write_text("")
        file = file / "workspace_registry.py"
        file.write_text(_workspace_module(rng, workspace, declared), encoding="utf-8")
        registry_files.append(file.relative_to(out).as_posix())
    pipeline_text, unknown = _pipeline(rng, core, workspaces, declared)
    pipeline = out / "pipelines" / "big_pipeline.py"
    pipeline.parent.mkdir()
    pipeline.write_text(pipeline_text, encoding="utf-8")
    defined_by: dict[str, int] = {}
    for workspace in workspaces:
        for name in workspace.local:
            defined_by[name] = defined_by.get(name, 0) + 1
    shared_slots = sum(n for n in defined_by.values() if n > 1)
    return {
        "core": core_entry,
        "core_steps": len(core),
        "workspaces": len(workspaces),
        "local_steps": sum(len(w.local) for w in workspaces),
        "overrides": sum(len(w.overrides) for w in workspaces),
        "shared_local_fraction": shared_slots / (WORKSPACES * LOCAL_PER_WORKSPACE),
        "pipeline": pipeline.relative_to(out).as_posix(),
        "pipeline_lines": pipeline_text.count("\n"),
        "unknown_names_in_pipeline": unknown,
        "workspace_files": registry_files,
        "reload_file": registry_files[7],
    }


def generate_small(out: Path) -> dict[str, object]:
    shutil.copytree(EXAMPLES, out, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("workspace_registry.py"))
    pipeline = out / "pipelines" / "xgboost_pipeline.py"
    return {
        "core": "pipeline_registry/step_names.py",
        "pipeline": pipeline.relative_to(out).as_posix(),
        "pipeline_lines": pipeline.read_text(encoding="utf-8").count("\n"),
        "workspace_files": files,
        "reload_file": files[0],
    }


def generate(size: str, out: Path, seed: int = 5, variant: str = "python") -> dict[str, object]:
    """Write the workload into `out` (which must be empty or absent); return its manifest."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"generate.py: {out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    details = generate_large(out, seed, variant) if size == "large" else generate_small(out)
    manifest = {
        "format": FORMAT_VERSION,
        "size": size,
        "variant": variant if size == "large" else "python",
        "seed": seed if size == "large" else None,
        "reload_probe": RELOAD_PROBE,
        **details,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def cached(size: str, cache: Path, seed: int = 5, variant: str = "python") -> tuple[Path, dict]:
    """The workload under `cache/<size>-<variant>-<seed>`, generated on first use."""
    folder = Path(cache) / (f"{size}-{variant}-{seed}" if size == "large" else "small")
    manifest_file = folder / MANIFEST
    if manifest_file.exists():
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        if manifest.get("format") == FORMAT_VERSION:
            return folder, manifest
    if folder.exists():
        shutil.rmtree(folder)
    return folder, generate(size, folder, seed, variant)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("large", "small"), default="large")
    parser.add_argument("--out", required=True, type=Path, help="empty or new folder")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--variant", choices=("python", "yaml"), default="python")
    args = parser.parse_args(argv)
    manifest = generate(args.size, args.out, args.seed, args.variant)
    shown = {k: v for k, v in manifest.items() if k != "workspace_files"}
    print(json.dumps(shown, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
