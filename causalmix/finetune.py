"""Episodic fine-tuning of an in-context tabular model on real, or real + synthetic, rows.

Each step draws one *episode* from the training pool, as in TabPFN/TabICL/Mitra fine-tuning: the
pool's rows are split (stratified by class) into context rows, whose labels the model sees, and
query rows, whose labels it predicts; the loss is the cross-entropy on the query rows. With
synthetic rows (CausalMixFT) the pool holds the real training rows plus ``synthetic_ratio``
synthetic rows per real row, and ``synthetic_role`` says whether synthetic rows may be context,
query or both.

Validation always uses real rows only, predicted with the real training rows as context. The
zero-shot model (step 0) is evaluated first and is a candidate for selection, so the returned
weights are never worse on validation than the zero-shot ones. Selection and early stopping use
validation ROC-AUC only (ties: lower validation log loss, then the earlier step); the optional
test rows (``monitor``) are recorded for the analysis of the validation-test gap and are never
used for any decision.

Arrays here are already encoded: ``x`` float32 (n_rows, n_features) from the backend's
preprocessor, ``y`` int64 class codes 0..n_classes-1. :mod:`causalmix.estimators` does the
encoding from pandas.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from causalmix.metrics.curves import selection_key
from causalmix.metrics.scores import log_loss, roc_auc
from causalmix.models.base import TabularModel, autocast, predict_proba_in_context, to_tensor
from causalmix.splits.folds import stratified_cap

SYNTHETIC_ROLES = ("both", "context", "query")
CURVE_COLUMNS = ["step", "train_loss", "val_roc_auc", "val_log_loss", "test_roc_auc",
                 "test_log_loss", "elapsed_s"]


@dataclass(frozen=True)
class Rows:
    """Encoded rows: ``x`` float32 (n_rows, n_features), ``y`` int64 class codes (n_rows,)."""

    x: np.ndarray
    y: np.ndarray

    def __post_init__(self):
        if self.x.ndim != 2 or self.y.shape != (self.x.shape[0],):
            raise ValueError(f"Rows need x (n, d) and y (n,), got {self.x.shape} and {self.y.shape}")

    def __len__(self) -> int:
        return len(self.y)

    def take(self, positions: np.ndarray) -> Rows:
        return Rows(self.x[positions], self.y[positions])


@dataclass(frozen=True)
class FineTuneSettings:
    """Hyperparameters of :func:`fine_tune`; the defaults suit a few hundred real rows.

    Optimisation: AdamW with ``learning_rate`` (1e-4: Mitra's fine-tuning default; 3e-5 .. 1e-4
    work for the stand-in) and decoupled ``weight_decay``; the learning rate rises linearly over
    ``warmup_steps`` and then stays constant (the budget is short and early stopping picks the
    step, so there is no decay); gradients are clipped to global norm ``max_grad_norm``. At most
    ``max_steps`` steps, fewer if ``time_limit`` seconds of wall time pass (checked after every
    step; the run then ends with one more evaluation).

    Evaluation every ``eval_every`` steps (and at step 0 and at the last step). With
    ``early_stopping`` the run stops once ``patience`` evaluations in a row did not improve on the
    best one and ends with the best evaluation's weights; without it, the run takes every step and
    keeps the last step's weights (validation rows are still scored, for the curve only), the
    regime in which fine-tuning on a few rows can overfit.

    Episodes: ``query_fraction`` of each class's pool rows become query rows (at least one row of
    every class stays in the context); then at most ``max_episode_query_rows`` query rows (a random
    subset) and at most ``max_episode_context_rows`` context rows (a stratified subset; None: the
    backend's ``limits.max_context_rows``) per step. Smaller episodes make steps cheaper (cost
    grows with rows x features, and with context x all rows in row attention) at the price of
    noisier gradients. The defaults (128 context, 64 query rows) bind from about 190 pool rows
    (real + synthetic); ``benchmarks/finetune.py`` measures what they save. Prediction (validation, test) always uses
    every real training row as context.

    Synthetic rows: ``synthetic_ratio`` synthetic rows per real training row in every episode
    (1.0: as many synthetic as real rows; the paper's ratio is unknown). ``redraw_synthetic``:
    each step takes a fresh random draw from the synthetic pool (True) or one fixed draw is used
    for the whole run (False). ``synthetic_role``: ``"both"`` splits synthetic rows into context
    and query like the real ones; ``"context"`` puts them all in the context (the loss is then on
    real rows only); ``"query"`` puts them all in the query (real rows only as context).

    ``mixed_precision``: bfloat16 autocast; None turns it on on CUDA and off on CPU.
    ``batch_size``: query rows per forward pass at evaluation.
    """

    max_steps: int = 200
    learning_rate: float = 1e-4
    weight_decay: float = 0.01
    warmup_steps: int = 10
    max_grad_norm: float = 1.0
    eval_every: int = 10
    patience: int = 5
    early_stopping: bool = True
    time_limit: float | None = None
    query_fraction: float = 0.3
    max_episode_context_rows: int | None = 128
    max_episode_query_rows: int = 64
    synthetic_ratio: float = 1.0
    redraw_synthetic: bool = True
    synthetic_role: str = "both"
    mixed_precision: bool | None = None
    batch_size: int = 1024

    def __post_init__(self):
        requirements = {
            "max_steps": self.max_steps >= 0,
            "learning_rate": self.learning_rate > 0,
            "weight_decay": self.weight_decay >= 0,
            "warmup_steps": self.warmup_steps >= 0,
            "max_grad_norm": self.max_grad_norm > 0,
            "eval_every": self.eval_every >= 1,
            "patience": self.patience >= 1,
            "time_limit": self.time_limit is None or self.time_limit > 0,
            "query_fraction": 0 < self.query_fraction < 1,
            "max_episode_context_rows": self.max_episode_context_rows is None or self.max_episode_context_rows >= 1,
            "max_episode_query_rows": self.max_episode_query_rows >= 1,
            "synthetic_ratio": self.synthetic_ratio >= 0,
            "synthetic_role": self.synthetic_role in SYNTHETIC_ROLES,
            "batch_size": self.batch_size >= 1,
        }
        invalid = [name for name, ok in requirements.items() if not ok]
        if invalid:
            raise ValueError("Invalid fine-tuning setting(s): " + ", ".join(
                f"{name}={getattr(self, name)!r}" for name in invalid)
                + f" (see FineTuneSettings; synthetic_role is one of {SYNTHETIC_ROLES}).")


@dataclass
class FineTuneResult:
    """``curve``: one row per evaluation (columns :data:`CURVE_COLUMNS`; ``train_loss`` is the mean
    query cross-entropy in nats since the previous evaluation, NaN at step 0; test columns NaN
    without ``monitor``; ``elapsed_s`` wall seconds since the start). ``best_step``: the step
    whose weights the model holds now (0 = zero-shot). ``stop_reason``: why the run ended."""

    curve: pd.DataFrame
    best_step: int
    stop_reason: str


def _split_per_class(y: np.ndarray, query_fraction: float,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(context, query) positions: ``round(query_fraction * n_c)`` query rows of each class c,
    at least one row of each class left in the context."""
    context, query = [], []
    for c in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == c))
        n_query = min(int(round(query_fraction * len(rows))), len(rows) - 1)
        query.append(rows[:n_query])
        context.append(rows[n_query:])
    return np.concatenate(context), np.concatenate(query)


