"""The search index the build writes: equal to lunr.py's, split without changing a result, and
treating text in the browser exactly as the build did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lunr.builder import Builder

from generator.build import BuildOptions, load_corpus, load_site_config
from generator.model import Corpus
from generator.search import text as search_text
from generator.search.payload import (
    FIELD_BOOSTS,
    INDEX_PATH,
    build_postings,
    lunr_index,
    paper_texts,
    search_files,
    shard_bounds,
)
from tests.support import HOSTILE, QUERY_TABLE, SEEDS_DIR, SITE_CONFIG, run_engine


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    options = BuildOptions(seeds_dir=SEEDS_DIR, config_path=SITE_CONFIG)
    return load_corpus(options, load_site_config(options))


def lunr_py_index(corpus: Corpus) -> dict:
    """The seeds indexed by lunr.py itself, with papershelf's words and pipeline."""
    builder = Builder()
    builder.ref("id")
    for name, boost in FIELD_BOOSTS.items():
        builder.field(name, boost=boost, extractor=lambda doc, name=name: doc[name])
    search_text.lunr_py_pipelines(builder.pipeline, builder.search_pipeline, list(FIELD_BOOSTS))
    for number, texts in enumerate(paper_texts(corpus.papers)):
        document = {
            name: search_text.split_words(text)
            for name, text in zip(FIELD_BOOSTS, texts, strict=True)
        }
        builder.add({"id": str(number), **document})
    return builder.build().serialize()


def by_term(index: dict) -> tuple[dict, dict]:
    """An index's postings and field vectors keyed by term, whatever numbers its terms were given."""
    terms = {entry["_index"]: term for term, entry in index["invertedIndex"]}
    postings = {
        term: {k: v for k, v in entry.items() if k != "_index"}
        for term, entry in index["invertedIndex"]
    }
    vectors = {
        ref: {terms[elements[i]]: elements[i + 1] for i in range(0, len(elements), 2)}
        for ref, elements in index["fieldVectors"]
    }
    return postings, vectors


def test_direct_index_equals_lunr_py(corpus: Corpus) -> None:
    ours = lunr_index(build_postings(paper_texts(corpus.papers), FIELD_BOOSTS))
    theirs = lunr_py_index(corpus)
    assert ours["version"] == theirs["version"] == "2.3.9"
    assert ours["fields"] == theirs["fields"]
    assert ours["pipeline"] == theirs["pipeline"] == ["papershelf-normalise", "stemmer"]
    our_postings, our_vectors = by_term(ours)
    their_postings, their_vectors = by_term(theirs)
    assert len(our_postings) > 5000
    assert our_postings == their_postings
    assert our_vectors == their_vectors  # every BM25 score, to lunr's three decimals


