"""Related papers, topics, the map and the statistics page, checked on the real seeds."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import generator.discover.related as related_module
import generator.discover.stage as discovery_module
from generator.build import BuildOptions, build, load_corpus, load_site_config
from generator.discover.related import (
    RELATED_COUNT,
    RELATED_FLOOR,
    key_phrases,
    kmeans,
    nearest_neighbours,
    related_papers,
)
from generator.discover.stage import discover, start_discovery
from generator.discover.topics import _nndsvda, find_topics, nmf, phrase_matches
from generator.discover.vectors import (
    TOKEN_PATTERN,
    WORDS,
    embedding,
    paper_text,
    randomized_svd,
    term_vectors,
)
from generator.errors import ParseError
from generator.model import Paper
from generator.read.config import TopicsConfig
from tests.html import find_by_id, parse_html, text_of
from tests.support import (
    LAYOUT_A,
    SEEDS_DIR,
    SITE_CONFIG,
    differences,
    papershelf_env,
    small_options,
    write_seeds,
)

SVG = "{http://www.w3.org/2000/svg}"

# Pairs a reader of the seeds expects to find each other: same problem, same method.
MUTUALLY_RELATED = [
    (
        "Locality-Aware Graph-Rewiring in GNNs",
        "On Over-Squashing in Message Passing Neural Networks",
    ),
    (
        "The Forward-Forward Algorithm: Some Preliminary Investigations",
        "Emergent representations in networks trained with the Forward-Forward algorithm",
    ),
    (
        "No Training, No Problem: Rethinking Classifier-Free Guidance",
        "Diffusion Models without Classifier-free Guidance",
    ),
    ("RepairLLaMA", "Repair Is Nearly Generation: Multilingual Program Repair with LLMs"),
    (
        "StableMoE: Stable Routing Strategy for Mixture of Experts",
        "Mixture-of-Experts with Expert Choice Routing",
    ),
    ("DACBench", "Automated Dynamic Algorithm Configuration"),
]
# One-way expectations: the second is among the first's related papers.
RELATED = [
    ("Understanding Oversquashing in GNNs", "On Over-Squashing in Message Passing Neural Networks"),
    ("Understanding Oversquashing in GNNs", "Locality-Aware Graph-Rewiring in GNNs"),
    ("Layer Collaboration in the Forward-Forward Algorithm", "Scalable Forward-Forward Algorithm"),
    (
        "Scalable Forward-Forward Algorithm",
        "Emergent representations in networks trained with the Forward-Forward",
    ),
    ("Stabilizing the Lottery Ticket Hypothesis", "Rethinking the Value of Network Pruning"),
]


@pytest.fixture(scope="module")
def papers(seeds_site: Path) -> list[dict]:
    return json.loads((seeds_site / "papers.json").read_text("utf-8"))


def _find(papers: list[dict], title_start: str) -> dict:
    matches = [p for p in papers if p["title"].startswith(title_start)]
    assert len(matches) == 1, title_start
    return matches[0]


@pytest.mark.parametrize(("first", "second"), MUTUALLY_RELATED)
def test_papers_on_the_same_problem_find_each_other(papers, first: str, second: str) -> None:
    a, b = _find(papers, first), _find(papers, second)
    assert b["id"] in a["related"]
    assert a["id"] in b["related"]


@pytest.mark.parametrize(("paper", "expected"), RELATED)
def test_related_papers_include_the_obvious_neighbour(papers, paper: str, expected: str) -> None:
    assert _find(papers, expected)["id"] in _find(papers, paper)["related"]


def test_paper_pages_list_up_to_five_related_papers_with_reasons(seeds_site: Path, papers) -> None:
    by_id = {p["id"]: p for p in papers}
    for paper in papers:
        assert 0 <= len(paper["related"]) <= 5
        assert paper["id"] not in paper["related"]
        assert len(set(paper["related"])) == len(paper["related"])
    # Below the similarity floor a neighbour is not shown: most papers still have five.
    assert Counter(len(p["related"]) for p in papers)[5] > 0.65 * len(papers)
    laser = _find(papers, "Locality-Aware Graph-Rewiring in GNNs")
    page = parse_html(seeds_site / "papers" / laser["slug"] / "index.html")
    items = page.findall(".//ol[@class='related-list']/li")
    assert [item.find("a").get("href") for item in items] == [
        f"../{by_id[pid]['slug']}/" for pid in laser["related"]
    ]
    reasons = [text_of(item.find(".//span[@class='related-reason']")) for item in items]
    assert all(reason.startswith("Shares “") for reason in reasons)
    assert "over-squashing" in reasons[0]


def test_key_phrases_read_as_phrases() -> None:
    assert key_phrases(["graph", "rewiring", "graph rewiring", "gnns"], 3) == (
        "graph rewiring",
        "gnns",
    )
    assert key_phrases(["graph neural", "neural networks", "gnn", "gnns"], 3) == (
        "graph neural networks",
        "gnn",
    )
    assert key_phrases(["transformers", "transformer", "attention"], 2) == (
        "transformers",
        "attention",
    )


def test_topics_are_found_labelled_and_paged(seeds_site: Path, papers) -> None:
    index = parse_html(seeds_site / "topics" / "index.html")
    cards = index.findall(".//ul[@class='topic-cards']/li")
    assert 15 <= len(cards) <= 30
    slugs = {slug for p in papers for slug in p["topics"]}
    assert len(slugs) == len(cards)
    counts = Counter(slug for p in papers for slug in p["topics"])
    for card in cards:
        href = card.find("a").get("href")
        slug = href.strip("/")
        meta = text_of(card.find(".//span[@class='topic-card-meta']"))
        assert meta.startswith(f"{counts[slug]} papers")
        page = parse_html(seeds_site / "topics" / slug / "index.html")
        listed = page.findall(".//ol[@class='paper-list']/li")
        assert len(listed) == counts[slug]
    assert sum(1 for p in papers if p["topics"]) == len(papers)


def test_topics_group_what_belongs_together(papers) -> None:
    def topics_of(title: str) -> set[str]:
        return set(_find(papers, title)["topics"])

    assert topics_of("Locality-Aware Graph-Rewiring") & topics_of("On Over-Squashing in Message")
    assert topics_of("The Forward-Forward Algorithm: Some") & topics_of("Scalable Forward-Forward")
    assert topics_of("StableMoE") & topics_of("Mixture-of-Experts with Expert Choice")
    assert not topics_of("StableMoE") & topics_of("The Forward-Forward Algorithm: Some")
    graph_topic = next(s for s in topics_of("Locality-Aware Graph-Rewiring") if "graph" in s)
    assert "gnn" in graph_topic


def test_paper_pages_show_topics_and_collections_with_dates(seeds_site: Path, papers) -> None:
    shared = next(p for p in papers if len(p["collections"]) == 3)
    page = parse_html(seeds_site / "papers" / shared["slug"] / "index.html")
    topic_links = [a.get("href") for a in page.findall(".//ul[@aria-label='Topics']//a")]
    assert topic_links == [f"../../topics/{slug}/" for slug in shared["topics"]]
    chips = [text_of(a) for a in page.findall(".//ul[@aria-label='Collections']//a")]
    assert len(chips) == 3
    # Two of the seeds' collections are undated; the dated one carries its date.
    assert chips[1] == "Efficient models · Mar 11"


def test_home_page_shows_papers_in_the_most_collections(seeds_site: Path, papers) -> None:
    home = parse_html(seeds_site / "index.html")
    items = home.findall(".//ol[@class='most-collected']/li")
    assert items
    by_slug = {p["slug"]: p for p in papers}
    listed = [by_slug[item.find("a").get("href").split("/")[1]] for item in items]
    counts = [len(p["collections"]) for p in listed]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == max(len(p["collections"]) for p in papers)
    assert all(count >= 2 for count in counts)


def test_map_has_every_paper_as_a_titled_link(seeds_site: Path, papers) -> None:
    page = parse_html(seeds_site / "map" / "index.html")
    svg = page.find(f".//{SVG}svg")
    points = svg.findall(f".//{SVG}a")
    dots = [a for a in points if "map-point" in a.get("class").split()]
    assert len(dots) == len(papers)
    slugs = {p["slug"] for p in papers}
    titles = {p["title"] for p in papers}
    for dot in dots:
        href = dot.get("href")
        assert href.startswith("../papers/") and href.split("/")[2] in slugs
        assert dot.find(f"{SVG}title").text in titles
        circle = dot.find(f"{SVG}circle")
        assert 0 <= float(circle.get("cx")) <= 1000 and 0 <= float(circle.get("cy")) <= 700
    labels = [a for a in points if "map-label" in a.get("class").split()]
    assert len(labels) == len({p["topics"][0] for p in papers if p["topics"]})
    # Colours by topic through classes only: no style attribute and no inline script on any page.
    for html in seeds_site.rglob("*.html"):
        root = parse_html(html)
        assert all(e.get("style") is None for e in root.iter()), html
        scripts = [s for s in root.iter("script") if s.get("type") != "application/ld+json"]
        assert all(s.get("src") for s in scripts), html
        assert root.find(".//style") is None and root.find(f".//{SVG}style") is None, html


def test_map_points_of_a_topic_sit_together(seeds_site: Path, papers) -> None:
    page = parse_html(seeds_site / "map" / "index.html")
    spots = {}
    for dot in page.findall(f".//{SVG}a"):
        if "map-point" in dot.get("class", ""):
            circle = dot.find(f"{SVG}circle")
            spots[dot.get("href").split("/")[2]] = (
                float(circle.get("cx")),
                float(circle.get("cy")),
            )
    by_topic: dict[str, list[tuple[float, float]]] = {}
    for paper in papers:
        if paper["topics"]:
            by_topic.setdefault(paper["topics"][0], []).append(spots[paper["slug"]])

    def spread(points: list[tuple[float, float]]) -> float:
        cx = sum(x for x, _ in points) / len(points)
        cy = sum(y for _, y in points) / len(points)
        return sum(((x - cx) ** 2 + (y - cy) ** 2) ** 0.5 for x, y in points) / len(points)

    everything = [spot for points in by_topic.values() for spot in points]
    tight = [spread(points) < 0.5 * spread(everything) for points in by_topic.values()]
    assert sum(tight) >= 0.8 * len(tight)


def test_statistics_page_charts_match_the_data(seeds_site: Path, papers) -> None:
    page = parse_html(seeds_site / "about" / "index.html")
    charts = page.findall(f".//{SVG}svg")
    assert len(charts) == 3
    collection_bars = [text_of(t) for t in charts[0].findall(f".//{SVG}text[@class='bar-value']")]
    sizes = Counter(cid for p in papers for cid in p["collections"])
    collections = sorted(sizes)  # the seeds' ids sort in build order
    assert collection_bars == [str(sizes[c]) for c in collections]
    topic_bars = [int(text_of(t)) for t in charts[1].findall(f".//{SVG}text[@class='bar-value']")]
    assert sorted(topic_bars, reverse=True) == sorted(
        Counter(s for p in papers for s in p["topics"]).values(), reverse=True
    )
    cells = charts[2].findall(f".//{SVG}g")
    assert len(cells) == len(collections) ** 2
    values = [int(text_of(cell.find(f"{SVG}text"))) for cell in cells]
    for i, a in enumerate(collections):
        for j, b in enumerate(collections):
            both = sum(1 for p in papers if a in p["collections"] and b in p["collections"])
            assert values[i * len(collections) + j] == both


@pytest.fixture(scope="module")
def seed_corpus():
    options = BuildOptions(seeds_dir=SEEDS_DIR, config_path=SITE_CONFIG)
    return load_corpus(options, load_site_config(options))


@pytest.fixture(scope="module")
def seed_vectors(seed_corpus):
    return term_vectors(seed_corpus.papers)


def test_discovery_is_the_same_on_every_run(seed_corpus) -> None:
    config = load_site_config(BuildOptions(config_path=SITE_CONFIG))
    first, second = discover(seed_corpus, config), discover(seed_corpus, config)
    assert first.related == second.related
    assert first.topics == second.topics
    assert first.positions == second.positions


@pytest.mark.parametrize("early", [True, False])
def test_a_discovery_child_finds_what_discover_finds(seed_corpus, early: bool) -> None:
    config = load_site_config(BuildOptions(config_path=SITE_CONFIG))
    with start_discovery(config, early) as job:
        # Started early, the child runs (importing its libraries) before it has the corpus.
        assert (job._process is not None and job._process.is_alive()) == early
        job.start(seed_corpus)
        found = job.result()
    expected = discover(seed_corpus, config)
    assert found.related == expected.related
    assert found.topics == expected.topics
    assert found.positions == expected.positions


# Run in a fresh interpreter: whether numpy is loaded once the discovery child is forked, early
# (before the read) or late (given the corpus).
NUMPY_AT_FORK_SCRIPT = """
import sys
from pathlib import Path

