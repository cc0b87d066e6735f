"""Measure the search payload: build time, peak memory, size on disk and bytes a first query fetches.

    .venv/bin/python bench/search_payload.py [--sizes seeds 10000 50000] [--limit 10]

For the seeds and for synthetic corpora (the seeds' titles and abstract sentences recombined with a
fixed seed, generated in memory, never written to the repository) it builds the search files alone,
each size in its own process so peak RSS is that size's, then runs the real engine
(static/js/search-engine.js on lunr.js in Node) for a set of first queries, each on a fresh engine,
and sums the gzipped bytes of the files it fetched. For the seeds it also prints what MkDocs'
search_index.json ({config, docs: [{location, title, text}]}, optionally with a prebuilt lunr index)
would weigh for the same paper pages, and the whole lunr index the payload is split from.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.build import BuildOptions, load_corpus, load_site_config  # noqa: E402
from generator.model import Collection, Corpus, Paper, paper_id, slugify  # noqa: E402
from generator.search import text as search_text  # noqa: E402
from generator.search.payload import (  # noqa: E402
    FIELDS,
    build_postings,
    lunr_index,
    paper_texts,
    search_files,
)

SEED = 20240607
FIRST_QUERIES = [
    "transformer",
    "graph neural networks",
    "diffusion models",
    "reinforcement learning",
    "large language models",
    "mechanistic interpretability",
    "quantum circuits",
    "schrodinger",
    "over-squashing",
    "transco",
    "backpropagaton",
    "gra",
]


def seeds_corpus() -> Corpus:
    """The real seeds, as the site builds them."""
    options = BuildOptions(seeds_dir=ROOT / "seeds", config_path=ROOT / "site.yml")
    return load_corpus(options, load_site_config(options))


def synthetic_corpus(size: int, seeds: Corpus) -> Corpus:
    """``size`` papers recombined from the seeds' title halves and abstract sentences."""
    rng = random.Random(SEED + size)
    titles = [p.title.split() for p in seeds.papers]
    sentences = [
        s.strip() + "."
        for p in seeds.papers
        if p.abstract
        for s in p.abstract.split(". ")
        if len(s.split()) > 3
    ]
    collections = [c.id for c in seeds.collections]
    papers, seen = [], set()
    while len(papers) < size:
        a, b = rng.choice(titles), rng.choice(titles)
        title = " ".join(a[: max(1, len(a) // 2)] + b[len(b) // 2 :])
        pid = paper_id(title)
        if pid in seen:
            continue
        seen.add(pid)
        abstract = " ".join(rng.sample(sentences, rng.randint(4, 9)))
        slug = f"{slugify(title)[:60]}-{pid}"
        papers.append(Paper(pid, slug, title, abstract, (rng.choice(collections),), ()))
    by_collection = {c: [] for c in collections}
    for paper in papers:
        by_collection[paper.collections[0]].append(paper.id)
    return Corpus(
        tuple(papers),
        tuple(
            Collection(c.id, c.title, None, c.date_label, c.source, tuple(by_collection[c.id]))
            for c in seeds.collections
        ),
        (),
    )


def gz_size(data: bytes) -> int:
    """Bytes as a static host sends them gzipped (level 6, as GitHub Pages and most servers)."""
    return len(gzip.compress(data, 6, mtime=0))


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the index's tokenising workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def measure_one(size: str, out: Path) -> dict:
    """Build one size's search files into ``out`` (a site folder) and report time and memory."""
    seeds = seeds_corpus()
    corpus = seeds if size == "seeds" else synthetic_corpus(int(size), seeds)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu_started = time.perf_counter(), cpu_seconds()
    for path, text in search_files(corpus):  # written as they come, as the build does
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    files = raw = gz = 0
    for path in sorted(out.rglob("*.json")):
        data = path.read_bytes()
        files, raw, gz = files + 1, raw + len(data), gz + gz_size(data)
    entry = (out / "search" / "search_index.json").read_bytes()
    return {
        "size": size,
        "papers": len(corpus.papers),
        "seconds": seconds,
        "cpu": cpu,
        "peak_rss_mib": peak_rss / 1024,
        "rss_before_mib": rss_before / 1024,
        "files": files,
        "raw": raw,
        "gz": gz,
        "entry_raw": len(entry),
        "entry_gz": gz_size(entry),
    }


def first_queries(site: Path, limit: int) -> list[dict]:
    """Per first query (fresh engine), the files fetched and their gzipped bytes."""
    request = {
        "site": str(site),
        "mode": "search",
        "queries": FIRST_QUERIES,
        "limit": limit,
        "fresh": True,
    }
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "js" / "engine.cjs")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for answer in json.loads(result.stdout)["answers"]:
        fetched = answer["fetched"]
        rows.append(
            {
                "query": answer["query"],
                "results": len(answer["results"]),
                "files": len(fetched),
                "gz": sum(gz_size((site / f).read_bytes()) for f in fetched),
                "ms": answer["ms"],
            }
        )
    return rows


def mkdocs_comparison(corpus: Corpus) -> dict:
    """MkDocs' search_index.json for the same paper pages, plain and with a prebuilt lunr index."""
    docs = [
        {"location": p.url_path, "title": p.title, "text": p.abstract or ""} for p in corpus.papers
    ]
    config = {"lang": ["en"], "separator": r"[\s\-]+", "pipeline": ["stopWordFilter"]}
    plain = json.dumps({"config": config, "docs": docs}, ensure_ascii=False).encode()
    from lunr import lunr

    index = lunr(
        ref="location",
        fields=[{"field_name": "title", "boost": 10}, {"field_name": "text"}],
        documents=docs,
    )
    prebuilt = json.dumps(
        {"config": config, "docs": docs, "index": index.serialize()}, ensure_ascii=False
    ).encode()
    whole = json.dumps(lunr_index(build_postings(paper_texts(corpus.papers), FIELDS))).encode()
    return {
        "mkdocs_raw": len(plain),
        "mkdocs_gz": gz_size(plain),
        "mkdocs_prebuilt_raw": len(prebuilt),
        "mkdocs_prebuilt_gz": gz_size(prebuilt),
        "whole_lunr_raw": len(whole),
        "whole_lunr_gz": gz_size(whole),
    }


def kib(n: float) -> str:
    return f"{n / 1024:,.0f} KiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["seeds", "10000", "50000"])
    parser.add_argument("--limit", type=int, default=10, help="results a first query shows")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # child process: build one size
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one, args.out)))
        return
    print(
        f"search payload benchmark ({len(search_text.STOP_WORDS)} stop words, limit {args.limit})"
    )
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="papershelf-search-") as tmp:
            site = Path(tmp)
            child = subprocess.run(
                [sys.executable, __file__, "--one", size, "--out", str(site)],
                capture_output=True,
                text=True,
                check=True,
            )
            build = json.loads(child.stdout)
            queries = first_queries(site, args.limit)
        downloads = [q["gz"] for q in queries]
        print(
            f"\n## {size}: {build['papers']} papers\n"
            f"index build {build['seconds']:.2f} s wall, {build['cpu']:.2f} s CPU, peak RSS (main process) {build['peak_rss_mib']:.0f} MiB "
            f"(corpus loaded: {build['rss_before_mib']:.0f} MiB), {build['files']} files\n"
            f"payload on disk {kib(build['raw'])} raw, {kib(build['gz'])} gzipped; "
            f"entry {kib(build['entry_raw'])} raw, {kib(build['entry_gz'])} gzipped\n"
            f"first query downloads (gzipped): median {kib(statistics.median(downloads))}, "
            f"max {kib(max(downloads))}"
        )
        print("| query | results | files | downloaded (gz) | ms (Node, incl. load) |")
        print("| --- | --- | --- | --- | --- |")
        for q in queries:
            print(
                f"| {q['query']} | {q['results']} | {q['files']} | {kib(q['gz'])} | {q['ms']:.0f} |"
            )
        if size == "seeds":
            m = mkdocs_comparison(seeds_corpus())
            print(
                f"MkDocs search_index.json for the same {build['papers']} paper pages: "
                f"{kib(m['mkdocs_raw'])} raw, {kib(m['mkdocs_gz'])} gzipped; with its prebuilt "
                f"lunr index {kib(m['mkdocs_prebuilt_raw'])} raw, {kib(m['mkdocs_prebuilt_gz'])} "
                f"gzipped. The whole lunr index this payload splits: {kib(m['whole_lunr_raw'])} raw, "
                f"{kib(m['whole_lunr_gz'])} gzipped."
            )
    print(
        f"\n(fingerprint of the query set: {hashlib.sha256(str(FIRST_QUERIES).encode()).hexdigest()[:8]})"
    )


if __name__ == "__main__":
    main()
