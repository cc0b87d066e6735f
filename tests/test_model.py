"""Model tests: one paper per normalised title, stable ids, unique URL-safe slugs."""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pytest

from generator.model import assign_slugs, build_corpus, normalise_title, paper_id, slugify
from generator.read.config import CollectionConfig, SiteConfig, parse_config
from generator.read.dumps import ParsedDump, parse_dump
from generator.read.seeds import read_seeds
from tests.support import ABSTRACT_1, ABSTRACT_2, SEEDS_DIR, SITE_CONFIG

URL_SAFE_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@pytest.fixture(scope="module")
def corpus():
    dumps, notices = read_seeds(SEEDS_DIR)
    assert notices == []
    return build_corpus(dumps, parse_config(SITE_CONFIG.read_text("utf-8")))


def test_seeds_hold_545_papers_in_602_listings(corpus) -> None:
    assert len(corpus.papers) == 545
    assert sum(len(p.collections) for p in corpus.papers) == 602
    assert sum(len(c.paper_ids) for c in corpus.collections) == 602
    assert [len(c.paper_ids) for c in corpus.collections] == [211, 73, 65, 51, 202]
    assert corpus.warnings == ()


def test_a_paper_in_several_dumps_is_one_paper_in_several_collections(corpus) -> None:
    shared = [p for p in corpus.papers if len(p.collections) > 1]
    # Counted by hand from the dumps: 602 listings of 545 titles.
    assert sum(len(p.collections) - 1 for p in shared) == 602 - 545
    block_cd = next(p for p in corpus.papers if p.title.startswith("Let's Make Block Coordinate"))
    assert len(block_cd.collections) >= 2
    assert [ref.path.rsplit("/", 1)[-1][:3] for ref in block_cd.sources] == [
        cid[:3] for cid in block_cd.collections
    ]


def test_ids_and_slugs_are_unique_stable_and_url_safe(corpus) -> None:
    ids = [p.id for p in corpus.papers]
    slugs = [p.slug for p in corpus.papers]
    assert len(set(ids)) == len(ids) == 545
    assert len(set(slugs)) == len(slugs) == 545
    assert all(URL_SAFE_SLUG.match(slug) and len(slug) <= 100 for slug in slugs)
    first = corpus.papers[0]
    assert first.slug == "locality-aware-graph-rewiring-in-gnns"
    assert first.id == paper_id("locality aware graph rewiring in GNNs!")


def test_corpus_does_not_depend_on_dump_order() -> None:
    dumps, _ = read_seeds(SEEDS_DIR)
    forward = build_corpus(dumps, SiteConfig())
    backward = build_corpus(list(reversed(dumps)), SiteConfig())
    assert {p.id: p.slug for p in forward.papers} == {p.id: p.slug for p in backward.papers}


def test_identity_ignores_case_accents_punctuation_and_spacing() -> None:
    assert normalise_title("  Schrödinger   Bridges: A Study ") == "schrodingerbridgesastudy"
    assert normalise_title("C++ and C# Tricks") == "c++andc#tricks"
    assert paper_id("Schrödinger Bridges: a study") == paper_id("schrodinger  bridges -- A STUDY")
    text_a = f"SubscribeGraph Rewiring\n{ABSTRACT_1}\n"
    text_b = f"new\n\nMay 19\n\nGRAPH REWIRING\n\n{ABSTRACT_1}\n\nOther Paper\n\n{ABSTRACT_2}\n"
    corpus = build_corpus([parse_dump(text_a, "a.txt"), parse_dump(text_b, "b.txt")], SiteConfig())
    assert [p.title for p in corpus.papers] == ["Graph Rewiring", "Other Paper"]
    assert corpus.papers[0].collections == ("a", "b")


def test_titles_that_slugify_alike_do_not_collide() -> None:
    titles = {paper_id(t): t for t in ["C++ Tricks", "C# Tricks", "C Tricks", "∑∫∂", "¿?"]}
    slugs = assign_slugs(titles)
    assert len(set(slugs.values())) == len(titles)
    assert all(URL_SAFE_SLUG.match(s) for s in slugs.values())
    assert all(slugs[paper_id(t)].startswith("c-tricks-") for t in ["C++ Tricks", "C Tricks"])
    assert slugs[paper_id("∑∫∂")] == f"paper-{paper_id('∑∫∂')}"


def test_slugs_are_cut_at_a_word_boundary() -> None:
    slug = slugify("Word " * 40)
    assert len(slug) <= 80 and not slug.endswith("-") and slug.endswith("word")


def test_reserved_names_are_never_bare_slugs() -> None:
    slugs = assign_slugs({paper_id("CON"): "CON", paper_id("Search"): "Search"})
    assert slugs[paper_id("CON")] == f"con-{paper_id('CON')}"
    assert slugs[paper_id("Search")].startswith("search-")


def test_collections_take_titles_dates_and_descriptions(corpus) -> None:
    dated = corpus.collection("001_0341fee289cc69d9")
    assert dated.date_label == "May 19"
    assert dated.title == "Optimisation and learning dynamics"
    assert "**May 19**" in dated.description
    undated = corpus.collection("000_9a4de9028e002a6d")
    assert undated.date_label is None
    plain = build_corpus(read_seeds(SEEDS_DIR)[0], SiteConfig())
    assert plain.collection("001_0341fee289cc69d9").title == "Papers of May 19"
    assert plain.collection("000_9a4de9028e002a6d").title == "000_9a4de9028e002a6d"