from generator.build import BuildOptions, load_corpus, load_site_config
from generator.discover.stage import start_discovery

options = BuildOptions(seeds_dir=Path(sys.argv[1]), config_path=Path(sys.argv[2]))
config = load_site_config(options)
early = sys.argv[3] == "early"
corpus = None if early else load_corpus(options, config)
print("numpy before:", "numpy" in sys.modules)
with start_discovery(config, early) as job:
    if corpus is not None:
        job.start(corpus)
    print("forked:", job._process is not None, "numpy after:", "numpy" in sys.modules)
"""


@pytest.mark.parametrize("when", ["early", "late"])
def test_the_discovery_child_inherits_numpy_instead_of_importing_it_again(when: str) -> None:
    # Both processes need numpy (the search index here, the discovery there): loaded before the
    # fork, it is imported once for both.
    result = subprocess.run(
        [sys.executable, "-c", NUMPY_AT_FORK_SCRIPT, str(SEEDS_DIR), str(SITE_CONFIG), when],
        capture_output=True,
        text=True,
        timeout=120,
        env=papershelf_env(),
    )
    assert result.returncode == 0, result.stderr
    assert "numpy before: False" in result.stdout
    assert "forked: True numpy after: True" in result.stdout


def test_a_failed_read_stops_the_early_discovery_child(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "bad.txt").write_bytes(b"Title\nnot UTF-8 \x80\n")
    with pytest.raises(ParseError):
        build(BuildOptions(seeds_dir=tmp_path / "seeds", out_dir=tmp_path / "out"))
    assert multiprocessing.active_children() == []
    assert not (tmp_path / "out").exists()


def test_early_and_late_discovery_children_build_the_same_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = BuildOptions(seeds_dir=SEEDS_DIR, config_path=SITE_CONFIG, use_cache=False)
    build(dataclasses.replace(options, out_dir=tmp_path / "early"))
    monkeypatch.setattr(discovery_module, "EARLY_START_BYTES", -1)  # every corpus is "large"
    build(dataclasses.replace(options, out_dir=tmp_path / "late"))
    assert differences(tmp_path / "early", tmp_path / "late") == []


def test_approximate_neighbours_agree_with_exact_ones(seed_vectors, monkeypatch) -> None:
    """Above EXACT_UP_TO papers candidates come from an inverted file over the SVD embedding and
    are re-ranked exactly; forced on the seeds (23 cells, 8 probed), it finds about 88 % of the
    exact neighbours, the exact tf-idf score of each, and never the paper itself."""
    embedded = embedding(seed_vectors)
    exact = nearest_neighbours(seed_vectors, embedded, k=5)
    monkeypatch.setattr(related_module, "EXACT_UP_TO", 10)
    approximate = nearest_neighbours(seed_vectors, embedded, k=5)
    pairs = zip(exact.indices.tolist(), approximate.indices.tolist(), strict=True)
    same = sum(len(set(a) & set(b)) for a, b in pairs)
    assert same >= 0.85 * exact.indices.size
    rows = np.arange(len(seed_vectors.paper_ids))
    assert not (approximate.indices == rows[:, None]).any()
    first = approximate.indices[:, 0]
    exact_scores = related_module.pair_scores(seed_vectors, rows, first)
    assert np.allclose(approximate.scores[:, 0], exact_scores)


def test_topics_config_merges_renames_and_pins(seed_vectors) -> None:
    found = find_topics(seed_vectors, TopicsConfig())
    slugs = [t.slug for t in found.topics]
    first, second, third = slugs[-1], slugs[-2], slugs[0]
    config = TopicsConfig(
        merge={"combined": (first, second)},
        rename={third: "Reasoning with language models"},
        pin=("combined", "missing"),
        lines={"pin.missing": 9},
        source="site.yml",
    )
    changed = find_topics(seed_vectors, config)
    assert changed.topics[0].slug == "combined" and changed.topics[0].pinned
    merged_papers = set(found.topic(first).paper_ids) | set(found.topic(second).paper_ids)
    assert set(changed.topics[0].paper_ids) == merged_papers
    renamed = next(t for t in changed.topics if t.title == "Reasoning with language models")
    assert renamed.slug == "reasoning-with-language-models"
    assert set(renamed.paper_ids) == set(found.topic(third).paper_ids)
    assert first not in {s for slugs in changed.paper_topics.values() for s in slugs}
    assert len(changed.warnings) == 1
    warning = changed.warnings[0]
    assert (warning.path, warning.line) == ("site.yml", 9)
    assert warning.message.startswith("topics.pin: no topic with the slug 'missing' (topics: ")


def _paper(number: int, title: str, abstract: str = "") -> Paper:
    return Paper(f"p{number}", f"p{number}", title, abstract, ("c",), ())


def test_term_vectors_are_sublinear_tf_idf_of_words_and_word_pairs() -> None:
    """Worked by hand: lowercased words of two or more characters, stop words dropped before word
    pairs are formed ("rewiring the graph" gives "rewiring graph"), tf 1 + ln(count), smoothed idf
    ln((1 + papers) / (1 + df)) + 1, unit rows, columns in the terms' sorted order."""
    papers = (
        _paper(0, "Graph rewiring", "The graph of rewiring a graph."),
        _paper(1, "Over-squashing in GNNs", "X"),
        _paper(2, "Graph Transformers"),
    )
    vectors = term_vectors(papers)
    counts = [
        {"graph": 4, "rewiring": 3, "graph rewiring": 3, "rewiring graph": 3},
        {"over-squashing": 2, "gnns": 2, "over-squashing gnns": 2, "gnns over-squashing": 1},
        {"graph": 2, "transformers": 2, "graph transformers": 2, "transformers graph": 1},
    ]
    terms = sorted({term for row in counts for term in row})
    assert list(vectors.terms) == terms
    assert vectors.matrix.dtype == np.float32 and vectors.matrix.shape == (3, len(terms))
    frequency = Counter(term for row in counts for term in row)
    for row, row_counts in enumerate(counts):
        expected = np.zeros(len(terms))
        for term, count in row_counts.items():
            idf = np.log(4 / (1 + frequency[term])) + 1
            expected[terms.index(term)] = (1 + np.log(count)) * idf
        expected /= np.linalg.norm(expected)
        assert np.allclose(vectors.matrix[row].toarray().ravel(), expected, atol=1e-6)