@pytest.fixture(scope="module")
def whole_index(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("whole") / "lunr_index.json"
    path.write_text(
        json.dumps(lunr_index(build_postings(paper_texts(corpus.papers), FIELD_BOOSTS)))
    )
    return path


COMPARED_QUERIES = [
    *(row[0] for row in QUERY_TABLE),
    "graph",
    "neural network",
    "large language models",
    "gra",
    "tra",
    "diffusio",
    "learning to learn",
    "reinforcement learning from human feedback",
    "quantum",
    "transformer attention",
    "optimisation optimization",
    "zzzzzz",
    *HOSTILE[:12],
]


def test_partitioned_index_gives_the_results_of_the_whole_index(
    seeds_site: Path, whole_index: Path
) -> None:
    answer = run_engine(
        {
            "site": str(seeds_site),
            "mode": "compare",
            "queries": COMPARED_QUERIES,
            "wholeIndex": str(whole_index),
        }
    )
    assert answer["lunrVersion"] == "2.3.9"
    found = 0
    for row in answer["answers"]:
        # Same refs, in the same order, with the same scores (exactly) and the same matched terms.
        assert row["partitioned"] == row["whole"], row["query"]
        found += bool(row["whole"])
    assert found > 30


def test_lunr_js_loads_the_whole_index_with_the_registered_pipeline(
    seeds_site: Path, whole_index: Path
) -> None:
    # lunr.Index.load refuses a pipeline function it does not know; the engine registers them.
    answer = run_engine(
        {
            "site": str(seeds_site),
            "mode": "compare",
            "queries": ["transco"],
            "wholeIndex": str(whole_index),
        }
    )
    assert answer["answers"][0]["whole"]


def test_the_browser_treats_words_as_the_build_did(corpus: Corpus, seeds_site: Path) -> None:
    words = sorted(
        {
            w
            for texts in paper_texts(corpus.papers)
            for text in texts
            for w in search_text.split_words(text)
        }
    )
    words += ["Schrödinger’s", "İstanbul", "ΣΑΣ", "𝔽₂-linear", "ﬁne-tuning", "C++", "e.g.", "🙂"]
    # Where lunr.py's stemmer and lunr.js's part ways, and words beyond the BMP.
    words += ["delayed", "play", "fly", "sky", "yes", "agreed", "𝔽ying", "a𝔽ed", "𝔽𝔽ies", "ponies"]
    answer = run_engine({"site": str(seeds_site), "mode": "text", "words": words})
    mismatches = [
        (row["word"], row, search_text.normalise_word(row["word"]))
        for row in answer["answers"]
        if row["normalised"] != list(search_text.normalise_word(row["word"]))
        or row["title"] != list(search_text.index_terms(row["word"], True))
        or row["abstract"] != list(search_text.index_terms(row["word"], False))
    ]
    assert len(words) > 10000
    assert mismatches == []


def test_words_split_as_documented() -> None:
    assert search_text.split_words("(GPT-4), over-squashing; Schr\\\"odinger's 3.5") == [
        "GPT-4",
        "over-squashing",
        "Schr\\\"odinger's",
        "3.5",
    ]
    assert search_text.normalise_word("over-squashing") == ("oversquashing", "over", "squashing")
    assert search_text.normalise_word("GPT-4") == ("gpt4", "gpt", "4")
    assert search_text.normalise_word("Schr\\\"odinger's") == ("schrodingers", "schr", "odingers")
    assert search_text.normalise_word("Schrödinger") == ("schrodinger",)
    assert search_text.normalise_word("𝔽₂") == ("f2",)
    assert search_text.normalise_word("—") == ()
    assert search_text.field_terms("All you need", "title") == ["all", "you", "need"]
    assert search_text.field_terms("All you need", "abstract") == ["need"]


def test_entry_shares_the_settings_and_lists_every_part(seeds_site: Path) -> None:
    entry = json.loads((seeds_site / INDEX_PATH).read_text("utf-8"))
    config = entry["config"]
    assert config["fields"] == list(FIELD_BOOSTS)
    assert config["boosts"] == FIELD_BOOSTS
    assert config["text"]["separator"] == search_text.SEPARATOR
    assert config["text"]["pipeline"] == [
        "papershelf-normalise",
        "papershelf-stop-words",
        "stemmer",
    ]
    assert config["text"]["stopWords"] == sorted(config["text"]["stopWords"])
    papers = json.loads((seeds_site / "papers.json").read_text("utf-8"))
    assert entry["documentCount"] == len(papers)
    shards = sorted((seeds_site / "search" / "t").iterdir(), key=lambda p: int(p.stem))
    assert [p.name for p in shards] == [f"{n}.json" for n in range(len(entry["shards"]["starts"]))]
    chunks = list((seeds_site / "search" / "d").iterdir())
    assert len(chunks) == entry["chunks"]["count"] == -(-len(papers) // entry["chunks"]["size"])
    stored = [
        doc
        for n in range(len(chunks))
        for doc in json.loads((seeds_site / "search" / "d" / f"{n}.json").read_text("utf-8"))
    ]
    assert [doc[0] for doc in stored] == [p["id"] for p in papers]
    assert [doc[3] for doc in stored] == [p["abstract"] or "" for p in papers]
    vocabulary = entry["vocabulary"]
    assert vocabulary == sorted(vocabulary, key=lambda t: t.encode("utf-16-be"))
    assert len(entry["words"]) == len(vocabulary)


def test_build_is_deterministic_and_shards_cover_the_vocabulary(corpus: Corpus) -> None:
    first = dict(search_files(corpus))
    assert list(search_files(corpus)) == list(first.items())
    postings = build_postings(paper_texts(corpus.papers), FIELD_BOOSTS)
    starts = shard_bounds(postings)
    assert starts[0] == 0 and starts == sorted(set(starts))
    rows = sum(len(json.loads(first[f"search/t/{n}.json"])) for n in range(len(starts)))
    assert rows == len(postings.vocabulary)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=12))
def test_the_ascii_shortcut_normalises_as_the_general_path(word: str) -> None:
    assert search_text.normalise_word(word) == search_text.normalise_any_word(word)


def test_the_ascii_shortcut_on_every_seed_word() -> None:
    words = {
        w for path in SEEDS_DIR.glob("*.txt") for w in search_text.split_words(path.read_text())
    }
    ascii_words = [w for w in words if w.isascii()]
    assert len(ascii_words) > 10_000
    for word in ascii_words:
        assert search_text.normalise_word(word) == search_text.normalise_any_word(word), word
