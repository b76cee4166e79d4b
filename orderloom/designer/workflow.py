"""The workflow as a graph: what can be reached, and what can finish."""
from __future__ import annotations

from collections import defaultdict
from typing import Any


def edges(workflow: dict[str, Any]) -> dict[str, set[str]]:
    """Every move an order can make: transitions, approval outcomes, automatic moves."""
    graph: dict[str, set[str]] = defaultdict(set)
    for t in workflow.get("transitions", []):
        for source in t["from"]:
            graph[source].add(t["to"])
    for a in workflow.get("approvals", []):
        graph[a["state"]].update((a["approved"], a["rejected"]))
    for auto in workflow.get("automatic", []):
        graph[auto["from"]].add(auto["to"])
    return graph


def _reach(graph: dict[str, set[str]], start: set[str]) -> set[str]:
    seen = set(start)
    stack = list(start)
    while stack:
        for nxt in graph.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def graph_problems(workflow: dict[str, Any]) -> list[tuple[tuple, str]]:
    """(path, message) for: not exactly one start state, no terminal state, a state
    unreachable from the start, a state that cannot reach a terminal state, and any
    move out of a terminal state."""
    problems: list[tuple[tuple, str]] = []
    states = workflow["states"]
    index = {s["key"]: i for i, s in enumerate(states)}
    starts = [s["key"] for s in states if s["kind"] == "start"]
    terminals = {s["key"] for s in states if s["kind"] == "terminal"}
    if len(starts) != 1:
        problems.append((("workflow", "states"),
                         f"there must be exactly one start state; found {len(starts)}"
                         + (f" ({', '.join(starts)})" if starts else "")))
    if not terminals:
        problems.append((("workflow", "states"), "there is no terminal state, so no order "
                                                 "could ever be finished"))
    for t_index, t in enumerate(workflow.get("transitions", [])):
        for f_index, source in enumerate(t["from"]):
            if source in terminals:
                problems.append((("workflow", "transitions", t_index, "from", f_index),
                                 f"{source!r} is a terminal state; nothing may leave it"))
    for a_index, a in enumerate(workflow.get("approvals", [])):
        if a["state"] in terminals:
            problems.append((("workflow", "approvals", a_index, "state"),
                             f"{a['state']!r} is a terminal state; nothing may leave it"))
    for x_index, auto in enumerate(workflow.get("automatic", [])):
        if auto["from"] in terminals:
            problems.append((("workflow", "automatic", x_index, "from"),
                             f"{auto['from']!r} is a terminal state; nothing may leave it"))
    if len(starts) != 1 or not terminals:
        return problems
    graph = edges(workflow)
    reachable = _reach(graph, {starts[0]})
    reverse: dict[str, set[str]] = defaultdict(set)
    for source, targets in graph.items():
        for target in targets:
            reverse[target].add(source)
    finishing = _reach(reverse, terminals)
    for state in states:
        key = state["key"]
        if key not in reachable:
            problems.append((("workflow", "states", index[key]),
                             f"state {key!r} cannot be reached from the start state "
                             f"{starts[0]!r}"))
        elif key not in finishing:
            problems.append((("workflow", "states", index[key]),
                             f"from state {key!r} no terminal state can be reached; orders "
                             f"would be stuck there"))
    return problems
