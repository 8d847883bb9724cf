"""The stand-in tabular foundation model: a small nanoTabPFN/Mitra-style in-context transformer.

Every table cell is embedded on its own; each layer attends across the features of a row, then
across rows within a column, where every row (context or query) attends to the *context* rows
only. The label enters as one more column (a class embedding on context rows, a learned "unknown"
embedding on query rows) and the class logits are read out from that column of the query rows.

Because context rows never attend to query rows, the context is encoded once per call and the
query rows are processed in independent chunks (``query_chunk_size``), which keeps inference on a
CPU within memory for thousands of query rows.

Shape legend: B batch (tables), C context rows, Q query rows, F features, E embedding width.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, PowerTransformer
from torch import nn

from causalmix.columns import is_categorical, with_missing_level
from causalmix.models.base import ModelLimits, TabularModel, feature_subset

#: Standardised cell values are clipped to this many standard deviations.
CLIP_SIGMA = 5.0


class StandinPreprocessor(TransformerMixin, BaseEstimator):
    """DataFrame -> float32 matrix for the stand-in (fitted on the context rows and their labels).

    Numeric columns: median imputation, then a Yeo-Johnson power transform to zero mean and unit
    variance (clipped at ``CLIP_SIGMA``): it makes skewed columns symmetric but, unlike a rank
    transform, keeps sums of columns nearly additive and extrapolates beyond the context's range (the
    prior rank-transforms its features; see ``book/limitations.md``). Categorical columns (missing
    values a level of their own): one target score per column (:class:`TargetScore`), so that a
    level's position carries its association with the label instead of its place in the sorted
    level names; ``fit_transform`` scores the context rows out of fold. Tables wider than
    ``max_features`` keep a random subset of ``max_features`` columns, with a warning.
    """

    def __init__(self, max_features: int = 100, random_state: int | None = 0):
        self.max_features = max_features
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y) -> StandinPreprocessor:
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X: pd.DataFrame, y) -> np.ndarray:
        """Fit on ``X`` (n_rows, n_features) and integer labels ``y`` (n_rows,); return the encoded
        rows (n_rows, min(n_features, max_features)) float32, categorical scores out of fold."""
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"StandinPreprocessor expects a pandas DataFrame, got {type(X).__name__}")
        if y is None or len(y) != len(X):
            raise ValueError("StandinPreprocessor needs the labels of the rows it is fitted on "
                             "(categorical columns are target-scored)")
        columns = feature_subset(list(X.columns), self.max_features, self.random_state)
        self.features_in_ = columns
        categorical = [c for c in columns if is_categorical(X[c])]
        numeric = [c for c in columns if c not in categorical]
        self.transformer_ = ColumnTransformer(
            [("numeric", make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                                       PowerTransformer(method="yeo-johnson"),
                                       FunctionTransformer(np.clip, kw_args=dict(a_min=-CLIP_SIGMA,
                                                                                 a_max=CLIP_SIGMA))), numeric),
             ("categorical", make_pipeline(_MissingAsLevel(), TargetScore(random_state=self.random_state)),
              categorical)],
            sparse_threshold=0.0,
        )
        return self.transformer_.fit_transform(X[columns], np.asarray(y)).astype(np.float32)

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """(n_rows, min(n_features, max_features)) float32; every fitted row's label is used."""
        return self.transformer_.transform(X[self.features_in_]).astype(np.float32)