def test_config_date_overrides_the_dump_date() -> None:
    import datetime as dt

    config = SiteConfig(collections={"b": CollectionConfig(date=dt.date(2024, 5, 19))})
    corpus = build_corpus([parse_dump(f"May 19\n\nT\n\n{ABSTRACT_1}", "b.txt")], config)
    assert corpus.collection("b").date_label == "May 19, 2024"


def test_duplicate_listing_in_one_dump_is_a_warning() -> None:
    text = f"Same Title\n{ABSTRACT_1}\nSame Title\n{ABSTRACT_1}\n"
    corpus = build_corpus([parse_dump(text, "d.txt")], SiteConfig())
    assert len(corpus.papers) == 1
    assert [str(w) for w in corpus.warnings] == [
        "d.txt:3: paper listed twice in this dump (first at line 1)"
    ]


def test_config_for_an_unknown_collection_is_a_warning() -> None:
    config = SiteConfig(collections={"nope": CollectionConfig(title="x")})
    corpus = build_corpus([parse_dump(f"T\n{ABSTRACT_1}", "a.txt")], config)
    assert [str(w) for w in corpus.warnings] == [
        "site.yml: collections.nope: no dump with that id in the seeds folder"
    ]


def test_every_seed_title_maps_to_exactly_one_paper(corpus) -> None:
    titles = Counter()
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        for record in parse_dump(path.read_text("utf-8"), path.name).records:
            titles[record.title] += 1
    assert sorted(titles) == sorted(p.title for p in corpus.papers)


GPT_4 = ("GPT-4 Technical Report", "GPT4 Technical Report", "gpt 4 technical report")


def _one_title_dump(title: str, source: str) -> ParsedDump:
    return parse_dump(f"{title}\n{ABSTRACT_1}\n", source)


@pytest.mark.parametrize(("first", "second"), list(itertools.permutations(GPT_4, 2)))
def test_spellings_that_differ_in_punctuation_or_spacing_are_one_paper(
    first: str, second: str
) -> None:
    corpus = build_corpus(
        [_one_title_dump(first, "a.txt"), _one_title_dump(second, "b.txt")], SiteConfig()
    )
    assert len(corpus.papers) == 1
    paper = corpus.papers[0]
    assert paper.collections == ("a", "b")
    assert [ref.path for ref in paper.sources] == ["a.txt", "b.txt"]
    # Whatever the order, id, title and slug come from the spelling split most ("GPT-4").
    assert paper.id == paper_id("GPT-4 Technical Report") == paper_id("gpt 4 technical report")
    assert paper.title == next(t for t in (first, second) if t != "GPT4 Technical Report")
    assert paper.slug == "gpt-4-technical-report"


def test_three_spellings_in_any_dump_order_give_one_stable_paper() -> None:
    spellings = ["Rethinking Attention", "Re-thinking attention", "Re thinking Attention!"]
    corpora = [
        build_corpus([_one_title_dump(t, f"{n}.txt") for n, t in enumerate(order)], SiteConfig())
        for order in itertools.permutations(spellings)
    ]
    assert {len(corpus.papers) for corpus in corpora} == {1}
    assert {(c.papers[0].id, c.papers[0].slug) for c in corpora} == {
        (paper_id("Re-thinking attention"), "re-thinking-attention")
    }
    # The title is the first one in dump order of the spelling that gives the id.
    assert {c.papers[0].title for c in corpora} == set(spellings[1:])
    assert {c.papers[0].collections for c in corpora} == {("0", "1", "2")}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("GPT-4 Technical Report", "GPT-3 Technical Report"),
        ("C++ Tricks", "C Tricks"),
        ("C# Tricks", "C Tricks"),
        ("Graph Rewiring", "Graph Rewiring 2"),
        ("Bilevel Optimization", "Bilevel Optimisation"),
        ("Learning to Rank", "Learning to Rank Fast"),
        ("∑∫∂", "¿?"),
    ],
)
def test_genuinely_different_titles_stay_apart(one: str, other: str) -> None:
    corpus = build_corpus(
        [_one_title_dump(one, "a.txt"), _one_title_dump(other, "b.txt")], SiteConfig()
    )
    assert [p.title for p in corpus.papers] == [one, other]
    assert [p.collections for p in corpus.papers] == [("a",), ("b",)]
    assert corpus.papers[0].id != corpus.papers[1].id


def test_seed_ids_are_unchanged_by_the_identity_rule(corpus) -> None:
    # No two seed titles differ only in punctuation or spacing: all 545 stay apart, and each keeps
    # the id it had before spacing stopped counting (the hash of its title's words).
    assert len({normalise_title(p.title) for p in corpus.papers}) == len(corpus.papers) == 545
    assert all(p.id == paper_id(p.title) for p in corpus.papers)
    assert corpus.papers[0].id == "fd7406b5fdfc"
    assert corpus.papers[1].id == "7994e8ba0515"
