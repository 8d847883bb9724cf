"""Figures for the book. Each function draws on a given (or new) matplotlib axis and returns it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd


def _axis(ax, figsize=(5, 4)):
    return ax if ax is not None else plt.subplots(figsize=figsize)[1]


def edge_probability_heatmap(probabilities: pd.DataFrame, ax=None, title: str | None = None):
    """Heatmap of ``P`` (nodes x nodes; row = cause, column = effect), values in [0, 1]."""
    ax = _axis(ax, figsize=(0.35 * len(probabilities) + 2.5, 0.35 * len(probabilities) + 2))
    image = ax.imshow(probabilities.to_numpy(dtype=float), vmin=0, vmax=1, cmap="viridis")
    labels = [str(n) for n in probabilities.index]
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("effect")
    ax.set_ylabel("cause")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="P(cause -> effect)")
    if title:
        ax.set_title(title)
    return ax


def draw_dag(dag: nx.DiGraph, ax=None, highlight=None, title: str | None = None, pos=None):
    """A DAG with a circular layout; ``highlight`` (a node, e.g. the target) is drawn in orange.

    Edge width encodes the edge attribute ``weight`` when present (e.g. an edge probability).
    """
    ax = _axis(ax, figsize=(5, 5))
    pos = pos or nx.circular_layout(sorted(dag.nodes, key=str))
    colors = ["tab:orange" if node == highlight else "tab:blue" for node in dag.nodes]
    widths = [1 + 2 * dag.edges[e].get("weight", 0.5) for e in dag.edges]
    nx.draw_networkx_nodes(dag, pos, ax=ax, node_color=colors, node_size=220, alpha=0.9)
    nx.draw_networkx_labels(dag, pos, ax=ax, font_size=7,
                            labels={n: str(n)[:14] for n in dag.nodes})
    nx.draw_networkx_edges(dag, pos, ax=ax, width=widths, arrows=True, arrowsize=10,
                           edge_color="0.35", node_size=220, connectionstyle="arc3,rad=0.08")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def real_vs_synthetic_marginals(real: pd.DataFrame, synthetic: dict[str, pd.DataFrame],
                                columns: list[str], ncols: int = 4):
    """One panel per column: real vs each generator's synthetic marginal (hist or bar shares)."""
    nrows = int(np.ceil(len(columns) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.6 * nrows), squeeze=False)
    frames = {"real": real, **synthetic}
    for ax, column in zip(axes.flat, columns):
        values = real[column]
        if isinstance(values.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(values):
            shares = pd.DataFrame({name: frame[column].astype(str).value_counts(normalize=True)
                                   for name, frame in frames.items()}).fillna(0)
            shares.head(12).plot.bar(ax=ax, width=0.8, legend=False)
            ax.tick_params(axis="x", labelsize=6)
        else:
            bins = np.histogram_bin_edges(values.dropna(), bins=20)
            for name, frame in frames.items():
                ax.hist(frame[column].dropna(), bins=bins, density=True, histtype="step",
                        linewidth=1.5, label=name)
        ax.set_title(str(column)[:30], fontsize=8)
    for ax in list(axes.flat)[len(columns):]:
        ax.set_axis_off()
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(frames), bbox_to_anchor=(0.5, 1.02))
    fig.tight_layout()
    return fig
