"""The search index the build writes: equal to lunr.py's, split without changing a result, and
treating text in the browser exactly as the build did."""

from __future__ import annotations

import itertools
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
    FIELDS,
    INDEX_PATH,
    LUNR_BOOSTS,
    build_postings,
    lunr_index,
    paper_texts,
    search_files,
    shard_bounds,
)
from tests.support import SEEDS_DIR, SITE_CONFIG, run_engine


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    options = BuildOptions(seeds_dir=SEEDS_DIR, config_path=SITE_CONFIG)
    return load_corpus(options, load_site_config(options))


def lunr_py_index(corpus: Corpus) -> dict:
    """The seeds indexed by lunr.py itself, with papershelf's words and pipeline."""
    builder = Builder()
    builder.ref("id")
    for name, boost in LUNR_BOOSTS.items():
        builder.field(name, boost=boost, extractor=lambda doc, name=name: doc[name])
    search_text.lunr_py_pipelines(builder.pipeline, builder.search_pipeline, list(LUNR_BOOSTS))
    for number, texts in enumerate(paper_texts(corpus.papers)):
        document = {
            name: search_text.split_words(text)
            for name, text in zip(LUNR_BOOSTS, texts, strict=True)
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
    ours = lunr_index(build_postings(paper_texts(corpus.papers), FIELDS))
    theirs = lunr_py_index(corpus)
    assert ours["version"] == theirs["version"] == "2.3.9"
    assert ours["fields"] == theirs["fields"]
    assert (
        ours["pipeline"]
        == theirs["pipeline"]
        == [
            "papershelf-normalise",
            "papershelf-spelling",
            "stemmer",
        ]
    )
    our_postings, our_vectors = by_term(ours)
    their_postings, their_vectors = by_term(theirs)
    assert len(our_postings) > 5000
    assert our_postings == their_postings
    assert our_vectors == their_vectors  # every BM25 score, to lunr's three decimals


@pytest.fixture(scope="module")
def whole_index(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("whole") / "lunr_index.json"
    path.write_text(json.dumps(lunr_index(build_postings(paper_texts(corpus.papers), FIELDS))))
    return path


def test_lunr_js_loads_the_whole_index_with_the_registered_pipeline(
    seeds_site: Path, whole_index: Path
) -> None:
    # lunr.Index.load refuses a pipeline function it does not know; the engine registers them.
    answer = run_engine(
        {
            "site": str(seeds_site),
            "mode": "load",
            "wholeIndex": str(whole_index),
            "queries": ["transco*"],
        }
    )
    assert answer["answers"][0]["refs"]


def test_shards_and_position_files_hold_the_postings(corpus: Corpus, seeds_site: Path) -> None:
    """Decoded as the engine decodes them, the parts give back every posting, form mask and word
    position the build counted, and the positions are those of the words in the text."""
    postings = build_postings(paper_texts(corpus.papers), FIELDS)
    entry = json.loads((seeds_site / INDEX_PATH).read_text("utf-8"))
    starts = entry["shards"]["starts"]
    texts = list(paper_texts(corpus.papers))
    checked = 0
    for number, start in enumerate(starts):
        shard = json.loads((seeds_site / f"search/t/{number}.json").read_text("utf-8"))
        places = json.loads((seeds_site / f"search/p/{number}.json").read_text("utf-8"))
        for row, (cells, position_cells) in enumerate(zip(shard, places, strict=True)):
            term = start + row
            for field in range(len(FIELDS)):
                low, high = postings.span(field, term, term + 1)
                docs = list(itertools.accumulate(cells[2 * field]))
                assert docs == postings.docs[field][low:high].tolist()
                if len(postings.forms[term]) > 1:
                    assert (
                        cells[2 * len(FIELDS) + field] == postings.masks[field][low:high].tolist()
                    )
                flat, at = position_cells[field], 0
                for doc in docs:
                    count = flat[at]
                    found = list(itertools.accumulate(flat[at + 1 : at + 1 + count]))
                    at += 1 + count
                    if checked < 3000:
                        words = [
                            search_text.index_terms(w, FIELDS[field] == "title")
                            for w in search_text.split_words(texts[doc][field])
                            if search_text.normalise_word(w)
                        ]
                        stem = postings.vocabulary[term]
                        expected = [p for p, terms in enumerate(words) for t in terms if t == stem]
                        assert found == expected, (stem, doc)
                        checked += 1
                assert at == len(flat)
    assert checked == 3000


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
    assert search_text.normalise_word("Schr\\\"odinger's") == ("schrodingers",)
    assert search_text.normalise_word('Schr{\\"o}dinger') == ("schrodinger",)
    assert search_text.normalise_word("Gar\\c{c}on") == ("garcon",)
    assert search_text.normalise_word("Schrödinger") == ("schrodinger",)
    assert search_text.normalise_word("𝔽₂") == ("f2",)
    assert search_text.normalise_word("—") == ()
    assert search_text.field_terms("All you need", "title") == ["all", "you", "need"]
    assert search_text.field_terms("All you need", "abstract") == ["need"]


def test_entry_shares_the_settings_and_lists_every_part(seeds_site: Path) -> None:
    entry = json.loads((seeds_site / INDEX_PATH).read_text("utf-8"))
    config = entry["config"]
    assert config["fields"] == list(FIELDS)
    assert config["weights"]["title"] > config["weights"]["abstract"]
    assert config["text"]["separator"] == search_text.SEPARATOR
    assert config["text"]["pipeline"] == [
        "papershelf-normalise",
        "papershelf-stop-words",
        "papershelf-spelling",
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
    # Each paper's nearest papers, best first: its related papers lead them (they are the first
    # neighbours that share a term), and a paper is never its own neighbour.
    number = {p["id"]: n for n, p in enumerate(papers)}
    for n, (doc, paper) in enumerate(zip(stored, papers, strict=True)):
        assert n not in doc[6] and len(set(doc[6])) == len(doc[6]) <= 10
        assert [number[r] for r in paper["related"]] == doc[6][: len(paper["related"])]
    vocabulary = entry["vocabulary"]
    assert vocabulary == sorted(vocabulary, key=lambda t: t.encode("utf-16-be"))
    assert len(entry["forms"]) == len(vocabulary)
    positions = sorted((seeds_site / "search" / "p").iterdir(), key=lambda p: int(p.stem))
    assert [p.name for p in positions] == [p.name for p in shards]


def test_build_is_deterministic_and_shards_cover_the_vocabulary(corpus: Corpus) -> None:
    first = dict(search_files(corpus))
    assert list(search_files(corpus)) == list(first.items())
    postings = build_postings(paper_texts(corpus.papers), FIELDS)
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