class TargetScore(TransformerMixin, BaseEstimator):
    """Categorical columns -> one number each from the labels of the fitted rows (target encoding).

    A level's class shares are smoothed towards the overall shares with ``smoothing`` pseudo-rows.
    Two classes: the score is the smoothed share of class 1. More classes: the centred shares are
    projected on the first principal direction of the (levels x classes) share table, rows weighted
    by the square root of the level counts. Unseen levels get the median score of the known ones.
    ``fit_transform`` scores each fitted row with tables from the other ``n_splits`` stratified
    folds (same projection direction), so no row's own label enters its value; ``transform`` uses
    all fitted rows. Input: (n_rows, n_columns) array of level names; output float64. (scikit-learn's
    ``TargetEncoder`` cross-fits the same way but returns one column per class for multiclass
    labels, which would multiply a table's width by the number of classes.)
    """

    def __init__(self, smoothing: float = 2.0, n_splits: int = 5, random_state: int | None = 0):
        self.smoothing = smoothing
        self.n_splits = n_splits
        self.random_state = random_state

    def fit(self, X, y) -> TargetScore:
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X, y) -> np.ndarray:
        X = np.asarray(X, dtype=object).astype(str)
        self.classes_, y = np.unique(np.asarray(y), return_inverse=True)
        self.tables_ = [self._table(X[:, j], y) for j in range(X.shape[1])]
        n_splits = min(self.n_splits, int(np.bincount(y).max()))
        if n_splits < 2 or len(self.classes_) < 2:
            return self.transform(X)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
            folds = list(StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state).split(X, y))
        scores = np.empty(X.shape)                  # every row is held out by exactly one fold
        for train, held in folds:
            for j, (_, _, _, direction) in enumerate(self.tables_):
                scores[held, j] = self._score(X[held, j], self._table(X[train, j], y[train], direction))
        return scores

    def transform(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=object).astype(str)
        return np.column_stack([self._score(X[:, j], table) for j, table in enumerate(self.tables_)]
                               ) if self.tables_ else np.empty((len(X), 0))

    def _table(self, levels: np.ndarray, y: np.ndarray, direction: np.ndarray | None = None):
        """(sorted level names, their scores, the score of unseen levels, projection direction or
        None) for one column of level names."""
        names, codes = np.unique(levels, return_inverse=True)
        counts = np.zeros((len(names), len(self.classes_)))
        np.add.at(counts, (codes, y), 1.0)
        overall = counts.sum(0) / counts.sum()
        shares = (counts + self.smoothing * overall) / (counts.sum(1, keepdims=True) + self.smoothing)
        if len(self.classes_) <= 2:
            scores = shares[:, -1]
        else:
            centred = shares - overall
            if direction is None:
                direction = np.linalg.svd(centred * np.sqrt(counts.sum(1, keepdims=True)),
                                          full_matrices=False)[2][0]
            scores = centred @ direction
        return names, scores, np.median(scores), direction

    @staticmethod
    def _score(levels: np.ndarray, table) -> np.ndarray:
        names, scores, unseen, _ = table
        position = np.clip(np.searchsorted(names, levels), 0, len(names) - 1)
        return np.where(names[position] == levels, scores[position], unseen)


