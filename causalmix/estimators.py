"""scikit-learn classifiers on top of any tabular foundation model backend.

:class:`TFMClassifier` predicts zero-shot, in context: ``fit`` stores the training rows as the
context. :class:`FineTunedClassifier` first fine-tunes the backend (:mod:`causalmix.finetune`) on
the training rows, optionally mixed with synthetic rows from an augmenter (CausalMixFT), then
predicts in context like :class:`TFMClassifier`.

Both take pandas DataFrames (categorical columns, NaN) or 2-D arrays, binary or multiclass labels;
labels are compared as strings and ``classes_`` holds them sorted, as in
:class:`causalmix.preprocessing.LabelEncoder`. Wider tables than ``limits.max_features`` keep a
random subset of columns and contexts longer than ``limits.max_context_rows`` a stratified subset
of rows, each with a warning; more classes than ``limits.max_classes`` raise a ``ValueError``.

One input pipeline for every method: test rows are predicted with the backend's own preprocessor
(``model.make_preprocessor()``, label-aware: it target-scores categorical columns) fitted on the
context rows and their labels, and with those rows as context. :class:`TFMClassifier` fitted on
rows R and :class:`FineTunedClassifier` fitted on the same rows R (its training rows followed by
its validation rows, ``predict_context="train+val"``) therefore see identical test-time inputs, and
a fine-tuned model that kept its step-0 weights predicts exactly as the zero-shot one. While
fine-tuning, a second preprocessor is fitted on the training rows alone: the validation rows that
select the step are encoded without their own labels.
"""

from __future__ import annotations

import copy
import dataclasses
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from causalmix.augment.base import Augmenter
from causalmix.finetune import FineTuneSettings, Rows, fine_tune
from causalmix.models.base import TabularModel, feature_subset, predict_proba_in_context, resolve_device
from causalmix.preprocessing import LabelEncoder
from causalmix.splits.folds import stratified_cap, stratified_subsample
from causalmix.validation import check_finite, check_not_empty

_DEFAULTS = FineTuneSettings()
PREDICT_CONTEXTS = ("train+val", "train")


def _as_frame(X, what: str = "X") -> pd.DataFrame:
    """``X`` as a DataFrame with a fresh index; a clear error for an empty table or +-inf cells."""
    if isinstance(X, pd.DataFrame):
        frame = X.reset_index(drop=True)
    else:
        array = np.asarray(X)
        if array.ndim != 2:
            raise ValueError(f"{what} must be a pandas DataFrame or a 2-D array, got shape {array.shape}.")
        frame = pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])
    check_not_empty(frame, what)
    check_finite(frame, what)
    return frame


def _as_labels(y, n_rows: int, what: str = "y") -> pd.Series:
    labels = pd.Series(np.asarray(y).ravel() if not isinstance(y, pd.Series) else y.to_numpy())
    if len(labels) != n_rows:
        raise ValueError(f"{what} has {len(labels)} labels but the table has {n_rows} rows.")
    if labels.isna().any():
        raise ValueError(f"{what} holds {int(labels.isna().sum())} missing label(s).")
    return labels.astype(str)