def test_term_vectors_drop_rare_and_ubiquitous_terms_from_fifty_papers() -> None:
    """From 50 papers on, a term must be in two papers and in at most half of them: "common" (in
    all) and "topic7" or "common topic7" (in one) go; "pair3" and "pair3 common" (the title is read
    twice) are in two papers each and stay."""
    papers = tuple(_paper(i, f"Common topic{i} pair{i // 2}") for i in range(60))
    vectors = term_vectors(papers)
    pairs = [f"pair{j}" for j in range(30)]
    assert list(vectors.terms) == sorted(pairs + [f"{pair} common" for pair in pairs])
    assert np.allclose(np.linalg.norm(vectors.matrix.toarray(), axis=1), 1.0)


def test_term_vectors_of_stop_words_only_are_empty() -> None:
    vectors = term_vectors((_paper(0, "The and of"), _paper(1, "A b c", "It is what it is.")))
    assert vectors.matrix.shape == (2, 0) and vectors.empty


def test_randomized_svd_finds_the_main_axes(seed_vectors) -> None:
    """Close to the exact SVD with enough power iterations; with the embedding's two, the values
    are those of a projection of the matrix (never above the exact ones) and not far below."""
    exact = np.linalg.svd(seed_vectors.matrix.toarray().astype(np.float64), compute_uv=False)
    quick = randomized_svd(seed_vectors.matrix, 10)[1]
    assert (quick <= exact[:10] + 1e-6).all() and (quick >= 0.85 * exact[:10]).all()
    left, values, right = randomized_svd(seed_vectors.matrix, 10, iterations=7)
    assert np.allclose(values, exact[:10], rtol=0.02)
    assert np.allclose(left.T @ left, np.eye(10), atol=1e-6)
    assert np.allclose(right @ right.T, np.eye(10), atol=1e-4)
    embedded = embedding(seed_vectors)
    assert embedded.dtype == np.float32
    assert np.allclose(np.linalg.norm(embedded, axis=1), 1.0, atol=1e-5)