class _MissingAsLevel(TransformerMixin, BaseEstimator):
    """Categorical columns as string arrays, missing values as a level of their own."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return with_missing_level(pd.DataFrame(X)).astype(str).to_numpy()


class _Attention(nn.Module):
    """Multi-head attention along the rows or the features of a grid of cell embeddings.

    Parameters are laid out as in ``nn.MultiheadAttention`` (``in_proj_weight`` (3E, E),
    ``in_proj_bias`` (3E,), ``out_proj``), so checkpoints of either load; the projections work on
    the grid directly and heads are split by views, which spares the module's sequence-first
    transposes (about 10 % of a CPU fine-tuning step). Shapes: D = E / n_heads.
    """

    def __init__(self, width: int, n_heads: int, dropout: float):
        super().__init__()
        if width % n_heads:
            raise ValueError(f"width {width} is not divisible by n_heads {n_heads}")
        self.n_heads = n_heads
        self.dropout = dropout
        self.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * width))
        self.out_proj = nn.Linear(width, width)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.out_proj.bias)

    def forward(self, queries: torch.Tensor, keys: torch.Tensor, axis: str) -> torch.Tensor:
        """queries (B, Rq, F+1, E) attend to keys (B, Rk, F+1, E) -> (B, Rq, F+1, E).

        ``axis="features"``: within each row (``keys`` is ``queries``); ``axis="rows"``: within
        each column, every query row to every key row.
        """
        e, heads = queries.shape[-1], self.n_heads
        if keys is queries:                                   # one projection for q, k and v
            q, k, v = nn.functional.linear(queries, self.in_proj_weight, self.in_proj_bias).unflatten(
                -1, (3, heads, e // heads)).unbind(-3)                                 # (B, R, F+1, H, D)
        else:
            w_q, w_kv = self.in_proj_weight.split([e, 2 * e])
            b_q, b_kv = self.in_proj_bias.split([e, 2 * e])
            q = nn.functional.linear(queries, w_q, b_q).unflatten(-1, (heads, e // heads))
            k, v = nn.functional.linear(keys, w_kv, b_kv).unflatten(-1, (2, heads, e // heads)).unbind(-3)
        # sequences along `axis`: (B, R, F+1, H, D) -> (B * groups, H, L, D)
        order, inverse = ((0, 1, 3, 2, 4), (0, 1, 3, 2, 4)) if axis == "features" else \
            ((0, 2, 3, 1, 4), (0, 3, 1, 2, 4))
        q, k, v = (t.permute(order) for t in (q, k, v))
        groups = q.shape[:2]
        out = nn.functional.scaled_dot_product_attention(
            q.flatten(0, 1), k.flatten(0, 1), v.flatten(0, 1),
            dropout_p=self.dropout if self.training else 0.0)                           # (B * groups, H, Lq, D)
        return self.out_proj(out.unflatten(0, groups).permute(inverse).flatten(-2))


class _Layer(nn.Module):
    """Pre-norm block: attention across features, attention across rows (to context), MLP."""

    def __init__(self, width: int, n_heads: int, mlp_width: int, dropout: float):
        super().__init__()
        self.norm_features = nn.LayerNorm(width)
        self.attn_features = _Attention(width, n_heads, dropout)
        self.norm_rows = nn.LayerNorm(width)
        self.attn_rows = _Attention(width, n_heads, dropout)
        self.norm_mlp = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, mlp_width), nn.GELU(), nn.Linear(mlp_width, width))

    def across_features(self, h: torch.Tensor) -> torch.Tensor:
        """h: (B, R, F+1, E) -> same; every cell attends to the cells of its row."""
        normed = self.norm_features(h)
        return h + self.attn_features(normed, normed, axis="features")

    def across_rows(self, h: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """h: (B, R, F+1, E) attends within each column to ``context`` (B, C, F+1, E) (pre-norm)."""
        queries = self.norm_rows(h)
        keys = queries if context is h else self.norm_rows(context)
        return h + self.attn_rows(queries, keys, axis="rows")

    def feed_forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.mlp(self.norm_mlp(h))


class StandinTFM(TabularModel):
    """Small in-context classifier over cell embeddings (see the module docstring).

    Parameters: ``width`` E, ``n_layers``, ``n_heads``, ``mlp_width`` (hidden units of each
    block's MLP), ``max_classes`` (logits returned), ``max_features`` and ``max_context_rows``
    (advertised :class:`ModelLimits`; attention itself has no hard limit), ``query_chunk_size``
    (query rows processed together at inference).
    """

    def __init__(self, width: int = 96, n_layers: int = 3, n_heads: int = 4, mlp_width: int = 192,
                 max_classes: int = 10, max_features: int = 100, max_context_rows: int = 2048,
                 dropout: float = 0.0, query_chunk_size: int = 512):
        super().__init__()
        self.config = dict(width=width, n_layers=n_layers, n_heads=n_heads, mlp_width=mlp_width,
                           max_classes=max_classes, max_features=max_features,
                           max_context_rows=max_context_rows, dropout=dropout,
                           query_chunk_size=query_chunk_size)
        self.limits = ModelLimits(max_classes=max_classes, max_features=max_features,
                                  max_context_rows=max_context_rows)
        self.query_chunk_size = query_chunk_size
        self.cell_embedding = nn.Linear(2, width)          # (value, is-missing) -> E
        self.label_embedding = nn.Embedding(max_classes + 1, width)  # last index: unknown label
        self.layers = nn.ModuleList(_Layer(width, n_heads, mlp_width, dropout) for _ in range(n_layers))
        self.head = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, mlp_width), nn.GELU(),
                                  nn.Linear(mlp_width, max_classes))

    def make_preprocessor(self) -> StandinPreprocessor:
        return StandinPreprocessor(max_features=self.limits.max_features)

    def _embed(self, x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor,
               labels: torch.Tensor) -> torch.Tensor:
        """x: (B, R, F), labels: (B, R) -> (B, R, F+1, E), cells standardised by context stats."""
        missing = torch.isnan(x)
        z = ((torch.where(missing, mean, x) - mean) / std).clamp(-CLIP_SIGMA, CLIP_SIGMA)
        cells = self.cell_embedding(torch.stack([z, missing.to(z.dtype)], dim=-1))
        return torch.cat([cells, self.label_embedding(labels).unsqueeze(2)], dim=2)

    def forward(self, x_context: torch.Tensor, y_context: torch.Tensor,
                x_query: torch.Tensor) -> torch.Tensor:
        """x_context (B, C, F), y_context (B, C) int64, x_query (B, Q, F) -> logits (B, Q, max_classes)."""
        if x_context.ndim != 3 or x_query.ndim != 3 or x_context.shape[2] != x_query.shape[2]:
            raise ValueError(f"expected x_context (B, C, F) and x_query (B, Q, F), got "
                             f"{tuple(x_context.shape)} and {tuple(x_query.shape)}")
        if y_context.shape != x_context.shape[:2]:
            raise ValueError(f"y_context shape {tuple(y_context.shape)} != (B, C) = {tuple(x_context.shape[:2])}")
        if y_context.numel() and (int(y_context.min()) < 0 or int(y_context.max()) >= self.limits.max_classes):
            raise ValueError(f"class codes must lie in 0..{self.limits.max_classes - 1}; this model "
                             f"supports at most {self.limits.max_classes} classes")
        mean = torch.nanmean(x_context, dim=1, keepdim=True).nan_to_num(0.0)          # (B, 1, F)
        centred = torch.where(torch.isnan(x_context), 0.0, x_context - mean)
        n_observed = (~torch.isnan(x_context)).sum(1, keepdim=True).clamp(min=2)
        std = ((centred ** 2).sum(1, keepdim=True) / (n_observed - 1)).sqrt().clamp(min=1e-6)

        context = self._embed(x_context, mean, std, y_context)                        # (B, C, F+1, E)
        context_inputs = []                       # each layer's context state before row attention
        for depth, layer in enumerate(self.layers, 1):
            context = layer.across_features(context)
            context_inputs.append(context)
            if depth < len(self.layers):          # the last layer's context output is never read
                context = layer.feed_forward(layer.across_rows(context, context))

        unknown = torch.full(x_query.shape[:2], self.limits.max_classes, dtype=torch.long,
                             device=x_query.device)
        chunk = x_query.shape[1] if self.training else self.query_chunk_size
        logits = [x_query.new_zeros(x_query.shape[0], 0, self.limits.max_classes)]
        for start in range(0, x_query.shape[1], max(1, chunk)):
            rows = slice(start, start + chunk)
            h = self._embed(x_query[:, rows], mean, std, unknown[:, rows])              # (B, q, F+1, E)
            for layer, context_in in zip(self.layers, context_inputs):
                h = layer.feed_forward(layer.across_rows(layer.across_features(h), context_in))
            logits.append(self.head(h[:, :, -1]))                                     # (B, q, classes)
        return torch.cat(logits, dim=1)
