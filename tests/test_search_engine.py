"""The search engine (static/js/search-engine.js) run by Node on the real lunr.js 2.3.9, against the
seeds site's built payload: what ranks first, what never throws, what is highlighted, what is fetched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.search.payload import FEEDBACK
from tests.support import HOSTILE, QUERY_TABLE, run_engine, search, write_payload


def utf16_slice(text: str, start: int, end: int) -> str:
    """``text.slice(start, end)`` as JavaScript computes it (offsets in UTF-16 code units)."""
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")


@pytest.fixture(scope="module")
def table_answers(seeds_site: Path) -> list[dict]:
    return search(seeds_site, [query for query, *_ in QUERY_TABLE], limit=3)


@pytest.mark.parametrize(
    ("number", "row"), list(enumerate(QUERY_TABLE)), ids=[r[0] for r in QUERY_TABLE]
)
def test_query_table(table_answers: list[dict], number: int, row: tuple) -> None:
    query, expected, rank, _kind = row
    titles = [result["title"] for result in table_answers[number]["results"]]
    assert expected in titles[:rank], f"{query!r} gave {titles}"


def test_no_input_throws(seeds_site: Path) -> None:
    answers = search(seeds_site, HOSTILE, limit=5)
    assert [a["query"] for a in answers] == HOSTILE
    for answer in answers:
        assert isinstance(answer["results"], list)
    by_query = {a["query"]: a["results"] for a in answers}
    for empty in ["", " ", '"', ":", "+-~*^", "*", "-", "\\", "?!", "…", "—", "()[]{}", "🙂🙂🙂"]:
        assert by_query[empty] == [], empty
    assert by_query["graph " * 400], "a long query still finds graph papers"
    # Not even a value that is not text.
    for answer in search(seeds_site, [None, 42, ["a"], {"q": 1}], limit=1):
        assert isinstance(answer["results"], list)


def test_results_follow_the_contract(seeds_site: Path) -> None:
    [answer] = search(seeds_site, ["graph neural networks"])
    results = answer["results"]
    assert len(results) > 20  # no limit: every match
    flags = [r["all"] for r in results]
    assert flags == sorted(flags, reverse=True)  # papers holding every word first
    kept = FEEDBACK["kept"]  # the best matches keep their places; the rest are by score
    for group in (True, False):
        scores = [r["score"] for r in results[kept:] if r["all"] == group]
        assert scores == sorted(scores, reverse=True)
    papers = {p["id"]: p for p in json.loads((seeds_site / "papers.json").read_text("utf-8"))}
    for result in results:
        paper = papers[result["id"]]
        assert result["title"] == paper["title"]
        assert result["url"] == f"papers/{paper['slug']}/"
        assert result["collections"] == paper["collections"]
        assert result["topics"] == paper["topics"]
        for spans in (result["titleHighlights"], result["excerptHighlights"]):
            assert spans == sorted(spans)
            assert all(a < b for a, b in spans)
            assert all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))
        assert 0 < len(result["excerpt"]) <= 320
    assert any(result["topics"] for result in results)  # the graph papers do have topics


def test_total_and_facets_count_every_match_without_fetching_every_paper(seeds_site: Path) -> None:
    [everything] = search(seeds_site, ["graph"])
    [limited] = search(seeds_site, ["graph"], limit=3, fresh=True)
    assert len(limited["results"]) == 3
    assert limited["total"] == everything["total"] == len(everything["results"]) > 20
    counts: dict[str, int] = {}
    for result in everything["results"]:
        for collection in result["collections"]:
            counts[collection] = counts.get(collection, 0) + 1
    assert {k: v for k, v in limited["facets"].items() if v} == counts
    assert set(limited["facets"]) == set(everything["facets"])
    # The chunks of the page, and of the best matches whose nearest papers rank the rest.
    assert len([f for f in limited["fetched"] if f.startswith("search/d/")]) <= FEEDBACK["seeds"]


def test_collection_filter_and_offset_page_through_the_full_result_list(seeds_site: Path) -> None:
    [everything] = search(seeds_site, ["graph"])
    wanted = "004_237dc198f15ea8b3"
    expected = [r["id"] for r in everything["results"] if wanted in r["collections"]]
    assert 10 < len(expected) < everything["total"]
    page = {"limit": 5, "collections": [wanted]}
    [first] = search(seeds_site, ["graph"], options=page, fresh=True)
    [second] = search(seeds_site, ["graph"], options={**page, "offset": 5}, fresh=True)
    assert [r["id"] for r in first["results"] + second["results"]] == expected[:10]
    assert first["total"] == len(expected)
    assert first["unfiltered"] == everything["total"]
    assert first["facets"] == everything["facets"]
    assert len([f for f in second["fetched"] if f.startswith("search/d/")]) <= 5 + FEEDBACK["seeds"]


def test_highlights_mark_the_matched_words(seeds_site: Path) -> None:
    [answer] = search(seeds_site, ["over-squashing"], limit=1)
    [result] = answer["results"]
    marked = [utf16_slice(result["title"], a, b) for a, b in result["titleHighlights"]]
    assert marked == ["Over-Squashing"]
    words = {utf16_slice(result["excerpt"], a, b).lower() for a, b in result["excerptHighlights"]}
    assert words and words <= {"over-squashing", "oversquashing", "over", "squashing", "squash"}


def test_excerpt_shows_the_abstract_start_when_nothing_in_it_matches(seeds_site: Path) -> None:
    [answer] = search(seeds_site, ["sisyphus"], limit=1)
    [result] = answer["results"]
    papers = json.loads((seeds_site / "papers.json").read_text("utf-8"))
    abstract = next(p["abstract"] for p in papers if p["id"] == result["id"])
    assert "sisyphus" not in abstract.lower()
    assert result["excerptHighlights"] == []
    assert result["excerpt"].endswith("…")
    assert abstract.startswith(result["excerpt"][:-1])


def test_excerpt_is_centred_on_the_first_match(tmp_path: Path) -> None:
    before = " ".join(f"word{n}" for n in range(120))
    abstract = f'{before} the Schr\\"odinger equation, then schrödinger again. {before}'
    site = write_payload(tmp_path, [("A title", abstract)])
    [answer] = search(site, ["schrodinger"])
    [result] = answer["results"]
    excerpt, spans = result["excerpt"], result["excerptHighlights"]
    assert excerpt.startswith("…") and excerpt.endswith("…")
    assert 200 <= len(excerpt) <= 300
    assert [utf16_slice(excerpt, a, b) for a, b in spans] == ['Schr\\"odinger', "schrödinger"]
    middle = (spans[0][0] + spans[0][1]) / 2
    assert abs(middle - len(excerpt) / 2) < 30
    assert excerpt[1:-1] in abstract


def test_a_first_query_fetches_only_what_it_needs(seeds_site: Path) -> None:
    [answer] = search(seeds_site, ["transcoders"], limit=5, fresh=True)
    fetched = answer["fetched"]
    assert fetched[0] == "search/search_index.json"
    shards = [f for f in fetched if f.startswith("search/t/")]
    chunks = [f for f in fetched if f.startswith("search/d/")]
    all_shards = list((seeds_site / "search" / "t").iterdir())
    assert 1 <= len(shards) <= 3 < len(all_shards)
    assert 1 <= len(chunks) <= 5


def test_engine_reports_count_and_collections(seeds_site: Path) -> None:
    answer = run_engine({"site": str(seeds_site), "mode": "search", "queries": ["x"]})
    papers = json.loads((seeds_site / "papers.json").read_text("utf-8"))
    assert answer["documentCount"] == len(papers)
    assert list(answer["collections"]) == sorted({c for p in papers for c in p["collections"]})
    assert all(isinstance(title, str) and title for title in answer["collections"].values())


def test_highlight_offsets_count_utf16_units_past_non_bmp_characters(tmp_path: Path) -> None:
    title = "🙂 Linear Maps over 𝔽₂: Schrödinger-Style Codes 🚀 for Qubits"
    abstract = ("We study 𝔽-linear codes 🙂 " * 20) + "and Schrödinger equations on qubits."
    site = write_payload(tmp_path, [(title, abstract), ("Unrelated", "Nothing here.")])
    answers = search(site, ["qubits", "schrodinger", "linear", "f2"], limit=1)
    marked = {}
    for answer in answers:
        [result] = answer["results"]
        assert result["title"] == title
        marked[answer["query"]] = [utf16_slice(title, a, b) for a, b in result["titleHighlights"]]
        if answer["query"] == "schrodinger":
            excerpt = result["excerpt"]
            spans = [utf16_slice(excerpt, a, b) for a, b in result["excerptHighlights"]]
            assert spans == ["Schrödinger"]
            assert excerpt.endswith("qubits.") and excerpt.startswith("…")
    assert marked["qubits"] == ["Qubits"]
    assert marked["schrodinger"] == ["Schrödinger-Style"]
    assert marked["linear"] == ["Linear"]
    assert marked["f2"] == ["𝔽₂"]
