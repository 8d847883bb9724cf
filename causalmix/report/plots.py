"""Figures for the book. Each function draws on a given (or new) matplotlib axis and returns it.

Methods get their display name and colour from :mod:`causalmix.report.theme` (the same on every page);
new figures are :data:`causalmix.report.theme.WIDTH` inches wide, the width of the book's text column
(the notebooks call :func:`causalmix.report.theme.apply_theme` for fonts and resolution).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd

from causalmix import metrics
from causalmix.columns import is_categorical
from causalmix.metrics.shift import ShiftComparison
from causalmix.report.theme import PALETTE, WIDTH, color, name, order


def _axis(ax, figsize=(5, 4)):
    return ax if ax is not None else plt.subplots(figsize=figsize)[1]


def edge_probability_heatmap(probabilities: pd.DataFrame, ax=None, title: str | None = None):
    """Heatmap of ``P`` (nodes x nodes; row = cause, column = effect), values in [0, 1]."""
    ax = _axis(ax, figsize=(min(WIDTH, 0.4 * len(probabilities) + 3), min(WIDTH, 0.4 * len(probabilities) + 2.5)))
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
    colors = [PALETTE[1] if node == highlight else PALETTE[0] for node in dag.nodes]
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
    """One panel per column: real vs each generator's synthetic marginal (hist or bar shares), in
    each generator's colour (:mod:`causalmix.report.theme`)."""
    nrows = int(np.ceil(len(columns) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(WIDTH, 2.4 * nrows + 0.6), squeeze=False)
    frames = {"real": real, **synthetic}
    for ax, column in zip(axes.flat, columns):
        values = real[column]
        if is_categorical(values):
            shares = pd.DataFrame({source: frame[column].astype(str).value_counts(normalize=True)
                                   for source, frame in frames.items()}).fillna(0).head(12)
            shares.plot.bar(ax=ax, width=0.8, legend=False, color=[color(c) for c in shares.columns])
            ax.set_xlabel("")
            ax.tick_params(axis="x", labelsize=8)
        else:
            bins = np.histogram_bin_edges(values.dropna(), bins=20)
            for source, frame in frames.items():
                ax.hist(frame[column].dropna(), bins=bins, density=True, histtype="step",
                        linewidth=1.8 if source == "real" else 1.4, color=color(source), label=name(source))
        ax.set_title(str(column)[:30], fontsize=10)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(columns):]:
        ax.set_axis_off()
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / (2.4 * nrows + 0.6)))
    fig.legend(handles, labels, loc="upper center", ncol=len(frames), bbox_to_anchor=(0.5, 1.0))
    return fig


def pair_plot(real: pd.DataFrame, synthetic: dict[str, pd.DataFrame], x: str, y: str, hue: str | None = None,
              max_points: int = 500, random_state: int = 0):
    """Scatter of two numeric columns, one panel for the real rows and one per generator, colored
    by ``hue`` (e.g. the label column) when given; at most ``max_points`` points per panel."""
    frames = {"real": real, **synthetic}
    fig, axes = plt.subplots(1, len(frames), figsize=(WIDTH, WIDTH / len(frames) + 0.9), sharex=True, sharey=True,
                             squeeze=False)
    levels = sorted(real[hue].astype(str).unique()) if hue else [None]
    colors = dict(zip(levels, PALETTE))
    for ax, (source, frame) in zip(axes.flat, frames.items()):
        frame = frame.sample(min(len(frame), max_points), random_state=random_state)
        for level in levels:
            part = frame if level is None else frame[frame[hue].astype(str) == level]
            ax.scatter(part[x], part[y], s=6, alpha=0.6, color=colors[level], label=level)
        ax.set_title(name(source), fontsize=11, color=color(source))
        ax.set_xlabel(str(x)[:25], fontsize=9)
        ax.tick_params(labelsize=8)
    axes.flat[0].set_ylabel(str(y)[:25], fontsize=9)
    if hue:
        axes.flat[-1].legend(title=str(hue), fontsize=8, markerscale=2)
    fig.tight_layout()
    return fig


