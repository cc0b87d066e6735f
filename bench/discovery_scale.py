"""Time and memory of the discovery stage (related papers, topics, map) on real or synthetic corpora.

    python bench/discovery_scale.py seeds bench/corpora/10000/seeds 50000

Each argument is a folder of seed dumps (``seeds`` is the real seeds; ``bench/corpora/N/seeds`` the
benchmark's corpora, see bench/corpus.py) or a number of papers made in memory from the seeds (fixed
seed, never written to disk): every synthetic paper takes a seed paper's title with one word swapped
from another title, and most of that paper's abstract sentences plus two sentences of other papers, so
the corpus keeps the seeds' topics. Each corpus runs in a fresh process; the table gives each step's
CPU seconds, the CPU seconds of importing the discovery modules and the libraries they load, the stage's
wall and CPU seconds (imports included: the build's forked child pays them too; CPU time is the fairer
figure on a busy machine) and the process's peak RSS.
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

SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
STEPS = ("tf-idf", "embedding", "neighbours", "related", "topics", "layout")


def synthetic_corpus(size: int, seed: int = 0):
    """``size`` papers recombined from the seeds' titles and abstract sentences."""
    from generator.model import Corpus, Paper

    seeds = [p for p in seed_corpus(ROOT / "seeds").papers if p.abstract]
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


def seed_corpus(seeds_dir: Path):
    """The papers of a folder of seed dumps, as the build reads them (with the project's site.yml)."""
    from generator.build import BuildOptions, load_corpus, load_site_config

    options = BuildOptions(seeds_dir=seeds_dir, config_path=ROOT / "site.yml")
    return load_corpus(options, load_site_config(options))


def measure(source: str) -> str:
    """One table row: the discovery stage on ``source`` (a folder or a size), in this process."""
    from generator.build import BuildOptions, load_site_config

    # The numerical libraries and the discovery modules, timed (the build loads them for this stage).
    cpu_started = time.process_time()
    import generator.discover.stage as discovery_module

    discovery_module.load_libraries()
    imports = time.process_time() - cpu_started

    config = load_site_config(BuildOptions(config_path=ROOT / "site.yml"))
    corpus = synthetic_corpus(int(source)) if source.isdigit() else seed_corpus(Path(source))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    before = usage.ru_maxrss / 1024
    cpu_before = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    discovery = discovery_module.discover(corpus, config)
    total = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    peak = usage.ru_maxrss / 1024
    steps = " | ".join(f"{discovery.timings[name]:.2f}" for name in STEPS)
    return (
        f"| {len(corpus.papers)} | {steps} | {imports:.2f} | {total + imports:.2f} | "
        f"{cpu + imports:.2f} | {len(discovery.topics.topics)} | {before:.0f} | {peak:.0f} |"
    )


def main(sources: list[str]) -> None:
    """Run every corpus in a fresh process and print a Markdown table."""
    print(
        f"| papers | {' | '.join(STEPS)} | imports | total s | CPU s | topics | RSS before MiB | "
        "peak RSS MiB |"
    )
    print("|" + " --- |" * (len(STEPS) + 7))
    for source in sources:
        row = subprocess.run(
            [sys.executable, __file__, "--one", source],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        print(row, flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(measure(sys.argv[2]))
    else:
        main(sys.argv[1:] or ["10000", "50000"])
