"""Synthetic classification tables for pretraining: random MLP-SCMs and random tree ensembles.

The prior follows TabPFN's recipe at small scale. Each table is drawn independently:

* ``"scm"``: a random sparse MLP read as a structural causal model. 1-8 root causes (Gaussian,
  uniform or heavy-tailed noise) propagate through 2-5 layers of random sparse weights, a random
  nonlinearity per layer and additive Gaussian noise; features and the target are random nodes
  of that graph (so features can be causes, effects or siblings of the target).
* ``"trees"``: correlated random features and a target that is the sum of a few random
  axis-aligned decision trees (thresholds at data quantiles, Gaussian leaf values).
* ``"additive"``: correlated random features and a generalised additive latent score (each
  informative feature through a random monotone or step shape, heavy-tailed weights) plus
  logistic noise of random scale: many weak effects and a high Bayes error, as in many real
  tables, which the nearly deterministic SCM and tree targets rarely produce.

The continuous target is cut into classes at random quantiles (random class balance), class
codes are permuted, a random share of features becomes categorical (integer codes of a
discretisation, level order permuted), and numeric features are rank-transformed to standard
normal marginals (:class:`~causalmix.models.standin.StandinPreprocessor` uses a Yeo-Johnson
transform at inference instead, which scored better zero-shot with weights trained on this prior).
A few tables get missing cells (NaN). Everything is a pure function of the generator passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri
from scipy.stats import rankdata

#: The kinds of tables the prior draws, in words (model cards use these).
KINDS = {"scm": "random MLP-SCM", "trees": "random tree-ensemble",
         "additive": "generalised-additive with label noise"}
#: Shapes of a feature's effect in additive tables, drawn uniformly from this tuple (so "linear"
#: twice as often): names of ACTIVATIONS, "linear" or "step" (an indicator at a random threshold).
SHAPES = ("linear", "linear", "tanh", "step", "sigmoid", "square")

ACTIVATIONS = {
    "tanh": np.tanh,
    "relu": lambda v: np.maximum(v, 0.0),
    "leaky_relu": lambda v: np.where(v > 0, v, 0.1 * v),
    "sin": np.sin,
    "identity": lambda v: v,
    "abs": np.abs,
    "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)),
    "square": lambda v: np.clip(v, -3, 3) ** 2,
}


@dataclass(frozen=True)
class PriorBatch:
    """``x`` (B, R, F) float32 with NaN for missing cells, ``y`` (B, R) int64 class codes,
    ``n_classes`` (B,) int64 classes per table (codes < n_classes), ``n_context`` rows that are
    context (the first ones; the rest are query rows)."""

    x: np.ndarray
    y: np.ndarray
    n_classes: np.ndarray
    n_context: int


class SyntheticPrior:
    """Draws batches of synthetic classification tables (see the module docstring).

    Parameters: ``max_classes`` (classes are drawn from 2..max_classes, binary with probability
    ``p_binary``), ``kind_weights`` (relative frequency of the kinds in :data:`KINDS`),
    ``p_categorical`` (maximum share of categorical features), ``p_missing_table`` (share of
    tables with missing cells; up to 10 % of their cells), ``noise_scale`` (range of the SCM's
    per-layer noise standard deviation, log-uniform), ``label_noise`` (range of the additive
    tables' logistic noise scale relative to the unit-variance score, log-uniform; 0.1 gives
    nearly separable classes, 2 a ROC-AUC of about 0.7), ``class_balance`` (every class keeps at
    least ``class_balance / n_classes`` of a table's rows; the rest of the class shares is
    Dirichlet(1): 0.3 gives a binary minority of >= 15 %, 0.05 one of >= 2.5 %).
    """

    def __init__(self, max_classes: int = 10, p_binary: float = 0.5,
                 kind_weights: dict[str, float] | None = None, p_categorical: float = 0.3,
                 p_missing_table: float = 0.1, noise_scale: tuple[float, float] = (0.01, 0.3),
                 label_noise: tuple[float, float] = (0.1, 2.0), class_balance: float = 0.3):
        self.max_classes = max_classes
        self.p_binary = p_binary
        self.kind_weights = kind_weights or {"scm": 0.7, "trees": 0.3}
        self.p_categorical = p_categorical
        self.p_missing_table = p_missing_table
        self.noise_scale = noise_scale
        self.label_noise = label_noise
        if not 0.0 < class_balance <= 1.0:
            raise ValueError(f"class_balance must lie in (0, 1], got {class_balance}")
        self.class_balance = class_balance
        unknown = set(self.kind_weights) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown prior kinds {sorted(unknown)}; use some of {list(KINDS)}")

    # ------------------------------------------------------------------ public API
    def sample_batch(self, batch_size: int, n_rows: int, n_features: int, n_context: int,
                     rng: np.random.Generator) -> PriorBatch:
        """``batch_size`` tables of ``n_rows`` x ``n_features``; the first ``n_context`` rows are
        the context and contain every class of the table at least once."""
        if not 0 < n_context < n_rows:
            raise ValueError(f"need 0 < n_context < n_rows, got {n_context} and {n_rows}")
        xs, ys, ks = [], [], []
        for _ in range(batch_size):
            x, y, k = self.sample_table(n_rows, n_features, rng)
            order = _context_first(y, k, n_context, rng)
            xs.append(x[order])
            ys.append(y[order])
            ks.append(k)
        return PriorBatch(np.stack(xs).astype(np.float32), np.stack(ys), np.array(ks), n_context)

    def sample_table(self, n_rows: int, n_features: int,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
        """One table: x (n_rows, n_features) float64, y (n_rows,) int64 codes, n_classes."""
        kinds = list(self.kind_weights)
        weights = np.array([self.kind_weights[k] for k in kinds], dtype=float)
        kind = kinds[rng.choice(len(kinds), p=weights / weights.sum())]
        n_classes = 2 if rng.random() < self.p_binary or self.max_classes < 3 else \
            int(rng.integers(3, self.max_classes + 1))
        x, target = getattr(self, f"_{kind}")(n_rows, n_features, rng)
        y = _cut_into_classes(target, n_classes, rng, self.class_balance)
        return self._finish_features(x, rng), y, n_classes

    # ------------------------------------------------------------------ generators
    def _scm(self, n_rows: int, n_features: int, rng: np.random.Generator):
        n_layers = int(rng.integers(2, 6))
        width = int(rng.integers(max(4, (n_features + 1) // n_layers + 2), max(8, 2 * n_features) + 8))
        noise_std = np.exp(rng.uniform(*np.log(self.noise_scale)))
        roots = {"normal": lambda s: rng.normal(size=s), "uniform": lambda s: rng.uniform(-1.7, 1.7, s),
                 "laplace": lambda s: rng.laplace(size=s)}
        n_causes = int(rng.integers(1, 9))
        h = roots[rng.choice(list(roots))]((n_rows, n_causes))
        nodes = [h]
        for _ in range(n_layers):
            fan_in = h.shape[1]
            mask = rng.random((fan_in, width)) < rng.uniform(0.3, 1.0)
            weights = rng.normal(size=(fan_in, width)) * mask / np.sqrt(np.maximum(mask.sum(0), 1))
            activation = ACTIVATIONS[rng.choice(list(ACTIVATIONS))]
            h = activation(h @ weights + rng.normal(0, 0.5, width)) + rng.normal(0, noise_std, (n_rows, width))
            h = (h - h.mean(0)) / (h.std(0) + 1e-8)
            nodes.append(h)
        pool = np.concatenate(nodes[1:], axis=1)
        varying = np.flatnonzero(pool.std(0) > 1e-6)
        if len(varying) < n_features + 1:
            varying = np.arange(pool.shape[1])
        picked = rng.choice(varying, n_features + 1, replace=len(varying) < n_features + 1)
        return pool[:, picked[1:]], pool[:, picked[0]]

    def _trees(self, n_rows: int, n_features: int, rng: np.random.Generator):
        x = _correlated_features(n_rows, n_features, rng)
        relevant = rng.choice(n_features, int(rng.integers(1, n_features + 1)), replace=False)
        target = np.zeros(n_rows)
        for _ in range(int(rng.integers(1, 6))):
            depth = int(rng.integers(1, 6))
            n_inner = 2 ** depth - 1
            split_feature = rng.choice(relevant, n_inner)
            split_value = x[rng.integers(0, n_rows, n_inner), split_feature]
            leaf_value = rng.normal(size=2 ** depth)
            node = np.zeros(n_rows, dtype=np.int64)
            for _ in range(depth):
                right = x[np.arange(n_rows), split_feature[node]] > split_value[node]
                node = 2 * node + 1 + right
            target += leaf_value[node - n_inner]
        return x, target + rng.normal(0, 0.1 * target.std() + 1e-8, n_rows)

    def _additive(self, n_rows: int, n_features: int, rng: np.random.Generator):
        x = _correlated_features(n_rows, n_features, rng)
        informative = rng.choice(n_features, int(rng.integers(1, n_features + 1)), replace=False)
        score = np.zeros(n_rows)
        for j in informative:
            v = (x[:, j] - x[:, j].mean()) / (x[:, j].std() + 1e-8)
            shape = rng.choice(SHAPES)
            if shape == "step":
                v = (v > rng.choice(v)).astype(float)
            elif shape != "linear":
                v = ACTIVATIONS[shape](v)
            score += rng.standard_t(3) * (v - v.mean()) / (v.std() + 1e-8)
        score = (score - score.mean()) / (score.std() + 1e-8)
        noise = np.exp(rng.uniform(*np.log(self.label_noise)))
        return x, score + rng.logistic(0, noise, n_rows)

    # ------------------------------------------------------------------ post-processing
    def _finish_features(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n_rows, n_features = x.shape
        categorical = rng.random(n_features) < rng.uniform(0, self.p_categorical)
        out = np.empty_like(x)
        for j in range(n_features):
            if categorical[j]:
                levels = int(rng.integers(2, 11))
                codes = _cut_into_classes(x[:, j], levels, rng)
                out[:, j] = rng.permutation(levels)[codes]
            else:
                out[:, j] = _rank_gauss(x[:, j])
        if rng.random() < self.p_missing_table:
            out[rng.random(out.shape) < rng.uniform(0, 0.1)] = np.nan
        return out


def _correlated_features(n_rows: int, n_features: int, rng: np.random.Generator) -> np.ndarray:
    """(n_rows, n_features) Gaussian features, each mixed with about 30 % of the others."""
    mixing = rng.normal(size=(n_features, n_features)) * (rng.random((n_features, n_features)) < 0.3)
    return rng.normal(size=(n_rows, n_features)) @ (np.eye(n_features) + mixing)


def _rank_gauss(values: np.ndarray) -> np.ndarray:
    """Ranks mapped to standard-normal quantiles (tied values share their average rank)."""
    return ndtri((rankdata(values) - 0.5) / len(values))


def _cut_into_classes(target: np.ndarray, n_classes: int, rng: np.random.Generator,
                      uniform_share: float = 0.3) -> np.ndarray:
    """Codes 0..n_classes-1 from cutting ``target`` at random quantiles, codes permuted.

    Class shares: Dirichlet(1) mixed with uniform, so every class keeps >= uniform_share/K rows.
    """
    shares = (1 - uniform_share) * rng.dirichlet(np.ones(n_classes)) + uniform_share / n_classes
    cuts = np.quantile(target, np.cumsum(shares)[:-1])
    codes = np.searchsorted(cuts, target, side="right")
    return rng.permutation(n_classes)[codes].astype(np.int64)


def _context_first(y: np.ndarray, n_classes: int, n_context: int, rng: np.random.Generator) -> np.ndarray:
    """A row order whose first ``n_context`` rows hold every class present at least once."""
    order = rng.permutation(len(y))
    firsts = np.array([order[y[order] == k][0] for k in range(n_classes) if (y == k).any()])
    rest = order[~np.isin(order, firsts)]
    return np.concatenate([firsts, rest])[np.r_[rng.permutation(n_context), n_context:len(y)]]
