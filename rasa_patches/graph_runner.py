"""Run Rasa's prediction graph in an order worked out once, not rescheduled by dask for every call.

Rasa 3.6's ``DaskGraphRunner.run`` does, for every message's NLU parse and
for every action prediction (three or more per message): cut the minimal
schema for the targets, build a dask graph from it, and hand it to dask's
synchronous scheduler, which orders the graph again (``dask.order``) and
keeps its bookkeeping per task; it also formats a debug line holding the
inputs and the whole execution context, whether or not debug logging is on.
py-spy under 20 users: about 6 % of the Rasa server's event-loop time
(docs/performance.md).

The graph does not change while Rasa serves, so the order in which a
target's nodes run is computed once per set of targets and kept. Each node
is then called as dask calls it: with the outputs of the nodes it needs, or
the run's input of that name; an input replaces a node of the same name, and
a name that is neither is passed as it is. The runner's other behaviour is
Rasa's own: the input-name check, ``GraphRunError`` for a ``RuntimeError``,
the result as a dict of the targets' outputs. The NLU output is compared
with Rasa's own runner on every held-out question
(``tests/rasa_patches/test_fast_model_load.py``) and dialogue predictions by
the test stories.
"""
from __future__ import annotations

import logging
from typing import Any, Optional

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner

from rasa_patches.core import Patch, apply as apply_patches, rasa_original

logger = logging.getLogger(__name__)

RASA_RUN = rasa_original(DaskGraphRunner, "run")  # Rasa's own, for comparison in the tests

_PLANS = "_lotsen_plans"  # attribute on a runner: targets -> (node order, each node's needs)

Plan = tuple[tuple[str, ...], dict[str, tuple[str, ...]]]


def execution_plan(schema: GraphSchema, targets: tuple[str, ...]) -> Plan:
    """The nodes the targets need, each after the nodes it needs, and their needs in dask's argument order."""
    minimal = schema.minimal_graph_schema(list(targets))
    needs = {name: tuple(node.needs.values()) for name, node in minimal.nodes.items()}
    order: list[str] = []
    done: set[str] = set()

    # Depth-first: a node after the nodes it needs (graphs are tens of nodes deep at most).
    def visit(name: str) -> None:
        if name in done or name not in needs:
            return
        done.add(name)
        for needed in needs[name]:
            visit(needed)
        order.append(name)

    for target in targets:
        visit(target)
    return tuple(order), needs


def plan_for(runner: DaskGraphRunner, targets: tuple[str, ...]) -> Plan:
    plans: dict[tuple[str, ...], Plan] = runner.__dict__.setdefault(_PLANS, {})
    if targets not in plans:
        plans[targets] = execution_plan(runner._graph_schema, targets)
    return plans[targets]


def run(self: DaskGraphRunner, inputs: Optional[dict[str, Any]] = None,
        targets: Optional[list[str]] = None) -> dict[str, Any]:
    """Rasa's ``DaskGraphRunner.run`` over a kept execution order."""
    run_targets = tuple(targets if targets else self._graph_schema.target_names)
    order, needs = plan_for(self, run_targets)
    values: dict[str, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and (value in needs or value in values):  # Rasa's check on its dask graph
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure that none of the input names "
                f"passed to the `run` method are the same as node names in the graph schema.")
        values[name] = (name, value)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(f"Running graph with inputs: {inputs}, targets: {targets} and {self._execution_context}.")
    try:
        for name in order:
            if name not in values:  # an input of the same name replaces the node, as in Rasa's dask graph
                values[name] = self._instantiated_nodes[name](*(values.get(n, n) for n in needs[name]))
        return dict(values.get(t, t) for t in run_targets)
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


PATCHES = (Patch(__name__, DaskGraphRunner, "run", run),)


def apply() -> None:
    """This patch alone (Rasa's start-up applies every patch: ``rasa_patches.apply_all``)."""
    apply_patches(PATCHES)
