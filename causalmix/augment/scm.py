"""Structural causal models on a given DAG with DoWhy's ``gcm``: fitting and ancestral sampling.

Root nodes get ``EmpiricalDistribution`` (resampling the observed values). Non-root numeric nodes
get an ``AdditiveNoiseModel`` (a regressor plus the empirical residual distribution) and
non-root categorical nodes a ``ClassifierFCM`` (sampling from the classifier's ``p(node | parents)``).
The ``mechanisms`` policy picks the models:

- ``"auto"`` (default): ``"boosting"`` when the table has at least ``AUTO_MIN_ROWS`` rows,
  ``"linear"`` below that (with ``min_samples_leaf=20`` a tree of so few rows has hardly any
  split, so boosting would fall back to each node's marginal). Chosen by measurement (``benchmarks/augment.py``): choosing per node
  between the two by a 25 % holdout loss (mean squared error / log-loss) gave a worse C2ST than
  boosting everywhere on four of six TabArena datasets at n_train=512 (credit-g 0.579 vs 0.527)
  and cost a third more time, and linear mechanisms alone were worse on every one of them
  (blood-transfusion 0.691 vs 0.633, diabetes 0.606 vs 0.516). Those runs used 50 trees of 15
  leaves; the smaller default below fits about 1.8 times faster with C2ST within 0.02 (credit-g,
  HR_Analytics, diabetes, maternal_health_risk);
- ``"linear"``: ordinary least squares / logistic regression;
- ``"boosting"``: histogram gradient boosting for both (``BOOSTING_PARAMS``: 30 trees of at most
  8 leaves, learning rate 0.15);
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
import time
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
#: Histogram gradient boosting of the ``"boosting"`` and ``"auto"`` policies (fixed size: sklearn's
#: early stopping splits off a stratified validation set, which fails on a level seen once).
BOOSTING_PARAMS = {"max_iter": 30, "learning_rate": 0.15, "max_leaf_nodes": 8, "min_samples_leaf": 20,
                   "early_stopping": False}
#: Fewest training rows for which ``"auto"`` fits boosting rather than a linear model.
AUTO_MIN_ROWS = 4 * BOOSTING_PARAMS["min_samples_leaf"]


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
             mechanisms: str = "auto", random_state: int = 0,
             deadline: float | None = None) -> list[gcm.StructuralCausalModel]:
    """One fitted SCM per DAG, each on a fresh copy of its DAG (DoWhy stores mechanisms on nodes).

    ``data``: (n_rows, n_nodes), a column per node, categorical nodes as ``str``. A node whose
    parent set recurs in several DAGs is fitted once and its mechanism object is shared (the
    fit would be identical; sampling does not change a fitted mechanism). ``deadline`` (a
    ``time.perf_counter()`` value): once an SCM is finished past it, the remaining DAGs get no
    SCM, so fewer SCMs than DAGs may come back (at least one).
    """
    if mechanisms not in MECHANISMS:
        raise ValueError(f"mechanisms must be one of {MECHANISMS}, got {mechanisms!r}.")
    categorical = set(categorical_nodes)
    fitted: dict[tuple, object] = {}
    scms = []
    with dowhy_session(random_state):
        for dag in dags:
            if scms and deadline is not None and time.perf_counter() > deadline:
                break
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
                _assign(scm, node, data, node in categorical, mechanisms)
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


def _assign(scm: gcm.StructuralCausalModel, node, data: pd.DataFrame, categorical: bool, mechanisms: str) -> None:
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
        mechanisms = "boosting" if len(data) >= AUTO_MIN_ROWS else "linear"
    model = _model(categorical, mechanisms)
    scm.set_causal_mechanism(node, gcm.ClassifierFCM(model) if categorical else gcm.AdditiveNoiseModel(model))


def _model(categorical: bool, kind: str):
    """A fresh DoWhy prediction model: ``kind`` is ``"linear"`` or ``"boosting"``."""
    if kind == "linear":
        return (gcm.ml.create_logistic_regression_classifier(max_iter=500) if categorical
                else gcm.ml.create_linear_regressor())
    if categorical:
        return gcm.ml.create_hist_gradient_boost_classifier(**BOOSTING_PARAMS)
    return gcm.ml.create_hist_gradient_boost_regressor(**BOOSTING_PARAMS)
