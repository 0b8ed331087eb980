"""The field check's scorer (benchmarks/field/score.py): matching, names, edges, and the labels it ships."""

from __future__ import annotations

import json
import re
import sys

import pytest

from tests.helpers import REPO

sys.path.insert(0, str(REPO / "benchmarks" / "field"))
import score  # noqa: E402

FIXTURE = REPO / "tests" / "data" / "field"
FIELD = REPO / "benchmarks" / "field"


def _labels(tmp_path, text: str) -> score.Labels:
    path = tmp_path / "repo.yaml"
    path.write_text(text, encoding="utf-8")
    return score.load_labels(path)


def _pub(path, line, channel=None, event=None, service=None, function="m.f", via=()):
    return {"event": event, "channel": channel, "framework": "kafka-python", "service": service, "path": path,
            "line": line, "column": 1, "function": function, "via": list(via)}


def _sub(path, line, channel=None, event=None, service=None):
    return {"event": event, "channel": channel, "framework": "kafka-python", "service": service, "path": path,
            "line": line, "column": 1, "handler": "m.h"}


def _facts(publishers=(), subscribers=()):
    return {"eventlint_facts": 1, "root": "/r", "publishers": list(publishers), "subscribers": list(subscribers)}


LABELS = """
repo: r
services:
  a: [a/]
  b: [b/]
  c: [c/]
sites:
  - {kind: publish, path: a/p.py, line: 10, framework: kafka-python, event: null, channel: orders}
  - {kind: publish, path: a/p.py, line: 20, framework: kafka-python, event: null, channel: null}
  - {kind: subscribe, path: b/s.py, line: 5, framework: kafka-python, event: null, channel: orders}
  - {kind: subscribe, path: c/s.py, line: 5, framework: kafka-python, event: null, channel: orders}
edges:
  - {from: a, event: orders, to: b}
  - {from: a, event: orders, to: c}
"""


def test_sites_match_by_kind_path_and_line_within_the_tolerance(tmp_path):
    labels = _labels(tmp_path, LABELS)
    facts = _facts(
        publishers=[_pub("a/p.py", 12, "orders"), _pub("a/p.py", 23, None)],  # +2 matches, +3 does not
        subscribers=[_sub("b/s.py", 5, "orders"), _sub("a/p.py", 10, "orders")],  # wrong kind at a labelled line
    )
    result = score.score_repo(labels, facts, tolerance=2)
    assert (result.sites.found, result.sites.labelled) == (2, 4)
    assert (result.sites.correct, result.sites.reported) == (2, 4)
    assert [(s.path, s.line) for s in result.missed_sites] == [("a/p.py", 20), ("c/s.py", 5)]
    assert [(r.kind, r.path, r.line) for r in result.extra_sites] == [("subscribe", "a/p.py", 10), ("publish", "a/p.py", 23)]
    wider = score.score_repo(labels, facts, tolerance=3)
    assert wider.sites.found == 3  # the +3 record now meets the labelled runtime-only site


def test_one_reported_location_meets_one_labelled_location_nearest_first(tmp_path):
    labels = _labels(tmp_path, LABELS.replace("line: 20", "line: 13"))
    facts = _facts(publishers=[_pub("a/p.py", 12, "orders")])  # within 2 of both 10 and 13
    result = score.score_repo(labels, facts)
    assert (result.sites.found, result.sites.correct) == (1, 1)
    assert [s.line for s in result.missed_sites if s.kind == "publish"] == [10]  # 12 is nearer to 13


def test_a_name_is_right_only_when_every_reported_name_is_labelled(tmp_path):
    labels = _labels(tmp_path, LABELS)
    facts = _facts(
        publishers=[_pub("a/p.py", 10, "orders", event="str"), _pub("a/p.py", 20, "guessed")],
        subscribers=[_sub("b/s.py", 5, "orders"), _sub("c/s.py", 5, None)],
    )
    result = score.score_repo(labels, facts)
    # recall: a/p.py:10 (orders) and b/s.py:5 found, c/s.py:5 reported without a name
    assert (result.names.found, result.names.labelled) == (2, 3)
    # precision: `str` next to the right channel is wrong, so is a name where the label says null
    assert (result.names.correct, result.names.reported) == (1, 3)
    assert sorted((r.path, r.line) for r, _ in result.wrong_names) == [("a/p.py", 10), ("a/p.py", 20)]


