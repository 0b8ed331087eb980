"""The event graph: nodes and edges from the facts, contexts from the config, metrics and the coupling summary."""

import pytest

from eventlint import api
from eventlint.config import ConfigError, load_config
from tests.helpers import write_project

# Three services in a loop: a -> b -> c -> a, plus d consuming a's event.
LOOP = {
    "services/a/a/app.py": """
        from kafka import KafkaConsumer, KafkaProducer

        producer = KafkaProducer()

        def on_c(event):
            producer.send("a.done", {"id": event["id"]})

        def start(order_id):
            producer.send("a.started", {"id": order_id})

        for message in KafkaConsumer("c.done", group_id="a"):
            on_c(message.value)
        """,
    "services/b/b/app.py": """
        from kafka import KafkaConsumer, KafkaProducer

        producer = KafkaProducer()

        def on_a(event):
            producer.send("b.done", {"id": event["id"]})

        for message in KafkaConsumer("a.started", group_id="b"):
            on_a(message.value)
        """,
    "services/c/c/app.py": """
        from kafka import KafkaConsumer, KafkaProducer

        producer = KafkaProducer()

        def on_b(event):
            producer.send("c.done", {"id": event["id"]})

        for message in KafkaConsumer("b.done", group_id="c"):
            on_b(message.value)
        """,
    "services/d/d/app.py": """
        from kafka import KafkaConsumer

        def on_a(event):
            print(event["id"])

        for message in KafkaConsumer("a.started", "a.done", group_id="d"):
            on_a(message.value)
        """,
}


def graph_of(tmp_path, files=LOOP, config=None):
    root = write_project(tmp_path, files, {"exclude": [], **(config or {})})
    return api.graph([root], load_config([root]))


def test_nodes_and_edges_follow_the_facts(tmp_path):
    g = graph_of(tmp_path)
    assert g.services() == ["a", "b", "c", "d"]
    assert g.events() == ["a.done", "a.started", "b.done", "c.done"]
    assert g.publishers_of("a.started") == ["a"]
    assert g.consumers_of("a.started") == ["b", "d"]
    assert [(h, e["service"]) for h, e in g.handlers_of("a.started")] == [("services.b.b.app.on_a", "b"), ("services.d.d.app.on_a", "d")]
    assert [event for event, _ in g.caused_by("services.b.b.app.on_a")] == ["b.done"]
    edge = g.edges("publishes")[0]
    assert edge[0:2] == ("a", "a.done")
    assert {"framework", "channel", "path", "line", "column", "function"} <= set(edge[2])
    assert edge[2]["framework"] == "kafka-python"


def test_service_graph_metrics_and_summary(tmp_path):
    g = graph_of(tmp_path)
    deps = g.service_graph()
    assert sorted(deps.edges()) == [("a", "b"), ("a", "d"), ("b", "c"), ("c", "a")]
    metrics = g.service_metrics()
    a = metrics["a"]
    assert (a.fan_in, a.fan_out, a.afferent, a.efferent) == (1, 2, 2, 1)
    assert a.instability == pytest.approx(1 / 3)
    assert metrics["d"].instability == 1.0 and metrics["d"].fan_in == 2
    summary = g.summary()
    assert summary.services == 4 and summary.dependencies == 4
    assert summary.density == pytest.approx(4 / 12)
    assert summary.coupled_share == pytest.approx(4 / 6)
    assert summary.cycles == (("a", "b", "c", "a"),)
    assert summary.largest_component == ("a", "b", "c")
    # c.done -> a.done is caused by a's handler; the loop of events a.started -> b.done -> c.done is not closed
    assert summary.longest_chain == ("a.started", "b.done", "c.done", "a.done")


def test_contexts_map_and_their_metrics(tmp_path):
    contexts = {"core": {"services": ["a", "b"], "public": ["a.*"]}, "edge": {"services": ["c", "d"]}}
    g = graph_of(tmp_path, config={"contexts": contexts})
    assert g.context_of("a") == "core" and g.context_of("d") == "edge"
    assert g.event("a.started")["contexts"] == ("core",)
    assert sorted(g.context_map().edges()) == [("core", "edge"), ("edge", "core")]
    core = g.context_metrics()["core"]
    assert core.services == ("a", "b")
    assert core.events_consumed == ("c.done",) and core.events_published == ("a.done", "a.started", "b.done")
    assert g.contexts["core"].exposes("a.started") and not g.contexts["core"].exposes("b.done")


@pytest.mark.parametrize(
    ("contexts", "key", "message"),
    [
        ({"core": {"services": ["a", "zz"]}}, "contexts.core.services[1]", "unknown service 'zz'; expected one of: a, b, c, d"),
        ({"x": {"services": ["a"]}, "y": {"services": ["a"]}}, "contexts.y.services[0]", "service 'a' is already in context 'x'"),
    ],
)
def test_context_mistakes_are_config_errors_naming_the_key(tmp_path, contexts, key, message):
    root = write_project(tmp_path, LOOP, {"exclude": [], "contexts": contexts})
    with pytest.raises(ConfigError) as error:
        api.lint([root], load_config([root]), select=["EDA101"])
    assert error.value.key == key
    assert error.value.message == message


def test_json_form_is_sorted_and_stable(tmp_path):
    first = graph_of(tmp_path / "one").to_json()
    second = graph_of(tmp_path / "two").to_json()
    assert first == second
    assert [n["name"] for n in first["nodes"] if n["kind"] == "service"] == ["a", "b", "c", "d"]
    assert first["summary"]["cycles"] == [["a", "b", "c", "a"]]
    assert first["metrics"]["services"]["a"]["instability"] == 0.3333
