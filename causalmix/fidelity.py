"""How close synthetic rows are to real ones (scikit-learn and SciPy only).

- ``c2st_auc``: classifier two-sample test, cross-validated ROC-AUC of a gradient-boosting
  classifier telling real from synthetic rows (label included as a column); 0.5 = indistinguishable.
- ``marginal_distances``: per column, the Kolmogorov-Smirnov statistic (numeric) or the total
  variation distance (categorical, missing values as a level); 0 = identical marginals.
- ``dependence_distance``: mean absolute difference between the real and synthetic pairwise
  association matrices (Spearman correlation for numeric pairs, Cramér's V for categorical
  pairs, the correlation ratio of ranks for mixed pairs; label included).
- ``tstr``: train-on-synthetic / test-on-real ROC-AUC of a gradient-boosting classifier, next to
  train-on-real, and their ratio.
- ``identities_kept``: the share of synthetic rows that keep the exact identities of the real
  table (a total = the sum of its parts, a ratio of two columns), which the classifier of the
  two-sample test rarely sees.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

from causalmix.augment import functional
from causalmix.columns import is_drawn_as_levels
from causalmix.columns import with_missing_level
from causalmix.metrics.scores import roc_auc
from causalmix.preprocessing import LabelEncoder, TablePreprocessor

LABEL_COLUMN = "__label__"


def c2st_auc(real_X: pd.DataFrame, real_y: pd.Series, synthetic_X: pd.DataFrame, synthetic_y: pd.Series,
             n_folds: int = 5, max_rows: int = 5000, random_state: int = 0) -> float:
    """Cross-validated ROC-AUC of real-vs-synthetic classification (0.5 = perfect fidelity).

    The larger sample is subsampled to the smaller one's size (at most ``max_rows`` each), so
    the two classes are balanced.
    """
    real, synthetic = _joined(real_X, real_y), _joined(synthetic_X, synthetic_y)
    _check_same_columns(real, synthetic)
    rng = np.random.default_rng(random_state)
    size = min(len(real), len(synthetic), max_rows)
    if size < n_folds:
        raise ValueError(f"c2st_auc needs at least {n_folds} real and synthetic rows, got {len(real)} and {len(synthetic)}.")
    real = real.iloc[rng.choice(len(real), size, replace=False)]
    synthetic = synthetic.iloc[rng.choice(len(synthetic), size, replace=False)]
    both = pd.concat([real, synthetic], ignore_index=True)
    is_synthetic = np.repeat([0, 1], size)
    features = TablePreprocessor(categorical="ordinal", scale=False).fit(real).transform(both)
    classifier = HistGradientBoostingClassifier(max_iter=100, random_state=random_state)
    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=random_state)
    with threadpool_limits(1):  # small data: OpenMP threads only oversubscribe the CPU
        scores = cross_val_predict(classifier, features, is_synthetic, cv=folds, method="predict_proba")[:, 1]
    return roc_auc(is_synthetic, np.column_stack([1 - scores, scores]), [0, 1])


def marginal_distances(real_X: pd.DataFrame, real_y: pd.Series, synthetic_X: pd.DataFrame,
                       synthetic_y: pd.Series) -> pd.Series:
    """Per column (label last, as ``__label__``): KS statistic or total variation distance, in [0, 1]."""
    real, synthetic = _joined(real_X, real_y), _joined(synthetic_X, synthetic_y)
    _check_same_columns(real, synthetic)
    distances = {}
    for column in real.columns:
        if is_drawn_as_levels(real[column]):
            p = _levels(real[column]).value_counts(normalize=True)
            q = _levels(synthetic[column]).value_counts(normalize=True)
            distances[column] = 0.5 * float(p.subtract(q, fill_value=0).abs().sum())
        else:
            a, b = real[column].dropna().astype(float), synthetic[column].dropna().astype(float)
            distances[column] = float(stats.ks_2samp(a, b).statistic) if len(a) and len(b) else float(len(a) != len(b))
    return pd.Series(distances, name="marginal_distance")


def dependence_distance(real_X: pd.DataFrame, real_y: pd.Series, synthetic_X: pd.DataFrame,
                        synthetic_y: pd.Series) -> float:
    """Mean |A_real - A_synthetic| over column pairs of the association matrices (0 = identical)."""
    real, synthetic = _joined(real_X, real_y), _joined(synthetic_X, synthetic_y)
    _check_same_columns(real, synthetic)
    if real.shape[1] < 2:
        return 0.0
    difference = np.abs(association_matrix(real).to_numpy() - association_matrix(synthetic).to_numpy())
    return float(difference[np.triu_indices_from(difference, k=1)].mean())


def association_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """(n_columns, n_columns) pairwise associations: Spearman rho (numeric-numeric), Cramér's V
    (categorical-categorical), correlation ratio eta of ranks (categorical-numeric); missing values are a
    level (categorical) or the median (numeric); undefined associations are 0."""
    columns = list(frame.columns)
    categorical = [is_drawn_as_levels(frame[c]) for c in columns]
    codes = {c: pd.factorize(_levels(frame[c]))[0] for c, is_cat in zip(columns, categorical) if is_cat}
    numeric = [c for c, is_cat in zip(columns, categorical) if not is_cat]
    ranks = {c: stats.rankdata(frame[c].astype(float).fillna(frame[c].median())) for c in numeric}
    matrix = np.eye(len(columns))
    if len(numeric) > 1:
        with np.errstate(invalid="ignore", divide="ignore"):
            spearman = np.corrcoef(np.column_stack([ranks[c] for c in numeric]), rowvar=False)
        position = {c: k for k, c in enumerate(numeric)}
    for i, a in enumerate(columns):
        for j in range(i + 1, len(columns)):
            b = columns[j]
            if categorical[i] and categorical[j]:
                value = _cramers_v(codes[a], codes[b])
            elif categorical[i] or categorical[j]:
                value = _correlation_ratio(codes[a], ranks[b]) if categorical[i] else _correlation_ratio(codes[b], ranks[a])
            else:
                value = spearman[position[a], position[b]]
            matrix[i, j] = matrix[j, i] = value if np.isfinite(value) else 0.0
    return pd.DataFrame(matrix, index=columns, columns=columns)


def tstr(synthetic_X: pd.DataFrame, synthetic_y: pd.Series, real_train_X: pd.DataFrame, real_train_y: pd.Series,
         test_X: pd.DataFrame, test_y: pd.Series, random_state: int = 0) -> dict[str, float]:
    """ROC-AUC on ``test`` of gradient boosting trained on synthetic rows (``tstr``) and on the
    real training rows (``trtr``), and ``ratio = tstr / trtr``. Multiclass: one-vs-rest macro AUC."""
    labels = LabelEncoder().fit(pd.concat([real_train_y.astype(str), test_y.astype(str)]))
    preprocessor = TablePreprocessor(categorical="ordinal", scale=False).fit(real_train_X)
    test_features, test_codes = preprocessor.transform(test_X), labels.transform(test_y)
    scores = {}
    for name, X, y in (("tstr", synthetic_X, synthetic_y), ("trtr", real_train_X, real_train_y)):
        codes = labels.transform(y)
        if len(np.unique(codes)) < 2:
            raise ValueError(f"{name}: the training rows hold a single class; cannot fit a classifier.")
        model = HistGradientBoostingClassifier(max_iter=100, random_state=random_state)
        with threadpool_limits(1):  # small data: OpenMP threads only oversubscribe the CPU
            model.fit(preprocessor.transform(X), codes)
        probabilities = np.zeros((len(test_codes), len(labels.classes_)))
        probabilities[:, model.classes_] = model.predict_proba(test_features)
        scores[name] = roc_auc(test_codes, probabilities, np.arange(len(labels.classes_)))
    scores["ratio"] = scores["tstr"] / scores["trtr"]
    return scores


def _joined(X: pd.DataFrame, y: pd.Series) -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame, got {type(X).__name__}.")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}.")
    frame = X.reset_index(drop=True).copy()
    frame[LABEL_COLUMN] = pd.Series(y).astype(str).astype("category").reset_index(drop=True)
    return frame


def _check_same_columns(real: pd.DataFrame, synthetic: pd.DataFrame) -> None:
    if list(real.columns) != list(synthetic.columns):
        raise ValueError(f"real and synthetic columns differ: {list(real.columns)[:10]} vs {list(synthetic.columns)[:10]}.")


def _levels(column: pd.Series) -> pd.Series:
    return with_missing_level(column).astype(str)


def _cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Cramér's V of two code arrays (0..k-1)."""
    n_a, n_b = a.max() + 1, b.max() + 1
    if min(n_a, n_b) < 2:
        return 0.0
    table = np.bincount(a * n_b + b, minlength=n_a * n_b).reshape(n_a, n_b)
    table = table[table.sum(1) > 0][:, table.sum(0) > 0]
    if min(table.shape) < 2:
        return 0.0
    return float(stats.contingency.association(table, method="cramer"))


