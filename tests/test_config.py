"""Config tests: typed values, and every problem named with its key and line, all at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import html5lib
import pytest
import yaml

from generator.errors import ConfigError
from generator.pages.render import render_markdown
from generator.read.config import SiteConfig, load_config, parse_config
from generator.read.schema import Wording, option, validate
from tests.html import links
from tests.support import SITE_CONFIG


def test_project_site_yml_is_valid() -> None:
    config = load_config(SITE_CONFIG)
    assert config.per_page == 50
    assert set(config.collections) == {
        "000_9a4de9028e002a6d",
        "001_0341fee289cc69d9",
        "002_155d1d252854c531",
        "003_ec176ae3cada82f8",
        "004_237dc198f15ea8b3",
    }


def test_empty_or_missing_config_gives_defaults(tmp_path) -> None:
    assert parse_config("") == SiteConfig()
    assert load_config(tmp_path / "absent.yml") == SiteConfig()
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.yml", required=True)


def test_values_are_typed() -> None:
    config = parse_config(
        "title: Lab shelf\nper_page: 20\ncollections:\n  x:\n    date: 2024-05-19\n"
    )
    assert config.title == "Lab shelf"
    assert config.per_page == 20
    assert config.collections["x"].date == dt.date(2024, 5, 19)


def test_every_problem_is_reported_at_once_with_key_and_line() -> None:
    text = (
        "title: Fine\n"
        "per_pgae: 20\n"
        "per_page: twenty\n"
        "collections:\n"
        "  x:\n"
        "    titel: Typo\n"
        "    date: May 19\n"
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "site.yml")
    assert caught.value.problems == [
        "line 2: Config value 'per_pgae': unknown key (known keys: base_url, cname, collections, "
        "description, language, notes_dir, per_page, title, topics)",
        "line 3: Config value 'per_page': expected an integer, got str ('twenty')",
        "line 6: Config value 'collections.x.titel': unknown key (known keys: date, description, "
        "title)",
        "line 7: Config value 'collections.x.date': expected a date written YYYY-MM-DD, got str "
        "('May 19')",
    ]
    assert str(caught.value).startswith("site.yml: line 2: Config value 'per_pgae'")


def test_invalid_yaml_names_the_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("title: ok\nper_page: [1, 2\n", "site.yml")
    assert caught.value.problems == [
        "line 2: invalid YAML in 'per_page': while parsing a flow sequence, expected ',' or ']', "
        "but got '<stream end>' at line 3"
    ]
    with pytest.raises(ConfigError) as caught:
        parse_config("title: ok\n  bad: indent\n", "site.yml")
    assert caught.value.problems == [
        "line 2: invalid YAML in 'bad': mapping values are not allowed here"
    ]


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(ConfigError, match="line 1: expected a mapping of options"):
        parse_config("- a\n- b\n")


def test_repeated_key_is_an_error() -> None:
    with pytest.raises(ConfigError, match="line 2: Config value 'title': given twice"):
        parse_config("title: a\ntitle: b\n")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/", "/"),
        ("/REPO", "/REPO/"),
        ("/REPO/", "/REPO/"),
        ("https://user.github.io/REPO", "https://user.github.io/REPO/"),
        ("https://papers.example.org", "https://papers.example.org/"),
    ],
)
def test_base_url_is_normalised(given: str, expected: str) -> None:
    assert SiteConfig().with_base_url(given).base_url == expected


@pytest.mark.parametrize(
    "given",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)//",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/",
        'https://a"onmouseover=alert(1)/',
        "https://evil.example/<script>/",
        "REPO/",
        "/a b/",
        "https:///x/",
        "/REPO/?q=1",
        "/REPO/#x",
        "ftp://host/",
    ],
)
def test_bad_base_urls_are_refused(given: str) -> None:
    with pytest.raises(ConfigError, match="--base-url"):
        SiteConfig().with_base_url(given)


def test_base_path_and_absolute_base() -> None:
    assert SiteConfig().with_base_url("https://u.github.io/r/").base_path == "/r/"
    assert (
        SiteConfig().with_base_url("https://u.github.io/r/").absolute_base
        == "https://u.github.io/r/"
    )
    assert SiteConfig().with_base_url("/r/").absolute_base is None


def test_url_and_language_values_in_the_file_are_checked_with_their_line() -> None:
    text = (
        "title: x\nbase_url: javascript:alert(1)\nlanguage: 'en\" onload=\"alert(1)'\nper_page: 0\n"
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "site.yml")
    assert caught.value.problems == [
        "line 2: Config value 'base_url': expected an http(s) URL or a path, got 'javascript:alert(1)'",
        "line 3: Config value 'language': expected a language code such as en or pt-BR, got "
        "'en\" onload=\"alert(1)'",
        "line 4: Config value 'per_page': expected a positive integer, got 0",
    ]


def test_a_key_that_is_not_a_name_is_an_unknown_key() -> None:
    with pytest.raises(ConfigError, match=r"line 1: Config value '\?': unknown key"):
        parse_config("? [a, b]\n: 1\n")


def test_description_links_with_unsafe_schemes_are_refused_with_their_line() -> None:
    text = (
        "collections:\n"
        "  x:\n"
        "    title: Fine\n"
        "    description: '[a](javascript:alert(1)) [b](JaVa&#09;script:x) ![c](data:x) "
        "[ok](https://x.org) [mail](mailto:a@b.org) [rel](../p/) [ref][1]\n\n      [1]: vbscript:y'\n"
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "site.yml")
    where = "line 4: Config value 'collections.x.description': link"
    rule = "refused (only relative, http(s) and mailto links)"
    assert caught.value.problems == [
        f"{where} 'javascript:alert(1)' {rule}",
        f"{where} 'JaVa&#09;script:x' {rule}",
        f"{where} 'data:x' {rule}",
        f"{where} 'vbscript:y' {rule}",
    ]


@pytest.mark.parametrize(
    "description",
    [
        "see ![a picture](javascript:alert(1))",  # an image
        "a paragraph\n\n      {: href='javascript:alert(1)' }",  # an attribute list
        "a note[^1]\n\n      [^1]: at [x](javascript:alert(1))",  # a footnote's link
    ],
)
def test_every_markdown_form_of_an_unsafe_link_is_refused(description: str) -> None:
    # Descriptions without any of LINK_MARKS are not run through Markdown at all: every form
    # that can make a link holds one of them, and each is still checked.
    text = f'collections:\n  x:\n    title: Fine\n    description: "{description}"\n'
    with pytest.raises(ConfigError, match="javascript:alert"):
        parse_config(text, "site.yml")


def test_rendered_markdown_drops_unsafe_links_as_a_second_defence() -> None:
    html = render_markdown("[a](javascript:alert(1)) ![i](data:x) [ok](https://x.org) [r](../p/)")
    root = html5lib.parse(str(html), namespaceHTMLElements=False)
    assert links(root) == ["https://x.org", "../p/"]
    assert [a.text for a in root.iter("a")] == ["a", "ok", "r"]


def test_topics_settings_are_typed_with_their_lines() -> None:
    config = parse_config(
        "topics:\n  count: 18\n  rename:\n    graph-neural: Graphs\n"
        "  merge:\n    learning-rules: [backpropagation-feedback, forward-forward]\n"
        "  pin: [learning-rules]\n"
    )
    assert config.topics.count == 18
    assert config.topics.rename == {"graph-neural": "Graphs"}
    assert config.topics.merge == {
        "learning-rules": ("backpropagation-feedback", "forward-forward")
    }
    assert config.topics.pin == ("learning-rules",)
    assert config.topics.lines["rename.graph-neural"] == 4
    assert config.topics.lines["pin.learning-rules"] == 7


def test_bad_topics_settings_name_key_and_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(
            "topics:\n  count: -2\n  rename:\n    a: ''\n  merge:\n    b: c\n  pin: 3\n  colour: red\n"
        )
    assert caught.value.problems == [
        "line 2: Config value 'topics.count': expected a whole number, 0 or more, got -2",
        "line 4: Config value 'topics.rename.a': expected a title, got ''",
        "line 6: Config value 'topics.merge.b': expected a list of topic slugs, got 'c'",
        "line 7: Config value 'topics.pin': expected a list of topic slugs, got 3",
        "line 8: Config value 'topics.colour': unknown key (known keys: count, merge, pin, rename)",
    ]


def test_problems_come_in_file_order_and_a_repeated_id_is_an_error() -> None:
    text = "per_page: 0\ncollections:\n  x:\n    date: 2024-13-45\n  x:\n    title: Again\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "site.yml")
    assert caught.value.problems == [
        "line 1: Config value 'per_page': expected a positive integer, got 0",
        "line 4: Config value 'collections.x.date': not a real date: 2024-13-45",
        "line 5: Config value 'collections.x': given twice",
    ]


@dataclass(frozen=True)
class Part:
    size: int = field(default=1, metadata=option("How big."))


@dataclass(frozen=True)
class Shelf:
    name: str = field(default="shelf", metadata=option("Its name."))
    part: Part = field(default_factory=Part, metadata=option("One part."))
    parts: dict[str, Part] = field(default_factory=dict, metadata=option("Parts by id."))
    tags: tuple[str, ...] = field(default=(), metadata=option("Its tags."))


def test_one_validator_walks_records_mappings_by_id_and_lists() -> None:
    text = (
        "name: Mine\npart:\n  size: 2\nparts:\n  a:\n    size: big\n  b: 3\n  c:\n    size: 4\n"
        "tags: [x, y]\ncolour: red\n"
    )
    found = validate(yaml.compose(text), Shelf, Wording(label="{}"))
    assert found.problems == [
        "line 6: parts.a.size: expected an integer, got str ('big')",
        "line 7: parts.b: expected a mapping with size",
        "line 11: colour: unknown key (known keys: name, part, parts, tags)",
    ]
    # A record keeps its default where a value was refused; a mapping drops a refused entry.
    assert found.value == Shelf("Mine", Part(2), {"a": Part(1), "c": Part(4)}, ("x", "y"))
    assert (found.lines["part.size"], found.lines["parts.c"], found.lines["tags.y"]) == (3, 8, 10)