def test_nmf_is_non_negative_better_than_its_start_and_reproducible(seed_vectors) -> None:
    matrix = seed_vectors.matrix
    dense = matrix.toarray().astype(np.float64)
    weights, components = nmf(matrix, 8)
    assert (weights >= 0).all() and (components >= 0).all()
    start_weights, start_components = _nndsvda(matrix, 8)
    error = np.linalg.norm(dense - weights @ components)
    assert error < np.linalg.norm(dense - start_weights @ start_components)
    # No rank-8 matrix comes closer than the truncated SVD; the non-negative one is within 1 %.
    values = np.linalg.svd(dense, compute_uv=False)
    assert error <= 1.01 * np.sqrt((values[8:] ** 2).sum())
    again = nmf(matrix, 8)
    assert np.array_equal(again[0], weights) and np.array_equal(again[1], components)


def test_kmeans_finds_separate_groups() -> None:
    rng = np.random.default_rng(1)
    centres = np.eye(4, 16, dtype=np.float32) * 10
    points = np.repeat(centres, 50, axis=0) + rng.normal(0, 0.5, (200, 16)).astype(np.float32)
    found, cell_of = kmeans(points, 4)
    groups = cell_of.reshape(4, 50)
    assert all(len(set(group)) == 1 for group in groups.tolist())
    assert len({group[0] for group in groups.tolist()}) == 4
    assert np.allclose(found[groups[:, 0]], centres, atol=0.3)


