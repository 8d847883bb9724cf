"""Zero-shot quality of a stand-in TFM checkpoint next to classical baselines.

For every dataset and fold: ``make_split(y, fold, n_train=512, val_fraction=0, seed=0)`` (the
whole training fold for datasets too small for 512 rows, e.g. wine); the train rows are the
model's context (and the baselines' training set), at most ``--max-test`` test rows are scored.
Reports mean ROC-AUC per dataset (binary; one-vs-rest macro for multiclass) for the TFM, logistic
regression (one-hot + scaling), random forest and histogram gradient boosting, then the means.
Datasets the TFM cannot take (too many classes) or that cannot be split are listed as skipped.

By default it runs on the development datasets (``causalmix.models.pretrain.DEVELOPMENT_DATASETS``),
which no benchmark grid scores: choose checkpoints, encodings and settings on those. ``--report``
(and ``--export-run``) runs the reporting table on the mirror, whose datasets and folds the paper
grid scores: a number to report, never one to choose by.

    CAUSALMIX_DATA_DIR=../shared/data/tabarena .venv/bin/python benchmarks/zero_shot.py \
        [--checkpoint PATH] [--datasets a b ...] [--report] [--folds 10] [--json out.json] \
        [--baseline-cache FILE] [--export-run RUN_DIR]   # ship best weights + model card

Timings are not reported: the machine is shared and they would be noise.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from tqdm import tqdm

from causalmix.data import BUILTIN_DATASETS, DatasetError, TABARENA_V01, is_available, load_dataset
from causalmix.metrics.scores import roc_auc
from causalmix.models import CHECKPOINT_DIR, load_model, predict_proba, standin_from_payload
from causalmix.models.pretrain import DEVELOPMENT_DATASETS
from causalmix.preprocessing import LabelEncoder, TablePreprocessor
from causalmix.splits import make_split

MODELS = ("tfm", "logreg", "rf", "hgb")
#: Datasets with fewer than n_context / SMALL_DATASET_SHARE rows use their whole training fold.
SMALL_DATASET_SHARE = 0.85


def baselines(seed: int) -> dict:
    return {
        "logreg": make_pipeline(TablePreprocessor(categorical="onehot", scale=True),
                                LogisticRegression(max_iter=2000)),
        "rf": make_pipeline(TablePreprocessor(categorical="ordinal", scale=False),
                            RandomForestClassifier(n_estimators=300, random_state=seed, n_jobs=1)),
        "hgb": make_pipeline(HGBInput(), HistGradientBoostingClassifier(categorical_features="from_dtype",
                                                                        random_state=seed)),
    }


class HGBInput(TransformerMixin, BaseEstimator):
    """What scikit-learn's histogram gradient boosting cannot take, made acceptable: columns with
    no observed value in the training rows are dropped (its binning fails on them) and categorical
    columns with more than 255 levels become numeric level codes (its native limit)."""

    def fit(self, X: pd.DataFrame, y=None):
        self.columns_ = [c for c in X.columns if X[c].notna().any()]
        self.coded_ = [c for c in self.columns_ if isinstance(X[c].dtype, pd.CategoricalDtype)
                       and len(X[c].cat.categories) > 255]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        X = X[self.columns_].copy()
        for column in self.coded_:
            X[column] = X[column].cat.codes.astype(float).where(X[column].notna())
        return X


def baseline_proba(estimator, x_train, y_train, x_test, n_classes: int) -> np.ndarray:
    """Probabilities over all ``n_classes`` codes even when the train rows miss a class."""
    estimator.fit(x_train, y_train)
    proba = np.zeros((len(x_test), n_classes))
    proba[:, estimator.classes_] = estimator.predict_proba(x_test)
    return proba


def evaluate_dataset(model, name: str, folds: int, n_context: int, max_test: int, data_dir=None,
                     baseline_cache: dict | None = None) -> dict:
    """{model: mean ROC-AUC over folds} for one dataset.

    ``baseline_cache`` maps ``"name/fold/n_context/max_test"`` to the baselines' ROC-AUCs; the
    baselines do not depend on the checkpoint, so a cache lets several checkpoints be compared
    at the cost of the TFM alone. Missing entries are computed and added.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # notes on dropped constant columns
        data = load_dataset(name, data_dir)
    y = LabelEncoder().fit(data.y).transform(data.y)
    n_classes = int(y.max()) + 1
    if n_classes > model.limits.max_classes:
        raise ValueError(f"{n_classes} classes > the model's {model.limits.max_classes}")
    scores = {m: [] for m in MODELS}
    classes = np.arange(n_classes)
    n_train = None if n_context > SMALL_DATASET_SHARE * len(y) else n_context
    for fold in range(folds):
        split = make_split(data.y, fold=fold, n_train=n_train, val_fraction=0.0, seed=0)
        test = split.test[:max_test]
        x_train, y_train, x_test, y_test = data.X.iloc[split.train], y[split.train], data.X.iloc[test], y[test]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # feature subsampling / convergence notes, once per fold
            scores["tfm"].append(roc_auc(y_test, predict_proba(model, x_train, y_train, x_test, n_classes),
                                         classes))
            key = f"{name}/{fold}/{n_context}/{max_test}"
            cached = (baseline_cache or {}).get(key) or {
                m: roc_auc(y_test, baseline_proba(estimator, x_train, y_train, x_test, n_classes), classes)
                for m, estimator in baselines(fold).items()}
            if baseline_cache is not None:
                baseline_cache[key] = cached
            for m, score in cached.items():
                scores[m].append(score)
    return {m: float(np.mean(v)) for m, v in scores.items()}


