"""Vectors stage: every paper as a tf-idf vector over its title and abstract, and a dense embedding.

Related papers, topics and the map all start from here, so the text is tokenised once per build. The
tf-idf matrix (1- and 2-grams, English stop words removed, sublinear term frequency, rows of unit
length) is sparse; the embedding is a truncated SVD of it (latent semantic analysis), small and dense,
used where the corpus is too large for exact sparse products.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from generator.model import Paper

RANDOM_SEED = 0
EMBEDDING_DIMENSIONS = 128
# Randomized SVD: extra random directions beyond the wanted axes, and power iterations. Two are
# enough: the embedding only proposes neighbour candidates (re-ranked exactly) and starts the map.
SVD_OVERSAMPLES = 10
SVD_ITERATIONS = 2
# Above this many papers the SVD is fitted on a sample of this many.
SVD_FIT_SAMPLE = 5000
GRAM_BLOCK = 16_384
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
# scikit-learn's English stop words (its ENGLISH_STOP_WORDS, from the Glasgow Information Retrieval
# Group's list), copied so that the stage needs neither scikit-learn nor its second of import time.
ENGLISH_STOP_WORDS = frozenset(
    """
    a about above across after afterwards again against all almost alone along already also although
    always am among amongst amoungst amount an and another any anyhow anyone anything anyway anywhere
    are around as at back be became because become becomes becoming been before beforehand behind
    being below beside besides between beyond bill both bottom but by call can cannot cant co con
    could couldnt cry de describe detail do done down due during each eg eight either eleven else
    elsewhere empty enough etc even ever every everyone everything everywhere except few fifteen fifty
    fill find fire first five for former formerly forty found four from front full further get give
    go had has hasnt have he hence her here hereafter hereby herein hereupon hers herself him himself
    his how however hundred i ie if in inc indeed interest into is it its itself keep last latter
    latterly least less ltd made many may me meanwhile might mill mine more moreover most mostly move
    much must my myself name namely neither never nevertheless next nine no nobody none noone nor not
    nothing now nowhere of off often on once one only onto or other others otherwise our ours
    ourselves out over own part per perhaps please put rather re same see seem seemed seeming seems
    serious several she should show side since sincere six sixty so some somehow someone something
    sometime sometimes somewhere still such system take ten than that the their them themselves then
    thence there thereafter thereby therefore therein thereupon these they thick thin third this
    those though three through throughout thru thus to together too top toward towards twelve twenty
    two un under until up upon us very via was we well were what whatever when whence whenever where
    whereafter whereas whereby wherein whereupon wherever whether which while whither who whoever
    whole whom whose why will with within without would yet you your yours yourself yourselves
    """.split()  # noqa: SIM905 (318 words: one per line would bury the module)
)
STOP_WORDS = ENGLISH_STOP_WORDS | BOILERPLATE_WORDS
# Word tokens of two or more characters, hyphenated words kept whole ("over-squashing"): the tokens
# of TOKEN_PATTERN are exactly the tokens of WORDS that are longer than one character (WORDS is the
# faster regular expression: no word-boundary checks, no backtracking over a trailing hyphen).
TOKEN_PATTERN = r"(?u)\b\w[\w-]*\w\b"
WORDS = re.compile(r"\w+(?:-+\w+)*")
# Papers tokenised together: bounds the memory of the token lists whatever the corpus size.
TOKENISE_BLOCK = 2048


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
    """The tf-idf vectors of all papers; an empty vocabulary gives an empty matrix, not an error.

    As scikit-learn's ``TfidfVectorizer(ngram_range=(1, 2), stop_words=STOP_WORDS,
    token_pattern=TOKEN_PATTERN, sublinear_tf=True)`` computes them: lowercased words, stop words
    removed before the word pairs are formed, terms kept by document frequency, smoothed idf,
    1 + log(count) as term frequency, unit rows, columns in the sorted order of the terms."""
    from scipy import sparse

    ids = tuple(paper.id for paper in papers)
    rows = len(papers)
    min_count = 2 if rows >= MIN_DF_FROM else 1
    max_count = MAX_DF * rows if rows >= MIN_DF_FROM else rows
    # Every word seen, numbered in order of first appearance (a missing word gets the next number).
    words: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    dropped: list[bool] = []  # by word number: a stop word or a single character
    blocks = [
        _count_block(papers, start, words, dropped) for start in range(0, rows, TOKENISE_BLOCK)
    ]
    # Terms and their document frequencies over the whole corpus, from each block's.
    all_keys, frequency = _document_frequency(blocks)
    kept = (frequency >= min_count) & (frequency <= max_count)
    kept_keys = all_keys[kept]
    if not len(kept_keys):
        empty = sparse.csr_matrix((rows, 0), dtype=np.float32)
        return TermVectors(ids, empty, np.array([]), papers)
    word_list = list(words)
    terms = np.array([_term(key, word_list) for key in kept_keys.tolist()])
    order = np.argsort(terms, kind="stable")
    column_of = np.empty(len(order), dtype=np.int64)
    column_of[order] = np.arange(len(order))
    # Smoothed idf, as if one more paper held every term once.
    idf = np.empty(len(order))
    idf[column_of] = np.log((rows + 1) / (frequency[kept] + 1)) + 1.0
    indptr = [np.zeros(1, dtype=np.int64)]
    indices, data = [], []
    blocks.reverse()
    while blocks:  # each block dropped once used: its pairs are most of the stage's memory
        block_columns, block_counts, row_lengths = blocks.pop().columns(kept_keys, column_of)
        values = (1.0 + np.log(block_counts.astype(np.float64))) * idf[block_columns]
        row_of = np.repeat(np.arange(len(row_lengths)), row_lengths)
        norms = np.sqrt(np.bincount(row_of, weights=values * values, minlength=len(row_lengths)))
        data.append((values / norms[row_of]).astype(np.float32))
        indices.append(block_columns.astype(np.int32))
        indptr.append(indptr[-1][-1] + np.cumsum(row_lengths))
    matrix = sparse.csr_matrix(
        (np.concatenate(data), np.concatenate(indices), np.concatenate(indptr)),
        shape=(rows, len(order)),
    )
    return TermVectors(ids, matrix, terms[order], papers)


@dataclass
class _Block:
    """The term counts of a block of papers: each (paper, term) pair once, with its count."""

    start: int
    papers: int
    keys: np.ndarray  # the block's distinct terms (see _term), ascending
    pairs: np.ndarray  # paper in the block * len(keys) + position in keys, ascending
    counts: np.ndarray  # occurrences of each pair
    frequency: np.ndarray  # papers of the block that use each of its terms

    def columns(self, kept_keys: np.ndarray, column_of: np.ndarray):
        """Column, count and row lengths of the pairs whose term is kept, row by row, columns
        ascending within a row."""
        position = np.minimum(np.searchsorted(kept_keys, self.keys), len(kept_keys) - 1)
        local = np.where(kept_keys[position] == self.keys, column_of[position], -1)
        columns = local[self.pairs % len(self.keys)] if len(self.keys) else local
        rows = self.pairs.astype(np.int64) // max(1, len(self.keys))
        keep = columns >= 0
        rows, columns, counts = rows[keep], columns[keep], self.counts[keep]
        order = np.argsort(rows * len(kept_keys) + columns)
        return columns[order], counts[order], np.bincount(rows, minlength=self.papers)


def _count_block(papers, start: int, words: defaultdict[str, int], dropped: list[bool]) -> _Block:
    """Tokenise papers[start:start + TOKENISE_BLOCK] and count its words and word pairs."""
    block = papers[start : start + TOKENISE_BLOCK]
    tokens: list[str] = []
    lengths = np.empty(len(block), dtype=np.int64)
    for number, paper in enumerate(block):
        found = WORDS.findall(paper_text(paper).lower())
        lengths[number] = len(found)
        tokens += found
    known = len(words)
    codes = np.fromiter(map(words.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    dropped += [
        len(word) < 2 or word in STOP_WORDS for word in itertools.islice(words, known, None)
    ]
    paper_of = np.repeat(np.arange(len(block)), lengths)
    keep = ~np.array(dropped, dtype=bool)[codes]
    codes, paper_of = codes[keep], paper_of[keep]
    # Word pairs: neighbours in a paper once its stop words are gone, as scikit-learn forms them.
    same = paper_of[1:] == paper_of[:-1]
    pairs = ((codes[:-1][same] + 1) << 32) | codes[1:][same]
    keys = np.concatenate([codes, pairs])
    key_papers = np.concatenate([paper_of, paper_of[:-1][same]])
    distinct, position = np.unique(keys, return_inverse=True)
    pair_keys, counts = np.unique(key_papers * len(distinct) + position, return_counts=True)
    frequency = np.bincount(pair_keys % max(1, len(distinct)), minlength=len(distinct))
    # Compact types: these arrays are held for every block until the vocabulary is known.
    if len(pair_keys) and pair_keys[-1] < 2**31:
        pair_keys = pair_keys.astype(np.int32)
    if len(counts) and counts.max() < 2**16:
        counts = counts.astype(np.uint16)
    return _Block(start, len(block), distinct, pair_keys, counts, frequency.astype(np.int32))


def _document_frequency(blocks: list[_Block]) -> tuple[np.ndarray, np.ndarray]:
    """Every term of the corpus (ascending) and the number of papers that use it."""
    if not blocks:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    keys = np.concatenate([block.keys for block in blocks])
    distinct, position = np.unique(keys, return_inverse=True)
    del keys
    frequency = np.bincount(
        position,
        weights=np.concatenate([block.frequency for block in blocks]),
        minlength=len(distinct),
    )
    return distinct, np.rint(frequency).astype(np.int64)


def _term(key: int, words: list[str]) -> str:
    """The text of a term key: a word number, or (first word number + 1) << 32 | second's."""
    if key < 1 << 32:
        return words[key]
    return f"{words[(key >> 32) - 1]} {words[key & 0xFFFFFFFF]}"


