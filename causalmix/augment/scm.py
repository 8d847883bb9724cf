"""Structural causal models on a given DAG with DoWhy's ``gcm``: fitting and ancestral sampling.

Root nodes get ``EmpiricalDistribution`` (resampling the observed values). Non-root numeric nodes
get an ``AdditiveNoiseModel`` (a regressor plus the empirical residual distribution) and
non-root categorical nodes a ``ClassifierFCM`` (sampling from the classifier's ``p(node | parents)``).
The ``mechanisms`` policy picks the models:

- ``"linear"`` (default, fast): ordinary least squares / logistic regression;
- ``"boosting"``: histogram gradient boosting (``max_iter=50``) for both;
- ``"good"`` / ``"better"``: ``gcm.auto.assign_causal_mechanisms`` at that quality (slow: it
  cross-validates candidate models per node).

Categorical node values must be ``str`` (DoWhy infers "categorical" from the Python type of the
values), numeric ones float, and the data must hold no NaN. DoWhy draws from NumPy's global
generator, so fitting and sampling run inside ``dowhy_session``, which restores the global
state afterwards.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable, Iterator

import networkx as nx
import numpy as np
import pandas as pd
from dowhy import gcm
from dowhy.gcm import config as gcm_config
from dowhy.gcm.auto import AssignmentQuality
from threadpoolctl import threadpool_limits

MECHANISMS = ("linear", "boosting", "good", "better")


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


def fit_scm(dag: nx.DiGraph, data: pd.DataFrame, categorical_nodes: Iterable, mechanisms: str = "linear",
            random_state: int = 0) -> gcm.StructuralCausalModel:
    """A fitted SCM on a fresh copy of ``dag`` (DoWhy stores mechanisms on the graph's nodes).

    ``data``: (n_rows, n_nodes) with a column per node of ``dag``, categorical nodes as ``str``.
    """
    if mechanisms not in MECHANISMS:
        raise ValueError(f"mechanisms must be one of {MECHANISMS}, got {mechanisms!r}.")
    missing = [node for node in dag.nodes if node not in data.columns]
    if missing:
        raise ValueError(f"data has no column for node(s) {missing}.")
    categorical = set(categorical_nodes)
    scm = gcm.StructuralCausalModel(nx.DiGraph(dag))
    with dowhy_session(random_state):
        if mechanisms in ("good", "better"):
            quality = AssignmentQuality.GOOD if mechanisms == "good" else AssignmentQuality.BETTER
            gcm.auto.assign_causal_mechanisms(scm, data, quality=quality)
        else:
            for node in scm.graph.nodes:
                scm.set_causal_mechanism(node, _mechanism(scm.graph, node, node in categorical, mechanisms))
        gcm.fit(scm, data)
    return scm


def draw(scm: gcm.StructuralCausalModel, n: int, random_state: int) -> pd.DataFrame:
    """``n`` rows drawn by propagating fresh exogenous noise through ``scm`` (columns: its nodes)."""
    with dowhy_session(random_state):
        return gcm.draw_samples(scm, n)


def _mechanism(graph: nx.DiGraph, node, categorical: bool, mechanisms: str):
    if graph.in_degree(node) == 0:
        return gcm.EmpiricalDistribution()
    if categorical:
        classifier = (gcm.ml.create_logistic_regression_classifier(max_iter=500) if mechanisms == "linear"
                      else gcm.ml.create_hist_gradient_boost_classifier(max_iter=50))
        return gcm.ClassifierFCM(classifier)
    regressor = (gcm.ml.create_linear_regressor() if mechanisms == "linear"
                 else gcm.ml.create_hist_gradient_boost_regressor(max_iter=50))
    return gcm.AdditiveNoiseModel(regressor)