def _correlation_ratio(codes: np.ndarray, numbers: np.ndarray) -> float:
    """Correlation ratio eta of numbers (here ranks) grouped by level codes."""
    centred = numbers - numbers.mean()
    total = float(centred @ centred)
    if total == 0:
        return 0.0
    counts = np.bincount(codes)
    sums = np.bincount(codes, weights=centred)
    between = float(np.sum(sums[counts > 0] ** 2 / counts[counts > 0]))
    return float(np.sqrt(between / total))


def identities_kept(real_X: pd.DataFrame, synthetic_X: pd.DataFrame, tolerance: float = 1e-3) -> float:
    """Mean over the real table's identities of the share of synthetic rows that keep them; NaN
    when ``real_X`` has none.

    The identities are the functional dependencies that
    :func:`causalmix.augment.functional.find_dependencies` finds on ``real_X`` at ``tolerance``
    (sums, differences, weighted totals, ratios, products). A synthetic row keeps one when its
    derived value differs from what its inputs give (in the dependency's linear or log space) by
    no more than the largest difference among the real rows: as exactly as every real row does.
    """
    _check_same_columns(real_X, synthetic_X)
    dependencies = functional.find_dependencies(real_X, tolerance)
    if not dependencies:
        return float("nan")
    shares = []
    for target, dependency in dependencies.items():
        real = _identity_residual(dependency, real_X, target)
        synthetic = _identity_residual(dependency, synthetic_X, target)
        bound = max(float(np.nanmax(real)), 1e-9 * float(np.nanstd(real_X[target].to_numpy(dtype=float))))
        shares.append(float(np.mean(np.nan_to_num(synthetic, nan=np.inf) <= bound)))
    return float(np.mean(shares))


