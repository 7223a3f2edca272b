"""Rasa's prediction graph run in a kept order (rasa_patches/graph_runner.py)
hands every node exactly what Rasa's dask runner hands it, for the trained
model's NLU and dialogue targets: same inputs, same outputs, each node once,
after the nodes it needs. (That the real components then predict the same
is tested on every held-out question in test_fast_model_load.py and by the
test stories.)

"Rasa's own" runner is ``graph_runner.RASA_RUN``, Rasa's original as the
patch registry keeps it (rasa_patches/core.py), so the comparison is with
Rasa's code whether the patch was applied before this file was imported (as
when tests/channels/ runs first) or not; the tests below check that, and
that the comparison fails for a runner that differs."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage

from rasa_patches import graph_runner
from tests.support.servers import trained_model

RASA_RUN = graph_runner.RASA_RUN  # Rasa's original, never the patch


class RecordingNode:
    """Stands in for a GraphNode: returns ``(name, what it was given)`` and counts its calls."""

    def __init__(self, name: str, calls: list[str]) -> None:
        self.name, self.calls = name, calls

    def __call__(self, *inputs: Any) -> tuple[str, Any]:
        self.calls.append(self.name)
        return self.name, inputs


@pytest.fixture(scope="module")
def metadata(tmp_path_factory: pytest.TempPathFactory) -> Any:
    _, metadata = LocalModelStorage.from_model_archive(tmp_path_factory.mktemp("model"), trained_model())
    return metadata


@pytest.fixture(scope="module")
def schema(metadata: Any) -> Any:
    return metadata.predict_schema


def runner(schema: Any, calls: list[str]) -> DaskGraphRunner:
    runner = DaskGraphRunner.__new__(DaskGraphRunner)
    runner._graph_schema = schema
    runner._instantiated_nodes = {name: RecordingNode(name, calls) for name in schema.nodes}
    runner._execution_context = None
    return runner


def differences(run: Any, metadata: Any, schema: Any) -> list[str]:
    """Where ``run`` (a ``DaskGraphRunner.run``) hands the nodes something else than Rasa's own runner."""
    inputs = {"__message__": ["Får vi teckna ett vänortsavtal med Berlin?"], "__tracker__": "tracker"}
    leaves = sorted(set(schema.nodes) - {n for node in schema.nodes.values() for n in node.needs.values()})
    target_sets = [[metadata.nlu_target], [metadata.core_target], leaves, [metadata.core_target, metadata.nlu_target]]
    found: list[str] = []
    for targets in target_sets:
        ours_calls: list[str] = []
        rasas_calls: list[str] = []
        ours = run(runner(schema, ours_calls), inputs=inputs, targets=targets)
        rasas = RASA_RUN(runner(schema, rasas_calls), inputs=inputs, targets=targets)
        if ours != rasas:
            found.append(f"{targets}: other outputs")
        if sorted(ours_calls) != sorted(rasas_calls) or len(set(ours_calls)) != len(ours_calls):
            found.append(f"{targets}: other node calls")
        needed = schema.minimal_graph_schema(targets).nodes
        if set(ours_calls) != set(needed):
            found.append(f"{targets}: other nodes than the targets need")
        for position, name in enumerate(ours_calls):  # every node after the nodes it needs
            if not all(ours_calls.index(n) < position for n in needed[name].needs.values()
                       if n in needed and n in ours_calls):
                found.append(f"{targets}: {name} before a node it needs")
    return found


def test_each_target_gets_what_rasas_dask_runner_gives_it(metadata, schema):
    assert differences(graph_runner.run, metadata, schema) == []


def test_the_comparison_is_with_rasas_own_runner_even_after_the_patch_is_applied(metadata, schema):
    import rasa_patches

    rasa_patches.apply_all()  # as if tests/channels/ (or anything else) had applied it first
    assert DaskGraphRunner.run is graph_runner.run
    assert RASA_RUN is not graph_runner.run and RASA_RUN.__module__ == "rasa.engine.runner.dask"
    assert graph_runner.RASA_RUN is rasa_patches.core.rasa_original(DaskGraphRunner, "run")
    assert differences(DaskGraphRunner.run, metadata, schema) == []


def test_the_comparison_fails_for_a_runner_that_differs(metadata, schema):
    """Proof that the comparison can fail: a runner that hands one node a changed input is caught."""

    def wrong_input(self: DaskGraphRunner, inputs: Any = None, targets: Any = None) -> Any:
        changed = {**(inputs or {}), "__message__": ["something else"]}
        return graph_runner.run(self, inputs=changed, targets=targets)

    def wrong_order(self: DaskGraphRunner, inputs: Any = None, targets: Any = None) -> Any:
        order, needs = graph_runner.plan_for(self, tuple(targets or self._graph_schema.target_names))
        self.__dict__[graph_runner._PLANS][tuple(targets)] = (tuple(reversed(order)), needs)
        return graph_runner.run(self, inputs=inputs, targets=targets)

    assert differences(wrong_input, metadata, schema)
    assert differences(wrong_order, metadata, schema)
    assert differences(RASA_RUN, metadata, schema) == []  # Rasa against itself: no difference


def test_the_order_is_worked_out_once_per_set_of_targets(metadata, schema):
    calls: list[str] = []
    run = runner(schema, calls)
    targets = [metadata.nlu_target]
    first = graph_runner.run(run, inputs={"__message__": [], "__tracker__": None}, targets=targets)
    assert graph_runner.run(run, inputs={"__message__": [], "__tracker__": None}, targets=targets) == first
    assert list(getattr(run, graph_runner._PLANS)) == [tuple(targets)]


def test_an_input_named_like_a_node_is_refused_as_rasa_refuses_it(schema):
    node = next(iter(schema.nodes))
    with pytest.raises(GraphRunError, match="clashes with a node name"):
        graph_runner.run(runner(schema, []), inputs={"__message__": node}, targets=[node])


def test_a_runtime_error_in_a_node_is_rasas_graph_run_error(metadata, schema):
    run = runner(schema, [])

    def broken(*_: Any) -> None:
        raise RuntimeError("broken component")

    run._instantiated_nodes = {name: broken for name in schema.nodes}
    with pytest.raises(GraphRunError):
        graph_runner.run(run, inputs={"__message__": [], "__tracker__": None}, targets=[metadata.nlu_target])


def test_the_model_archive_holds_a_prediction_graph(schema):
    assert Path(trained_model()).exists() and schema.nodes