def test_edges_follow_eventlints_flow_and_the_labelled_services(tmp_path):
    labels = _labels(tmp_path, LABELS)
    facts = _facts(
        publishers=[_pub("a/p.py", 10, "orders"), _pub("b/other.py", 3, "orders"), _pub("elsewhere.py", 1, "orders")],
        subscribers=[_sub("b/s.py", 5, "orders"), _sub("c/s.py", 5, "payments")],
    )
    result = score.score_repo(labels, facts)
    # a -> b found; b -> b is a self-edge; elsewhere.py is in no service; c consumes another topic
    assert (result.edges.found, result.edges.labelled, result.edges.correct, result.edges.reported) == (1, 2, 1, 1)
    assert [(e.source, e.target) for e in result.missed_edges] == [("a", "c")]


def test_an_edge_labelled_by_its_exchange_accepts_exchange_and_key(tmp_path):
    edge = score.Edge("a", "logs", "b", ("order_notify",))
    assert score._edge_name_matches("logs", edge)
    assert score._edge_name_matches("logs/info", edge)
    assert score._edge_name_matches("order_notify", edge)
    assert not score._edge_name_matches("logsx", edge)


def test_a_site_can_name_its_service_and_edges_use_it(tmp_path):
    labels = _labels(
        tmp_path,
        """
services:
  messenger: [app/messenger.py]
  server: [app/server.py]
sites:
  - {kind: publish, path: shared/bus.py, line: 3, event: null, channel: q, service: messenger}
  - {kind: subscribe, path: shared/bus.py, line: 9, event: null, channel: q, service: server}
edges:
  - {from: messenger, event: q, to: server}
""",
    )
    facts = _facts(publishers=[_pub("shared/bus.py", 3, "q")], subscribers=[_sub("shared/bus.py", 9, "q")])
    result = score.score_repo(labels, facts)
    assert (result.edges.found, result.edges.correct, result.edges.reported) == (1, 1, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sites:\n  - {kind: sends, path: a.py, line: 1}\n", "sites[0].kind"),
        ("sites:\n  - {kind: publish, path: a.py}\n", "sites[0]: expected `path`"),
        ("services: {a: [a/]}\nedges:\n  - {from: a, event: e, to: b}\n", "edges[0].to: 'b' is not a labelled service"),
        ("services: {a: [a/]}\nsites:\n  - {kind: publish, path: a.py, line: 1, service: z}\n", "sites[0].service"),
    ],
)
def test_a_labels_mistake_names_the_key(tmp_path, text, message):
    with pytest.raises(score.LabelError, match=re.escape(message)):
        _labels(tmp_path, text)


def test_the_fixture_end_to_end_deterministic(capsys):
    args = [str(FIXTURE / "checkouts"), "--repos", str(FIXTURE / "repos.yaml"), "--labels", str(FIXTURE / "labels"), "--json"]
    assert score.main(args) == 0
    first = capsys.readouterr().out
    assert score.main(args) == 0
    assert capsys.readouterr().out == first
    total = json.loads(first)["total"]
    # 4 labelled locations (one runtime-only), 3 labelled names, 2 edges: all found, nothing extra
    assert {k: (v["found"], v["labelled"], v["correct"], v["reported"]) for k, v in total.items()} == {
        "sites": (4, 4, 4, 4),
        "names": (3, 3, 3, 3),
        "edges": (2, 2, 2, 2),
    }


def test_a_missing_checkout_is_a_clear_error(tmp_path, capsys):
    args = [str(tmp_path), "--repos", str(FIXTURE / "repos.yaml"), "--labels", str(FIXTURE / "labels")]
    assert score.main(args) == 2
    assert "no checkout" in capsys.readouterr().err


def test_the_shipped_labels_load_and_every_repository_is_pinned():
    repos = score.load_repos(FIELD / "repos.yaml")
    names = [r["name"] for r in repos]
    assert len(names) == len(set(names)) >= 15
    assert len({fw for r in repos for fw in r["frameworks"]}) >= 10
    for repo in repos:
        assert re.fullmatch(r"[0-9a-f]{40}", repo["commit"]), repo["name"]
        assert repo["url"].startswith("https://github.com/"), repo["name"]
        labels = score.load_labels(FIELD / "labels" / f"{repo['name']}.yaml")
        assert labels.sites, repo["name"]
        for site in labels.sites:
            assert not site.path.startswith("/") and ".." not in site.path.split("/"), (repo["name"], site.path)
    assert sorted(p.stem for p in (FIELD / "labels").glob("*.yaml")) == sorted(names)
