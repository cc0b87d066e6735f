"""What the tests share: where the project is, small dumps written inline, and the helpers that
build a site, run the command line, run the search engine under Node and compare two sites."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from generator.build import BuildOptions
from generator.model import Collection, Corpus, Paper
from generator.search.payload import search_files

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"
SITE_CONFIG = PROJECT_ROOT / "site.yml"
SUBPATH = "/papershelf/"
# The address a published build is made for (as configure-pages gives it), so that feeds, the
# sitemap and canonical links carry absolute URLs; never contacted.
PUBLISHED_URL = "https://example.org/papershelf/"


def papershelf_env() -> dict[str, str]:
    """The environment of a papershelf process a test starts: this checkout's code, the system's
    tools and the session's user cache (see ``user_cache`` in conftest.py)."""
    return {
        "PYTHONPATH": str(PROJECT_ROOT),
        "PATH": "/usr/bin:/bin",
        "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"],
    }


# Three papers written inline in both layouts the dumps come in: A glued on single newlines, B with
# blank lines between blocks and a date.
ABSTRACT_1 = (
    "We study message passing on graphs and show that rewiring the graph reduces over-squashing. "
    "Our method adds edges between distant nodes according to their curvature. Experiments on "
    "long-range benchmarks confirm the theory and improve accuracy over strong baselines."
)
ABSTRACT_2 = (
    "Backpropagation is biologically implausible. We propose a forward-only learning rule that "
    "trains each layer with a local objective. The rule matches backpropagation on small image "
    "benchmarks while using less memory, and it scales to deeper networks than earlier work."
)
ABSTRACT_3 = (
    "Large language models can be compressed to four bits with little loss. We analyse the error "
    "of quantised attention and propose a calibration method that needs no retraining. It keeps "
    "perplexity within one percent of the full-precision model on every benchmark we tried."
)

LAYOUT_A = (
    "Get trending papers in your email inbox once a day!\n"
    "Get trending papers in your email inbox!\n"
    f"SubscribeGraph Rewiring Done Right\n{ABSTRACT_1}\n"
    f"Forward-Only Learning\n{ABSTRACT_2}\n"
    f"Four-Bit Language Models\n{ABSTRACT_3}"
)
LAYOUT_B = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\n"
    "byAK and the research community\n\nMay 19\n\n"
    f"Graph Rewiring Done Right\n\n{ABSTRACT_1}\n\n"
    f"Forward-Only Learning\n\n{ABSTRACT_2}\n\n"
    f"Four-Bit Language Models\n\n{ABSTRACT_3}\n"
)
EXPECTED_TITLES = ["Graph Rewiring Done Right", "Forward-Only Learning", "Four-Bit Language Models"]


# Sites built into a test's tmp_path, and the command line run as a user runs it.


def write_seeds(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


def small_options(tmp_path: Path, **overrides) -> BuildOptions:
    values = {
        "seeds_dir": tmp_path / "seeds",
        "out_dir": tmp_path / "out",
        "config_path": tmp_path / "site.yml",
    }
    values.update(overrides)
    return BuildOptions(**values)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=papershelf_env(),
        check=False,
    )


def differences(left: Path, right: Path) -> list[str]:
    """Relative paths whose bytes differ between two sites, or that only one of them has."""
    names = {p.relative_to(left).as_posix() for p in left.rglob("*") if p.is_file()}
    names |= {p.relative_to(right).as_posix() for p in right.rglob("*") if p.is_file()}
    return sorted(
        name
        for name in names
        if not ((left / name).is_file() and (right / name).is_file())
        or not filecmp.cmp(left / name, right / name, shallow=False)
    )


# The search engine (static/js/search-engine.js) run by Node; see tests/js/engine.cjs.
ENGINE_SCRIPT = PROJECT_ROOT / "tests" / "js" / "engine.cjs"


