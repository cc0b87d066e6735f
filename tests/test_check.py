"""``papershelf check``: every internal link and asset of a built site resolves."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from generator.output.check import check_site
from generator.read.config import SiteConfig
from tests.support import LAYOUT_B, PROJECT_ROOT, PUBLISHED_URL, SUBPATH, papershelf_env


def test_the_seeds_site_under_the_subpath_has_no_broken_link(seeds_site: Path) -> None:
    report = check_site(seeds_site, SiteConfig().with_base_url(SUBPATH))
    assert report.broken == []
    # 564 pages before the discovery pages: topics index and pages, map, about
    topics = len(list((seeds_site / "topics").glob("*/index.html")))
    assert report.pages == 564 + 1 + topics + 2
    assert report.links > 10_000  # about nineteen links a page, CSS and feeds included
    # every page, every paper page's collections, the assets, the feeds
    assert len(report.targets) > 564 + 5


def test_the_published_site_has_no_broken_link_even_absolute_ones(published_site: Path) -> None:
    report = check_site(published_site, SiteConfig().with_base_url(PUBLISHED_URL))
    assert report.broken == []
    # canonical links, og:url, the sitemap and the feeds name pages by their absolute URL: they
    # are checked, not passed over as external
    # (canonical and og:url on 563 pages, 563 sitemap entries, 1147 feed entries + feed links)
    assert report.absolute > 3 * 563 + 1147


def test_broken_links_are_named_with_page_and_target(tmp_path: Path, seeds_site: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(seeds_site, site)
    victim = sorted((site / "papers").iterdir())[0]
    shutil.rmtree(victim)
    (site / "static/css/site.css").write_text("body { background: url(../img/missing.png); }")
    page = site / "collections/index.html"
    page.write_text(
        page.read_text().replace(
            'href="../"', 'href="../#no-such-id"', 1
        )  # a fragment that names nothing
    )
    (site / "search/index.html").write_text('<a href="/elsewhere/">x</a>')
    report = check_site(site, SiteConfig().with_base_url(SUBPATH))
    broken = {(b.page, b.target, b.reason) for b in report.broken}
    assert ("static/css/site.css", "../img/missing.png", "no such file") in broken
    assert ("collections/index.html", "../#no-such-id", "no element with id 'no-such-id'") in broken
    assert ("search/index.html", "/elsewhere/", "outside the base path /papershelf/") in broken
    from_victim = [b for b in report.broken if victim.name in b.target]
    assert from_victim and all(b.reason == "no such file" for b in from_victim)
    assert str(report.broken[0]).startswith(f"{report.broken[0].page}: broken link to ")


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=papershelf_env(),
    )


def test_cli_check_passes_a_good_site_and_fails_a_broken_template(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds/may.txt").write_text(LAYOUT_B)
    good = run_cli("check", "--base-url", SUBPATH, cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith("papershelf check: 11 pages and ")  # 8 + topics, map, about
    assert good.stdout.rstrip().endswith(", 0 broken")

    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "templates", templates)
    paper = templates / "paper.html"
    paper.write_text(paper.read_text().replace("url(collection.url_path)", "url('nowhere/')"))
    bad = run_cli("check", "--base-url", SUBPATH, "--templates", str(templates), cwd=tmp_path)
    assert bad.returncode == 8
    lines = bad.stderr.splitlines()
    assert (
        "error: papers/graph-rewiring-done-right/index.html: broken link to ../../nowhere/ (no such file)"
        in lines
    )
    assert not (tmp_path / "_site").exists()  # check builds into a temporary folder only
