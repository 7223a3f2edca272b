"""Rasa's prediction graph run in a kept order (rasa_patches/graph_runner.py)
hands every node exactly what Rasa's dask runner hands it, for the trained
model's NLU and dialogue targets: same inputs, same outputs, each node once,
after the nodes it needs. (That the real components then predict the same
is tested on every held-out question in test_fast_model_load.py and by the
test stories.)"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage

from rasa_patches import graph_runner
from tests.support.servers import trained_model

RASA_RUN = DaskGraphRunner.run  # before the patch is applied below
graph_runner.apply()


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


def test_each_target_gets_what_rasas_dask_runner_gives_it(metadata, schema):
    inputs = {"__message__": ["Får vi teckna ett vänortsavtal med Berlin?"], "__tracker__": "tracker"}
    leaves = sorted(set(schema.nodes) - {n for node in schema.nodes.values() for n in node.needs.values()})
    target_sets = [[metadata.nlu_target], [metadata.core_target], leaves, [metadata.core_target, metadata.nlu_target]]
    for targets in target_sets:
        ours_calls: list[str] = []
        rasas_calls: list[str] = []
        ours = runner(schema, ours_calls).run(inputs=inputs, targets=targets)
        rasas = RASA_RUN(runner(schema, rasas_calls), inputs=inputs, targets=targets)
        assert ours == rasas
        assert sorted(ours_calls) == sorted(rasas_calls) and len(set(ours_calls)) == len(ours_calls)
        needed = schema.minimal_graph_schema(targets).nodes
        assert set(ours_calls) == set(needed)
        for position, name in enumerate(ours_calls):  # every node after the nodes it needs
            assert all(ours_calls.index(n) < position for n in needed[name].needs.values() if n in needed)


def test_the_order_is_worked_out_once_per_set_of_targets(metadata, schema):
    calls: list[str] = []
    run = runner(schema, calls)
    targets = [metadata.nlu_target]
    first = run.run(inputs={"__message__": [], "__tracker__": None}, targets=targets)
    assert run.run(inputs={"__message__": [], "__tracker__": None}, targets=targets) == first
    assert list(getattr(run, graph_runner._PLANS)) == [tuple(targets)]


def test_an_input_named_like_a_node_is_refused_as_rasa_refuses_it(schema):
    node = next(iter(schema.nodes))
    with pytest.raises(GraphRunError, match="clashes with a node name"):
        runner(schema, []).run(inputs={"__message__": node}, targets=[node])


def test_a_runtime_error_in_a_node_is_rasas_graph_run_error(metadata, schema):
    run = runner(schema, [])

    def broken(*_: Any) -> None:
        raise RuntimeError("broken component")

    run._instantiated_nodes = {name: broken for name in schema.nodes}
    with pytest.raises(GraphRunError):
        run.run(inputs={"__message__": [], "__tracker__": None}, targets=[metadata.nlu_target])


def test_the_model_archive_holds_a_prediction_graph(schema):
    assert Path(trained_model()).exists() and schema.nodes