def finetuning_curves(curves: pd.DataFrame, metric: str = "roc_auc"):
    """Train loss, validation and test ``metric`` against the step, one line per method, for the
    runs in ``curves`` (one run per method: filter to one dataset, fold, n_train and seed first).
    A dotted vertical line marks each method's early-stopping step (first best validation value)."""
    from causalmix.metrics import early_stopping_gap

    if curves.groupby("method")["run_id"].nunique().max() > 1:
        raise ValueError("curves hold several runs of a method; filter to one dataset, fold, n_train and seed.")
    panels = [("train_loss", "train loss (nats)"), (f"val_{metric}", f"validation {metric}"),
              (f"test_{metric}", f"test {metric}")]
    fig, axes = plt.subplots(1, 3, figsize=(WIDTH, 3.6))
    for method in order(curves["method"].unique()):
        curve = curves[curves["method"] == method].sort_values("step")
        selected = early_stopping_gap(curve, metric)["selected_step"]
        for ax, (column, label) in zip(axes, panels):
            points = curve[["step", column]].dropna()
            ax.plot(points["step"], points[column], marker="o", markersize=3, color=color(method), label=name(method))
            ax.axvline(selected, color=color(method), linestyle=":", linewidth=1.2)
            ax.set_xlabel("step")
            ax.set_title(label, fontsize=12)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0, 1, 0.88))
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), bbox_to_anchor=(0.5, 1.0))
    return fig


def score_distributions(runs: pd.DataFrame, column: str, ax=None, reference: float | None = 0.0):
    """Box plot per method of ``column`` (e.g. the normalised score, one value per task) with the
    tasks as jittered points; a dashed line at ``reference`` (None: no line)."""
    methods = order(runs["method"].unique())
    ax = _axis(ax, figsize=(WIDTH, 4.0))
    values = [runs.loc[runs["method"] == m, column].dropna().to_numpy() for m in methods]
    boxes = ax.boxplot(values, tick_labels=[name(m) for m in methods], showfliers=False, patch_artist=True,
                       medianprops={"color": "black", "linewidth": 1.6}, widths=0.55)
    for box, method in zip(boxes["boxes"], methods):
        box.set(facecolor=color(method), alpha=0.35, edgecolor=color(method))
    rng = np.random.default_rng(0)
    for position, (points, method) in enumerate(zip(values, methods), start=1):
        ax.scatter(position + rng.uniform(-0.15, 0.15, len(points)), points, s=10, alpha=0.6, color=color(method),
                   zorder=3)
    if reference is not None:
        ax.axhline(reference, color="0.4", linestyle="--", linewidth=1)
    ax.set_ylabel(column)
    ax.tick_params(axis="x", rotation=20 if len(methods) > 4 else 0)
    return ax


def _annotated_image(ax, values: np.ndarray, vmin: float, vmax: float, fmt: str, fontsize: float,
                     aspect: str = "equal", cmap: str = "RdBu"):
    """``values`` on the diverging ``cmap`` scale from ``vmin`` to ``vmax``, every finite cell
    annotated with ``fmt``, in white where the colour is dark (beyond 60 % of the way from the
    centre to an end). Returns the image (for a colorbar)."""
    image = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax, aspect=aspect)
    ax.grid(False)
    centre, half = (vmin + vmax) / 2, (vmax - vmin) / 2
    for (i, j), value in np.ndenumerate(values):
        if np.isfinite(value):
            ax.text(j, i, fmt.format(value), ha="center", va="center", fontsize=fontsize,
                    color="white" if abs(value - centre) > 0.6 * half else "black")
    return image


