"""Cached, incremental and parallel builds: each must give the very bytes of a clean serial build."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from jinja2 import Environment

from generator.build import BuildOptions, build, load_corpus, load_site_config
from generator.discover.related import RelatedPaper
from generator.discover.topics import Topic
from generator.fingerprint import OUTPUT_LIBRARIES, code_digest, library_versions
from generator.output.cache import CACHE_DIR_NAME
from generator.output.page_keys import PageKeys
from generator.pages.findings import RelatedEntry
from generator.pages.site import Page, PageData
from generator.pages.templates import compiled_templates
from generator.read.dumps import parse_dump
from tests.html import parse_html, text_of
from tests.support import (
    LAYOUT_A,
    LAYOUT_B,
    PROJECT_ROOT,
    SEEDS_DIR,
    SITE_CONFIG,
    differences,
    run_cli,
    small_options,
    write_seeds,
)


def clean_serial(options: BuildOptions, out_dir: Path) -> Path:
    """The straightforward build of the same inputs: no cache, no workers."""
    build(BuildOptions(**{**options.__dict__, "out_dir": out_dir, "jobs": 1, "use_cache": False}))
    return out_dir


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file's inode and modification time: what a rewrite would change."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_seeds_parallel_cached_and_incremental_builds_match_a_clean_serial_build(
    tmp_path: Path,
) -> None:
    shutil.copytree(SEEDS_DIR, tmp_path / "seeds")
    options = BuildOptions(
        seeds_dir=tmp_path / "seeds",
        out_dir=tmp_path / "site",
        config_path=SITE_CONFIG,
        base_url="/papershelf/",
        jobs=2,
    )
    full = build(options)
    assert full.rendered > full.pages + 1  # every page, papers.json and the search files
    assert differences(tmp_path / "site", clean_serial(options, tmp_path / "clean")) == []

    before = snapshot(tmp_path / "site")
    again = build(options)
    assert again.unchanged and again.rendered == 0
    assert (again.papers, again.pages, again.files) == (full.papers, full.pages, full.files)
    assert snapshot(tmp_path / "site") == before  # not a single file rewritten

    dump = sorted((tmp_path / "seeds").glob("*.txt"))[2]
    text = dump.read_text("utf-8")
    record = parse_dump(text, dump.name).records[10]
    dump.write_text(text.replace(record.abstract, record.abstract + " Revised.", 1), "utf-8")
    one = build(options)
    assert one.rendered < full.rendered / 2
    shutil.rmtree(tmp_path / "clean")
    assert differences(tmp_path / "site", clean_serial(options, tmp_path / "clean")) == []
    after = snapshot(tmp_path / "site")
    # The paper's own page, its collection's and its listing page's are new files; so are the pages
    # that show it through the discovery stage (neighbours' related lists, its topics), which one
    # changed abstract may also shift a little; every other page is reused.
    rewritten = {p for p in before if p.endswith(".html") and after.get(p) != before[p]}
    papers = {p["title"]: p for p in json.loads((tmp_path / "site/papers.json").read_text("utf-8"))}
    slug = papers[record.title]["slug"]
    collection = papers[record.title]["collections"][0]
    assert f"papers/{slug}/index.html" in rewritten
    assert f"collections/{collection}/index.html" in rewritten
    assert any(p == "index.html" or p.startswith("page/") for p in rewritten)
    assert len(rewritten) <= full.pages // 20, sorted(rewritten)


def test_incremental_builds_follow_config_dump_and_output_changes(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", {"a.txt": LAYOUT_A, "b.txt": LAYOUT_B.replace("Four", "Five")})
    options = small_options(tmp_path, jobs=2)

    def check() -> None:
        shutil.rmtree(tmp_path / "clean", ignore_errors=True)
        assert differences(tmp_path / "out", clean_serial(options, tmp_path / "clean")) == []

    build(options)
    (tmp_path / "site.yml").write_text("title: Renamed shelf\n", "utf-8")
    assert build(options).rendered > 3  # every page shows the title
    assert text_of(parse_html(tmp_path / "out" / "index.html").find(".//h1")) == "Renamed shelf"
    check()
    (tmp_path / "seeds" / "b.txt").unlink()
    report = build(options)
    assert not report.unchanged
    assert not (tmp_path / "out" / "collections" / "b").exists()
    check()
    (tmp_path / "out" / "index.html").write_text("edited by hand", "utf-8")
    (tmp_path / "out" / "stray.txt").write_text("not ours", "utf-8")
    assert not build(options).unchanged
    check()


def test_a_template_change_rerenders_pages(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "templates", templates)
    write_seeds(tmp_path / "seeds", {"a.txt": LAYOUT_A})
    options = small_options(tmp_path, templates_dir=templates)
    build(options)
    paper = templates / "paper.html"
    paper.write_text(paper.read_text("utf-8").replace("Find this paper", "Look it up"), "utf-8")
    report = build(options)
    assert not report.unchanged
    pages = sorted((tmp_path / "out" / "papers").glob("*/index.html"))
    assert len(pages) == 3
    assert all("Look it up" in page.read_text("utf-8") for page in pages)


def test_compiled_templates_are_kept_and_an_edited_one_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    compiled: list[str] = []
    compile_source = Environment.compile

    def counting_compile(self, source, name=None, filename=None, *args, **kwargs):
        compiled.append(name)
        return compile_source(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(Environment, "compile", counting_compile)
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "templates", templates)
    write_seeds(tmp_path / "seeds", {"a.txt": LAYOUT_A})
    options = small_options(tmp_path, templates_dir=templates, jobs=1)
    build(options)
    # (Which templates a build compiles depends on its pages, and on how long the build waits for
    # its discovery stage, in which it compiles the others.)
    seen = set(compiled)
    assert {"paper.html", "base.html"} <= seen
    cache_files = (tmp_path / "user-cache" / "papershelf").glob("templates-*/__jinja2_*.cache")
    assert len(list(cache_files)) == len(seen)

    # A new build (a new Jinja2 environment) of changed seeds compiles none of them again...
    write_seeds(tmp_path / "seeds", {"b.txt": LAYOUT_B})
    compiled.clear()
    build(options)
    assert seen.isdisjoint(compiled)
    seen.update(compiled)
    # ... but the one template edited since, whose pages show the edit.
    paper = templates / "paper.html"
    paper.write_text(paper.read_text("utf-8").replace("Find this paper", "Look it up"), "utf-8")
    compiled.clear()
    build(options)
    assert seen.intersection(compiled) == {"paper.html"}
    pages = list((tmp_path / "out" / "papers").glob("*/index.html"))
    assert pages and all("Look it up" in page.read_text("utf-8") for page in pages)
    # --no-cache compiles every template it renders from its source.
    compiled.clear()
    build(dataclasses.replace(options, use_cache=False, out_dir=tmp_path / "clean"))
    assert {"paper.html", "base.html", "index.html"} <= set(compiled)
    assert differences(tmp_path / "out", tmp_path / "clean") == []


def test_compiled_templates_of_other_versions_go_and_unsafe_folders_are_not_used(
    tmp_path: Path,
) -> None:
    stale = tmp_path / "templates-0123456789abcdef"
    stale.mkdir()
    (stale / "__jinja2_x.cache").write_bytes(b"old")
    cache = compiled_templates(tmp_path)
    assert cache is not None and Path(cache.directory).is_dir() and not stale.exists()
    # A folder others may write to could hold code planted for this process to run.
    Path(cache.directory).chmod(0o777)
    assert compiled_templates(tmp_path) is None
    # No cache where it cannot be made; the build goes on without one.
    (tmp_path / "a-file").write_text("", "utf-8")
    assert compiled_templates(tmp_path / "a-file") is None


def test_a_build_goes_on_when_the_user_cache_cannot_be_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "not-a-folder").write_text("", "utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-folder"))
    write_seeds(tmp_path / "seeds", {"a.txt": LAYOUT_A})
    report = build(small_options(tmp_path))
    assert report.pages > 0 and (tmp_path / "out" / "index.html").is_file()


def test_library_versions_are_those_importlib_metadata_reports() -> None:
    from importlib import metadata

    assert library_versions(OUTPUT_LIBRARIES) == {
        name: metadata.version(name) for name in OUTPUT_LIBRARIES
    }
    assert library_versions(("no-such-distribution",)) == {}


def test_a_new_library_version_changes_the_code_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = code_digest([], [])
    # A folder ahead of the others on sys.path holds another version, spelled as pip spells it.
    (tmp_path / "Jinja2-99.0.dist-info").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))
    assert library_versions(("jinja2", "pyyaml"))["jinja2"] == "99.0"
    assert code_digest([], []) != before


def test_no_cache_leaves_no_cache_folder(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", {"a.txt": LAYOUT_A})
    build(small_options(tmp_path, use_cache=False))
    assert not (tmp_path / CACHE_DIR_NAME).exists()
    build(small_options(tmp_path))
    assert (tmp_path / CACHE_DIR_NAME / "out" / "manifest.json").is_file()


def test_cli_reports_a_no_op_and_refuses_zero_jobs(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", {"a.txt": LAYOUT_B})
    first = run_cli("build", "--jobs", "2", "--timings", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "rendered afresh" in first.stdout
    parts = [line.split()[1] for line in first.stdout.splitlines() if line.startswith("timing:")]
    assert parts == ["fingerprint", "read", "discovery", "pages", "swap", "manifest"]
    second = run_cli("build", cwd=tmp_path)
    assert "nothing changed, _site/ left as it was" in second.stdout
    refused = run_cli("build", "--jobs", "0", cwd=tmp_path)
    assert refused.returncode == 2
    assert "--jobs" in refused.stderr and "at least 1" in refused.stderr


def test_page_keys_follow_every_part_of_the_context() -> None:
    options = BuildOptions(seeds_dir=SEEDS_DIR, config_path=SITE_CONFIG)
    corpus = load_corpus(options, load_site_config(options))
    page_keys = PageKeys("code and config")
    paper, other = corpus.papers[:2]
    topic = Topic("t", "T", ("t",), (paper.id, other.id))

    @dataclasses.dataclass(frozen=True)
    class Probe(PageData):
        TEMPLATE = "paper.html"
        paper: object = None
        topics: object = None
        count: object = None
        related: object = None
        ids: object = None

    def key(**context: object) -> str:
        return page_keys.key(Page("papers/x/index.html", Probe(**context)))

    base = key(paper=paper, topics=[topic], count=1)
    # Equal values give equal keys, whether or not they are the same objects.
    same_topic = Topic("t", "T", ("t",), (paper.id, other.id))
    assert key(paper=paper, topics=[same_topic], count=1) == base
    # A change anywhere, however deep, gives another key.
    changed = [
        key(
            paper=dataclasses.replace(paper, abstract=(paper.abstract or "") + "!"),
            topics=[topic],
            count=1,
        ),
        key(paper=paper, topics=[Topic("t", "T", ("t",), (other.id, paper.id))], count=1),
        key(paper=paper, topics=[topic, topic], count=1),
        key(paper=paper, topics=(topic,), count=1),
        key(paper=paper, topics=[topic], count=2),
        key(paper=paper, topics=[topic], count="1"),
        key(paper=paper, topics=[topic]),
    ]
    assert len({base, *changed}) == len(changed) + 1

    # A page's related entries (named tuples, encoded in the page's key) and long tuples (digested
    # once): equal values give equal keys, a change anywhere another key.
    def entry(score: float = 0.5, terms: tuple[str, ...] = ("graph", "rewiring")) -> RelatedEntry:
        return RelatedEntry(other, RelatedPaper(other.id, score, terms))

    ids = tuple(p.id for p in corpus.papers[:100])
    base = key(paper=paper, related=[entry()], ids=ids)
    assert key(paper=paper, related=[entry()], ids=tuple(list(ids))) == base
    changed = [
        key(paper=paper, related=[entry(score=0.25)], ids=ids),
        key(paper=paper, related=[entry(terms=("graph",))], ids=ids),
        key(paper=paper, related=[entry(terms=("rewiring", "graph"))], ids=ids),
        key(paper=paper, related=[tuple(entry())], ids=ids),  # a plain tuple of the same items
        key(paper=paper, related=[entry(), entry()], ids=ids),
        key(paper=paper, related=[entry()], ids=ids[:-1]),
        key(paper=paper, related=[entry()], ids=(*ids[:-1], "another")),
    ]
    assert len({base, *changed}) == len(changed) + 1