class _EpisodeSampler:
    """Draws (context, query) episodes from the real rows and, optionally, a synthetic pool."""

    def __init__(self, real: Rows, synthetic: Rows | None, settings: FineTuneSettings,
                 max_context_rows: int, rng: np.random.Generator):
        self.settings = settings
        self.max_context_rows = max_context_rows
        self.rng = rng
        self.real = real
        n_synthetic = int(round(settings.synthetic_ratio * len(real))) if synthetic is not None else 0
        if n_synthetic > 0 and len(synthetic) < n_synthetic:
            raise ValueError(f"synthetic_ratio={settings.synthetic_ratio} asks for {n_synthetic} "
                             f"synthetic rows per step but only {len(synthetic)} were supplied.")
        self.synthetic = synthetic if n_synthetic > 0 else None
        self.n_synthetic = n_synthetic
        self.fixed_synthetic = (None if self.synthetic is None or settings.redraw_synthetic
                                else synthetic.take(rng.choice(len(synthetic), n_synthetic, replace=False)))
        _, counts = np.unique(real.y, return_counts=True)
        if sum(min(int(round(settings.query_fraction * n)), n - 1) for n in counts) == 0:
            raise ValueError(f"{len(real)} real training rows leave no query rows at "
                             f"query_fraction={settings.query_fraction}; supply more rows.")

    def draw(self) -> tuple[Rows, Rows]:
        """(context, query) rows of one episode."""
        s, rng = self.settings, self.rng
        context_pos, query_pos = _split_per_class(self.real.y, s.query_fraction, rng)
        contexts, queries = [self.real.take(context_pos)], [self.real.take(query_pos)]
        if self.synthetic is not None:
            synthetic = (self.fixed_synthetic if self.fixed_synthetic is not None else
                         self.synthetic.take(rng.choice(len(self.synthetic), self.n_synthetic,
                                                        replace=False)))
            if s.synthetic_role == "context":
                contexts.append(synthetic)
            elif s.synthetic_role == "query":
                queries.append(synthetic)
            else:
                context_pos, query_pos = _split_per_class(synthetic.y, s.query_fraction, rng)
                contexts.append(synthetic.take(context_pos))
                queries.append(synthetic.take(query_pos))
        context, query = _concat(contexts), _concat(queries)
        context = context.take(stratified_cap(context.y, self.max_context_rows, rng))
        if len(query) > s.max_episode_query_rows:
            query = query.take(np.sort(rng.choice(len(query), s.max_episode_query_rows, replace=False)))
        return context, query


