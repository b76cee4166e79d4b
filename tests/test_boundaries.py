"""The arrows between the layers and the runtime's domains stay as drawn in
docs/architecture.md."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold():
    # The contracts are in pyproject.toml; lint-imports names each broken import chain.
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module) & modules):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_among_the_runtimes_modules():
    # Once, 13 runtime modules formed one cycle held together by imports inside
    # functions; grimp sees those imports too, so a cycle cannot hide in a function.
    graph = grimp.build_graph("orderloom")
    runtime = {m for m in graph.modules
               if m.startswith("orderloom.runtime.") or m == "orderloom.runtime"}
    # The package itself only re-imports its domains by name (load_domains), not by an
    # import statement, so it takes part in no cycle.
    assert cycles(graph, runtime) == []


def test_the_runtime_package_holds_only_what_every_domain_shares():
    modules = sorted(p.stem for p in (ROOT / "orderloom" / "runtime").glob("*.py")
                     if p.stem != "__init__")
    # template_sandbox: the budget under which print templates (documents) and notify
    # messages (notify) render; both domains run designers' templates. sealing: secrets
    # under the instance key, of channels (store credentials) and shipping (carriers).
    # log_lines: how every process logs, RQ's scheduler process (jobs) as the web app.
    # metrics: what every process counts for Prometheus (jobs, engine, notify, the app).
    # business_calendar: the days formulas count as worked, wherever a domain evaluates
    # them (engine, stock routing, channels). formula_catalogue: the products (stock)
    # and customers (customers) PRODUCTINFO and CUSTOMERINFO read, handed with it.
    assert modules == ["audit", "business_calendar", "errors", "formula_catalogue", "hooks",
                       "job_runner",
                       "log_lines", "metrics", "outbound", "remembered", "retry",
                       "scheduled_timers", "sealing", "template_sandbox"]