def embedding(vectors: TermVectors, dimensions: int = EMBEDDING_DIMENSIONS) -> np.ndarray:
    """A dense unit-length embedding per paper: the truncated SVD of the tf-idf matrix."""
    matrix = vectors.matrix
    rows, columns = matrix.shape
    dimensions = min(dimensions, rows - 1, columns - 1)
    if dimensions < 2:
        return normalize_rows(matrix.toarray().astype(np.float32))
    if rows <= SVD_FIT_SAMPLE:
        left, values, _ = randomized_svd(matrix, dimensions)
        return normalize_rows((left * values).astype(np.float32))
    # A large corpus: the axes from a seeded sample of papers, then every paper projected on them
    # (U times S is the matrix times V): one product instead of six over the whole matrix.
    sample = np.random.default_rng(RANDOM_SEED).choice(rows, SVD_FIT_SAMPLE, replace=False)
    _, _, right = randomized_svd(matrix[np.sort(sample)], dimensions)
    return normalize_rows(np.asarray(matrix @ right.T))


def randomized_svd(
    matrix, dimensions: int, iterations: int = SVD_ITERATIONS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``dimensions`` largest singular values of a matrix and their left and right singular
    vectors (U, S, V transposed), by randomized SVD (Halko, Martinsson and Tropp 2011) from a seeded
    random start; each pair of vectors signed so that the left one's largest entry is positive."""
    rows, columns = matrix.shape
    width = min(dimensions + SVD_OVERSAMPLES, rows, columns)
    dtype = np.float32 if matrix.dtype == np.float32 else np.float64
    start = np.random.default_rng(RANDOM_SEED).standard_normal((columns, width), dtype=dtype)
    basis = np.asarray(matrix @ start)
    del start  # columns x width: as large as the vocabulary
    # Power iterations sharpen the basis towards the main axes; QR keeps its columns apart.
    for _ in range(iterations):
        basis = np.linalg.qr(basis)[0]
        basis = np.asarray(matrix @ np.asarray(matrix.T @ basis))
    basis = np.linalg.qr(basis)[0]
    # The SVD of the small matrix B = basis.T @ matrix, through its Gram matrix B @ B.T.
    projected = np.asarray(matrix.T @ basis)  # B.T
    gram = np.zeros((projected.shape[1],) * 2)
    for start in range(0, columns, GRAM_BLOCK):  # in double precision, a block at a time
        part = projected[start : start + GRAM_BLOCK].astype(np.float64)
        gram += part.T @ part
    squares, small = np.linalg.eigh(gram)
    order = np.argsort(squares, kind="stable")[::-1][:dimensions]
    values = np.sqrt(np.maximum(squares[order], 0.0))
    left = basis.astype(np.float64) @ small[:, order]
    signs = np.sign(left[np.abs(left).argmax(axis=0), np.arange(len(order))])
    signs[signs == 0] = 1.0
    left *= signs
    # V = B.T @ U_B / S, in the matrix's precision: it is as large as the vocabulary.
    scale = (small[:, order] * signs / np.where(values > 0, values, 1.0)).astype(dtype)
    right = (projected @ scale).T
    return left, values, right


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row divided by its length (rows of zeros stay zeros)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1).astype(matrix.dtype)
