"""TabEBM: class-specific energy-based models from a tabular foundation model, sampled by SGLD."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import torch
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import QuantileTransformer, StandardScaler
from tqdm import tqdm

from causalmix.augment.base import Augmenter
from causalmix.augment.schema import TableSchema
from causalmix.models import TabularModel, load_model
from causalmix.models.base import feature_subset

#: Context label of a class's real rows and of its surrogate negatives (TabEBM's convention).
REAL, NEGATIVE = 0, 1


class TabEBMAugmenter(Augmenter):
    """TabEBM (Margeloiu, Jiang, Simidjievski, Jamnik, "TabEBM: A Tabular Data Augmentation Method
    with Distinct Class-Specific Energy-Based Models", NeurIPS 2024) on a ``causalmix`` TFM.

    For every class ``c`` an in-context binary classifier ``f_c`` gets the rows of ``c`` (label 0)
    and a few surrogate negatives (label 1) as context: points at corners of the hypercube
    ``[-distance_negative_class, distance_negative_class]^d``, far from the standardised data
    (``min(4, 2^d)`` distinct corners, two random ones and their mirror images, as in the ``tabebm``
    package). Its logits define the energy ``E_c(x) = -logsumexp(f_c(x))``; samples of class ``c``
    start at its rows plus Gaussian noise (std ``starting_point_noise_std``) and follow SGLD,
    ``x <- x - sgld_step_size * grad + sgld_noise_std * N(0, I)``, for ``sgld_steps`` steps. As in
    the published code, the energy is averaged over a class's chains before differentiation, so
    each chain moves by ``sgld_step_size / n_chains`` times its own gradient (with many chains the
    samples stay close to the real rows). The defaults are the ``tabebm`` package's.

    Space: SGLD needs a continuous space that maps back to rows, and the backends' preprocessors
    have no inverse, so the augmenter builds its own and feeds it to the model as its numeric
    input: numeric columns median-imputed and quantile-transformed to standard-normal marginals
    (the stand-in TFM's preprocessing; decoded values stay within the observed range, integer
    columns rounded, never missing), categorical columns as ordinal level codes (a missing value is
    a level of its own), standardised; decoded by rounding to the nearest code, clipped to the
    codes seen in ``fit``.

    ``sample(n)`` draws every class in proportion to its frequency in ``fit`` (largest-remainder
    rounding). Classes with more rows than the model's context limit keep a random subset. Tables
    wider than the model's feature limit (TabEBM's energy needs every moved feature in the model's
    input): SGLD moves a seeded random subset of that many features (``sgld_features_``, chosen as
    the fine-tuned models choose theirs, with a warning), and the other features keep the values of
    the real row each chain started from (plus the starting-point noise), so they stay consistent
    with each other and with the class.

    Parameters
    ----------
    model : str or TabularModel, default="default"
        A name for :func:`causalmix.models.load_model` (the stand-in by default, ``"mitra"`` when
        installed) or a loaded backend.
    sgld_steps : int, default=200
    sgld_step_size : float, default=0.1
    sgld_noise_std : float, default=0.01
    starting_point_noise_std : float, default=0.01
    distance_negative_class : float, default=5.0
        Coordinates (in standard deviations) of the surrogate negatives.
    random_state : int or None, default=0
        Seed of the surrogate negatives and the context subsets.
    verbose : bool, default=False
        Show a progress bar over the SGLD steps.
    """

    def __init__(self, model: str | TabularModel = "default", sgld_steps: int = 200,
                 sgld_step_size: float = 0.1, sgld_noise_std: float = 0.01,
                 starting_point_noise_std: float = 0.01, distance_negative_class: float = 5.0,
                 random_state: int | None = 0, verbose: bool = False):
        self.model = model
        self.sgld_steps = sgld_steps
        self.sgld_step_size = sgld_step_size
        self.sgld_noise_std = sgld_noise_std
        self.starting_point_noise_std = starting_point_noise_std
        self.distance_negative_class = distance_negative_class
        self.random_state = random_state
        self.verbose = verbose

    def _fit(self, X: pd.DataFrame, y: pd.Series, schema: TableSchema) -> None:
        """Encode ``X`` (n_rows, n_features) and build each class's context from ``y`` (n_rows,)."""
        if isinstance(self.sgld_steps, bool) or not isinstance(self.sgld_steps, (int, np.integer)) \
                or self.sgld_steps < 0:
            raise ValueError(f"sgld_steps must be a non-negative integer, got {self.sgld_steps!r}.")
        for name in ("sgld_step_size", "sgld_noise_std", "starting_point_noise_std",
                     "distance_negative_class"):
            if not np.isfinite(getattr(self, name)) or getattr(self, name) < 0:
                raise ValueError(f"{name} must be a non-negative number, got {getattr(self, name)!r}.")
        model = load_model(self.model) if isinstance(self.model, str) else self.model
        encoded_columns = [*schema.numeric_columns, *schema.categorical_columns]  # the blocks' order
        limit = model.limits.max_features
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its warning does not say what happens to the others
            moved = set(feature_subset(encoded_columns, limit, self.random_state))
        if len(moved) < len(encoded_columns):
            warnings.warn(f"{len(encoded_columns)} features exceed the model's limit of {limit}: SGLD moves a "
                          f"random subset of {limit} (random_state={self.random_state}, sgld_features_); "
                          "the others keep the values of the real row each chain starts from.", stacklevel=3)
        self.sgld_features_ = [c for c in encoded_columns if c in moved]
        self._moved_positions = np.array([i for i, c in enumerate(encoded_columns) if c in moved])
        blocks = []
        self.quantiles_ = self.code_scaler_ = None
        if schema.numeric_columns:
            numeric = SimpleImputer(strategy="median", keep_empty_features=True).fit_transform(
                X[schema.numeric_columns].to_numpy(dtype=np.float64))
            self.quantiles_ = QuantileTransformer(n_quantiles=min(1000, len(X)),
                                                  output_distribution="normal").fit(numeric)
            blocks.append(self.quantiles_.transform(numeric))
        if schema.categorical_columns:
            codes = schema.to_codes(X)
            self.code_range_ = codes.min(axis=0), codes.max(axis=0)
            self.code_scaler_ = StandardScaler().fit(codes.astype(np.float64))
            blocks.append(self.code_scaler_.transform(codes.astype(np.float64)))
        features = np.hstack(blocks).astype(np.float32)

        rng = np.random.default_rng(self.random_state)
        labels = y.to_numpy(dtype=object)
        self.contexts_ = {}
        for label in schema.classes:
            negatives = self._surrogate_negatives(len(self._moved_positions), rng)
            rows = features[labels == label]
            room = model.limits.max_context_rows - len(negatives)
            if len(rows) > room:
                rows = rows[np.sort(rng.choice(len(rows), room, replace=False))]
            self.contexts_[label] = (rows, negatives)
        self.model_ = model

    def _sample(self, n: int, random_state: int | None) -> tuple[pd.DataFrame, np.ndarray]:
        """``n`` synthetic rows, in random order."""
        rng = np.random.default_rng(random_state)
        labels = self.schema_.draw_labels(n, rng)
        n_features = next(iter(self.contexts_.values()))[0].shape[1]
        encoded = np.empty((n, n_features), dtype=np.float32)
        wanted = {label: labels == label for label in self.schema_.classes}
        wanted = {label: mask for label, mask in wanted.items() if mask.any()}
        with tqdm(total=len(wanted) * self.sgld_steps, desc="TabEBM SGLD",
                  disable=not self.verbose) as progress:
            for label, mask in wanted.items():
                encoded[mask] = self._sgld(label, int(mask.sum()), rng, progress)
        n_numeric = len(self.schema_.numeric_columns)
        numeric = encoded[:, :n_numeric].astype(np.float64)
        if self.quantiles_ is not None:
            numeric = self.quantiles_.inverse_transform(numeric)
        codes = encoded[:, n_numeric:].astype(np.float64)
        if self.code_scaler_ is not None:
            codes = np.clip(self.code_scaler_.inverse_transform(codes).round(), *self.code_range_)
        frame = pd.concat([pd.DataFrame(numeric, columns=self.schema_.numeric_columns),
                           self.schema_.from_codes(codes.astype(np.int64))], axis=1)
        return frame, labels

    def _surrogate_negatives(self, n_features: int, rng: np.random.Generator) -> np.ndarray:
        """(min(4, 2^d), d) distinct hypercube corners, closed under mirroring."""
        corners: set[tuple[float, ...]] = set()
        while len(corners) < min(4, 2 ** n_features):
            corner = rng.choice([-1.0, 1.0], n_features) * self.distance_negative_class
            corners.update({tuple(corner), tuple(-corner)})
        return np.array(sorted(corners), dtype=np.float32)

    def _sgld(self, label, n_chains: int, rng: np.random.Generator, progress: tqdm) -> np.ndarray:
        """(n_chains, d) SGLD samples from the energy of class ``label`` (the features SGLD does
        not move keep their starting values)."""
        rows, negatives = self.contexts_[label]
        moved = self._moved_positions
        device = next(self.model_.parameters()).device
        x_context = torch.as_tensor(np.vstack([rows[:, moved], negatives]), device=device)[None]
        y_context = torch.as_tensor([REAL] * len(rows) + [NEGATIVE] * len(negatives),
                                    dtype=torch.long, device=device)[None]
        start = rows[rng.integers(len(rows), size=n_chains)]
        start = start + self.starting_point_noise_std * rng.standard_normal(start.shape)
        x = torch.as_tensor(start[:, moved], dtype=torch.float32, device=device)
        noise = torch.Generator(device=device).manual_seed(int(rng.integers(2**63)))
        was_training = self.model_.training
        self.model_.eval()
        try:
            for _ in range(self.sgld_steps):
                x.requires_grad_(True)
                logits = self.model_(x_context, y_context, x[None])[0, :, :2]
                energy = -torch.logsumexp(logits, dim=1).mean()
                (gradient,) = torch.autograd.grad(energy, x)
                x = (x.detach() - self.sgld_step_size * gradient
                     + self.sgld_noise_std * torch.randn(x.shape, generator=noise, device=device))
                progress.update()
        finally:
            self.model_.train(was_training)
        samples = start.astype(np.float32)
        samples[:, moved] = x.detach().cpu().numpy()
        return samples
