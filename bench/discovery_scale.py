"""Time and memory of the discovery stage (related papers, topics, map) on synthetic corpora.

    python bench/discovery_scale.py 10000 50000

Each corpus is made in memory from the seeds (fixed seed, never written to disk): every synthetic paper
takes a seed paper's title with one word swapped from another title, and most of that paper's abstract
sentences plus two sentences of other papers, so the corpus keeps the seeds' topics. Each size runs in
a fresh process; the table gives each step's CPU seconds, the stage's wall and CPU seconds (CPU time
is the fairer figure on a busy machine) and the process's peak RSS.
"""

from __future__ import annotations

import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.build import BuildOptions, load_corpus, load_site_config  # noqa: E402
from generator.model import Corpus, Paper  # noqa: E402

SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def synthetic_corpus(size: int, seed: int = 0) -> Corpus:
    """``size`` papers recombined from the seeds' titles and abstract sentences."""
    options = BuildOptions(seeds_dir=ROOT / "seeds", config_path=ROOT / "site.yml")
    seeds = [p for p in load_corpus(options, load_site_config(options)).papers if p.abstract]
    sentences = [SENTENCE.split(p.abstract) for p in seeds]
    every_sentence = [s for group in sentences for s in group]
    rng = random.Random(seed)
    papers = []
    for number in range(size):
        base = rng.randrange(len(seeds))
        words = seeds[base].title.split()
        donor = rng.choice(seeds).title.split()
        words[rng.randrange(len(words))] = rng.choice(donor)
        own = sentences[base]
        kept = rng.sample(own, max(1, round(len(own) * 0.7)))
        abstract = " ".join(kept + rng.sample(every_sentence, 2))
        pid = f"{number:012x}"
        papers.append(Paper(pid, f"paper-{pid}", " ".join(words), abstract, ("synthetic",), ()))
    return Corpus(tuple(papers), (), ())


def measure(size: int) -> str:
    """One table row: the discovery stage on ``size`` papers, in this process."""
    from generator.discovery import discover

    config = load_site_config(BuildOptions(config_path=ROOT / "site.yml"))
    corpus = synthetic_corpus(size)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    before = usage.ru_maxrss / 1024
    cpu_before = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    discovery = discover(corpus, config)
    total = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    peak = usage.ru_maxrss / 1024
    steps = " | ".join(f"{discovery.timings[name]:.2f}" for name in STEPS)
    return (
        f"| {size} | {steps} | {total:.2f} | {cpu:.2f} | {len(discovery.topics.topics)} | "
        f"{before:.0f} | {peak:.0f} |"
    )


STEPS = ("tf-idf", "embedding", "neighbours", "related", "topics", "layout")


def main(sizes: list[int]) -> None:
    """Run every size in a fresh process and print a Markdown table."""
    print(
        f"| papers | {' | '.join(STEPS)} | total s | CPU s | topics | RSS before MiB | "
        "peak RSS MiB |"
    )
    print("|" + " --- |" * (len(STEPS) + 6))
    for size in sizes:
        row = subprocess.run(
            [sys.executable, __file__, "--one", str(size)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        print(row, flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(measure(int(sys.argv[2])))
    else:
        main([int(n) for n in sys.argv[1:]] or [10_000, 50_000])