def test_fast_word_pattern_gives_the_tokens_of_the_token_pattern(seed_corpus) -> None:
    """The tokeniser's WORDS, without its one-character words, finds exactly what TOKEN_PATTERN
    (scikit-learn's kind of pattern) finds: on every seed paper and on hyphen corner cases."""
    texts = [paper_text(p).lower() for p in seed_corpus.papers]
    texts += ["a-b -ab- x--y z- -q _a é-b 3-d --- a_b-c- w", "over-squashing--rewiring-"]
    for text in texts:
        assert [w for w in WORDS.findall(text) if len(w) > 1] == re.findall(TOKEN_PATTERN, text)


# Words that share beginnings and case variants, joined by spaces, hyphens and punctuation.
_PHRASE_WORDS = st.sampled_from(
    ["graph", "Graph", "GRAPH", "graphs", "neural", "Neural", "net", "x"]
)
_SEPARATORS = st.sampled_from([" ", "  ", "-", " - ", "--", ", ", ".", "\n", "_"])


@given(
    words=st.lists(st.tuples(_PHRASE_WORDS, _SEPARATORS), max_size=12),
    phrase=st.lists(st.sampled_from(["graph", "neural", "net", "x"]), min_size=1, max_size=3),
    accent=st.booleans(),
)
# A phrase that could match again inside its own match: matches do not overlap.
@example(words=[("x", " "), ("X", " "), ("x", "-")], phrase=["x", "x"], accent=False)
def test_phrase_matches_are_those_of_a_case_insensitive_regex(words, phrase, accent) -> None:
    text = "".join(word + separator for word, separator in words) + ("é" if accent else "")
    joined = " ".join(phrase)
    pattern = r"\b" + r"[\s-]+".join(re.escape(word) for word in phrase) + r"\b"
    expected = [match.group() for match in re.finditer(pattern, text, re.IGNORECASE)]
    assert list(phrase_matches(joined, text)) == expected


