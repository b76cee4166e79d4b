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


# A problem of the drawing: its path, English message, code and placeholders' values
# (designer/problems.py).
GraphProblem = tuple[tuple, str, str, dict[str, Any]]


def graph_problems(workflow: dict[str, Any]) -> list[GraphProblem]:
    """Each problem of the drawing: not exactly one start state, no terminal state, a
    state unreachable from the start, a state that cannot reach a terminal state, and
    any move out of a terminal state."""
    problems: list[GraphProblem] = []
    states = workflow["states"]
    index = {s["key"]: i for i, s in enumerate(states)}
    starts = [s["key"] for s in states if s["kind"] == "start"]
    terminals = {s["key"] for s in states if s["kind"] == "terminal"}
    if len(starts) != 1:
        problems.append((("workflow", "states"),
                         f"there must be exactly one start state; found {len(starts)}"
                         + (f" ({', '.join(starts)})" if starts else ""),
                         "definition.one_start", {"count": len(starts),
                                                  "states": ", ".join(starts)}))
    if not terminals:
        problems.append((("workflow", "states"), "there is no terminal state, so no order "
                                                 "could ever be finished",
                         "definition.no_terminal", {}))
    for t_index, t in enumerate(workflow.get("transitions", [])):
        for f_index, source in enumerate(t["from"]):
            if source in terminals:
                problems.append((("workflow", "transitions", t_index, "from", f_index),
                                 f"{source!r} is a terminal state; nothing may leave it",
                                 "definition.leaves_terminal", {"state": repr(source)}))
    for a_index, a in enumerate(workflow.get("approvals", [])):
        if a["state"] in terminals:
            problems.append((("workflow", "approvals", a_index, "state"),
                             f"{a['state']!r} is a terminal state; nothing may leave it",
                             "definition.leaves_terminal", {"state": repr(a["state"])}))
    for x_index, auto in enumerate(workflow.get("automatic", [])):
        if auto["from"] in terminals:
            problems.append((("workflow", "automatic", x_index, "from"),
                             f"{auto['from']!r} is a terminal state; nothing may leave it",
                             "definition.leaves_terminal", {"state": repr(auto["from"])}))
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
                             f"{starts[0]!r}", "definition.unreachable",
                             {"state": repr(key), "start": repr(starts[0])}))
        elif key not in finishing:
            problems.append((("workflow", "states", index[key]),
                             f"from state {key!r} no terminal state can be reached; orders "
                             f"would be stuck there", "definition.stuck",
                             {"state": repr(key)}))
    return problems


def stock_given_back(workflow: dict[str, Any]) -> set[str]:
    """The states an order reaches by giving its stock back (a transition with a
    ``release_stock`` action) and from which its workflow never reserves again: the
    order is cancelled, or on its way to being cancelled (a refund still pending),
    whatever the state is called and whichever category it declares."""
    transitions = workflow.get("transitions", [])

    def does(transition: dict[str, Any], kind: str) -> bool:
        return any(isinstance(a, dict) and a.get("type") == kind
                   for a in transition.get("actions", []))

    given_back = {t["to"] for t in transitions if does(t, "release_stock")}
    reserving = {source for t in transitions if does(t, "reserve_stock") for source in t["from"]}
    graph = edges(workflow)
    return {state for state in given_back if not _reach(graph, {state}) & reserving}
