"""Ratios, targets and the printed table."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from scenarios import Measurement

__all__ = ["TARGETS", "Target", "ratio", "render", "render_comparison"]


@dataclass(frozen=True)
class Target:
    scenario: str
    metric: str
    contender: str
    op: str  # "<=" or ">="
    value: float
    base: str = "aiohttp"

    def met(self, ratio_value: float) -> bool:
        if math.isnan(ratio_value):
            return False
        return ratio_value <= self.value if self.op == "<=" else ratio_value >= self.value


# The targets, as g4f ÷ base in the same run.
TARGETS = [
    Target("1 import", "import time", "import g4f", "<=", 0.25, base="import aiohttp"),
    Target("1 import", "import time", "from g4f.Provider import Groq", "<=", 1.0, base="import aiohttp"),
    Target("2 long stream", "throughput", "g4f", ">=", 1.0),
    Target("3 sequential streams", "median", "g4f", "<=", 1.1),
    Target("3 sequential streams", "first chunk median", "g4f", "<=", 1.05),
    Target("3 sequential streams", "first chunk median", "g4f AsyncClient", "<=", 1.1),
    Target("3 sequential streams", "first chunk median", "g4f Client", "<=", 1.15),
    Target("4 sequential completions", "median", "g4f", "<=", 1.05),
    Target("4 sequential completions", "median", "g4f AsyncClient", "<=", 1.1),
    Target("4 sequential completions", "median", "g4f Client", "<=", 1.15),
    Target("5 concurrent streams", "wall time", "g4f", "<=", 1.1),
    Target("5 concurrent streams", "peak RSS", "g4f", "<=", 1.2),
    Target("6 API server", "throughput", "aiohttp → g4f api", ">=", 0.5, base="aiohttp → replica"),
    Target("7 clients long stream", "throughput", "g4f AsyncClient", ">=", 1.0),
    Target("7 clients long stream", "throughput", "g4f Client", ">=", 1.0),
]

BASES = {"1 import": "import aiohttp", "6 API server": "aiohttp → replica"}
#: Metrics whose base is another row of their scenario.
METRIC_BASES = {("6 API server", "CPU per chunk"): "aiohttp client, direct"}
#: Scenario 7 is measured in the rounds of scenario 2, against the same aiohttp runs.
BASE_SCENARIO = {"7 clients long stream": "2 long stream"}


def ratio(item: Measurement, base: Measurement | None, cpu: bool = False) -> float:
    """The median over rounds of item ÷ base measured in the same round (pooled tails: their ratio).

    ``cpu``: the same from the client's CPU time rather than the wall clock.
    """
    if base is None or not item.samples or not base.samples:
        return float("nan")
    if cpu:
        ours, theirs = item.cpu_per_round, base.cpu_per_round
    elif item.pooled_percentile is not None:
        return item.value / base.value
    else:
        ours, theirs = item.per_round, base.per_round
    if len(ours) < len(theirs):  # measured in the first round only
        theirs = theirs[: len(ours)]
    pairs = [a / b for a, b in zip(ours, theirs) if b]
    return statistics.median(pairs) if pairs else float("nan")


#: Earlier names of scenarios, so that a run saved before a rename still compares.
RENAMED = {"7 AsyncClient long stream": "7 clients long stream"}


def _ratios(measurements: list[Measurement]) -> dict[tuple[str, str, str], tuple[float, float]]:
    """(scenario, metric, contender) -> (ratio, CPU ratio), as :func:`render` computes them."""
    for m in measurements:
        m.scenario = RENAMED.get(m.scenario, m.scenario)
    index = {(m.scenario, m.metric, m.contender): m for m in measurements}
    out = {}
    for key, m in index.items():
        base_name = METRIC_BASES.get((m.scenario, m.metric)) or BASES.get(m.scenario, "aiohttp")
        base = index.get((BASE_SCENARIO.get(m.scenario, m.scenario), m.metric, base_name))
        out[key] = (ratio(m, base), ratio(m, base, cpu=True))
    return out


def render_comparison(before: list[Measurement], after: list[Measurement]) -> str:
    """Before/after of every target row: the ratio (and CPU ratio) of two runs, e.g. the saved
    ``--json`` of the run before a change against this run."""
    old, new = _ratios(before), _ratios(after)

    def cell(pair: tuple[float, float] | None) -> str:
        if pair is None or math.isnan(pair[0]):
            return "not measured"
        return f"{pair[0]:.2f}" + ("" if math.isnan(pair[1]) else f" (CPU {pair[1]:.2f})")

    lines = ["| scenario | metric | contender | before | after | target | met after |",
             "| --- | --- | --- | ---: | ---: | --- | --- |"]
    for t in TARGETS:
        key = (t.scenario, t.metric, t.contender)
        if key not in old and key not in new:
            continue
        after_pair = new.get(key)
        met = "" if after_pair is None else ("yes" if t.met(after_pair[0]) else "**NO**")
        lines.append(f"| {t.scenario} | {t.metric} | {t.contender} | {cell(old.get(key))} | {cell(after_pair)} | "
                     f"{t.op} {t.value:g} | {met} |")
    return "\n".join(lines)


def _fmt(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if unit == "chunks/s":
        return f"{value:,.0f} {unit}"
    if unit == "µs":
        return f"{value:.2f} µs"
    if unit == "ms":
        return f"{value:.3f} ms" if value < 10 else f"{value:,.1f} ms"
    return f"{value:,.1f} {unit}"


def render(measurements: list[Measurement], skipped: dict[str, str], requested: set[int]) -> str:
    """A markdown table: one row per scenario, metric and contender."""
    index = {(m.scenario, m.metric, m.contender): m for m in measurements}
    targets = {(t.scenario, t.metric, t.contender): t for t in TARGETS}
    lines = ["| scenario | metric | contender | median | ratio | CPU ratio | target | met |",
             "| --- | --- | --- | ---: | ---: | ---: | --- | --- |"]
    for m in sorted(measurements, key=lambda m: m.scenario[:1]):
        base_name = METRIC_BASES.get((m.scenario, m.metric)) or BASES.get(m.scenario, "aiohttp")
        base = index.get((BASE_SCENARIO.get(m.scenario, m.scenario), m.metric, base_name))
        r = ratio(m, base)
        target = targets.get((m.scenario, m.metric, m.contender))
        target_text = f"{target.op} {target.value:g}" if target else ""
        met = ("yes" if target.met(r) else "**NO**") if target else ""
        label = m.contender + (f" ({m.note})" if m.note else "")
        is_base = m.contender == base_name
        ratio_text = "" if is_base or math.isnan(r) else f"{r:.2f}"
        cpu = ratio(m, base, cpu=True)
        cpu_text = "" if is_base or math.isnan(cpu) else f"{cpu:.2f}"
        lines.append(f"| {m.scenario} | {m.metric} | {label} | {_fmt(m.value, m.unit)} | {ratio_text} | "
                     f"{cpu_text} | {target_text} | {met} |")
    for (scenario, metric, contender), target in targets.items():
        if int(scenario.split()[0]) in requested and (scenario, metric, contender) not in index:
            why = skipped.get(contender, "not measured in this run")
            lines.append(f"| {scenario} | {metric} | {contender} | n/a | | | {target.op} {target.value:g} | "
                         f"not measured: {why} |")
    return "\n".join(lines)
