"""Time step-name analysis (registry_lsp.analysis) on generated files.

For each file: the first analysis (no cache), re-analysis with a DocumentAnalyzer after small
edits, typing a call a character at a time in the middle of the file (every intermediate state
has a syntax error) and a first analysis of a file with a syntax error. ``ast.parse`` of the
same file is printed as a yardstick. Times are CPU times (time.process_time), which drift less
than wall-clock times when the machine is shared.

Run: python benchmarks/bench_analysis.py [lines]
"""

from __future__ import annotations

import ast
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from registry_lsp.analysis import DocumentAnalyzer, analyze, warm_up


def module_file(lines: int) -> str:
    """add_node / add_edge calls at module level (the brief's 2,000-line pipeline file)."""
    out = ["from pipeline import PipelineDAG", "", "dag = PipelineDAG()"]
    i = 0
    while len(out) < lines:
        out.append(f'dag.add_node("Step{i}_training")')
        out.append(f'dag.add_edge("Step{i}_training", "Step{i + 1}_eval")  # é 🎉')
        i += 1
    return "\n".join(out) + "\n"


def function_file(lines: int) -> str:
    """Calls, multi-line calls and subscripts inside one long function."""
    out = ["def build_dag():", "    dag = PipelineDAG()"]
    i = 0
    while len(out) < lines:
        out.append(f'    dag.add_node("Step{i}_training")')
        out.append(
            f'    dag.add_edge(\n        "Step{i}_training",\n        "Step{i + 1}_eval",\n    )'
        )
        out.append(f'    cfg = STEP_NAMES["Step{i}"]["config_class"]  # é 🎉')
        i += 1
    out.append("    return dag")
    return "\n".join(out) + "\n"


def registry_file(lines: int) -> str:
    """A STEP_NAMES dict, then code using the names; half of it needs a parser (an ``if``
    header, a call inside another call)."""
    out = ["STEP_NAMES = {"]
    i = 0
    while len(out) < lines // 2:
        out += [
            f'    "Step{i}": {{',
            f'        "config_class": "Step{i}Config",',
            f'        "builder_step_name": "Step{i}Builder",',
            '        "sagemaker_step_type": "Processing",  # é 🎉',
            "    },",
        ]
        i += 1
    out.append("}")
    k = 0
    while len(out) < lines:
        out += [
            f'config_class = get_config_class_name("Step{k}")',
            f'builder = BUILDER_STEP_NAMES["Step{k}"]',
            f'if get_spec_step_type("Step{k}") == "Processing":',
            f'    kinds.append(STEP_NAMES["Step{k}"]["sagemaker_step_type"])',
        ]
        k = (k + 1) % i
    return "\n".join(out) + "\n"


def timed(run: Callable[[], object]) -> float:
    """Milliseconds of CPU time: steadier than wall time on a busy shared machine."""
    start = time.process_time()
    run()
    return (time.process_time() - start) * 1000


def stats(times: list[float]) -> str:
    low, middle, high = min(times), statistics.median(times), max(times)
    return f"min {low:6.1f} ms  median {middle:6.1f} ms  max {high:6.1f} ms"


def report(name: str, text: str, repeat: int = 7) -> None:
    print(f"\n{name}: {text.count(chr(10))} lines, {len(text)} characters")
    yardstick = [timed(lambda: ast.parse(text)) for _ in range(repeat)]
    print(f"  {'ast.parse (yardstick)':<42}{stats(yardstick)}")
    print(f"  {'first analysis':<42}{stats([timed(lambda: analyze(text)) for _ in range(repeat)])}")

    middle = text.index("\n", len(text) // 2) + 1  # a line start in the middle
    inside = text.index('"', middle) + 3  # inside the first literal of that line
    edits = {
        "one character in a literal": text[:inside] + "x" + text[inside:],
        "new line (shifts the rest)": text[:middle] + "\n" + text[middle:],
        "line deleted": text[:middle] + text[text.index("\n", middle) + 1 :],
    }
    for label, edited in edits.items():
        times = []
        for _ in range(repeat):
            analyzer = DocumentAnalyzer()
            analyzer.analyze(text)
            times.append(timed(lambda a=analyzer, e=edited: a.analyze(e)))
        assert analyzer.analyze(edited) == analyze(edited)
        print(f"  {'after edit: ' + label:<42}{stats(times)}")

    analyzer = DocumentAnalyzer()
    analyzer.analyze(text)
    typed = '    dag.add_node("XGBoost", name="x")\n'
    times = []
    for n in range(1, len(typed) + 1):
        version = text[:middle] + typed[:n] + text[middle:]
        times.append(timed(lambda v=version: analyzer.analyze(v)))
    assert analyzer.analyze(version) == analyze(version)
    print(f"  {'typing a call, per keystroke':<42}{stats(times)}")

    broken = text[:middle] + '    dag.add_node("A", \n' + text[middle:]
    times = [timed(lambda: analyze(broken)) for _ in range(repeat)]
    print(f"  {'first analysis, half-written call':<42}{stats(times)}")


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(f"parso grammar load, once per process: {timed(warm_up):.1f} ms (not counted below)")
    report("module-level calls", module_file(lines))
    report("calls inside one function", function_file(lines))
    report("registry dict + code using it", registry_file(lines))


if __name__ == "__main__":
    main()