def win_rate_heatmap(table: pd.DataFrame, ax=None):
    """Heatmap of a pairwise win-rate table (row beats column), values annotated, in [0, 1]."""
    ax = _axis(ax, figsize=(min(WIDTH, 1.1 * len(table) + 4), min(WIDTH, 0.8 * len(table) + 2)))
    image = _annotated_image(ax, table.to_numpy(dtype=float), 0, 1, "{:.2f}", fontsize=11)
    ax.set_xticks(range(len(table.columns)), [name(m) for m in table.columns], rotation=30, ha="right")
    ax.set_yticks(range(len(table.index)), [name(m) for m in table.index])
    ax.set_xlabel("loses to row")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="win rate of row")
    return ax


def dataset_heatmap(matrix: pd.DataFrame, ax=None, label: str = "median normalised score (%)"):
    """Methods x datasets heatmap (e.g. :func:`causalmix.metrics.comparison.dataset_improvement`)
    on a diverging scale centred at 0 and clipped at the 95th percentile of ``|value|`` (one
    extreme dataset would otherwise wash out the rest); values annotated, datasets as columns."""
    values = matrix.to_numpy(dtype=float)
    finite = np.abs(values[np.isfinite(values)])
    limit = float(np.percentile(finite, 95)) if finite.size and finite.max() > 0 else 1.0
    ax = _axis(ax, figsize=(WIDTH, 0.55 * len(matrix) + 2.8))
    image = _annotated_image(ax, values, -limit, limit, "{:.1f}", fontsize=7, aspect="auto")
    ax.set_yticks(range(len(matrix.index)), [name(m) for m in matrix.index])
    ax.set_xticks(range(len(matrix.columns)), matrix.columns, rotation=60, ha="right",
                  rotation_mode="anchor", fontsize=9)
    ax.figure.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label=label)
    return ax


def fold_spread(variability: pd.DataFrame, methods: list[str], ax=None):
    """Per dataset, the standard deviation across folds of each of ``methods`` (grouped bars).

    ``variability``: ``metrics.fold_variability`` output indexed by (method, dataset[, ...]).
    """
    spread = variability["std"].unstack("method")[methods]
    if isinstance(spread.index, pd.MultiIndex):  # label by the levels that vary (e.g. n_train only when several)
        varying = [level for level in range(spread.index.nlevels)
                   if level == 0 or spread.index.get_level_values(level).nunique() > 1]
        spread.index = [" / ".join(str(i[level]) for level in varying) for i in spread.index]
    else:
        spread.index = spread.index.map(str)
    ax = _axis(ax, figsize=(WIDTH, 4.5))
    spread.rename(columns=name).plot.bar(ax=ax, width=0.8, color=[color(m) for m in methods])
    ax.set_ylabel("std across folds")
    ax.set_xlabel("")
    ax.legend(title=None)
    ax.set_xticks(range(len(spread)), spread.index, rotation=60, ha="right", rotation_mode="anchor",
                  fontsize=10 if len(spread) > 12 else None)
    return ax


def scarcity_curve(summary: pd.DataFrame, ax=None, reference: float | None = 0.0, value: str = "median",
                   series: str = "method", label=name):
    """``value`` (with its CI band, ``ci_low``/``ci_high``) against ``n_train``, one line per
    ``series`` (coloured as that method; ``label`` names it in the legend).

    ``summary``: ``metrics.summarize(..., by=("method", "n_train"))`` output, or any table with
    ``series``, ``n_train``, ``value`` and the CI columns (e.g. spread ratios per reference).
    """
    ax = _axis(ax, figsize=(WIDTH, 4.2))
    table = summary.reset_index()
    for key in order(table[series].unique()):
        part = table[table[series] == key].sort_values("n_train")
        n_train = part["n_train"].to_numpy(dtype=float)
        ax.plot(n_train, part[value], marker="o", color=color(key), label=label(key))
        ax.fill_between(n_train, part["ci_low"], part["ci_high"], alpha=0.2, color=color(key))
    if reference is not None:
        ax.axhline(reference, color="0.4", linestyle="--", linewidth=1)
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(table["n_train"].unique()), [str(int(n)) for n in sorted(table["n_train"].unique())])
    ax.set_xlabel("n_train (scarce rows)")
    ax.legend()
    return ax


