"""Hostile YAML in ``site.yml`` and note front matter: one short message each, never a traceback.

An alias bomb, a tag asking for a Python object, a number of thousands of digits, a date that does
not exist, a value too long to echo: each is refused through the real command line with exit code 3
(a config error, notes included), one line naming the file, the line and the key, and nothing
written. The property tests feed any text, and YAML-ish text full of anchors, tags, long digits and
dates, to ``parse_config`` and to the notes reader: a value or a ``ConfigError``, nothing else.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import ConfigError
from generator.read.config import SiteConfig, parse_config
from generator.read.notes import Notes, read_notes
from tests.support import LAYOUT_B, run_cli, write_seeds

# A billion laughs in 333 bytes: nine lists of nine references to the list before.
BOMB = "  - &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
    f"  - &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)
NOTE = "notes/graph-rewiring-done-right.md"
ALIASES = "YAML aliases (*name) are not supported; write the value out"
PLAIN = "(only plain data: strings, numbers, true/false, null, dates, lists and mappings)"

# (case, files of the site folder, the one line of stderr)
CASES = [
    (
        "alias bomb in site.yml",
        {"site.yml": "title: Lab\ndescription:\n" + BOMB},
        f"error: site.yml: line 4: 'description': {ALIASES}",
    ),
    (
        "alias bomb in a note",
        {NOTE: "---\ntags:\n" + BOMB + "---\nA note.\n"},
        f"error: notes: {NOTE}: line 4: 'tags': {ALIASES}",
    ),
    (
        "python tag in site.yml",
        {"site.yml": "title: !!python/object/apply:os.system ['touch pwned']\n"},
        f"error: site.yml: line 1: 'title': the tag !!python/object/apply:os.system is not "
        f"supported {PLAIN}",
    ),
    (
        "python tag in a note",
        {NOTE: "---\ntags: !!python/name:os.system\n---\n"},
        f"error: notes: {NOTE}: line 2: 'tags': the tag !!python/name:os.system is not "
        f"supported {PLAIN}",
    ),
    (
        "local tag in site.yml",
        {"site.yml": "title: !shout hello\n"},
        f"error: site.yml: line 1: 'title': the tag !shout is not supported {PLAIN}",
    ),
    (
        "huge integer in site.yml",
        {"site.yml": "per_page: " + "9" * 5000 + "\n"},
        "error: site.yml: line 1: 'per_page': a number of 5,000 digits (at most 30)",
    ),
    (
        "huge integer in a note",
        {NOTE: "---\ntags: [" + "7" * 5000 + "]\n---\n"},
        f"error: notes: {NOTE}: line 2: 'tags': a number of 5,000 digits (at most 30)",
    ),
    (
        "impossible date in site.yml",
        {"site.yml": "collections:\n  may:\n    date: 2024-02-30\n"},
        "error: site.yml: line 3: Config value 'collections.may.date': not a real date: 2024-02-30",
    ),
    (
        "impossible date in a collection note",
        {"notes/collections/may.md": "---\ndate: 2024-02-30\n---\n"},
        "error: notes: notes/collections/may.md: line 2: 'date': not a real date: 2024-02-30",
    ),
    (
        "explicit tag that does not fit its value",
        {"site.yml": "collections:\n  may:\n    date: !!timestamp soon\n"},
        "error: site.yml: line 3: 'date': not a date: soon",
    ),
    (
        "nesting too deep",
        {"site.yml": "title: " + "[" * 5000 + "]" * 5000 + "\n"},
        "error: site.yml: line 1: 'title': nested more than 32 levels deep",
    ),
    (
        "long value in site.yml",
        {"site.yml": "language: " + "x" * 5000 + "\n"},
        "error: site.yml: line 1: Config value 'language': expected a language code such as "
        "en or pt-BR, got '" + "x" * 58 + "…",
    ),
    (
        "long value in a note",
        {NOTE: "---\nlinks:\n  code: " + "y" * 5000 + "\n---\n"},
        f"error: notes: {NOTE}: line 2: 'links': links.code: expected an http(s) URL, got "
        "{'code': '" + "y" * 49 + "…",
    ),
    (
        "value too long to read",
        {"site.yml": "description: " + "z" * 200_000 + "\n"},
        "error: site.yml: line 1: 'description': a value of 200,000 characters (at most 100,000)",
    ),
    (
        "long key",
        {"site.yml": "k" * 1000 + ": 1\n"},  # YAML allows keys of up to 1024 characters
        "error: site.yml: line 1: Config value '"
        + "k" * 99
        + "…': unknown key (known keys: base_url, cname, collections, description, language, "
        "notes_dir, per_page, title, topics)",
    ),
]


@pytest.mark.parametrize(
    ("files", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_hostile_yaml_gives_one_short_line_and_writes_nothing(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    write_seeds(tmp_path / "seeds", {"may.txt": LAYOUT_B})
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, "utf-8")
    result = run_cli("build", cwd=tmp_path)
    assert result.returncode == 3
    assert result.stderr.splitlines() == [expected]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "_site").exists()


# ---- properties: any text gives a value or the documented error, and short messages ----

# Derandomised and small in the suite, so it is repeatable and quick; PAPERSHELF_HYPOTHESIS_EXAMPLES=2000
# explores further with fresh random cases.
EXAMPLES = int(os.environ.get("PAPERSHELF_HYPOTHESIS_EXAMPLES", "0"))
SETTINGS = settings(
    max_examples=EXAMPLES or 150,
    deadline=None,
    derandomize=not EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow],
)

_KEYS = ["title", "per_page", "collections", "topics", "date", "tags", "links", "code", "x", "<<"]
_TAGS = ["!!python/object:os.system", "!foo", "!!int", "!!float", "!!bool", "!!timestamp"]
_TAGS += ["!!binary", "!!set", "!!map", "!!seq", "!!str", "!!null", "!", "!<tag:x>"]
_WORDS = ["&a", "&b", "*a", "*b", "[", "]", "{", "}", ",", "-", "? ", ": ", "'", '"', "#", "|"]
_WORDS += ["=", "~", "null", "yes", ".inf", "0x1F", "0o7", "1:30:00", "1_000", "-0b101", "é"]
digits = st.integers(1, 400).map(lambda n: "9" * n)
dates = st.builds(
    "{:04d}-{:02d}-{:02d}{}".format,
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.sampled_from(["", "T25:00:00", " 10:00:00 +99:00", "t10:61:00.1234567Z"]),
)
pieces = st.one_of(
    st.sampled_from(_WORDS),
    st.sampled_from(_TAGS),
    digits,
    dates,
    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=8),
)
values = st.lists(pieces, min_size=1, max_size=4).map(" ".join)
# Documents of the right shape with anything for values, so the checks of each option are reached.
TEMPLATES = [
    "title: {}\nper_page: {}\n",
    "collections:\n  may:\n    date: {}\n    title: {}\n",
    "topics:\n  count: {}\n  pin: [{}]\n",
    "tags: [{}, {}]\nlinks:\n  code: {}\n",
    "title: {}\ndate: {}\n",
    "base_url: {}\ncname: {}\nlanguage: {}\ndescription: {}\n",
]
shaped = st.builds(
    lambda template, holes: template.format(*holes),
    st.sampled_from(TEMPLATES),
    st.lists(values, min_size=4, max_size=4),
)
lines = st.builds(
    "{}{}{}{}".format,
    st.sampled_from(["", "  ", "    ", "- ", "  - "]),
    st.sampled_from([*(f"{key}: " for key in _KEYS), ""]),
    st.lists(pieces, max_size=6).map(" ".join),
    st.just("\n"),
)
yamlish = st.one_of(shaped, st.lists(lines, max_size=12).map("".join))


def assert_short(problems: list[str]) -> None:
    """Each problem is one line of modest length, whatever the file held."""
    for problem in problems:
        assert "\n" not in problem
        assert len(problem) < 500, problem


@SETTINGS
@given(st.one_of(st.text(), yamlish))
def test_parse_config_gives_a_config_or_a_config_error(text: str) -> None:
    try:
        assert isinstance(parse_config(text), SiteConfig)
    except ConfigError as refused:
        assert refused.problems
        assert_short(refused.problems)


@SETTINGS
@given(st.one_of(st.text(), yamlish), st.sampled_from(["paper.md", "collections/may.md"]))
def test_a_note_gives_notes_or_a_config_error(front_matter: str, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\n{front_matter}\n---\nThe note.\n", "utf-8", errors="replace")
        try:
            assert isinstance(read_notes(Path(folder), "notes"), Notes)
        except ConfigError as refused:
            assert refused.problems
            assert_short(refused.problems)


# ---- one value at a time: each conversion that used to raise is a problem with its key ----


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("title: !!bool maybe\n", "line 1: 'title': not true or false: maybe"),
        ("per_page: !!int\n", "line 1: 'per_page': not an integer: ''"),
        (
            "per_page: -0x" + "f" * 100 + "\n",
            "line 1: 'per_page': a number of 102 digits (at most 30)",
        ),
        (
            "collections:\n  may:\n    date: !!timestamp May 19\n",
            "line 3: 'date': not a date: May 19",
        ),
        (
            "collections:\n  may:\n    date: 2024-05-19 10:00:00 +99:00\n",
            "line 3: Config value 'collections.may.date': not a real date and time: "
            "2024-05-19 10:00:00 +99:00",
        ),
        ("title: {[a]: b}\n", "line 1: Config value 'title': invalid value: found unhashable key"),
        ("title: &t Lab\ndescription: *t\n", f"line 2: 'description': {ALIASES}"),
        (
            "<<: {title: Lab}\n",
            "line 1: Config value '<<': unknown key (known keys: base_url, "
            "cname, collections, description, language, notes_dir, per_page, title, topics)",
        ),
        (
            "title: a\x01b\n",
            "line 1: invalid YAML: special characters are not allowed (character #x0001)",
        ),
        (
            'base_url: "http://[::1/"\n',
            "line 1: Config value 'base_url': expected an http(s) URL or a path, got "
            "'http://[::1/'",
        ),
    ],
)
def test_a_value_that_cannot_be_read_is_a_problem_with_its_line(text: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert caught.value.problems == [problem]


def test_an_equals_sign_is_a_string() -> None:
    assert parse_config("title: =\n").title == "="