class _InContextClassifier(ClassifierMixin, BaseEstimator):
    """Shared machinery: backend loading, encoding, the context and in-context prediction."""

    def _load_backend(self) -> TabularModel:
        device = resolve_device(self.device)
        if isinstance(self.model, str):
            from causalmix.models import load_model

            return load_model(self.model, device=device)
        if isinstance(self.model, TabularModel):
            return copy.deepcopy(self.model).to(device)
        raise TypeError(f"model must be a backend name such as 'default' or 'mitra', or a "
                        f"TabularModel, got {type(self.model).__name__}.")

    def _setup(self, X: pd.DataFrame, y: pd.Series) -> None:
        """Backend, classes, the columns kept and the label encoder, from the training rows."""
        self.model_ = self._load_backend()
        limits = self.model_.limits
        self.label_encoder_ = LabelEncoder().fit(y)
        self.classes_ = self.label_encoder_.classes_
        if len(self.classes_) < 2:
            raise ValueError(f"Need at least two classes, got {self.classes_.tolist()}.")
        if len(self.classes_) > limits.max_classes:
            raise ValueError(f"{len(self.classes_)} classes exceed the backend's limit of "
                             f"{limits.max_classes}; reduce or group the classes first.")
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.features_used_ = feature_subset(list(X.columns), limits.max_features, self.random_state)

    def _fit_encode(self, X: pd.DataFrame, y: pd.Series) -> Rows:
        """Fit the backend's preprocessor on the training rows and labels; their encoded ``Rows``
        (``fit_transform``: label-aware encodings of these rows are computed out of fold)."""
        codes = self.label_encoder_.transform(y)
        self.preprocessor_ = self.model_.make_preprocessor()
        return Rows(self.preprocessor_.fit_transform(X[self.features_used_], codes), codes)

    def _encode(self, X: pd.DataFrame, y: pd.Series | None = None, what: str = "X") -> Rows | np.ndarray:
        """``X`` through the fitted preprocessor (float32 (n, d)); with ``y``, encoded ``Rows``."""
        missing = [c for c in self.feature_names_in_ if c not in X.columns]
        if missing:
            raise ValueError(f"{what} lacks column(s) seen in fit: {missing[:5]}"
                             f"{' ...' if len(missing) > 5 else ''}")
        x = self.preprocessor_.transform(X[self.features_used_])
        if y is None:
            return x
        try:
            codes = self.label_encoder_.transform(y)
        except ValueError as error:
            raise ValueError(f"{what}: labels must be among the training classes "
                             f"{self.classes_.tolist()}; {error}") from None
        return Rows(x, codes)

    def _set_context(self, context: Rows) -> None:
        limit = self.model_.limits.max_context_rows
        if len(context) > limit:
            warnings.warn(f"{len(context)} context rows exceed the backend's limit of {limit}; "
                          f"using a stratified subset (random_state={self.random_state}).", stacklevel=3)
        self.context_ = context.take(stratified_cap(context.y, limit,
                                                    np.random.default_rng(self.random_state)))

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n_rows, n_classes), columns in the order of ``classes_``."""
        check_is_fitted(self, "context_")
        x = self._encode(_as_frame(X))
        return predict_proba_in_context(self.model_, self.context_.x, self.context_.y, x,
                                        len(self.classes_), self.batch_size, self.mixed_precision)

    def predict(self, X) -> np.ndarray:
        """The most probable class label of each row (n_rows,)."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class TFMClassifier(_InContextClassifier):
    """Zero-shot in-context classification with a pretrained backend.

    Parameters
    ----------
    model : backend name for :func:`causalmix.models.load_model` (``"default"``: the stand-in,
        ``"mitra"``) or a :class:`~causalmix.models.base.TabularModel` (copied, never modified).
    device : torch device; None picks CUDA when available, else the CPU.
    batch_size : query rows per forward pass.
    mixed_precision : bfloat16 autocast; None: on for CUDA, off on the CPU.
    random_state : seeds the column and context subsets when the backend's limits are exceeded.

    Attributes: ``classes_``, ``model_``, ``preprocessor_`` (fitted on the rows given to ``fit``),
    ``features_used_``, ``context_`` (encoded context rows).
    """

    def __init__(self, model: str | TabularModel = "default", device: str | None = None,
                 batch_size: int = _DEFAULTS.batch_size, mixed_precision: bool | None = None,
                 random_state: int = 0):
        self.model = model
        self.device = device
        self.batch_size = batch_size
        self.mixed_precision = mixed_precision
        self.random_state = random_state

    def fit(self, X, y) -> TFMClassifier:
        """Store ``X`` (n_rows, n_features) and labels ``y`` (n_rows,) as the context."""
        X = _as_frame(X)
        y = _as_labels(y, len(X))
        self._setup(X, y)
        self._set_context(self._fit_encode(X, y))
        return self