def plot_critical_difference(runs: pd.DataFrame, metric: str, alpha: float = 0.05,
                             keys=metrics.TASK_KEYS, ax=None):
    """Critical-difference diagram of average ranks; methods joined by a bar are not
    significantly different (Nemenyi at ``alpha``). Returns the matplotlib Figure."""
    import scikit_posthocs  # imports matplotlib.pyplot: only where needed

    rank_table = metrics.ranks(runs, metric, keys)
    if ax is None:
        _, ax = plt.subplots(figsize=(WIDTH, 0.45 * rank_table.shape[1] + 1.6))
    average = rank_table.mean().rename(index=name)
    significance = metrics.nemenyi_test(runs, metric, keys).rename(index=name, columns=name)
    scikit_posthocs.critical_difference_diagram(
        average, significance, alpha=alpha, ax=ax,
        cd=metrics.critical_difference(rank_table.shape[1], rank_table.shape[0], alpha),
        color_palette={name(m): color(m) for m in rank_table.columns},
        label_fmt_left="{label} ({rank:.2f})", label_fmt_right="({rank:.2f}) {label}")
    ax.grid(False)
    ax.set_title(f"Average rank by {metric} over {rank_table.shape[0]} tasks (Nemenyi, alpha={alpha})",
                 pad=30)  # above the CD bar and its label
    return ax.figure


def plot_shift(comparison: ShiftComparison, methods=None):
    """Mean score per method under each split (top row) and mean drop under each shift split
    (bottom row), with CIs; one column per training size. Returns the matplotlib Figure."""
    sizes = list(dict.fromkeys(comparison.scores.index.get_level_values("n_train")))
    fig, axes = plt.subplots(2, len(sizes), figsize=(WIDTH, 7.5), sharex=True, sharey="row", squeeze=False)
    colors = {split: PALETTE[i % len(PALETTE)] for i, split in
              enumerate(dict.fromkeys(comparison.scores.index.get_level_values("split")))}
    for column, n_train in enumerate(sizes):
        panels = ((axes[0, column], comparison.scores, comparison.metric),
                  (axes[1, column], comparison.drops, f"drop in {comparison.metric} (i.i.d. - shift)"))
        for ax, table, label in panels:
            table = table.xs(n_train, level="n_train")
            splits = list(dict.fromkeys(table.index.get_level_values("split")))
            names = list(methods or dict.fromkeys(table.index.get_level_values("method")))
            width = 0.8 / max(len(splits), 1)
            for i, split in enumerate(splits):
                part = table.xs(split, level="split").reindex(names)
                x = np.arange(len(names)) + (i - (len(splits) - 1) / 2) * width
                error = np.vstack([part["mean"] - part["ci_low"], part["ci_high"] - part["mean"]])
                ax.errorbar(x, part["mean"], yerr=error, fmt="o", ms=4, capsize=2, label=split,
                            color=colors[split])
            ax.set_xticks(np.arange(len(names)), [name(m) for m in names], rotation=45, ha="right",
                          rotation_mode="anchor")
            ax.tick_params(axis="x", labelbottom=True)
            if column == 0:
                ax.set_ylabel(label)
        axes[0, column].set_title(f"n_train = {n_train}")
        axes[1, column].axhline(0, color="grey", lw=0.8)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, title="split", loc="upper center", ncol=len(labels), frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    return fig


def reduction_by_dataset_plot(table: pd.DataFrame, label: str, ax=None):
    """Per dataset (rows, sorted by the mean over panels), the mean drop reduction under each
    (split, n_train) (one marker per panel column): ``table`` from
    :func:`causalmix.metrics.shift.reduction_by_dataset`. Points right of 0: the method loses
    less under shift than the reference on that dataset."""
    wide = table["reduction"].unstack(["split", "n_train"])
    wide = wide.loc[wide.mean(axis=1).sort_values().index]
    ax = _axis(ax, figsize=(WIDTH, 0.3 * len(wide) + 1.8))
    markers = "osD^v<>"
    for i, column in enumerate(wide.columns):
        split, n_train = column
        ax.scatter(wide[column], np.arange(len(wide)), s=22, marker=markers[i % len(markers)],
                   color=PALETTE[i % len(PALETTE)], label=f"{split}, n_train = {n_train}")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(np.arange(len(wide)), wide.index, fontsize=9)
    ax.set_xlabel(label)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return ax