def run_engine(request: dict) -> dict:
    """Send one request to the Node harness (see tests/js/engine.cjs) and return its answer."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required to run the search engine tests")
    result = subprocess.run(
        [node, str(ENGINE_SCRIPT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# (query, the paper that must come first (rank 1) or among the first three (rank 3), what it tests)
QUERY_TABLE = [
    ("transco", "Transcoders Find Interpretable LLM Feature Circuits", 1, "prefix"),
    (
        "patternattr",
        "Learning how to explain neural networks: PatternNet and PatternAttribution",
        1,
        "prefix",
    ),
    ("nonequilib", "Deep Unsupervised Learning using Nonequilibrium Thermodynamics", 1, "prefix"),
    (
        "lagrangian pinn",
        "Lagrangian PINNs: A causality-conforming solution to failure modes of physics-informed neural networks",
        1,
        "prefix",
    ),
    ("schrodinger", "Light Schrödinger Bridge", 3, "accent"),
    (
        "réinforcement curriculum quantum",
        "Curriculum reinforcement learning for quantum architecture search under hardware errors",
        1,
        "accent",
    ),
    (
        "over-squashing",
        "On Over-Squashing in Message Passing Neural Networks: The Impact of Width, Depth, and Topology",
        3,
        "hyphen",
    ),
    (
        "oversquashing",
        "Understanding Oversquashing in GNNs through the Lens of Effective Resistance",
        2,  # written alike, "On Over-Squashing in ..." may rank first
        "hyphen",
    ),
    (
        "over squashing",
        "On Over-Squashing in Message Passing Neural Networks: The Impact of Width, Depth, and Topology",
        3,
        "hyphen",
    ),
    (
        "GPT-4 neural architecture search",
        "Can GPT-4 Perform Neural Architecture Search?",
        1,
        "hyphen",
    ),
    ("gpt4 instruction tuning", "Instruction Tuning with GPT-4", 1, "hyphen"),
    (
        "routertuning",
        "Router-Tuning: A Simple and Effective Approach for Enabling Dynamic-Depth in Transformers",
        1,
        "hyphen",
    ),
    ("2-stage backpropagation", "2BP: 2-Stage Backpropagation", 1, "hyphen"),
    ("matmul free", "Scalable MatMul-free Language Modeling", 1, "hyphen"),
    (
        "catastrophic interference power law",
        "Catastrophic Interference is Mitigated in Naturalistic Power-Law Learning Environments",
        1,
        "hyphen",
    ),
    (
        "pipelined backpropagaton",
        "Pipelined Backpropagation at Scale: Training Large Models without Batches",
        1,
        "typo",
    ),
    ("dueling bandts", "Non-Stationary Dueling Bandits", 1, "typo"),
    (
        "nonequilibrium thermodynamcs",
        "Deep Unsupervised Learning using Nonequilibrium Thermodynamics",
        1,
        "typo",
    ),
    (
        "gradients without backpropagaton",
        "Gradients without Backpropagation",
        1,
        "typo, stemmed part",
    ),
    (
        "the simple essence of automatic differentiation",
        "The simple essence of automatic differentiation",
        1,
        "stop words",
    ),
    ("one epoch is all you need", "One Epoch Is All You Need", 1, "stop words"),
    ("how to", "How to use and interpret activation patching", 3, "stop words only"),
    (
        "beats rubik's cubes",
        "A Machine Learning Approach That Beats Large Rubik's Cubes",
        1,
        "apostrophe",
    ),
    (
        "(alphazero)",
        "Finding Increasingly Large Extremal Graphs with AlphaZero and Tabu Search",
        1,
        "punctuation",
    ),
    (
        '"heatmap + monte carlo"',
        'Rethinking the "Heatmap + Monte Carlo Tree Search" Paradigm for Solving Large Scale TSP',
        1,
        "punctuation",
    ),
    (
        "title:ketgpt",
        "KetGPT - Dataset Augmentation of Quantum Circuits using Transformers",
        1,
        "punctuation",
    ),
    ("ngboost", "NGBoost: Natural Gradient Boosting for Probabilistic Prediction", 1, "word"),
    ("karnet boolean", "KarNet: An Efficient Boolean Function Simplifier", 1, "words"),
    ("safe rust", "Compiling C to Safe Rust, Formalized", 1, "words"),
    (
        "ghz states projective simulation",
        "Quantum circuit synthesis of Bell and GHZ states using projective simulation in the NISQ era",
        1,
        "words",
    ),
    (
        "powernorm batch normalization",
        "PowerNorm: Rethinking Batch Normalization in Transformers",
        1,
        "words",
    ),
    ("GRADIENTS WITHOUT BACKPROPAGATION", "Gradients without Backpropagation", 1, "case"),
]


# Queries that must never throw, whatever they hold.
HOSTILE = [
    "",
    " ",
    '"',
    '"unbalanced',
    "title:",
    ":",
    "a:b:c",
    "+-~*^",
    "~1",
    "*",
    "^2",
    "foo~",
    "-",
    "+",
    "***",
    "\\",
    "?!",
    "…",
    "—",
    "()[]{}",
    "<script>alert(1)</script>",
    "title:transformer^10 +abstract:-graph~2",
    "\u0000\u0001",
    "\ud83d",  # a lone surrogate
    "🙂🙂🙂",
    "𝔽" * 40,
    "a" * 5000,
    "graph " * 400,
    "-".join(["over"] * 300),
    "__proto__",
    "constructor prototype",
    "toString hasOwnProperty",
]


def actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("actionlint is missing: it comes with the test extra (make test installs it)")
    return found


def search(site: Path, queries: list[str], **options) -> list[dict]:
    """The engine's answers, one per query, on one engine (unless ``fresh=True``)."""
    answer = run_engine({"site": str(site), "mode": "search", "queries": queries, **options})
    assert answer["lunrVersion"] == "2.3.9"
    return answer["answers"]


def write_payload(
    folder: Path, papers: list[tuple[str, str]], nearest: dict[int, list[int]] | None = None
) -> Path:
    """A search payload for hand-made papers (title, abstract), written as a site would hold it;
    ``nearest`` gives papers' nearest papers (by number), as discovery would."""
    collection = Collection("c", "Collection", None, None, "c.txt", ())
    corpus = Corpus(
        tuple(
            Paper(f"id{n}", f"slug{n}", title, abstract, ("c",), ())
            for n, (title, abstract) in enumerate(papers)
        ),
        (collection,),
        (),
    )
    rows = np.full((len(papers), max(map(len, (nearest or {0: []}).values()))), -1, np.int32)
    for paper, near in (nearest or {}).items():
        rows[paper, : len(near)] = near
    for path, text in search_files(corpus, nearest=rows):
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
    return folder