def test_related_papers_stop_at_the_similarity_floor(seed_vectors, papers) -> None:
    """A paper with no close neighbour gets fewer related papers (or none), each above the floor
    and sharing at least one term; the search ranking's neighbours are not cut."""
    neighbours = nearest_neighbours(seed_vectors, embedding(seed_vectors))
    related = related_papers(seed_vectors, neighbours)
    row = {pid: n for n, pid in enumerate(seed_vectors.paper_ids)}
    weakest = int(np.argmin(neighbours.scores[:, 0]))
    light = _find(papers, "Light Schrödinger Bridge")
    assert len(related[light["id"]]) < RELATED_COUNT
    assert light["related"] == [r.paper_id for r in related[light["id"]]]
    assert related[seed_vectors.paper_ids[weakest]] == ()
    for pid, entries in related.items():
        for entry in entries:
            assert entry.score >= RELATED_FLOOR and entry.shared_terms
            assert entry.paper_id in [
                seed_vectors.paper_ids[i] for i in neighbours.indices[row[pid]]
            ]
    counts = Counter(len(entries) for entries in related.values())
    assert counts[RELATED_COUNT] < len(papers) and counts[0] < 0.05 * len(papers)
    # Kept neighbours are the best of each row: the related lists are prefixes of the rows.
    for pid, entries in related.items():
        ids = [seed_vectors.paper_ids[i] for i in neighbours.indices[row[pid]][: len(entries)]]
        assert [e.paper_id for e in entries] == ids
    similar = neighbours.similar_rows()
    assert (similar[row[light["id"]]] >= 0).all()


