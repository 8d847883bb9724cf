"""Metrics, normalised scores, aggregation and curve diagnostics (no torch import).

Scores of predictions: ``METRICS``/``evaluate``. Comparisons across methods take a long runs
table (one row per run: ``dataset, fold, n_train, seed, method`` and metric columns), such as
``causalmix.results.load(path)["runs"]``.
"""

from causalmix.metrics.aggregate import (
    average_rank, critical_difference, fold_variability, friedman_test, nemenyi_test, ranks, summarize,
    task_matrix, win_rate,
)
from causalmix.metrics.bootstrap import Estimate, hierarchical_bootstrap, holm, verdict
from causalmix.metrics.curves import (
    curve_diagnostics, early_stopping_gap, selected_step, selection_key, validation_test_correlation,
)
from causalmix.metrics.normalize import TASK_KEYS, normalized_error, normalized_score, relative_improvement
from causalmix.metrics.scores import METRICS, Metric, accuracy, evaluate, get_metric, log_loss, roc_auc

__all__ = [
    "Estimate", "METRICS", "Metric", "TASK_KEYS", "accuracy", "average_rank", "critical_difference",
    "curve_diagnostics", "early_stopping_gap", "evaluate", "fold_variability", "friedman_test",
    "get_metric", "hierarchical_bootstrap", "holm", "log_loss", "nemenyi_test", "normalized_error",
    "normalized_score", "ranks", "relative_improvement", "roc_auc",
    "selected_step", "selection_key", "summarize", "task_matrix", "validation_test_correlation",
    "verdict", "win_rate",
]
