"""CTGAN (Xu et al., 2019) from the maintained ``ctgan`` package, labels generated jointly."""

from __future__ import annotations

import numpy as np
import pandas as pd
from ctgan import CTGAN
from joblib import parallel_config

from causalmix.augment.base import Augmenter
from causalmix.augment.schema import TableSchema

LABEL_COLUMN = "label"


class CTGANAugmenter(Augmenter):
    """Conditional tabular GAN (Xu et al., "Modeling Tabular Data using Conditional GAN",
    NeurIPS 2019) trained on the features and the class label together.

    The label is one more discrete column of the GAN, so it is modelled jointly with the features;
    ``sample(n)`` draws every class in proportion to its frequency in ``fit`` (largest-remainder
    rounding) and generates each row with CTGAN's conditional vector set to its class, which is
    the row's label.

    Encoding: numeric columns are modelled by CTGAN's mode-specific normalisation (integer columns
    rounded on output); a numeric column with missing values is median-imputed and gets a discrete
    missing-indicator column, so missingness is generated jointly too; a categorical column is a
    discrete column of level codes, a missing value being a level of its own.

    Training budget: the ``ctgan`` defaults (300 epochs, batch 500, networks 256x256) were set for
    tables of thousands of rows. On small tables the batch is capped at the number of rows
    (rounded down to a multiple of ``lcm(2, pac)``), so an epoch is one update over about every row,
    and training runs ``min(epochs, max(1, max_steps // steps_per_epoch))`` epochs, with
    ``steps_per_epoch = max(1, n_rows // batch)``: CPU time is bounded by ``max_steps`` generator
    updates (each with one discriminator update) whatever the table size. Training runs on the
    CPU with the caller's torch threads (the runner's workers use one each). Measured at 512 rows
    on 2 idle cores (``benchmarks/augment.py --threads 2``): 28 s for 37 columns, 47 s for the
    widest encoding among the mirror datasets (Marketing_Campaign).

    Parameters
    ----------
    epochs : int, default=300
        Passes over the data (``ctgan`` default), capped by ``max_steps``.
    batch_size : int, default=500
        Rows per update (``ctgan`` default), capped as above; must be even and a multiple of
        ``pac``.
    max_steps : int, default=200
        Upper bound on generator updates.
    pac : int, default=10
        Rows the discriminator judges together (PacGAN), ``ctgan`` default.
    embedding_dim, generator_dim, discriminator_dim : ``ctgan`` defaults (128, (256, 256), (256, 256)).
    random_state : int or None, default=0
        Seed of the training run (None: fresh entropy).
    verbose : bool, default=False
        Show ``ctgan``'s per-epoch progress bar.
    """

    def __init__(self, epochs: int = 300, batch_size: int = 500, max_steps: int = 200,
                 pac: int = 10, embedding_dim: int = 128,
                 generator_dim: tuple[int, ...] = (256, 256),
                 discriminator_dim: tuple[int, ...] = (256, 256),
                 random_state: int | None = 0, verbose: bool = False):
        self.epochs = epochs
        self.batch_size = batch_size
        self.max_steps = max_steps
        self.pac = pac
        self.embedding_dim = embedding_dim
        self.generator_dim = generator_dim
        self.discriminator_dim = discriminator_dim
        self.random_state = random_state
        self.verbose = verbose

    def _fit(self, X: pd.DataFrame, y: pd.Series, schema: TableSchema) -> None:
        """Train the GAN on ``X`` (n_rows, n_features) and ``y`` (n_rows,)."""
        for name in ("epochs", "batch_size", "max_steps", "pac"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        if self.batch_size % 2 or self.batch_size % self.pac:
            raise ValueError(f"batch_size must be even and a multiple of pac={self.pac}, "
                             f"got {self.batch_size}.")
        numeric = X[schema.numeric_columns].astype(np.float64)
        self.indicated_ = [j for j, name in enumerate(schema.numeric_columns)
                           if numeric[name].isna().any()]
        codes = schema.to_codes(X)
        indicators = pd.DataFrame(numeric.isna().to_numpy()[:, self.indicated_].astype(np.int64),
                                  columns=[f"m{j}" for j in self.indicated_])
        categorical = pd.DataFrame(codes, columns=[f"c{j}" for j in range(codes.shape[1])])
        frame = pd.concat([
            pd.DataFrame(numeric.fillna(numeric.median()).fillna(0.0).to_numpy(),
                         columns=[f"n{j}" for j in range(numeric.shape[1])]),
            indicators, categorical,
            pd.Series(pd.Categorical(y, categories=schema.classes).codes.astype(np.int64),
                      name=LABEL_COLUMN),
        ], axis=1)
        multiple = np.lcm(2, self.pac)
        self.batch_size_ = int(min(self.batch_size, max(multiple, len(frame) // multiple * multiple)))
        steps_per_epoch = max(1, len(frame) // self.batch_size_)
        self.epochs_ = min(self.epochs, max(1, self.max_steps // steps_per_epoch))
        self.model_ = CTGAN(embedding_dim=self.embedding_dim, generator_dim=self.generator_dim,
                            discriminator_dim=self.discriminator_dim, batch_size=self.batch_size_,
                            epochs=self.epochs_, pac=self.pac, verbose=self.verbose,
                            enable_gpu=False)
        self.model_.set_random_state(_seed(self.random_state))
        discrete = [*indicators.columns, *categorical.columns, LABEL_COLUMN]
        # no joblib worker processes: ctgan transforms columns in parallel from 500 rows on, which
        # costs far more than it saves on small tables
        with parallel_config(backend="sequential"):
            self.model_.fit(frame, discrete)

    def _sample(self, n: int, random_state: int | None) -> tuple[pd.DataFrame, np.ndarray]:
        """``n`` synthetic rows, in random order."""
        rng = np.random.default_rng(random_state)
        labels = self.schema_.draw_labels(n, rng)
        n_numeric = len(self.schema_.numeric_columns)
        encoded = np.empty((n, n_numeric + len(self.indicated_)
                            + len(self.schema_.categorical_columns) + 1))
        for code, label in enumerate(self.schema_.classes):
            wanted = labels == label
            if wanted.any():
                self.model_.set_random_state(int(rng.integers(2**31)))
                with parallel_config(backend="sequential"):
                    rows = self.model_.sample(int(wanted.sum()), LABEL_COLUMN, code)
                encoded[wanted] = rows.to_numpy(dtype=np.float64)
        numeric = encoded[:, :n_numeric]
        missing = encoded[:, n_numeric:n_numeric + len(self.indicated_)].round().astype(bool)
        numeric[:, self.indicated_] = np.where(missing, np.nan, numeric[:, self.indicated_])
        codes = encoded[:, n_numeric + len(self.indicated_):-1].round().astype(np.int64)
        frame = pd.concat([pd.DataFrame(numeric, columns=self.schema_.numeric_columns),
                           self.schema_.from_codes(codes)], axis=1)
        return frame, labels


def _seed(random_state: int | None) -> int:
    """An int seed for ``ctgan``: ``random_state`` itself, or fresh entropy when it is None."""
    return int(np.random.default_rng(random_state).integers(2**31)) if random_state is None \
        else int(random_state)