def _concat(parts: list[Rows]) -> Rows:
    return Rows(np.concatenate([p.x for p in parts]), np.concatenate([p.y for p in parts]))


def _scores(model: TabularModel, context: Rows, rows: Rows, n_classes: int,
            settings: FineTuneSettings) -> tuple[float, float]:
    """(ROC-AUC, log loss) on ``rows``; ROC-AUC is NaN when ``rows`` hold a single class."""
    proba = predict_proba_in_context(model, context.x, context.y, rows.x, n_classes,
                                     settings.batch_size, settings.mixed_precision)
    classes = np.arange(n_classes)
    auc = roc_auc(rows.y, proba, classes) if len(np.unique(rows.y)) > 1 else math.nan
    return auc, log_loss(rows.y, proba, classes)


def _step(model: TabularModel, context: Rows, query: Rows, n_classes: int, optimizer, scheduler,
          settings: FineTuneSettings) -> float:
    """One optimisation step on an episode; returns the query cross-entropy (nats) before the update."""
    device = next(model.parameters()).device
    model.train()
    with autocast(device, settings.mixed_precision):
        logits = model(to_tensor(context.x, device=device)[None],
                       to_tensor(context.y, dtype=torch.long, device=device)[None],
                       to_tensor(query.x, device=device)[None])[0, :, :n_classes]
    loss = torch.nn.functional.cross_entropy(
        logits.float(), to_tensor(query.y, dtype=torch.long, device=device))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_([p for group in optimizer.param_groups for p in group["params"]],
                                   settings.max_grad_norm)
    optimizer.step()
    scheduler.step()
    return loss.item()


def _evaluation(model: TabularModel, context: Rows, val: Rows, monitor: Rows | None, n_classes: int,
                settings: FineTuneSettings, step: int, train_loss: float, elapsed_s: float) -> dict:
    """One curve row (:data:`CURVE_COLUMNS`): validation scores and, with ``monitor``, test scores."""
    val_auc, val_ll = _scores(model, context, val, n_classes, settings)
    test_auc, test_ll = (_scores(model, context, monitor, n_classes, settings)
                         if monitor is not None else (math.nan, math.nan))
    return dict(step=step, train_loss=train_loss, val_roc_auc=val_auc, val_log_loss=val_ll,
                test_roc_auc=test_auc, test_log_loss=test_ll, elapsed_s=elapsed_s)


