"""The built search index, loaded by the real lunr.js (Node) from node_modules."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

QUERY_SCRIPT = PROJECT_ROOT / "tests" / "js" / "query_index.cjs"


def query_with_lunr_js(index_path: Path, queries: list[str]) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required to test the search index with lunr.js")
    result = subprocess.run(
        [node, str(QUERY_SCRIPT), str(index_path)],
        input=json.dumps(queries),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_lunr_js_loads_the_index_and_finds_known_papers(seeds_site: Path) -> None:
    index_path = seeds_site / "search" / "search_index.json"
    queries = {
        "graph rewiring": "Locality-Aware Graph-Rewiring in GNNs",
        "perceptron logistic regression": (
            "From Logistic Regression to the Perceptron Algorithm: Exploring Gradient Descent "
            "with Large Step Sizes"
        ),
        "matmul-free": "Scalable MatMul-free Language Modeling",
        "title:backpropagation 2-stage": "2BP: 2-Stage Backpropagation",
    }
    answer = query_with_lunr_js(index_path, list(queries))
    assert answer["lunrVersion"] == "2.3.9"
    for (query, expected), results in zip(queries.items(), answer["answers"], strict=True):
        top_titles = [r["title"] for r in results[:3]]
        assert expected in top_titles, f"{query!r} gave {top_titles}"


def test_index_payload_shares_its_settings_with_the_browser(seeds_site: Path) -> None:
    payload = json.loads((seeds_site / "search" / "search_index.json").read_text("utf-8"))
    assert payload["config"]["ref"] == "id"
    assert payload["config"]["fields"] == {"title": 10, "abstract": 1}
    assert set(payload["index"]["fields"]) == {"title", "abstract"}
    papers = json.loads((seeds_site / "papers.json").read_text("utf-8"))
    assert set(payload["docs"]) == {p["id"] for p in papers}
    doc = payload["docs"][papers[0]["id"]]
    assert doc["title"] == papers[0]["title"]
    assert doc["url"] == f"papers/{papers[0]['slug']}/"
    assert papers[0]["abstract"].startswith(doc["excerpt"].rstrip("…"))
