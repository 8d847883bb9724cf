"""CausalMix: synthetic rows from structural causal models fitted to a small table.

Pipeline (Bühler, Purucker, Hutter, arXiv 2601.04110, "CausalMixFT"):

1. causal discovery over the features and the label together: PC and FCI (causal-learn) on
   ``n_bootstrap`` bootstrap resamples, aggregated into edge probabilities ``P``
   (``causalmix.augment.discovery``);
2. ``n_dags`` DAGs sampled from ``P`` plus the most probable DAG (``dag_sampling``);
3. one DoWhy gcm SCM fitted per sampled DAG (``scm``);
4. ``sample(n)`` spreads ``n`` over the SCMs and propagates fresh exogenous noise through each,
   optionally under soft interventions (below).

How columns become SCM nodes (numeric columns as normal scores, categorical and few-valued
integer columns as ``str`` levels, constant columns left out) is ``causalmix.augment.column_encoding``;
columns that other columns determine exactly are computed from them (``deterministic_tolerance``).
Near-duplicate features (``|r| >= near_duplicate_correlation`` between discovery values): only
the first enters discovery; each other one gets it as its single parent (``P = 1``).

The CI test is chosen from the node types (``choose_ci_test``). Conditioning sets are capped
at ``max_depth`` variables. Beyond ``wide_table_nodes`` nodes (default 40) the pipeline switches
to its cheap form, with a warning: conditioning sets capped at 1 variable, FCI only (causal-learn
0.1.4.8's PC skeleton search checks removed edges in a list, which takes minutes at 100 nodes;
FCI's adjacency search does not), Fisher-z on level codes where ``ci_test="auto"`` would pick
G-square, and linear mechanisms where ``mechanisms="auto"``. Beyond ``max_discovery_nodes``
nodes (default 50) only the label and the features most correlated with it enter discovery; every
other feature becomes the only child of its most correlated node among those (a linear mechanism
in the cheap form), which keeps discovery's cost fixed and the rest linear in the columns: fit on
1,000 rows + sampling 1,000 rows took 0.9 s at 100 columns, 4.6 s at 400 and 18.8 s at 2,000 on
two shared CPU cores (``benchmarks/augment.py --wide``; without screening, 70 s at 400 columns and
over 300 s at 2,000). ``time_limit`` bounds fitting further (parameter below). Measured on
coil2000_insurance_policies (70 discrete nodes, 102 rows): discovery 343 s with G-square at depth
2, 26 s at depth 1, 5 s with Fisher-z; wide tables otherwise dominate an experiment grid.

Interventional sampling (beyond the paper; for distribution-shift experiments). With
``intervention_scale != 1`` or ``intervention_shift != 0`` the chosen feature nodes (never the
label) get a soft intervention through ``gcm.interventional_samples``: their drawn values are
changed and their descendants, the label included, are drawn again from the fitted mechanisms.

- numeric node, value ``v`` in normal-score space with training mean ``m`` and standard
  deviation ``s``: ``v -> m + scale * (v - m) + shift * s`` (``scale > 1`` widens the
  distribution, ``shift`` moves it by ``shift`` standard deviations);
- categorical node: ``scale > 1`` flattens the level distribution towards uniform, each value
  being replaced with probability ``1 - 1 / scale`` by a level drawn uniformly from the node's
  training levels (so ``p -> p / scale + (1 - 1 / scale) / n_levels``); ``scale < 1`` sharpens
  it, each value being replaced with probability ``1 - scale`` by the most frequent level; a
  shift has no meaning for unordered levels and leaves categorical nodes unchanged;
- decoding: while an intervention is active, normal scores beyond the training range are mapped
  by linear extrapolation of the empirical quantile function (``extrapolated_quantiles``), so
  widened or shifted numeric columns leave the training range in original units (integer columns
  are rounded, not clipped to their training range); without one, decoding is unchanged.

The intervention parameters act in ``sample`` only, so one fitted augmenter can draw plain and
interventional rows (``set_params(intervention_scale=2.0)``). Tree mechanisms (``"auto"``,
``"boosting"``) are constant beyond the parent values seen in training, so descendants of a
widened node follow it only within that range; ``mechanisms="linear"`` extrapolates.

Defaults (``n_bootstrap=3``, ``n_dags=3``, ``alpha=0.05``, ``max_depth=2``, ``"auto"`` mechanisms):
discovery + fit + sampling 10,000 rows took a median 2.8 s (0.3 to 23 s) on the 20 TabArena
datasets with at most 40 features at 512 training rows on two shared CPU cores, 6.5 times less
than the naive pipeline's median; tables of many categorical nodes take longest
(``benchmarks/augment.py --naive`` measures it).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
from tqdm import tqdm

from causalmix.augment.base import Augmenter
from causalmix.augment.column_encoding import decode_column, encode_column, encode_label
from causalmix.augment.statistical import restore_numeric
from causalmix.augment.dag_sampling import most_probable_dag, sample_dags
from causalmix.augment.discovery import (ALGORITHMS, FAST_FISHERZ, FAST_GSQ, choose_ci_test,
                                         edge_probabilities)
from causalmix.augment.functional import evaluate, find_dependencies
from causalmix.augment.schema import TableSchema
from causalmix.augment.scm import MECHANISMS, draw, fit_scms

TARGET_NODE = "__target__"
TEST_NAMES = {FAST_FISHERZ: "Fisher-z", FAST_GSQ: "G-square"}


class CausalMixAugmenter(Augmenter):
    """SCM-based generator of ``(X, y)`` rows (see the module docstring for the pipeline).

    Parameters
    ----------
    n_bootstrap : bootstrap resamples searched by each discovery algorithm.
    n_dags : DAGs sampled from the edge probabilities, one SCM each.
    algorithms : discovery algorithms, a subset of ``("pc", "fci")``; ``P`` averages them.
    alpha : significance level of the conditional-independence tests.
    max_depth : largest conditioning set of the skeleton searches (``None``: unlimited).
    possible_dsep_depth : largest conditioning set of FCI's possible-d-sep step (0 skips it).
    ci_test : ``"auto"`` (G-square if every node is discrete, else Fisher-z), ``"fisherz"``,
        ``"gsq"``, ``"chisq"`` or ``"kci"`` (kernel test, O(n^3); opt-in).
    mechanisms : SCM model policy, one of ``"auto"`` (histogram gradient boosting, linear/logistic
        models for tables under 80 rows), ``"linear"``, ``"boosting"``, ``"good"``, ``"better"``
        (``causalmix.augment.scm``).
    max_discrete_levels : integer columns with at most this many values become categorical nodes.
    max_levels, min_level_count : categorical levels beyond the ``max_levels`` most frequent or
        seen fewer than ``min_level_count`` times are pooled into one rare level.
    wide_table_nodes : above this many nodes the cheap form runs (depth <= 1, FCI only, Fisher-z
        instead of an automatic G-square, linear instead of automatic mechanisms; with a warning
        saying so).
    max_discovery_nodes : most nodes searched by discovery (``None``: all); beyond it, the label and
        the ``max_discovery_nodes - 1`` features most correlated with an indicator of a class are
        searched and every other feature becomes the only child (``P = 1``) of its most correlated
        searched node (module docstring; with a warning).
    near_duplicate_correlation : a feature whose discovery values correlate with an earlier
        feature's by ``|r| >=`` this (``None``: never) is left out of discovery and becomes that
        feature's only child (``P = 1``). Near-deterministic pairs violate faithfulness: with
        radius, perimeter and area all in a table, each one's edge to the label is removed by
        conditioning on the other two, and the label ends up isolated. The default 0.99 collapses
        such copies (breast_cancer's radius, perimeter and area correlate by 0.994 to 0.999 in
        normal scores; TSTR ratio over three splits of 300 training rows: 0.933 at 0.99, 0.957 at
        0.95, 0.877 with the rule off) but hardly ever the nodes of unstandardised linear SCMs,
        whose late nodes correlate with their ancestors by 0.95 to 0.99 while each still has
        causes of its own (``benchmarks/augment.py --structure``, skeleton F1 of the most probable
        DAG at 10/20/40 nodes: on Erdős-Rényi DAGs of expected degree 3.5, 0.642/0.745/0.767 at
        0.99, the same as rule off at 10 and 20 nodes and 0.771 off at 40, against 0.651/0.745/0.739
        at 0.95; on chains 0.800/0.630/0.496 at 0.99, 0.571/0.436/0.381 at 0.95 and
        0.800/0.656/0.624 off). A rule on the residual of regressing one column on the other is
        the same rule (its spread is ``sqrt(1 - r^2)`` of the column's), so none separates a
        40-node chain's late nodes (``|r| > 0.99``) from breast_cancer's copies.
    deterministic_tolerance : a numeric feature that other numeric features determine (a sum,
        difference, weighted total, ratio or product; ``causalmix.augment.functional``) up to a
        held-out root-mean-square error of at most this fraction of its standard deviation is
        left out of discovery and SCMs and computed from its generated inputs by the fitted
        formula, without noise (an additive-noise node would break the identity, which a
        two-sample classifier spots). ``None``: never.
    time_limit : seconds that fitting may take (``None``: unlimited), checked between discovery's
        resample batches (``n_jobs`` at a time) and between SCMs: once it has passed, the remaining
        resamples are skipped (``P`` averages the finished ones) and so are the remaining SCMs
        (``dags_`` and ``scms_`` keep the fitted ones), with a warning; at least one resample and
        one SCM are always fitted, and a running search is never interrupted, so it can overrun.
    class_balance : ``sample`` returns (as nearly as possible) equally many rows per class, by
        rejection from the SCMs' joint distribution, so ``p(x | y)`` is preserved.
    intervention_scale : soft-intervention spread factor (> 0; 1 = no change; module docstring).
    intervention_shift : soft-intervention shift of numeric nodes, in training standard deviations.
    intervention_nodes : nodes the interventions act on: ``"roots"`` (the root feature nodes of
        each sampled DAG), ``"all_features"`` or a list of feature column names (constant
        columns are not SCM nodes and stay constant); the label is never intervened on.
    n_jobs : joblib workers over bootstrap resamples.
    verbose : show a progress bar over the pipeline stages.
    random_state : seed of the resamples, DAG sampling and model fitting.

    Attributes
    ----------
    edge_probabilities_ : (n_nodes, n_nodes) DataFrame, ``[a, b]`` = probability of a -> b; nodes
        are the feature names and the label's name (``y.name``, else ``"__target__"``).
    most_probable_dag_ : networkx.DiGraph over those nodes.
    dags_ : list of ``n_dags`` sampled networkx.DiGraphs.
    scms_ : list of fitted ``dowhy.gcm.StructuralCausalModel``, one per DAG (constant columns left out).
    near_duplicates_ : ``{feature: representative}`` of the near-duplicate features.
    screened_out_ : ``{feature: parent}`` of the features left out of discovery by ``max_discovery_nodes``.
    dependencies_ : ``{feature: functional.Dependency}`` of the derived (deterministic) features.
    timings_ : seconds spent in ``discovery``, ``dag_sampling`` and ``scm_fit``.
    """

    def __init__(self, n_bootstrap: int = 3, n_dags: int = 3, algorithms: tuple[str, ...] = ALGORITHMS,
                 alpha: float = 0.05, max_depth: int | None = 2, possible_dsep_depth: int = 0,
                 ci_test: str = "auto", mechanisms: str = "auto", max_discrete_levels: int = 10,
                 max_levels: int = 20, min_level_count: int = 3, wide_table_nodes: int = 40,
                 max_discovery_nodes: int | None = 50, near_duplicate_correlation: float | None = 0.99,
                 deterministic_tolerance: float | None = 1e-3, time_limit: float | None = None,
                 class_balance: bool = False, intervention_scale: float = 1.0,
                 intervention_shift: float = 0.0, intervention_nodes: str | list = "roots", n_jobs: int = 1,
                 verbose: bool = False, random_state: int | None = 0):
        self.n_bootstrap = n_bootstrap
        self.n_dags = n_dags
        self.algorithms = algorithms
        self.alpha = alpha
        self.max_depth = max_depth
        self.possible_dsep_depth = possible_dsep_depth
        self.ci_test = ci_test
        self.mechanisms = mechanisms
        self.max_discrete_levels = max_discrete_levels
        self.max_levels = max_levels
        self.min_level_count = min_level_count
        self.wide_table_nodes = wide_table_nodes
        self.max_discovery_nodes = max_discovery_nodes
        self.near_duplicate_correlation = near_duplicate_correlation
        self.deterministic_tolerance = deterministic_tolerance
        self.time_limit = time_limit
        self.class_balance = class_balance
        self.intervention_scale = intervention_scale
        self.intervention_shift = intervention_shift
        self.intervention_nodes = intervention_nodes
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def _fit(self, X: pd.DataFrame, y: pd.Series, schema: TableSchema) -> None:
        """Discover the structure of ``(X, y)`` (n_rows, n_features) and fit ``n_dags`` SCMs."""
        if len(X) < 5:
            raise ValueError(f"need at least 5 rows to fit, got {len(X)}.")
        if len(schema.classes) < 2:
            raise ValueError("y needs at least two classes.")
        if self.n_dags < 1:
            raise ValueError(f"n_dags must be >= 1, got {self.n_dags}.")
        if self.mechanisms not in MECHANISMS:
            raise ValueError(f"mechanisms must be one of {MECHANISMS}, got {self.mechanisms!r}.")
        if self.max_discovery_nodes is not None and self.max_discovery_nodes < 2:
            raise ValueError(f"max_discovery_nodes must be >= 2 or None, got {self.max_discovery_nodes!r}.")
        if self.time_limit is not None and not (np.isfinite(self.time_limit) and self.time_limit > 0):
            raise ValueError(f"time_limit must be a positive number of seconds or None, got {self.time_limit!r}.")
        self._check_intervention_parameters(X.columns, y.name)
        deadline = None if self.time_limit is None else time.perf_counter() + self.time_limit
        rng = np.random.default_rng(self.random_state)
        self.target_name_ = str(y.name) if y.name is not None and y.name not in X.columns else TARGET_NODE
        self.columns_ = {column: encode_column(X[column], self.max_discrete_levels, self.max_levels,
                                               self.min_level_count) for column in X.columns}
        self.columns_[self.target_name_] = encode_label(y)
        self.dependencies_ = ({} if self.deterministic_tolerance is None
                              else find_dependencies(X, self.deterministic_tolerance))
        for target in self.dependencies_:
            self.columns_[target] = {"kind": "derived", "dtype": X[target].dtype}
        nodes = [name for name, spec in self.columns_.items() if spec["kind"] not in ("constant", "derived")]
        node_data = pd.DataFrame({name: self.columns_[name]["fit_values"] for name in nodes})
        categorical_nodes = [name for name in nodes if self.columns_[name]["kind"] in ("categorical", "label")]

        stages = tqdm(total=3, desc="CausalMix", disable=not self.verbose)
        self.timings_ = {}
        start = time.perf_counter()
        depth, algorithms = self.max_depth, tuple(self.algorithms)
        ci_test = choose_ci_test([name in categorical_nodes for name in nodes], self.ci_test)
        mechanisms = self.mechanisms
        if len(nodes) > self.wide_table_nodes:
            depth = 1 if depth is None else min(depth, 1)
            algorithms = ("fci",)
            ci_test = choose_ci_test([False] * len(nodes), self.ci_test)  # "auto" -> Fisher-z
            mechanisms = "linear" if mechanisms == "auto" else mechanisms
        discovery_matrix = np.column_stack([self.columns_[name]["discovery_values"] for name in nodes])
        probabilities, self.near_duplicates_, self.screened_out_ = discover_structure(
            discovery_matrix, nodes, label=self.target_name_,
            near_duplicate_correlation=self.near_duplicate_correlation, max_nodes=self.max_discovery_nodes,
            algorithms=algorithms, n_bootstrap=self.n_bootstrap, alpha=self.alpha, max_depth=depth,
            possible_dsep_depth=self.possible_dsep_depth, ci_test=ci_test, n_jobs=self.n_jobs,
            random_state=rng.integers(2**32), deadline=deadline)
        if len(nodes) > self.wide_table_nodes or self.screened_out_:
            warnings.warn(self._wide_table_message(len(nodes), depth, algorithms, ci_test, mechanisms), stacklevel=3)
        all_names = list(self.columns_)
        self.edge_probabilities_ = probabilities.reindex(index=all_names, columns=all_names, fill_value=0.0)
        self.timings_["discovery"] = time.perf_counter() - start
        stages.update()

        start = time.perf_counter()
        self.most_probable_dag_ = most_probable_dag(self.edge_probabilities_)
        self.dags_ = sample_dags(self.edge_probabilities_, self.n_dags, random_state=rng.integers(2**32))
        self.timings_["dag_sampling"] = time.perf_counter() - start
        stages.update()

        start = time.perf_counter()
        self.scms_ = fit_scms([dag.subgraph(nodes) for dag in self.dags_], node_data, categorical_nodes,
                              mechanisms, random_state=int(rng.integers(2**32)), deadline=deadline)
        n_resamples = probabilities.attrs["n_resamples"]
        if n_resamples < self.n_bootstrap or len(self.scms_) < len(self.dags_):
            warnings.warn(f"time_limit={self.time_limit} s passed while fitting: discovery averaged "
                          f"{n_resamples} of n_bootstrap={self.n_bootstrap} resamples and "
                          f"{len(self.scms_)} of n_dags={self.n_dags} SCMs were fitted.", stacklevel=3)
            self.dags_ = self.dags_[:len(self.scms_)]
        self.timings_["scm_fit"] = time.perf_counter() - start
        stages.update()
        stages.close()

    def _wide_table_message(self, n_nodes: int, depth: int | None, algorithms: tuple, ci_test: str,
                            mechanisms: str) -> str:
        """What was done to bound the cost of a wide table, for its warning."""
        parts = []
        if n_nodes > self.wide_table_nodes:
            parts.append(f"{n_nodes} nodes > wide_table_nodes={self.wide_table_nodes}: discovery ran "
                         f"{'+'.join(algorithms).upper()} with the {TEST_NAMES.get(ci_test, ci_test)} test and "
                         f"conditioning sets of at most {depth} variable(s) "
                         f"and SCMs use {mechanisms} mechanisms")
        if self.screened_out_:
            parts.append(f"only the label and the {self.max_discovery_nodes - 1} features most correlated "
                         f"with it entered discovery (max_discovery_nodes={self.max_discovery_nodes}); each of "
                         f"the other {len(self.screened_out_)} features became the only child of its most "
                         "correlated node among those (screened_out_)")
        return "To bound the cost: " + "; ".join(parts) + "."

    # --------------------------------------------------------------- sample
    def _sample(self, n: int, random_state: int | None) -> tuple[pd.DataFrame, pd.Series]:
        """``n`` synthetic rows ``(X_syn, labels)``."""
        self._check_intervention_parameters(self.feature_names_in_, self.columns_[self.target_name_]["name"])
        rng = np.random.default_rng(random_state)
        if self.class_balance:
            nodes = self._balanced_draw(n, rng)
        else:
            nodes = self._draw(n, rng)
        nodes = nodes.iloc[rng.permutation(len(nodes))].reset_index(drop=True)
        decoded = {name: decode_column(name, spec, nodes, rng, extrapolate=self._intervening)
                   for name, spec in self.columns_.items() if spec["kind"] != "derived"}
        for target, dependency in self.dependencies_.items():  # inputs are never derived
            decoded[target] = restore_numeric(evaluate(dependency, pd.DataFrame(decoded)),
                                              self.columns_[target]["dtype"], 0.0, rng)
        by_name = {str(label): label for label in self.schema_.classes}
        labels = decoded.pop(self.target_name_).map(by_name)
        return pd.DataFrame(decoded), labels

    def _draw(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        """``n`` node rows, split as evenly as possible over the SCMs (remainder to a random few)."""
        counts = np.full(len(self.scms_), n // len(self.scms_))
        counts[rng.permutation(len(self.scms_))[: n % len(self.scms_)]] += 1
        seeds = rng.integers(2**32, size=len(self.scms_))
        frames = [draw(scm, int(count), int(seed), self._interventions(scm, int(seed)))
                  for scm, count, seed in zip(self.scms_, counts, seeds) if count]
        if not frames:
            return pd.DataFrame(columns=list(self.scms_[0].graph.nodes))
        return pd.concat(frames, ignore_index=True)

    def _balanced_draw(self, n: int, rng: np.random.Generator, max_rounds: int = 20) -> pd.DataFrame:
        """Rejection sampling towards ``n / n_classes`` rows per class; tops up from any class if a
        class stays too rare after ``max_rounds`` draws of ``n`` rows (with a warning)."""
        classes = self.columns_[self.target_name_]["classes"]
        quota = np.full(len(classes), n // len(classes))
        quota[rng.permutation(len(classes))[: n % len(classes)]] += 1
        kept, pool = [], []
        needed = dict(zip(classes, quota))
        for _ in range(max_rounds):
            if not any(needed.values()):
                break
            batch = self._draw(max(n, 1), rng)
            for label, group in batch.groupby(self.target_name_, sort=False):
                take = min(needed.get(label, 0), len(group))
                kept.append(group.iloc[:take])
                pool.append(group.iloc[take:])
                needed[label] = needed.get(label, 0) - take
        short = sum(needed.values())
        if short:
            warnings.warn(f"class_balance: {short} of {n} rows could not be drawn for the rarest "
                          "classes; filled with rows of other classes.", stacklevel=3)
            kept.append(pd.concat(pool).iloc[:short])
        return pd.concat(kept, ignore_index=True)

    @property
    def _intervening(self) -> bool:
        return self.intervention_scale != 1 or self.intervention_shift != 0

    def _check_intervention_parameters(self, feature_names, label_name) -> None:
        if not (np.isfinite(self.intervention_scale) and self.intervention_scale > 0):
            raise ValueError(f"intervention_scale must be a finite number > 0, got {self.intervention_scale!r}.")
        if not np.isfinite(self.intervention_shift):
            raise ValueError(f"intervention_shift must be finite, got {self.intervention_shift!r}.")
        nodes = self.intervention_nodes
        if isinstance(nodes, str):
            if nodes not in ("roots", "all_features"):
                raise ValueError(f"intervention_nodes must be 'roots', 'all_features' or a list of feature "
                                 f"names, got {nodes!r}.")
            return
        names = list(feature_names)
        if label_name is not None and label_name in nodes and label_name not in names:
            raise ValueError(f"intervention_nodes holds the label {label_name!r}; the label is never intervened on.")
        unknown = [node for node in nodes if node not in names]
        if unknown:
            raise ValueError(f"intervention_nodes {unknown} are not feature columns of the fitted table.")

    def _interventions(self, scm, seed: int) -> dict | None:
        """Soft-intervention functions (node -> function of one value) for one SCM, or ``None``."""
        if not self._intervening:
            return None
        features = [node for node in scm.graph.nodes if node != self.target_name_]
        if self.intervention_nodes == "roots":
            chosen = [node for node in features if scm.graph.in_degree(node) == 0]
        elif self.intervention_nodes == "all_features":
            chosen = features
        else:
            chosen = [node for node in features if node in set(self.intervention_nodes)]
        rng = np.random.default_rng(seed)
        return {node: self._intervention(node, rng) for node in chosen}

    def _intervention(self, node, rng: np.random.Generator):
        scale, shift = float(self.intervention_scale), float(self.intervention_shift)
        values = self.columns_[node]["fit_values"]
        if self.columns_[node]["kind"] == "numeric":
            mean, std = float(np.mean(values)), float(np.std(values))
            return lambda value: mean + scale * (value - mean) + shift * std
        levels, counts = np.unique(values.astype(str), return_counts=True)
        if scale >= 1:
            replace = 1 - 1 / scale
            return lambda value: levels[rng.integers(len(levels))] if rng.random() < replace else value
        mode = levels[np.argmax(counts)]
        return lambda value: mode if rng.random() < 1 - scale else value


def discover_structure(matrix: np.ndarray, nodes: list, *, label=None,
                       near_duplicate_correlation: float | None = 0.99, max_nodes: int | None = None,
                       **discovery) -> tuple[pd.DataFrame, dict, dict]:
    """Edge probabilities over ``nodes`` from discovery values ``matrix`` (n_rows, n_nodes), the
    near-duplicate features ``{feature: representative}`` and the screened-out features
    ``{feature: parent}``; neither enters the search, and each gets its representative or parent
    as its only parent (``P = 1``). ``label`` is never one of them.

    Screening: beyond ``max_nodes`` nodes (``None``: never), the search keeps the label and the
    ``max_nodes - 1`` features most correlated with it (largest ``|r|`` with an indicator of a
    class; without a label, the first features); every other feature's parent is its most
    correlated kept node. ``discovery``: keyword arguments of
    :func:`causalmix.augment.discovery.edge_probabilities`; ``P.attrs["n_resamples"]`` is kept.
    """
    duplicates = _near_duplicates(matrix, nodes, label, near_duplicate_correlation)
    candidates = [i for i, name in enumerate(nodes) if name not in duplicates]
    searched, screened = _screen(matrix, nodes, candidates, label, max_nodes)
    found = edge_probabilities(matrix[:, searched], [nodes[i] for i in searched], **discovery)
    probabilities = found.reindex(index=nodes, columns=nodes, fill_value=0.0)
    for child, parent in {**duplicates, **screened}.items():
        probabilities.loc[parent, child] = 1.0
    probabilities.attrs["n_resamples"] = found.attrs["n_resamples"]
    return probabilities, duplicates, screened


def _screen(matrix: np.ndarray, nodes: list, candidates: list[int], label, max_nodes: int | None) -> tuple[list, dict]:
    """Column indices of the nodes that enter the search, and ``{feature: parent}`` for the others
    (``discover_structure``)."""
    if max_nodes is None or len(candidates) <= max_nodes:
        return candidates, {}
    standardised = _standardised(matrix[:, candidates])
    position = {node: k for k, node in enumerate(candidates)}
    relevance = np.zeros(len(candidates))
    if label is not None:
        codes = matrix[:, nodes.index(label)]
        indicators = _standardised(np.column_stack([codes == code for code in np.unique(codes)]).astype(float))
        relevance = np.abs(standardised.T @ indicators / len(matrix)).max(axis=1)
        relevance[position[nodes.index(label)]] = np.inf
    kept = np.sort(np.argsort(-relevance, kind="stable")[:max_nodes])
    dropped = np.setdiff1d(np.arange(len(candidates)), kept)
    correlation = np.abs(standardised[:, dropped].T @ standardised[:, kept] / len(matrix))
    if label is not None:  # with the label: the relevance, for a label of more than two classes
        correlation[:, np.searchsorted(kept, position[nodes.index(label)])] = relevance[dropped]
    parents = kept[np.argmax(correlation, axis=1)]
    screened = {nodes[candidates[j]]: nodes[candidates[p]] for j, p in zip(dropped, parents)}
    return [candidates[k] for k in kept], screened


def _standardised(values: np.ndarray) -> np.ndarray:
    """Columns of ``values`` (n_rows, n_columns) at mean 0 and variance 1 (constant columns: 0)."""
    spread = values.std(axis=0)
    return (values - values.mean(axis=0)) / np.where(spread > 0, spread, 1.0)


def _near_duplicates(matrix: np.ndarray, nodes: list, label, threshold: float | None) -> dict:
    """``{node: representative}`` for feature nodes whose discovery values (n_rows, n_nodes) correlate
    with an earlier kept feature node by ``|r| >= threshold`` (the most correlated one); ``{}`` for ``None``."""
    if threshold is None:
        return {}
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = np.abs(np.nan_to_num(np.corrcoef(matrix.T), nan=0.0))
    kept, duplicates = [], {}
    for i, name in enumerate(nodes):
        if name != label and kept and correlation[i, kept].max() >= threshold:
            duplicates[name] = nodes[kept[int(np.argmax(correlation[i, kept]))]]
        elif name != label:
            kept.append(i)
    return duplicates