def test_a_paper_without_related_papers_has_no_related_section(tmp_path: Path) -> None:
    close = (
        "Get trending papers in your email inbox!\n"
        "SubscribeCurvature Graph Rewiring for Over-Squashing\n"
        "We rewire the graph of a message passing network by curvature, adding edges between "
        "distant nodes to reduce over-squashing on long-range graph benchmarks.\n"
    )
    write_seeds(tmp_path / "seeds", {"a.txt": LAYOUT_A, "b.txt": close})
    build(small_options(tmp_path))
    built = json.loads((tmp_path / "out" / "papers.json").read_text("utf-8"))
    by_title = {p["title"]: p for p in built}
    rewiring = by_title["Graph Rewiring Done Right"]
    alone = by_title["Forward-Only Learning"]
    assert rewiring["related"] == [by_title["Curvature Graph Rewiring for Over-Squashing"]["id"]]
    assert alone["related"] == []
    page = parse_html(tmp_path / "out" / "papers" / rewiring["slug"] / "index.html")
    assert len(page.findall(".//ol[@class='related-list']/li")) == 1
    page = parse_html(tmp_path / "out" / "papers" / alone["slug"] / "index.html")
    assert page.find(".//ol[@class='related-list']") is None
    assert find_by_id(page, "related-heading") is None
    headings = [text_of(h) for h in page.findall(".//h2")]
    assert "Related papers" not in headings and "Find this paper" in headings
