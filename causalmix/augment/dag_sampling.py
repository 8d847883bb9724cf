"""DAGs from an edge-probability matrix ``P`` (``P.loc[a, b]`` = probability of a -> b).

Both functions treat each unordered pair ``{a, b}`` as adjacent with probability
``min(1, P[a, b] + P[b, a])`` and oriented a -> b with probability ``P[a, b] / (P[a, b] + P[b, a])``.
Acyclicity holds by construction: edges are added from the most to the least probable (by
``P[a, b]`` of the orientation taken), and an edge that would close a cycle is added reversed (which cannot close one, since
the path that blocked it runs the other way).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd


def most_probable_dag(probabilities: pd.DataFrame, adjacency_threshold: float = 0.5) -> nx.DiGraph:
    """The DAG of the pairs adjacent with probability > ``adjacency_threshold``, each oriented
    its more probable way (ties: row order), cycles broken at the least probable edge."""
    values, nodes = _checked(probabilities)
    adjacency = values + values.T
    upper = np.triu(adjacency > adjacency_threshold, k=1)
    edges = []
    for i, j in zip(*np.nonzero(upper)):
        source, target = (i, j) if values[i, j] >= values[j, i] else (j, i)
        edges.append((source, target, values[source, target]))
    return _acyclic_graph(nodes, edges)


def sample_dags(probabilities: pd.DataFrame, n_dags: int,
                random_state: int | np.random.Generator | None = None) -> list[nx.DiGraph]:
    """``n_dags`` independent DAGs: every pair's adjacency and orientation drawn from ``P``."""
    if n_dags < 0:
        raise ValueError(f"n_dags must be >= 0, got {n_dags}.")
    values, nodes = _checked(probabilities)
    rng = np.random.default_rng(random_state)
    adjacency = np.minimum(values + values.T, 1.0)
    pairs = np.argwhere(np.triu(adjacency > 0, k=1))
    forward = values[pairs[:, 0], pairs[:, 1]] / adjacency[pairs[:, 0], pairs[:, 1]] if len(pairs) else []
    dags = []
    for _ in range(n_dags):
        present = rng.random(len(pairs)) < adjacency[pairs[:, 0], pairs[:, 1]]
        is_forward = rng.random(len(pairs)) < forward
        edges = []
        for (i, j), keep, fwd in zip(pairs, present, is_forward):
            if keep:
                source, target = (i, j) if fwd else (j, i)
                edges.append((source, target, values[source, target]))
        dags.append(_acyclic_graph(nodes, edges))
    return dags


def _checked(probabilities: pd.DataFrame) -> tuple[np.ndarray, list]:
    values = probabilities.to_numpy(dtype=float)
    if values.ndim != 2 or values.shape[0] != values.shape[1] or list(probabilities.index) != list(probabilities.columns):
        raise ValueError("probabilities must be a square DataFrame with the same nodes as index and columns.")
    if np.isnan(values).any() or (values < 0).any() or (values > 1 + 1e-9).any():
        raise ValueError("probabilities must lie in [0, 1].")
    return values, list(probabilities.index)


def _acyclic_graph(nodes: list, edges: list[tuple[int, int, float]]) -> nx.DiGraph:
    """Add ``(source, target, probability)`` edges by decreasing probability, reversing cycle closers."""
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    for source, target, _ in sorted(edges, key=lambda edge: -edge[2]):
        a, b = nodes[source], nodes[target]
        if nx.has_path(graph, b, a):
            a, b = b, a
        graph.add_edge(a, b)
    return graph