def sensitivity_heatmaps(cells: pd.DataFrame, value: str = "mean", label: str = "mean normalised score (%)",
                         fmt: str = "{:.2f}", limits: tuple[float, float] | None = None, cmap: str = "RdBu"):
    """One heatmap per fine-tuning regime: synthetic ratio (rows) x training size (columns) of
    ``cells[value]`` (:func:`causalmix.metrics.sensitivity.cells`), on one diverging ``cmap``
    scale shared by the panels: from ``limits`` (e.g. ``(0, 1)`` for a share, with ``"RdBu_r"``
    to show high shares in red), else symmetric around 0. Returns the matplotlib Figure."""
    regimes = list(dict.fromkeys(cells.index.get_level_values("regime")))
    grids = {r: cells.xs(r, level="regime")[value].unstack("n_train") for r in regimes}
    if limits is None:
        limit = max(float(np.nanmax(np.abs(g.to_numpy(dtype=float)))) for g in grids.values()) or 1.0
        limits = (-limit, limit)
    fig, axes = plt.subplots(1, len(regimes), figsize=(WIDTH, 3.6), squeeze=False, sharey=True)
    for ax, regime in zip(axes[0], regimes):
        grid = grids[regime]
        image = _annotated_image(ax, grid.to_numpy(dtype=float), *limits, fmt, fontsize=9, aspect="auto", cmap=cmap)
        ax.set_xticks(range(len(grid.columns)), [str(c) for c in grid.columns])
        ax.set_yticks(range(len(grid.index)), [f"{r:g}" for r in grid.index])
        ax.set_title(regime.replace(" steps, ", " steps\n"), fontsize=10)
        ax.set_xlabel("n_train")
    axes[0, 0].set_ylabel("synthetic rows per real row")
    fig.colorbar(image, ax=axes[0].tolist(), fraction=0.03, pad=0.02, label=label)
    return fig


def ratio_curves(cells: pd.DataFrame, label: str = "mean normalised score (%)"):
    """One panel per fine-tuning regime: the mean (with its CI) against the synthetic ratio, one
    line per training size (:func:`causalmix.metrics.sensitivity.cells`). Returns the Figure."""
    regimes = list(dict.fromkeys(cells.index.get_level_values("regime")))
    sizes = sorted(set(cells.index.get_level_values("n_train")))
    fig, axes = plt.subplots(1, len(regimes), figsize=(WIDTH, 3.8), squeeze=False, sharey=True)
    for ax, regime in zip(axes[0], regimes):
        part = cells.xs(regime, level="regime")
        ratios = sorted(set(part.index.get_level_values("ratio")))
        for k, n_train in enumerate(sizes):
            line = part.xs(n_train, level="n_train").reindex(ratios)
            x = np.arange(len(ratios)) + (k - (len(sizes) - 1) / 2) * 0.08
            error = np.vstack([line["mean"] - line["ci_low"], line["ci_high"] - line["mean"]])
            ax.errorbar(x, line["mean"], yerr=np.where(np.isfinite(error), error, 0), marker="o", ms=4,
                        capsize=2, color=PALETTE[k % len(PALETTE)], label=f"n_train = {n_train}")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xticks(range(len(ratios)), [f"{r:g}" for r in ratios])
        ax.set_xlabel("synthetic rows per real row")
        ax.set_title(regime.replace(" steps, ", " steps\n"), fontsize=10)
    axes[0, 0].set_ylabel(label)
    axes[0, -1].legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
