"""Fidelity, utility and speed of the registered generators on the offline TabArena mirror.

For each dataset (default: every mirror dataset with at most ``--max-features`` features) the
generators are fitted on the ``make_split(y, fold=0, n_train=512, val_fraction=0, seed=0)``
training rows and sample ``--n-samples`` rows; the test rows are the real holdout. Printed: one
table per measure (C2ST ROC-AUC, mean marginal distance, dependence distance, TSTR ratio,
share of synthetic rows keeping the real table's exact identities, fit+sample wall seconds and
CPU seconds), per-stage seconds of ``causalmix``, and with
``--structure`` the skeleton F1 / orientation accuracy of CausalMix's most probable DAG on random
linear-Gaussian SCMs. ``--naive`` adds the naive pipeline (one PC run, then
``gcm.auto.assign_causal_mechanisms`` GOOD, fit, draw) as generator ``naive``.

    python benchmarks/augment.py --generators causalmix,marginals,copula --naive --structure
    python benchmarks/augment.py --generators causalmix,marginals,copula,smote,ctgan,tabebm \
        --params '{"tabebm": {"sgld_steps": 50}}'      # per-generator parameters (JSON)
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from causalmix import fidelity
from causalmix.augment import AUGMENTERS, make_augmenter
from causalmix.augment.base import Augmenter
from causalmix.augment.causal_mix import CausalMixAugmenter, discover_structure
from causalmix.augment.dag_sampling import most_probable_dag
from causalmix.augment.discovery import FAST_FISHERZ, simulate_linear_gaussian, structure_scores
from causalmix.data import load_dataset
from causalmix.data.dataset import resolve_data_dir
from causalmix.splits import make_split


class NaivePipeline(CausalMixAugmenter):
    """The naive reference: one PC run (unlimited conditioning depth) on one resample of the
    rows, one DAG consistent with it, DoWhy's ``gcm.auto`` GOOD mechanisms, fit, draw. It shares
    CausalMix's column encoding (normal scores, level pooling, near-duplicate merging), so the
    comparison isolates discovery and mechanism fitting."""

    def __init__(self, random_state: int | None = 0):
        super().__init__(n_bootstrap=1, n_dags=1, algorithms=("pc",), max_depth=None, mechanisms="good",
                         random_state=random_state)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generators", default="causalmix,marginals,copula",
                        help=f"comma-separated registry names ({', '.join(AUGMENTERS)})")
    parser.add_argument("--datasets", default=None,
                        help=f"comma-separated mirror names or synthetic tables with derived columns "
                             f"({', '.join(DERIVED_TABLES)}) (default: all mirror datasets small enough)")
    parser.add_argument("--data-dir", default=None, help="mirror directory (default: $CAUSALMIX_DATA_DIR)")
    parser.add_argument("--max-features", type=int, default=40)
    parser.add_argument("--n-train", type=int, default=512)
    parser.add_argument("--n-samples", type=int, default=10_000)
    parser.add_argument("--naive", action="store_true", help="add the naive PC + gcm.auto GOOD pipeline")
    parser.add_argument("--structure", action="store_true", help="also score discovery on linear-Gaussian SCMs")
    parser.add_argument("--wide", action="store_true",
                        help=f"also time causalmix's fit + sample on wide synthetic tables ({WIDE_ROWS} rows, "
                             f"{', '.join(map(str, WIDE_COLUMNS))} columns)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1)")
    parser.add_argument("--params", type=json.loads, default={},
                        help='JSON: generator name -> constructor parameters, e.g. \'{"tabebm": {"sgld_steps": 50}}\'')
    parser.add_argument("--json", default=None, help="also write all results to this file")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"generator parameters: {json.dumps(args.params) if args.params else 'defaults'}; "
          f"n_train={args.n_train}, n_samples={args.n_samples}, threads={args.threads}")
    with threadpool_limits(limits=args.threads):
        results = {}
        if args.structure:
            results["structure"] = structure_benchmark(args.params.get("causalmix", {}))
        if args.wide:
            results["wide"] = wide_benchmark(args.params.get("causalmix", {}))
        generators = [g for g in args.generators.split(",") if g] + (["naive"] if args.naive else [])
        unknown = [g for g in generators if g not in AUGMENTERS and g != "naive"]
        unused = set(args.params) - set(generators) - ({"causalmix"} if args.structure or args.wide else set())
        if unknown or unused:
            parser.error(f"unknown generators {unknown or sorted(unused)}; "
                         f"known: {', '.join(AUGMENTERS)}")
        if generators:
            results["datasets"] = fidelity_benchmark(generators, _datasets(args), args)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=1, default=float)


#: Synthetic tables with derived columns (exact functions of other columns), by name.
DERIVED_TABLES = ("derived_price", "derived_total", "derived_ratio")


def derived_table(name: str, n_rows: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """``n_rows`` rows of a table whose last numeric column is derived from others, as in real
    tables: ``price = list_price - discount`` (cents), ``total = part_a + part_b + part_c`` (integer
    counts) or ``bmi = weight / height ** 2``; the label depends on the features through noise."""
    rng = np.random.default_rng(seed)
    if name == "derived_price":
        list_price = np.round(rng.lognormal(3, 0.5, n_rows), 2)
        discount = np.round(list_price * rng.uniform(0, 0.4, n_rows), 2)
        X = pd.DataFrame({"list_price": list_price, "discount": discount,
                          "channel": rng.choice(["web", "shop", "phone"], n_rows),
                          "price": np.round(list_price - discount, 2)})
        score = np.log(X["price"]) - 3 + 0.5 * (X["channel"] == "web") + rng.normal(0, 0.5, n_rows)
    elif name == "derived_total":
        parts = rng.poisson([20, 35, 50], size=(n_rows, 3)) * rng.integers(1, 4, size=(n_rows, 1))
        X = pd.DataFrame(parts, columns=["part_a", "part_b", "part_c"]).assign(age=rng.normal(40, 10, n_rows))
        X["total"] = X[["part_a", "part_b", "part_c"]].sum(axis=1)
        score = (X["total"] - X["total"].mean()) / X["total"].std() + 0.05 * (X["age"] - 40) + rng.normal(0, 0.7, n_rows)
    elif name == "derived_ratio":
        height = rng.normal(1.72, 0.09, n_rows)
        weight = 22 * height ** 2 * rng.lognormal(0, 0.15, n_rows)
        X = pd.DataFrame({"height": height, "weight": weight, "steps": rng.gamma(4, 2000, n_rows)})
        X["bmi"] = X["weight"] / X["height"] ** 2
        score = (X["bmi"] - 25) / 3 - (X["steps"] - 8000) / 4000 + rng.normal(0, 0.7, n_rows)
    else:
        raise ValueError(f"Unknown derived table {name!r}; known: {', '.join(DERIVED_TABLES)}.")
    return X, pd.Series(np.where(score > np.median(score), "high", "low"), name="label")


def _datasets(args) -> list[str]:
    if args.datasets:
        return args.datasets.split(",")
    index = json.loads((resolve_data_dir(args.data_dir) / "index.json").read_text())
    return sorted((d["name"] for d in index["datasets"] if d["n_features"] <= args.max_features), key=str.lower)


def _make(name: str, params: dict) -> Augmenter:
    return NaivePipeline() if name == "naive" else make_augmenter(name, **params.get(name, {}))


def fidelity_benchmark(generators: list[str], datasets: list[str], args) -> dict:
    rows, stages = [], []
    for dataset_name in tqdm(datasets, desc="datasets"):
        if dataset_name in DERIVED_TABLES:
            X_all, y_all = derived_table(dataset_name, 2 * args.n_train)
        else:
            data = load_dataset(dataset_name, data_dir=args.data_dir)
            X_all, y_all = data.X, data.y
        split = make_split(y_all, fold=0, n_train=args.n_train, val_fraction=0, seed=0, name=dataset_name)
        X, y = X_all.iloc[split.train].reset_index(drop=True), y_all.iloc[split.train].reset_index(drop=True)
        X_test, y_test = X_all.iloc[split.test].reset_index(drop=True), y_all.iloc[split.test].reset_index(drop=True)
        for generator in generators:
            augmenter = _make(generator, args.params)
            wall, cpu = time.perf_counter(), time.process_time()
            augmenter.fit(X, y)
            fitted = time.perf_counter()
            X_syn, y_syn = augmenter.sample(args.n_samples, random_state=1)
            wall_end, cpu_end = time.perf_counter(), time.process_time()
            rows.append({
                "dataset": dataset_name, "generator": generator,
                **fidelity.fidelity_summary(X_syn, y_syn, X, y, X_test, y_test),
                "identities": fidelity.identities_kept(X_test, X_syn),
                "seconds": wall_end - wall, "cpu_seconds": cpu_end - cpu,
            })
            if hasattr(augmenter, "timings_"):
                stages.append({"dataset": dataset_name, "generator": generator, **augmenter.timings_,
                               "sample": wall_end - fitted, "nodes": X.shape[1] + 1})
    table = pd.DataFrame(rows)
    for measure, note in [("c2st", "C2ST ROC-AUC, real holdout vs synthetic (0.5 = indistinguishable)"),
                          ("marginal", "mean per-column marginal distance (KS / TV; 0 = identical)"),
                          ("dependence", "pairwise dependence distance (0 = identical)"),
                          ("tstr_ratio", "TSTR ROC-AUC / train-on-real ROC-AUC (gradient boosting)"),
                          ("identities", "share of synthetic rows keeping the real rows' exact identities "
                                         "(tables without any left out)"),
                          ("seconds", f"fit + sample {args.n_samples} rows, wall seconds"),
                          ("cpu_seconds", f"fit + sample {args.n_samples} rows, CPU seconds of this process")]:
        wide = table.pivot(index="dataset", columns="generator", values=measure)[generators].dropna(how="all")
        print(f"\n## {measure}: {note}")
        print(wide.round(3).to_string())
        print("median " + "  ".join(f"{g}={wide[g].median():.3f}" for g in generators))
    if "marginals" in generators:
        c2st = table.pivot(index="dataset", columns="generator", values="c2st")
        for generator in generators:
            if generator != "marginals":
                wins = int((c2st[generator] < c2st["marginals"]).sum())
                print(f"{generator} beats marginals on C2ST on {wins}/{len(c2st)} datasets")
    if stages:
        stage_table = pd.DataFrame(stages).set_index(["dataset", "generator"]).round(3)
        print("\n## per-stage wall seconds (discovery, dag_sampling, scm_fit, sample)")
        print(stage_table.to_string())
        print(stage_table.groupby(level="generator").median().round(3).to_string())
    return {"rows": rows, "stages": stages}


#: Families of random linear-Gaussian SCMs (``simulate_linear_gaussian`` arguments), all with weights
#: on +-[0.5, 1.5], unit noise and unstandardised values: Erdős-Rényi DAGs of expected degree 2; the
#: issue-18 family, Erdős-Rényi DAGs of expected degree 3.5 (about 35 edges at 20 nodes), whose
#: variances grow along the causal order so late nodes correlate with their ancestors by up to
#: |r| > 0.95; and a chain (degree 2 plus a directed path through the order), where every late node
#: does, which makes it the one family on which the near-duplicate threshold matters at every size.
STRUCTURE_FAMILIES = {"erdos_renyi": {"expected_degree": 2.0}, "dense": {"expected_degree": 3.5},
                      "chain": {"expected_degree": 2.0, "chain": True}}
#: Near-duplicate rules compared by the structure benchmark (``None``: rule off).
STRUCTURE_THRESHOLDS = (0.95, 0.99, None)


def structure_benchmark(params: dict, seeds: tuple[int, ...] = (0, 1, 2), n_rows: int = 500,
                        sizes: tuple[int, ...] = (10, 20, 40)) -> list[dict]:
    """Skeleton F1 / orientation accuracy of the most probable DAG found by CausalMix's discovery
    stage (``discover_structure``: near-duplicate rule, PC + FCI, Fisher-z) at its defaults
    updated by ``params``, on the raw simulated values, for each near-duplicate threshold of
    ``STRUCTURE_THRESHOLDS``."""
    settings = CausalMixAugmenter(**params)
    scores = []
    for family, options in STRUCTURE_FAMILIES.items():
        for n_nodes in sizes:
            for seed in seeds:
                data, true_dag = simulate_linear_gaussian(n_nodes, n_rows, random_state=seed, **options)
                for threshold in STRUCTURE_THRESHOLDS:
                    start = time.perf_counter()
                    probabilities, duplicates, _ = discover_structure(
                        data.to_numpy(), list(data.columns), near_duplicate_correlation=threshold,
                        algorithms=settings.algorithms, n_bootstrap=settings.n_bootstrap, alpha=settings.alpha,
                        max_depth=settings.max_depth, ci_test=FAST_FISHERZ, random_state=seed)
                    score = structure_scores(true_dag, most_probable_dag(probabilities))
                    scores.append({"family": family, "nodes": n_nodes, "seed": seed,
                                   "threshold": "off" if threshold is None else threshold,
                                   "true_edges": true_dag.number_of_edges(), "collapsed": len(duplicates),
                                   **score, "seconds": time.perf_counter() - start})
    table = pd.DataFrame(scores)
    print(f"\n## structure recovery on random linear-Gaussian SCMs (n={n_rows}; skeleton F1 of the most "
          f"probable DAG by near_duplicate_correlation; default {settings.near_duplicate_correlation})")
    summary = table.groupby(["family", "nodes", "threshold"], sort=False).agg(
        edges=("true_edges", "mean"), collapsed=("collapsed", "mean"), skeleton_f1=("skeleton_f1", "mean"),
        orientation=("orientation_accuracy", "mean"), seconds=("seconds", "mean"))
    print(summary.round(3).to_string())
    return scores


#: Wide-table timing: rows fitted and sampled, and column counts.
WIDE_ROWS = 1000
WIDE_COLUMNS = (100, 200, 400, 2000)


def wide_table(n_rows: int, n_columns: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """``n_rows`` rows of ``n_columns`` features in blocks, as in wide real tables: each column is one
    of 20 latent factors times a weight on +-[0.5, 1.5] plus unit noise (so a column correlates
    with its block); every tenth column is categorical (three levels); the label depends on the
    first factor."""
    rng = np.random.default_rng(seed)
    factors = rng.standard_normal((n_rows, 20))
    weights = rng.uniform(0.5, 1.5, n_columns) * rng.choice([-1, 1], n_columns)
    values = factors[:, rng.integers(0, 20, n_columns)] * weights + rng.standard_normal((n_rows, n_columns))
    X = pd.DataFrame(values, columns=[f"f{i}" for i in range(n_columns)])
    for name in X.columns[::10]:
        X[name] = pd.cut(X[name], 3, labels=["low", "mid", "high"]).astype(str)
    score = factors[:, 0] + rng.normal(0, 0.5, n_rows)
    return X, pd.Series(np.where(score > 0, "yes", "no"), name="label")


def wide_benchmark(params: dict, n_rows: int = WIDE_ROWS, sizes: tuple[int, ...] = WIDE_COLUMNS) -> list[dict]:
    """Wall seconds of causalmix's fit on ``n_rows`` rows of ``wide_table`` and of sampling ``n_rows``
    rows, per column count, at its defaults updated by ``params``."""
    rows = []
    for n_columns in sizes:
        X, y = wide_table(n_rows, n_columns)
        augmenter = CausalMixAugmenter(**params)
        start = time.perf_counter()
        augmenter.fit(X, y)
        fitted = time.perf_counter()
        augmenter.sample(n_rows, random_state=1)
        end = time.perf_counter()
        rows.append({"columns": n_columns, "fit": fitted - start, "sample": end - fitted,
                     "fit_and_sample": end - start, **augmenter.timings_,
                     "screened_out": len(augmenter.screened_out_)})
    table = pd.DataFrame(rows).set_index("columns")
    print(f"\n## causalmix on wide tables: fit on {n_rows} rows + sample {n_rows} rows, wall seconds")
    print(table.round(2).to_string())
    return rows


if __name__ == "__main__":
    main()
