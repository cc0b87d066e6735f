"""Vectors stage: every paper as a tf-idf vector over its title and abstract, and a dense embedding.

Related papers, topics and the map all start from here, so the text is tokenised once per build. The
tf-idf matrix (1- and 2-grams, English stop words removed, sublinear term frequency, rows of unit
length) is sparse; the embedding is a truncated SVD of it (latent semantic analysis), small and dense,
used where the corpus is too large for exact sparse products.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from generator.model import Paper

RANDOM_SEED = 0
EMBEDDING_DIMENSIONS = 128
# Below this many papers a term must appear once; above, twice (a term in one paper links no pair).
MIN_DF_FROM = 50
# A term in more than this share of the papers says nothing about any of them.
MAX_DF = 0.5
# Words every abstract uses whatever its subject: they would make poor reasons and topic labels.
BOILERPLATE_WORDS = frozenset(
    [
        "paper",
        "papers",
        "propose",
        "proposed",
        "proposes",
        "present",
        "presents",
        "presented",
        "introduce",
        "introduces",
        "introduced",
        "approach",
        "approaches",
        "method",
        "methods",
        "result",
        "results",
        "show",
        "shows",
        "shown",
        "demonstrate",
        "demonstrates",
        "demonstrated",
        "achieve",
        "achieves",
        "achieving",
        "novel",
        "new",
        "existing",
        "recent",
        "recently",
        "work",
        "works",
        "based",
        "using",
        "use",
        "used",
        "provide",
        "provides",
        "study",
        "studies",
        "significant",
        "significantly",
        "outperforms",
        "outperform",
        "state-of-the-art",
        "art",
        "state",
        "including",
        "various",
        "different",
        "able",
        "address",
        "problem",
        "problems",
        "challenge",
        "challenges",
        "key",
        "effective",
        "effectively",
        "efficient",
        "performance",
        "improve",
        "improves",
        "improved",
        "improvement",
        "experiments",
        "experimental",
        "extensive",
        "code",
        "available",
        "github",
        "https",
        "com",
        "www",
        "http",
        "org",
    ]
)
# Word tokens of two or more characters, hyphenated words kept whole ("over-squashing").
TOKEN_PATTERN = r"(?u)\b\w[\w-]*\w\b"


@dataclass(frozen=True)
class TermVectors:
    """The tf-idf matrix (one unit row per paper, in corpus order) and its vocabulary."""

    paper_ids: tuple[str, ...]
    matrix: Any  # scipy.sparse.csr_matrix
    terms: np.ndarray  # term of each column
    papers: tuple[Paper, ...]  # the paper of each row

    @property
    def empty(self) -> bool:
        """True when no paper shares a term with another: nothing to relate or group."""
        return self.matrix.shape[1] == 0 or len(self.paper_ids) < 2


def paper_text(paper: Paper) -> str:
    """What a paper is about: its title twice (titles are dense with key terms) and its abstract."""
    return f"{paper.title}. {paper.title}. {paper.abstract or ''}"


def term_vectors(papers: tuple[Paper, ...]) -> TermVectors:
    """The tf-idf vectors of all papers; an empty vocabulary gives an empty matrix, not an error."""
    # scikit-learn is imported here, not at module load: it takes a second, spent only when used.
    from scipy import sparse
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    ids = tuple(paper.id for paper in papers)

    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2),
        stop_words=sorted(ENGLISH_STOP_WORDS | BOILERPLATE_WORDS),
        token_pattern=TOKEN_PATTERN,
        min_df=2 if len(papers) >= MIN_DF_FROM else 1,
        max_df=MAX_DF if len(papers) >= MIN_DF_FROM else 1.0,
        sublinear_tf=True,
        dtype=np.float32,
    )
    try:
        matrix = vectorizer.fit_transform(paper_text(paper) for paper in papers)
    except ValueError:  # no term left after stop words and document-frequency limits
        empty = sparse.csr_matrix((len(papers), 0), dtype=np.float32)
        return TermVectors(ids, empty, np.array([]), papers)
    return TermVectors(ids, matrix.tocsr(), vectorizer.get_feature_names_out(), papers)


def embedding(vectors: TermVectors, dimensions: int = EMBEDDING_DIMENSIONS) -> np.ndarray:
    """A dense unit-length embedding per paper: the truncated SVD of the tf-idf matrix."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    rows, columns = vectors.matrix.shape
    dimensions = min(dimensions, rows - 1, columns - 1)
    if dimensions < 2:
        return normalize(vectors.matrix.toarray())
    # Two power iterations: the embedding only proposes candidates, which are re-ranked exactly.
    svd = TruncatedSVD(
        n_components=dimensions, algorithm="randomized", n_iter=2, random_state=RANDOM_SEED
    )
    reduced = svd.fit_transform(vectors.matrix).astype(np.float32)
    return normalize(reduced)
