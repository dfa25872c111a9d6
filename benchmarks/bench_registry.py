"""Library-level benchmark of the registry on the large workload (issue 5).

Per variant (the core as a Python `STEP_NAMES` module, or as 10,000 `*.step.yaml` files):

- full load: `UnifiedRegistryManager.from_folder(root)` followed by the first query that builds
  the derived indexes (`get_step_conflicts()` + `step_names()`);
- the physical floor: reading and parsing the same files alone (`ast.parse` for Python,
  `yaml.load` with `CSafeLoader` for YAML);
- reload of one changed workspace registry file (`reload_source`), followed by the first query
  that rebuilds the caches, against `ast.parse` of that one file;
- peak RSS of the process (VmHWM), each variant in its own child process.

Run: python benchmarks/bench_registry.py [--size large] [--variant python|yaml|both]
         [--repeat N] [--json OUT] [--cache DIR] [--profile DIR] [--lsp-json FILE]

`--lsp-json` takes a bench_lsp.py result and puts the reload next to its target
(50x the floor server's hover p50).
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import gc
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from bench_lsp import machine, revision, with_probe  # noqa: E402

from hybrid_registry.manager import UnifiedRegistryManager  # noqa: E402

LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def timed(run: Callable[[], Any], repeat: int) -> tuple[list[float], list[float], Any]:
    """Wall and CPU milliseconds of each run (garbage collector on, as in the server), and the
    last result. CPU time is reported too because other load on the machine inflates wall time."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = run()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return times, cpu, result


def stats(times: list[float]) -> dict[str, float]:
    return {"min": min(times), "median": statistics.median(times), "max": max(times)}


def registry_files(root: Path, manifest: dict[str, Any]) -> tuple[list[Path], list[Path]]:
    """(Python files, YAML files) the registry reads."""
    python = [root / f for f in manifest["workspace_files"]]
    yaml_files: list[Path] = []
    core = root / manifest["core"]
    if core.is_dir():
        yaml_files = sorted(core.glob("*.step.yaml"))
    else:
        python.insert(0, core)
    return python, yaml_files


def parse_only(python: list[Path], yaml_files: list[Path]) -> int:
    count = 0
    for path in python:
        ast.parse(path.read_text(encoding="utf-8"), str(path))
        count += 1
    for path in yaml_files:
        yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
        count += 1
    return count


def vm_hwm() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def first_query(manager: UnifiedRegistryManager) -> int:
    return len(manager.get_step_conflicts()) + len(manager.step_names())


def bench_variant(
    root: Path, manifest: dict[str, Any], repeat: int, profile: Path | None
) -> dict[str, Any]:
    python, yaml_files = registry_files(root, manifest)
    out: dict[str, Any] = {"files": {"python": len(python), "yaml": len(yaml_files)}}

    def load() -> UnifiedRegistryManager:
        manager = UnifiedRegistryManager.from_folder(root)
        first_query(manager)
        return manager

    # Parsing and loading alternate so that other load on the machine hits both alike.
    parse_times: list[float] = []
    parse_cpu: list[float] = []
    load_times: list[float] = []
    load_cpu: list[float] = []
    manager: UnifiedRegistryManager | None = None
    for _ in range(repeat):
        wall, cpu, _ = timed(lambda: parse_only(python, yaml_files), 1)
        parse_times += wall
        parse_cpu += cpu
        manager = None  # the previous manager is garbage before the next load
        wall, cpu, manager = timed(load, 1)
        load_times += wall
        load_cpu += cpu
    assert manager is not None
    out["parse_floor_ms"] = stats(parse_times)
    out["parse_floor_cpu_ms"] = stats(parse_cpu)
    out["full_load_ms"] = stats(load_times)
    out["full_load_cpu_ms"] = stats(load_cpu)
    out["steps"] = manager.get_step_count()
    out["conflicts"] = len(manager.get_step_conflicts())
    out["problems"] = len(manager.all_problems())

    # reload of one workspace registry file, then the first query that rebuilds the caches
    registry_file = root / manifest["reload_file"]
    original = registry_file.read_text(encoding="utf-8")
    changed = with_probe(original, manifest["reload_probe"])
    reload_times, query_times, single_parse = [], [], []
    try:
        for n in range(max(repeat, 10)):
            registry_file.write_text(changed if n % 2 == 0 else original, encoding="utf-8")
            gc.collect()
            start = time.perf_counter()
            manager.reload_source(registry_file)
            middle = time.perf_counter()
            first_query(manager)
            end = time.perf_counter()
            reload_times.append((middle - start) * 1000)
            query_times.append((end - middle) * 1000)
            start = time.perf_counter()
            ast.parse(registry_file.read_text(encoding="utf-8"), str(registry_file))
            single_parse.append((time.perf_counter() - start) * 1000)
            known = manager.has_step(manifest["reload_probe"])
            if known != (n % 2 == 0):
                raise SystemExit("bench_registry: reload_source did not take the change")
    finally:
        registry_file.write_text(original, encoding="utf-8")
        manager.reload_source(registry_file)
    out["reload_source_ms"] = stats(reload_times)
    out["first_query_after_reload_ms"] = stats(query_times)
    out["reload_total_ms"] = stats([a + b for a, b in zip(reload_times, query_times, strict=True)])
    out["reload_parse_floor_ms"] = stats(single_parse)
    out["peak_rss_mb"] = vm_hwm() / 2**20

    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
        variant = manifest["variant"]
        profiler = cProfile.Profile()
        profiler.enable()
        load()
        profiler.disable()
        profiler.dump_stats(profile / f"load-{variant}.prof")
        profiler = cProfile.Profile()
        profiler.enable()
        for content in (changed, original):
            registry_file.write_text(content, encoding="utf-8")
            manager.reload_source(registry_file)
            first_query(manager)
        profiler.disable()
        profiler.dump_stats(profile / f"reload-{variant}.prof")
        registry_file.write_text(original, encoding="utf-8")
        manager.reload_source(registry_file)
    return out


