"""Grid expansion: a config -> runs keyed by (dataset, fold, n_train, method, seed, config hash).

Each entry of the config's ``split`` list (default: the i.i.d. outer folds only) is run on the
whole grid; the split entry enters the config hash (so runs under different splits have their
own ids) except for the default i.i.d. split, which adds nothing to the hash: a config without a
``split`` section must keep the run ids of its stored results.

Every random state is derived from the run key by hashing, never from the order of execution, so
a run gives the same numbers whatever the executor, the worker count or what ran before it:

- the split depends on (dataset, fold, n_train, n_folds, val_fraction) and the split entry
  only (seeded with :data:`SPLIT_SEED`), so all methods and all seeds see the same rows: a seed
  repeats a task with new episodes and new synthetic rows, so that run-to-run noise is measured
  apart from the variation between splits;
- the fine-tuning ``random_state`` on (dataset, fold, n_train, seed), shared by all methods and
  split entries (common random numbers make paired comparisons less noisy);
- the synthetic rows on (dataset, fold, n_train, seed, split entry, generator settings): methods
  with the same generator settings share one cached sample.

The config hash covers the method's settings, the split settings, the metrics and the identity of
the model weights (:func:`model_fingerprint`): a rerun after any of them changed runs afresh
instead of skipping stale results.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from causalmix.runner.config import AUGMENT, ExperimentConfig, MethodConfig, SplitConfig

#: Seed of every split (outer folds, scarce rows, validation part, domain shifts): never a run's seed.
SPLIT_SEED = 0
#: FineTunedClassifier parameters that decide how many synthetic rows are drawn.
SYNTHETIC_SIZE_PARAMS = ("synthetic_ratio", "synthetic_pool_size", "redraw_synthetic")


def stable_hash(value, length: int = 16) -> str:
    """Hex digest (``length`` characters) of the canonical JSON of ``value``."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def derive_seed(*parts) -> int:
    """A 32-bit seed from ``parts`` (stable across machines and Python versions)."""
    return int(stable_hash(list(parts), 8), 16)


@dataclass(frozen=True)
class RunSpec:
    """Everything one run needs; picklable, so it can travel to any worker."""

    run_id: str
    config_hash: str
    dataset: str
    fold: int
    n_train: int | None
    seed: int
    method: MethodConfig
    data_dir: str | None
    n_folds: int
    val_fraction: float
    model: str
    device: str | None
    metrics: tuple[str, ...]
    monitor_rows: int | None
    random_state: int
    synthetic_id: str | None
    synthetic_random_state: int | None
    split: SplitConfig = SplitConfig()


@dataclass(frozen=True)
class RunGroup:
    """Runs executed together in one task: those sharing a synthetic sample (else one run)."""

    runs: tuple[RunSpec, ...]


def model_fingerprint(model: str) -> str:
    """Identity of a backend's weights, so that new weights mean new runs: for "default" the hash
    of the shipped checkpoint (a :class:`~causalmix.models.CheckpointError` without one); other
    backends ("untrained" included) load weights fixed by their name and package version
    (recorded in the manifest), so their name."""
    from causalmix.models import CHECKPOINT_DIR, read_checkpoint

    if model != "default":
        return model
    path = CHECKPOINT_DIR / "default.pt"
    read_checkpoint(path)  # missing or unreadable: an error naming the file, never random weights
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _split_settings(split: SplitConfig) -> dict:
    """The split entry as hashed: nothing for the default i.i.d. split (it must not change run ids)."""
    return {} if split.is_default else {"split_entry": {"name": split.name, "strategy": split.strategy,
                                                        "params": split.params}}


def _config_hash(config: ExperimentConfig, method: MethodConfig, fingerprint: str,
                 split: SplitConfig) -> str:
    """Hash of every setting that can change the numbers of a run besides its key."""
    return stable_hash({"method": {"kind": method.kind, "generator": method.generator,
                                   "generator_params": method.generator_params,
                                   "finetune": method.finetune},
                        "model": fingerprint, "n_folds": config.n_folds,
                        "val_fraction": config.val_fraction, "metrics": list(config.metrics),
                        "monitor_rows": config.monitor_rows, **_split_settings(split)}, 12)


def expand(config: ExperimentConfig) -> list[RunSpec]:
    """All runs of ``config`` in a fixed order: seed, dataset, split entry, n_train, fold, method
    (seed outermost, so that an interrupted grid holds whole repetitions); a method given its own
    ``seeds`` runs on those only."""
    runs = []
    fingerprint = model_fingerprint(config.model)
    for seed in config.seeds:
        for dataset in config.datasets:
            for split_config in config.splits:
                for n_train in config.n_train:
                    for fold in config.folds:
                        runs += [_run(config, split_config, method, dataset, fold, n_train, seed, fingerprint)
                                 for method in config.methods if method.runs_seed(seed)]
    return runs


def _run(config: ExperimentConfig, split_config: SplitConfig, method: MethodConfig, dataset: str,
         fold: int, n_train: int | None, seed: int, fingerprint: str) -> RunSpec:
    split = [dataset, fold, n_train, seed]
    config_hash = _config_hash(config, method, fingerprint, split_config)
    synthetic_id = synthetic_random_state = None
    if method.kind == AUGMENT:
        settings = {"generator": method.generator, "params": method.generator_params,
                    "size": {k: method.finetune.get(k) for k in SYNTHETIC_SIZE_PARAMS},
                    "split": split, "n_folds": config.n_folds, "val_fraction": config.val_fraction,
                    **_split_settings(split_config)}
        synthetic_id = stable_hash(settings)
        synthetic_random_state = derive_seed("synthetic", synthetic_id)
    key = {"dataset": dataset, "fold": fold, "n_train": n_train, "method": method.name, "seed": seed,
           "config_hash": config_hash}
    return RunSpec(run_id=stable_hash(key), config_hash=config_hash, dataset=dataset, fold=fold,
                   n_train=n_train, seed=seed, method=method, data_dir=config.data_dir,
                   n_folds=config.n_folds, val_fraction=config.val_fraction, model=config.model,
                   device=config.device, metrics=config.metrics, monitor_rows=config.monitor_rows,
                   random_state=derive_seed("run", *split),
                   synthetic_id=synthetic_id, synthetic_random_state=synthetic_random_state,
                   split=split_config)


def group_runs(runs: list[RunSpec]) -> list[RunGroup]:
    """Runs sharing a ``synthetic_id`` in one group (so the sample is drawn once); others alone."""
    groups: dict[str, list[RunSpec]] = {}
    for run in runs:
        groups.setdefault(run.synthetic_id or run.run_id, []).append(run)
    return [RunGroup(tuple(group)) for group in groups.values()]
