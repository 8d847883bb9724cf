"""Structural causal models on a given DAG with DoWhy's ``gcm``: fitting and ancestral sampling.

Root nodes get ``EmpiricalDistribution`` (resampling the observed values). Non-root numeric nodes
get an ``AdditiveNoiseModel`` (a regressor plus the empirical residual distribution) and
non-root categorical nodes a ``ClassifierFCM`` (sampling from the classifier's ``p(node | parents)``).
The ``mechanisms`` policy picks the models:

- ``"auto"`` (default): per non-root node, the better of the two fast candidates below on a
  holdout of its own rows: both are fitted on a random ``1 - SELECTION_HOLDOUT`` share of the
  rows and scored on the rest (mean squared error for numeric nodes, mean negative
  log-likelihood of the held-out levels for categorical ones, probabilities floored at
  ``1e-6``); boosting must win by more than ``SELECTION_MARGIN`` (relative), else the linear
  model is kept (a simpler model on a tie, and boosting is the slower one to sample from). The
  winner is refitted on all rows;
- ``"linear"``: ordinary least squares / logistic regression;
- ``"boosting"``: histogram gradient boosting (``BOOSTING_PARAMS``: up to 100 shallow trees,
  early stopping on an internal 20 % validation split) for both;
- ``"good"`` / ``"better"``: DoWhy's automatic per-node model selection
  (``gcm.auto.assign_causal_mechanism_node``) at that quality (slow: it cross-validates candidate
  models per node); a node where DoWhy's selection fails (a cross-validation fold missing a rare
  class raises in DoWhy 0.14) gets the ``"linear"`` mechanism instead.

Categorical node values must be ``str`` (DoWhy infers "categorical" from the Python type of the
values), numeric ones float, and the data must hold no NaN. DoWhy draws from NumPy's global
generator, so fitting and sampling run inside ``dowhy_session``, which restores the global
state afterwards.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterable, Iterator

import networkx as nx
import numpy as np
import pandas as pd
from dowhy import gcm
from dowhy.gcm import config as gcm_config
from dowhy.gcm.auto import AssignmentQuality, assign_causal_mechanism_node
from dowhy.gcm.causal_models import PARENTS_DURING_FIT
from dowhy.gcm.fitting_sampling import fit_causal_model_of_target
from dowhy.graph import get_ordered_predecessors
from threadpoolctl import threadpool_limits

MECHANISMS = ("auto", "linear", "boosting", "good", "better")
#: Histogram gradient boosting of the ``"boosting"`` policy and ``"auto"``'s flexible candidate.
BOOSTING_PARAMS = {"max_iter": 50, "learning_rate": 0.1, "max_leaf_nodes": 15, "min_samples_leaf": 20,
                   "early_stopping": False}
#: Share of a node's rows held out to choose its ``"auto"`` mechanism.
SELECTION_HOLDOUT = 0.25
#: Relative holdout-loss improvement boosting needs over the linear model under ``"auto"``.
SELECTION_MARGIN = 0.02


@contextlib.contextmanager
def dowhy_session(seed: int) -> Iterator[None]:
    """Seed NumPy's global generator (which DoWhy uses) and silence DoWhy's progress bars and
    warnings, restoring both on exit; BLAS/OpenMP run single-threaded (the models are tiny)."""
    state = np.random.get_state()
    show_bars = gcm_config.show_progress_bars
    gcm_config.show_progress_bars = False
    np.random.seed(seed)
    try:
        with warnings.catch_warnings(), threadpool_limits(limits=1):
            warnings.simplefilter("ignore")
            yield
    finally:
        np.random.set_state(state)
        gcm_config.show_progress_bars = show_bars


def fit_scms(dags: Iterable[nx.DiGraph], data: pd.DataFrame, categorical_nodes: Iterable,
             mechanisms: str = "auto", random_state: int = 0) -> list[gcm.StructuralCausalModel]:
    """One fitted SCM per DAG, each on a fresh copy of its DAG (DoWhy stores mechanisms on nodes).

    ``data``: (n_rows, n_nodes), a column per node, categorical nodes as ``str``. A node whose
    parent set recurs in several DAGs is fitted once and its mechanism object is shared (the
    fit would be identical; sampling does not change a fitted mechanism).
    """
    if mechanisms not in MECHANISMS:
        raise ValueError(f"mechanisms must be one of {MECHANISMS}, got {mechanisms!r}.")
    categorical = set(categorical_nodes)
    rng = np.random.default_rng(random_state)
    fitted: dict[tuple, object] = {}
    scms = []
    with dowhy_session(random_state):
        for dag in dags:
            missing = [node for node in dag.nodes if node not in data.columns]
            if missing:
                raise ValueError(f"data has no column for node(s) {missing}.")
            scm = gcm.StructuralCausalModel(nx.DiGraph(dag))
            for node in scm.graph.nodes:
                key = (node, tuple(get_ordered_predecessors(scm.graph, node)))
                if key in fitted:
                    scm.set_causal_mechanism(node, fitted[key])
                    scm.graph.nodes[node][PARENTS_DURING_FIT] = list(key[1])
                    continue
                _assign(scm, node, data, node in categorical, mechanisms, int(rng.integers(2**31)))
                fit_causal_model_of_target(scm, node, data)
                fitted[key] = scm.causal_mechanism(node)
            scms.append(scm)
    return scms


def draw(scm: gcm.StructuralCausalModel, n: int, random_state: int,
         interventions: dict[object, Callable] | None = None) -> pd.DataFrame:
    """``n`` rows drawn by propagating fresh exogenous noise through ``scm`` (columns: its nodes).

    ``interventions`` (node -> function of one node value): soft interventions applied with
    ``gcm.interventional_samples``; each intervened node's drawn value is replaced by the
    function's value and its descendants are drawn again from their mechanisms.
    """
    with dowhy_session(random_state):
        if interventions:
            return gcm.interventional_samples(scm, interventions, num_samples_to_draw=n)
        return gcm.draw_samples(scm, n)


def _assign(scm: gcm.StructuralCausalModel, node, data: pd.DataFrame, categorical: bool, mechanisms: str,
            seed: int) -> None:
    if scm.graph.in_degree(node) == 0:
        scm.set_causal_mechanism(node, gcm.EmpiricalDistribution())
        return
    if mechanisms in ("good", "better"):
        quality = AssignmentQuality.GOOD if mechanisms == "good" else AssignmentQuality.BETTER
        try:
            assign_causal_mechanism_node(scm, node, data, quality)
            return
        except ValueError:
            mechanisms = "linear"  # DoWhy's model selection fails when a CV fold misses a rare class
    if mechanisms == "auto":
        parents = get_ordered_predecessors(scm.graph, node)
        mechanisms = _select_model(data[parents].to_numpy(), data[node].to_numpy(), categorical, seed)
    model = _model(categorical, mechanisms, seed)
    scm.set_causal_mechanism(node, gcm.ClassifierFCM(model) if categorical else gcm.AdditiveNoiseModel(model))


def _model(categorical: bool, kind: str, seed: int):
    """A fresh DoWhy prediction model: ``kind`` is ``"linear"`` or ``"boosting"``."""
    if kind == "linear":
        return (gcm.ml.create_logistic_regression_classifier(max_iter=500) if categorical
                else gcm.ml.create_linear_regressor())
    if categorical:
        return gcm.ml.create_hist_gradient_boost_classifier(**BOOSTING_PARAMS, random_state=seed)
    return gcm.ml.create_hist_gradient_boost_regressor(**BOOSTING_PARAMS, random_state=seed)


def _select_model(parents: np.ndarray, values: np.ndarray, categorical: bool, seed: int) -> str:
    """``"linear"`` or ``"boosting"`` by holdout loss (module docstring, ``"auto"``).

    ``parents``: (n_rows, n_parents), ``values``: (n_rows,) of one node. Too few rows to hold
    out, or a training part with a single level, keep the linear model.
    """
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(values))
    n_holdout = int(round(SELECTION_HOLDOUT * len(values)))
    held_out, train = order[:n_holdout], order[n_holdout:]
    if n_holdout < 20 or (categorical and len(set(values[train])) < 2):
        return "linear"
    losses = {}
    for kind in ("linear", "boosting"):
        model = _model(categorical, kind, seed)
        model.fit(parents[train], values[train])
        if categorical:
            probabilities = model.predict_probabilities(parents[held_out])
            column = {level: i for i, level in enumerate(model.classes)}
            true = np.array([column.get(level, -1) for level in values[held_out]])
            likelihood = np.where(true >= 0, probabilities[np.arange(len(true)), np.maximum(true, 0)], 0.0)
            losses[kind] = float(-np.mean(np.log(np.maximum(likelihood, 1e-6))))
        else:
            losses[kind] = float(np.mean((model.predict(parents[held_out]).ravel() - values[held_out]) ** 2))
    return "boosting" if losses["boosting"] < (1 - SELECTION_MARGIN) * losses["linear"] else "linear"
