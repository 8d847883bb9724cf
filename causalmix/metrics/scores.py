"""Test-set scores of predicted class probabilities, and the registry of metric names.

Every metric takes ``y_true`` (n_rows,) class labels, ``proba`` (n_rows, n_classes) predicted
probabilities whose columns follow ``classes`` (n_classes,), and returns a float.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import log_loss as _sklearn_log_loss
from sklearn.metrics import roc_auc_score


def _validated(y_true, proba, classes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true).astype(str)
    proba = np.asarray(proba, dtype=np.float64)
    classes = np.asarray(classes).astype(str)
    if proba.ndim != 2 or proba.shape != (len(y_true), len(classes)):
        raise ValueError(
            f"proba must have shape (n_rows, n_classes) = ({len(y_true)}, {len(classes)}), "
            f"got {proba.shape}."
        )
    unknown = sorted(set(y_true) - set(classes))
    if unknown:
        raise ValueError(f"y_true holds label(s) {unknown[:5]} that are not in classes {classes.tolist()}.")
    return y_true, proba, classes


def roc_auc(y_true, proba, classes) -> float:
    """Area under the ROC curve: binary, or one-vs-rest macro average for multiclass.

    The project's one ROC-AUC: the runner, the fine-tuning curves, the fidelity scores, the
    pretraining probe and the benchmarks all call it. Binary: the positive class is
    ``classes[1]`` (a score column ``s`` is passed as ``proba = [1 - s, s]``). Multiclass: the
    unweighted mean over the classes present in ``y_true`` of the binary AUC of ``proba[:, c]``
    for ``y_true == c``, on the probabilities as predicted (equal to scikit-learn's
    ``multi_class="ovr", average="macro"`` when every class occurs; a class absent from
    ``y_true``, e.g. a rare class missing from a test fold, has no defined AUC and is left out).
    Range [0, 1].
    """
    y_true, proba, classes = _validated(y_true, proba, classes)
    if len(np.unique(y_true)) < 2:
        raise ValueError("ROC-AUC needs at least two classes in y_true.")
    if len(classes) == 2:
        return float(roc_auc_score(y_true == classes[1], proba[:, 1]))
    present = [i for i, c in enumerate(classes) if np.any(y_true == c)]
    return float(np.mean([roc_auc_score(y_true == classes[i], proba[:, i]) for i in present]))


def log_loss(y_true, proba, classes) -> float:
    """Mean negative log-likelihood (natural log, nats per row) of the true labels.

    Rows of ``proba`` are renormalised to sum to one, then clipped away from 0 and 1 at machine
    precision (scikit-learn's ``log_loss``). Range [0, inf).
    """
    y_true, proba, classes = _validated(y_true, proba, classes)
    proba = proba / proba.sum(axis=1, keepdims=True)  # float32 softmax outputs sum to 1 +- 1e-7
    return float(_sklearn_log_loss(y_true, proba, labels=classes))


def accuracy(y_true, proba, classes) -> float:
    """Fraction of rows whose most probable class (first one on ties) is the true label."""
    y_true, proba, classes = _validated(y_true, proba, classes)
    return float(np.mean(classes[np.argmax(proba, axis=1)] == y_true))


@dataclass(frozen=True)
class Metric:
    """A named score and its direction."""

    name: str
    function: Callable[[np.ndarray, np.ndarray, np.ndarray], float]
    greater_is_better: bool

    @property
    def sign(self) -> int:
        """+1 for higher-is-better metrics, -1 for lower-is-better ones."""
        return 1 if self.greater_is_better else -1


METRICS: dict[str, Metric] = {
    "roc_auc": Metric("roc_auc", roc_auc, greater_is_better=True),
    "log_loss": Metric("log_loss", log_loss, greater_is_better=False),
    "accuracy": Metric("accuracy", accuracy, greater_is_better=True),
}


def get_metric(name: str) -> Metric:
    """The registered metric ``name``; raises ``ValueError`` naming the known ones otherwise."""
    if name not in METRICS:
        raise ValueError(f"Unknown metric {name!r}; known: {', '.join(METRICS)}.")
    return METRICS[name]


def evaluate(y_true, proba, classes, metrics=tuple(METRICS)) -> dict[str, float]:
    """``{metric name: score}`` for each name in ``metrics``."""
    return {name: get_metric(name).function(y_true, proba, classes) for name in metrics}