def targets(variant: str, r: dict[str, Any], floor_hover_ms: float | None) -> list[dict[str, Any]]:
    rows = [
        {
            "measure": f"full registry load (library, {variant}) vs parsing alone",
            "value": r["full_load_cpu_ms"]["min"],
            "limit": 2 * r["parse_floor_cpu_ms"]["min"],
            "rule": "<= 2x the time to just parse the same files (CPU time, best of N each)",
            "ratio": r["full_load_cpu_ms"]["min"] / r["parse_floor_cpu_ms"]["min"],
            "wall_ratio": r["full_load_ms"]["min"] / r["parse_floor_ms"]["min"],
        }
    ]
    if floor_hover_ms is not None:
        rows.append(
            {
                "measure": f"reload of one workspace file + first query (library, {variant})",
                "value": r["reload_total_ms"]["median"],  # median of >= 10
                "limit": 50 * floor_hover_ms,
                "rule": "<= 50x floor hover p50 (from bench_lsp; the LSP-level number also "
                "includes diagnostics)",
                "ratio": r["reload_total_ms"]["median"] / floor_hover_ms,
            }
        )
    for row in rows:
        row["pass"] = row["value"] <= row["limit"]
    return rows


def child(args: argparse.Namespace, variant: str) -> dict[str, Any]:
    """Run one variant in a fresh interpreter so peak RSS is its own."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    argv = [
        sys.executable,
        __file__,
        "--size",
        args.size,
        "--variant",
        variant,
        "--repeat",
        str(args.repeat),
        "--seed",
        str(args.seed),
        "--child-json",
        str(out),
    ]
    if args.cache:
        argv += ["--cache", str(args.cache)]
    if args.profile:
        argv += ["--profile", str(args.profile)]
    try:
        subprocess.run(argv, check=True)
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return result
    finally:
        out.unlink(missing_ok=True)


def run_one(args: argparse.Namespace, variant: str) -> dict[str, Any]:
    temp = Path(tempfile.mkdtemp(prefix="bench_registry_"))
    try:
        if args.cache:
            root, manifest = generate.cached(args.size, args.cache, args.seed, variant)
        else:
            root = temp / "workload"
            manifest = generate.generate(args.size, root, args.seed, variant)
        return bench_variant(root.resolve(), manifest, args.repeat, args.profile)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def fmt(ms: float) -> str:
    return f"{ms:.1f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


def markdown(rows: list[dict[str, Any]], results: dict[str, dict[str, Any]]) -> str:
    out = [
        "| measure | value | limit | ratio (wall-clock ratio) | rule | result |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        wall = f" ({row['wall_ratio']:.2f}x)" if "wall_ratio" in row else ""
        out.append(
            f"| {row['measure']} | {fmt(row['value'])} | {fmt(row['limit'])} "
            f"| {row['ratio']:.2f}x{wall} | {row['rule']} "
            f"| {'PASS' if row['pass'] else 'FAIL'} |"
        )
    out += [
        "",
        "| variant | files (py/yaml) | parse floor (wall / CPU) | full load (wall / CPU) "
        "| reload_source | first query after | reload floor (1 file) | peak RSS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for variant, r in results.items():
        out.append(
            f"| {variant} | {r['files']['python']}/{r['files']['yaml']} "
            f"| {fmt(r['parse_floor_ms']['min'])} / {fmt(r['parse_floor_cpu_ms']['min'])} "
            f"| {fmt(r['full_load_ms']['min'])} / {fmt(r['full_load_cpu_ms']['min'])} "
            f"| {fmt(r['reload_source_ms']['median'])} "
            f"| {fmt(r['first_query_after_reload_ms']['median'])} "
            f"| {fmt(r['reload_parse_floor_ms']['median'])} | {r['peak_rss_mb']:.0f} MB |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("large", "small"), default="large")
    parser.add_argument("--variant", choices=("python", "yaml", "both"), default="both")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--cache", type=Path, help="keep generated workloads in this folder")
    parser.add_argument("--profile", type=Path, help="write cProfile files of a load/reload here")
    parser.add_argument("--lsp-json", type=Path, help="a bench_lsp.py result (floor hover p50)")
    parser.add_argument("--child-json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_json:
        result = run_one(args, args.variant)
        args.child_json.write_text(json.dumps(result), encoding="utf-8")
        return 0

    started = time.perf_counter()
    variants = ("python", "yaml") if args.variant == "both" else (args.variant,)
    floor_hover = None
    if args.lsp_json and args.lsp_json.exists():
        lsp = json.loads(args.lsp_json.read_text(encoding="utf-8"))
        floor_hover = lsp["results"]["floor_hover"]["p50"]
    results = {variant: child(args, variant) for variant in variants}
    rows = [row for v in variants for row in targets(v, results[v], floor_hover)]

    print(f"## bench_registry: {args.size}\n")
    print(markdown(rows, results))
    info = machine()
    print(
        f"\nLoads and parses: best of {args.repeat} alternating runs; reloads: median of "
        f"{max(args.repeat, 10)}. {info}"
    )
    if args.json:
        report = {
            "benchmark": "bench_registry",
            "workload": {"size": args.size, "seed": args.seed, "variants": list(variants)},
            "settings": {"repeat": args.repeat, "floor_hover_p50_ms": floor_hover},
            "machine": info,
            "revision": revision(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "duration_s": time.perf_counter() - started,
            "targets": rows,
            "results": results,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