def format_table(results: dict[str, dict], skipped: dict[str, str]) -> str:
    lines = [f"{'dataset':45s} " + " ".join(f"{m:>7s}" for m in MODELS), "-" * 78]
    for name, row in results.items():
        lines.append(f"{name:45s} " + " ".join(f"{row[m]:7.3f}" for m in MODELS))
    lines.append("-" * 78)
    means = {m: np.mean([r[m] for r in results.values()]) for m in MODELS}
    lines.append(f"{'mean (' + str(len(results)) + ' datasets)':45s} " + " ".join(f"{means[m]:7.3f}" for m in MODELS))
    tfm = np.array([r["tfm"] for r in results.values()])
    for m in MODELS[1:]:
        other = np.array([r[m] for r in results.values()])
        lines.append(f"tfm >= {m}: {int((tfm >= other).sum())} of {len(tfm)} datasets")
    lines.append(f"tfm min ROC-AUC: {tfm.min():.3f} ({list(results)[int(tfm.argmin())]})")
    for name, why in skipped.items():
        lines.append(f"skipped {name}: {why}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", help="weights or training checkpoint (default: shipped default.pt)")
    parser.add_argument("--datasets", nargs="+", help="dataset names (default: the development datasets, "
                                                      "which no benchmark grid scores; with --report: mirror "
                                                      "+ breast_cancer, wine)")
    parser.add_argument("--report", action="store_true",
                        help="the reporting table on the mirror (datasets the grids score): report with it, "
                             "never choose a model or setting by it (implied by --export-run)")
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--n-context", type=int, default=512)
    parser.add_argument("--max-test", type=int, default=2000)
    parser.add_argument("--data-dir", help="mirror directory (default: $CAUSALMIX_DATA_DIR)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--json", help="write the per-dataset results here")
    parser.add_argument("--baseline-cache", help="JSON file of baseline ROC-AUCs per dataset/fold "
                                                 "(read if present, extended and rewritten)")
    parser.add_argument("--export-run", help="pretraining run directory: write its best.pt (fp16) to "
                                             "the shipped default.pt and MODEL_CARD.md with these results")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.export_run and args.checkpoint:
        parser.error("--export-run benchmarks and ships RUN_DIR/best.pt; drop --checkpoint")
    checkpoint = f"{args.export_run}/best.pt" if args.export_run else args.checkpoint
    if args.export_run:       # keep the benchmarked weights: training may replace best.pt meanwhile
        best = torch.load(checkpoint, map_location="cpu", weights_only=True)
        model = standin_from_payload(best)
    else:
        model = load_model("default", path=checkpoint)
    report_table = args.report or bool(args.export_run)
    names = args.datasets or ([t.name for t in TABARENA_V01 if is_available(t.name, args.data_dir)]
                              + ["breast_cancer", "wine"] if report_table else list(DEVELOPMENT_DATASETS))
    cache_path = Path(args.baseline_cache) if args.baseline_cache else None
    cache = json.loads(cache_path.read_text()) if cache_path and cache_path.is_file() else {}
    results, skipped = {}, {}
    for name in tqdm(names, desc="zero-shot", unit="dataset"):
        if name not in BUILTIN_DATASETS and not is_available(name, args.data_dir):
            skipped[name] = "not in the data directory"
            continue
        try:
            results[name] = evaluate_dataset(model, name, args.folds, args.n_context, args.max_test,
                                             args.data_dir, cache)
        except (ValueError, DatasetError) as error:
            skipped[name] = str(error)
        if cache_path:
            cache_path.write_text(json.dumps(cache, indent=1))
    if not results:
        print("zero_shot: no dataset could be evaluated", file=sys.stderr)
        return 2
    table = format_table(results, skipped)
    print(f"checkpoint: {checkpoint or CHECKPOINT_DIR / 'default.pt'}; folds: {args.folds}; "
          f"context rows: {args.n_context}; test rows per fold <= {args.max_test}")
    print(table)
    report = dict(checkpoint=str(checkpoint), folds=args.folds, n_context=args.n_context,
                  max_test=args.max_test, results=results, skipped=skipped, table=table)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=1)
    if args.export_run:
        from causalmix.models.pretrain import export_checkpoint

        for path in export_checkpoint(args.export_run, CHECKPOINT_DIR, report, best):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