def _identity_residual(dependency: functional.Dependency, frame: pd.DataFrame, target) -> np.ndarray:
    """|derived value - value from its inputs| per row (n,), in the dependency's space (NaN where
    a log-space value is not positive)."""
    observed = frame[target].to_numpy(dtype=float)
    computed = functional.evaluate(dependency, frame)
    if dependency.log:
        with np.errstate(invalid="ignore", divide="ignore"):
            observed, computed = np.log(np.where(observed > 0, observed, np.nan)), np.log(computed)
    return np.abs(observed - computed)


def fidelity_summary(synthetic_X: pd.DataFrame, synthetic_y: pd.Series, train_X: pd.DataFrame,
                     train_y: pd.Series, test_X: pd.DataFrame, test_y: pd.Series,
                     random_state: int = 0) -> dict[str, float]:
    """Every measure for one synthetic sample of a generator fitted on ``train``.

    C2ST, mean marginal distance and dependence distance compare the synthetic rows with the real
    held-out ``test`` rows (comparing with the training rows would reward copying them); TSTR
    trains on the synthetic rows and on ``train`` and tests on ``test``.
    """
    utility = tstr(synthetic_X, synthetic_y, train_X, train_y, test_X, test_y, random_state=random_state)
    return {
        "c2st": c2st_auc(test_X, test_y, synthetic_X, synthetic_y, random_state=random_state),
        "marginal": float(marginal_distances(test_X, test_y, synthetic_X, synthetic_y).mean()),
        "dependence": dependence_distance(test_X, test_y, synthetic_X, synthetic_y),
        "tstr": utility["tstr"], "trtr": utility["trtr"], "tstr_ratio": utility["ratio"],
    }