class _BestCheckpoint:
    """The weights of the best evaluation so far (:func:`selection_key` of validation scores; a tie
    keeps the earlier step) and how many evaluations in a row did not beat it."""

    def __init__(self, model: TabularModel, record: dict):
        self.key = selection_key(record["val_roc_auc"], record["val_log_loss"])
        self.step, self.state, self.stale = record["step"], copy.deepcopy(model.state_dict()), 0

    def update(self, model: TabularModel, record: dict) -> None:
        key = selection_key(record["val_roc_auc"], record["val_log_loss"])
        if key > self.key:
            self.key, self.step, self.state, self.stale = key, record["step"], copy.deepcopy(model.state_dict()), 0
        else:
            self.stale += 1


def fine_tune(model: TabularModel, train: Rows, val: Rows, n_classes: int,
              settings: FineTuneSettings = FineTuneSettings(), synthetic: Rows | None = None,
              monitor: Rows | None = None, random_state: int = 0,
              progress: bool = True) -> FineTuneResult:
    """Fine-tune ``model`` in place; on return it holds the best validation weights, in eval mode.

    ``train``: the real training rows (also the context for validation and ``monitor``; capped to
    ``limits.max_context_rows`` by a stratified subset); ``val``: real validation rows;
    ``synthetic``: the synthetic pool (None for plain fine-tuning); ``monitor``: test rows scored at
    every evaluation for analysis only. The same ``random_state`` gives the same run on a CPU
    (episodes come from a NumPy generator, dropout from a forked torch generator).
    """
    if len(val) == 0:
        raise ValueError("Fine-tuning needs validation rows for early stopping.")
    device = next(model.parameters()).device
    rng = np.random.default_rng(random_state)
    eval_context = train.take(stratified_cap(train.y, model.limits.max_context_rows, rng))
    episode_context_rows = min(settings.max_episode_context_rows or model.limits.max_context_rows,
                               model.limits.max_context_rows)
    sampler = _EpisodeSampler(train, synthetic, settings, episode_context_rows, rng)
    optimizer = torch.optim.AdamW(model.trainable_parameters(), lr=settings.learning_rate,
                                  weight_decay=settings.weight_decay)
    warmup = settings.warmup_steps
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / (warmup + 1)))
    start = time.perf_counter()

    def evaluate(step: int, train_loss: float) -> dict:
        return _evaluation(model, eval_context, val, monitor, n_classes, settings, step, train_loss,
                           time.perf_counter() - start)

    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(random_state)
        records = [evaluate(0, math.nan)]
        best = _BestCheckpoint(model, records[0])
        losses, stop_reason = [], "max_steps"
        bar = tqdm(range(1, settings.max_steps + 1), desc="fine-tuning", disable=not progress,
                   leave=False)
        for step in bar:
            losses.append(_step(model, *sampler.draw(), n_classes, optimizer, scheduler, settings))
            out_of_time = (settings.time_limit is not None
                           and time.perf_counter() - start > settings.time_limit)
            if step % settings.eval_every and step != settings.max_steps and not out_of_time:
                continue
            records.append(evaluate(step, float(np.mean(losses))))
            losses = []
            best.update(model, records[-1])
            bar.set_postfix(val_roc_auc=f"{records[-1]['val_roc_auc']:.4f}", best_step=best.step)
            if out_of_time:
                stop_reason = "time_limit"
                break
            if settings.early_stopping and best.stale >= settings.patience:
                stop_reason = "early_stopping"
                break
        bar.close()
    selected = best.step if settings.early_stopping else records[-1]["step"]
    if settings.early_stopping:
        model.load_state_dict(best.state)
    model.eval()
    return FineTuneResult(pd.DataFrame(records, columns=CURVE_COLUMNS), selected, stop_reason)
