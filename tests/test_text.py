"""Clean text: LaTeX escapes from the dumps restored, math and unknown macros left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.read.text import RESTORABLE, clean_text
from tests.html import parse_html, text_of


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a 100\\% success rate", "a 100% success rate"),
        ('the Schr\\"odinger equation', "the Schrödinger equation"),
        ("expensive Fr\\'echet mean", "expensive Fréchet mean"),
        ("the Poincar\\'e ball", "the Poincaré ball"),
        ("Kurdyka-{\\L}ojasiewicz inequality", "Kurdyka-Łojasiewicz inequality"),
        ("based on R{\\'e}nyi DP", "based on Rényi DP"),
        ("the Monge-Amp\\`ere equation", "the Monge-Ampère equation"),
        ('na\\"ive gradient', "naïve gradient"),
        ('na\\"{\\i}ve and na\\"\\i ve', "naïve and naïve"),
        ("Milenkovi\\'c, Solomon", "Milenković, Solomon"),
        ("\\v{C}ech complexes", "Čech complexes"),
        ("Stra\\ss e", "Straße"),
        (
            "a {\\em persistent homology} and {\\it single-loop}",
            "a persistent homology and single-loop",
        ),
        ("\\textbf{bold \\emph{and} more}", "bold and more"),
        # A command whose closing brace the scrape lost: the command goes, every word stays.
        (
            "introducing \\textbf{Positional \\textbf{Integrity Encoding} (PIE). Building",
            "introducing Positional Integrity Encoding (PIE). Building",
        ),
        ("see \\href{https://x.org/a}{the code}.", "see the code (https://x.org/a)."),
        ("at \\href{https://x.org/a{https://x.org/a}.}.", "at https://x.org/a.."),
        ("R\\&D and a\\_b and \\#1 and \\$5", "R&D and a_b and #1 and $5"),
    ],
)
def test_escapes_become_the_characters_they_stand_for(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    "text",
    [
        # Math is kept exactly, escapes and all.
        "from \\[ 1{C_{\\tau, \\varepsilon}} \\cdot \\left(\\lg n + O(\\log^{2/3} n)\\right) \\] samples",
        "where $\\alpha = 100\\%$ holds",
        # An author's own macros mean nothing we could restore.
        "we propose \\tool, a general approach; \\HyperRouter and \\BIS",
        "plain text with no escapes at all -- and a dash",
        "\\log n and \\int f",
    ],
)
def test_text_that_cannot_be_restored_is_unharmed(text: str) -> None:
    assert clean_text(text) == text


def test_no_word_is_ever_dropped() -> None:
    raw = "{\\em one} \\textbf{two \\textit{three}} \\href{https://a.b/c}{four} five\\% {\\L}six"
    assert clean_text(raw).split() == [
        "one",
        "two",
        "three",
        "four",
        "(https://a.b/c)",
        "five%",
        "Łsix",
    ]


SEED_STRINGS = {
    "light-schrodinger-bridge": ["computational Schrödinger Bridges", "log-Schrödinger potentials"],
    "poincare-resnet": [
        "Poincaré ResNet",
        "expensive Fréchet mean calculations",
        "Poincaré midpoint",
    ],
}


def test_seed_pages_show_restored_characters(seeds_site: Path) -> None:
    for slug, expected in SEED_STRINGS.items():
        page = parse_html(seeds_site / "papers" / slug / "index.html")
        text = text_of(page.find(".//main"))
        for phrase in expected:
            assert phrase in text, (slug, phrase)
    papers = json.loads((seeds_site / "papers.json").read_text("utf-8"))
    abstracts = " ".join(p["abstract"] or "" for p in papers)
    for phrase in (
        "Kurdyka-Łojasiewicz inequality",
        "based on Rényi DP",
        "Monge-Ampère equation",
        "a 100% success rate",
        "naïve gradient backpropagation",
        "Chang, Conroy, Le, Milenković, Solomon",
        "[Gilyén, Su, Low, and Wiebe",
        "suitable ansätzs",
        "one of the most important such descriptors is persistent homology",
        "introducing Positional Integrity Encoding (PIE)",
        # Math stays as the authors wrote it.
        "O(\\log^{2/3} n \\log^{1/3} 1{\\delta}",
        # So do macros nobody can expand.
        "we propose \\tool, a general approach",
    ):
        assert phrase.casefold() in abstracts.casefold(), phrase


def test_no_restorable_escape_left_on_any_page(seeds_site: Path) -> None:
    checked = 0
    for path in sorted(seeds_site.rglob("*")):
        if path.suffix not in (".html", ".json", ".xml") or not path.is_file():
            continue
        text = path.read_text("utf-8")
        # JSON (files, and JSON-LD blocks in pages) is read back first: its own escaping (\" and
        # \\) is not LaTeX.
        if path.suffix == ".json":
            texts = list(_strings(json.loads(text)))
        elif path.suffix == ".html":
            texts = _page_texts(path)
        else:
            texts = [text]
        for text in texts:
            found = RESTORABLE.search(text)
            assert found is None, (
                f"{path.relative_to(seeds_site)}: {text[found.start() - 30 : found.end() + 30]!r}"
            )
        checked += 1
    assert checked > 545


def _strings(value):
    """Every string inside a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _page_texts(path: Path) -> list[str]:
    """What a reader of an HTML page sees (text and attribute values), and its JSON-LD strings."""
    root = parse_html(path)
    texts = []
    for element in root.iter():
        texts += [element.tail or "", *element.attrib.values()]
        if element.tag != "script":
            texts.append(element.text or "")
        elif element.get("type") == "application/ld+json":
            texts += _strings(json.loads(element.text or "null"))
    return texts