class FineTunedClassifier(_InContextClassifier):
    """A backend fine-tuned on the training rows (plain) or on real + synthetic rows (CausalMixFT).

    Parameters
    ----------
    model : as for :class:`TFMClassifier` (an instance is copied; the copy is fine-tuned).
    augmenter : None (plain fine-tuning) or an unfitted :class:`~causalmix.augment.base.Augmenter`
        (e.g. ``CausalMixAugmenter(...)``); a clone is fitted on the real training rows and
        sampled once for the synthetic pool. Ignored when ``fit`` gets ``synthetic``.
    max_steps, learning_rate, weight_decay, warmup_steps, max_grad_norm, eval_every, patience,
    early_stopping, time_limit, query_fraction, max_episode_context_rows, max_episode_query_rows,
    synthetic_ratio, redraw_synthetic, synthetic_role, mixed_precision, batch_size :
        see :class:`causalmix.finetune.FineTuneSettings` (defaults: 200 steps, lr 1e-4, weight
        decay 0.01, 10 warmup steps, clip 1.0, evaluate every 10 steps, early stopping after 5
        evaluations without improvement, then the best evaluation's weights,
        30% of the rows as queries, at most 64 query and 128 context rows per episode, one
        synthetic row per real row redrawn every step, synthetic rows in context and query).
    synthetic_pool_size : synthetic rows drawn from the augmenter; None: 4x the rows one step uses
        when ``redraw_synthetic``, else exactly those.
    val_fraction : share of the rows ``fit`` carves (stratified) for validation when it gets no
        ``X_val``.
    predict_context : rows ``predict_proba`` uses as context after fine-tuning, with the
        preprocessor refitted on them: ``"train+val"`` (all real rows, training rows first; the
        default, and what :class:`TFMClassifier` fitted on the same rows uses) or ``"train"``
        (the context and preprocessor used during validation).
    device : torch device; None picks CUDA when available.
    random_state : seeds the validation split, the synthetic sample, the episodes and dropout.
    progress : show a progress bar over the fine-tuning steps.

    Attributes: ``curve_`` (DataFrame, one row per evaluation: step, train_loss, val_roc_auc,
    val_log_loss, test_roc_auc, test_log_loss, elapsed_s), ``best_step_`` (the step whose
    weights are kept: the best evaluation's, 0 = the zero-shot weights; without
    ``early_stopping``, the last step), ``stop_reason_``, ``classes_``, ``model_`` (fine-tuned backend),
    ``preprocessor_`` (fitted on the context rows of ``predict_context``; encodes test rows),
    ``augmenter_`` (fitted clone, or None), ``context_``.
    """

    def __init__(self, model: str | TabularModel = "default", augmenter: Augmenter | None = None, *,
                 max_steps: int = _DEFAULTS.max_steps, learning_rate: float = _DEFAULTS.learning_rate,
                 weight_decay: float = _DEFAULTS.weight_decay,
                 warmup_steps: int = _DEFAULTS.warmup_steps,
                 max_grad_norm: float = _DEFAULTS.max_grad_norm,
                 eval_every: int = _DEFAULTS.eval_every, patience: int = _DEFAULTS.patience,
                 early_stopping: bool = _DEFAULTS.early_stopping,
                 time_limit: float | None = _DEFAULTS.time_limit,
                 query_fraction: float = _DEFAULTS.query_fraction,
                 max_episode_context_rows: int | None = _DEFAULTS.max_episode_context_rows,
                 max_episode_query_rows: int = _DEFAULTS.max_episode_query_rows,
                 synthetic_ratio: float = _DEFAULTS.synthetic_ratio,
                 redraw_synthetic: bool = _DEFAULTS.redraw_synthetic,
                 synthetic_role: str = _DEFAULTS.synthetic_role,
                 synthetic_pool_size: int | None = None, val_fraction: float = 0.2,
                 predict_context: str = "train+val", device: str | None = None,
                 mixed_precision: bool | None = _DEFAULTS.mixed_precision,
                 batch_size: int = _DEFAULTS.batch_size, random_state: int = 0,
                 progress: bool = True):
        self.model = model
        self.augmenter = augmenter
        self.max_steps = max_steps
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.warmup_steps = warmup_steps
        self.max_grad_norm = max_grad_norm
        self.eval_every = eval_every
        self.patience = patience
        self.early_stopping = early_stopping
        self.time_limit = time_limit
        self.query_fraction = query_fraction
        self.max_episode_context_rows = max_episode_context_rows
        self.max_episode_query_rows = max_episode_query_rows
        self.synthetic_ratio = synthetic_ratio
        self.redraw_synthetic = redraw_synthetic
        self.synthetic_role = synthetic_role
        self.synthetic_pool_size = synthetic_pool_size
        self.val_fraction = val_fraction
        self.predict_context = predict_context
        self.device = device
        self.mixed_precision = mixed_precision
        self.batch_size = batch_size
        self.random_state = random_state
        self.progress = progress

    def _settings(self) -> FineTuneSettings:
        return FineTuneSettings(**{f.name: getattr(self, f.name)
                                   for f in dataclasses.fields(FineTuneSettings)})

    def _carve_validation(self, y: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """(train, val) positions: ``val_fraction`` of the rows, stratified, >= 1 row per class each."""
        if not 0 < self.val_fraction < 1:
            raise ValueError(f"val_fraction must be in (0, 1) when fit gets no X_val, got {self.val_fraction}.")
        labels, counts = np.unique(y.to_numpy(), return_counts=True)
        if counts.min() < 2:
            raise ValueError(f"Cannot carve a validation part: class(es) "
                             f"{labels[counts < 2].tolist()} have a single row; pass X_val, y_val.")
        codes = np.searchsorted(labels, y.to_numpy())
        n_val = max(int(round(self.val_fraction * len(y))), len(labels))
        val = stratified_subsample(codes, n_val, np.random.default_rng(self.random_state), min_per_class=1)
        train = np.setdiff1d(np.arange(len(y)), val)
        if len(np.unique(codes[train])) < len(labels):
            raise ValueError(f"val_fraction={self.val_fraction} leaves a class without training "
                             f"rows; lower it or pass X_val, y_val.")
        return train, val

    def synthetic_pool_rows(self, n_train_rows: int) -> int:
        """Synthetic rows ``fit`` draws from the augmenter for ``n_train_rows`` real training rows
        (after the validation part is carved off): ``synthetic_pool_size``, else
        ``round(synthetic_ratio * n_train_rows)`` per step, times 4 when ``redraw_synthetic``."""
        per_step = int(round(self.synthetic_ratio * n_train_rows))
        return self.synthetic_pool_size or per_step * (4 if self.redraw_synthetic else 1)

    def _synthetic_rows(self, X: pd.DataFrame, y: pd.Series, synthetic) -> Rows | None:
        """The encoded synthetic pool: the supplied rows, the augmenter's sample, or None."""
        if synthetic is None and (self.augmenter is None or self.synthetic_ratio == 0):
            self.augmenter_ = None
            return None
        if synthetic is None:
            self.augmenter_ = clone(self.augmenter).fit(X, y)
            X_syn, y_syn = self.augmenter_.sample(self.synthetic_pool_rows(len(X)),
                                                  random_state=self.random_state)
        else:
            self.augmenter_ = None
            if not (isinstance(synthetic, tuple) and len(synthetic) == 2):
                raise TypeError("synthetic must be a tuple (X_syn, y_syn).")
            X_syn, y_syn = synthetic
        X_syn = _as_frame(X_syn, "X_syn")
        return self._encode(X_syn, _as_labels(y_syn, len(X_syn), "y_syn"), "synthetic rows")

    def fit(self, X, y, X_val=None, y_val=None, synthetic=None, monitor=None) -> FineTunedClassifier:
        """Fine-tune on ``X`` (n_rows, n_features), ``y`` (n_rows,), keeping the best validation step.

        ``X_val, y_val``: real validation rows; None carves ``val_fraction`` of ``X`` (stratified).
        ``synthetic``: precomputed synthetic rows ``(X_syn, y_syn)`` with the schema of ``X``, used
        instead of the augmenter. ``monitor``: test rows ``(X_test, y_test)`` scored at every
        evaluation into ``curve_`` for analysis; never used for selection.
        """
        if self.predict_context not in PREDICT_CONTEXTS:
            raise ValueError(f"predict_context must be one of {PREDICT_CONTEXTS}, got {self.predict_context!r}.")
        settings = self._settings()
        X = _as_frame(X)
        y = _as_labels(y, len(X))
        if (X_val is None) != (y_val is None):
            raise ValueError("Pass both X_val and y_val, or neither.")
        if X_val is None:
            train, val = self._carve_validation(y)
            X, X_val, y, y_val = X.iloc[train], X.iloc[val], y.iloc[train], y.iloc[val]
            X, X_val, y, y_val = (part.reset_index(drop=True) for part in (X, X_val, y, y_val))
        else:
            X_val = _as_frame(X_val, "X_val")
            y_val = _as_labels(y_val, len(X_val), "y_val")
        self._setup(X, y)
        train_rows = self._fit_encode(X, y)
        val_rows = self._encode(X_val, y_val, "validation rows")
        monitor_rows = None
        if monitor is not None:
            X_test = _as_frame(monitor[0], "monitor X")
            monitor_rows = self._encode(X_test, _as_labels(monitor[1], len(X_test), "monitor y"),
                                        "monitor rows")
        synthetic_rows = self._synthetic_rows(X, y, synthetic)

        result = fine_tune(self.model_, train_rows, val_rows, len(self.classes_), settings,
                           synthetic=synthetic_rows, monitor=monitor_rows,
                           random_state=self.random_state, progress=self.progress)
        self.curve_, self.best_step_, self.stop_reason_ = result.curve, result.best_step, result.stop_reason
        if self.predict_context == "train":
            self._set_context(train_rows)
        else:
            self._set_context(self._fit_encode(pd.concat([X, X_val], ignore_index=True),
                                               pd.concat([y, y_val], ignore_index=True)))
        return self
