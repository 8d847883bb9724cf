"""Experiment configs: YAML -> a validated, resolved :class:`ExperimentConfig`.

A config names the datasets, the outer folds, the scarce-data sizes, the seeds, the model backend,
the shared fine-tuning settings and the methods to compare. Schema (every key but ``name``,
``datasets`` and ``methods`` has a default)::

    name: lite                  # experiment name: results go to results/<name>/
    description: ...            # free text
    data_dir: null              # dataset directory (default: $CAUSALMIX_DATA_DIR, then ~/.cache/...)
    datasets: [credit-g, diabetes]          # names, or a suite:
    # datasets: {suite: tabarena-v0.1, only_available: true, exclude: [...]}
    n_folds: 10                 # outer stratified folds per dataset
    folds: [0, 1]               # which of them to run, or "all"
    n_train: [128]              # scarce training rows per run (train + validation); null = whole fold
    val_fraction: 0.2           # share of the n_train rows used for validation / early stopping
    seeds: [0]                  # repetitions: a seed fixes the episodes and synthetic rows, never the split
    model: default              # backend name (causalmix.models.load_model)
    device: null                # torch device; null = CUDA if available, else CPU
    metrics: [roc_auc, log_loss, accuracy]
    monitor_rows: 1000          # test rows scored along each fine-tuning curve (a stratified subset;
                                #   null = the whole test fold); final test scores use every test row
    split: {strategy: iid}      # how test rows are chosen: a mapping or a list of them (below)
    finetune: {max_steps: 100, learning_rate: 1.0e-4}   # FineTunedClassifier parameters, shared
    methods:                    # a list of names, or a mapping name -> settings:
      zero_shot: {}             # the TFM in context, no training
      finetune: {}              # plain fine-tuning on the real rows
      causalmix:                # a generator name from causalmix.augment.AUGMENTERS: fine-tuning
        generator_params: {}    #   on real + synthetic rows; generator parameters
        finetune: {synthetic_ratio: 1.0}   # overrides of the shared fine-tuning settings
      causalmix_ctx:            # any other name needs `generator:`
        generator: causalmix
        finetune: {synthetic_role: context}
      finetune_long:            # plain fine-tuning under another name: `generator: null`
        generator: null
        finetune: {max_steps: 200}
      ctgan: {seeds: [0]}       # any method: run on a subset of the seeds only (a costly one once)

``split`` entries: ``strategy`` is ``iid`` (the stratified outer folds: the default) or a
domain-shift strategy of :mod:`causalmix.splits.shift` (``quantile``, ``category``, ``cluster``) with
its parameters; ``name`` (default: the strategy) labels the entry in the results' ``split``
column. With a list, every entry is run on the whole grid, e.g.::

    split:
      - {strategy: iid}
      - {strategy: quantile, q: 0.7}           # fold f: the f-th most informative numeric feature
      - {name: cluster4, strategy: cluster, n_clusters: 4}

Every problem raises :class:`ConfigError` naming the key, with close matches for typos.
"""

from __future__ import annotations

import inspect
import os
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from importlib import import_module
from pathlib import Path

from causalmix.augment import AUGMENTERS
from causalmix.configfile import ConfigError, read_config_file
from causalmix.data import BUILTIN_DATASETS, TASKS, DatasetError, is_available, resolve_data_dir, suite
from causalmix.metrics import METRICS
from causalmix.validation import did_you_mean

ZERO_SHOT, FINETUNE, AUGMENT = "zero_shot", "finetune", "augment"
#: FineTunedClassifier parameters the runner sets itself (never from a config).
RUNNER_SET = {"model", "augmenter", "random_state", "progress", "val_fraction", "device"}
#: Shared fine-tuning settings that zero-shot prediction uses too.
ZERO_SHOT_SHARED = ("predict_context", "batch_size", "mixed_precision")
IID = "iid"


def _reject_unknown(keys, known, where: str) -> None:
    for key in keys:
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r}.{did_you_mean(key, known)} "
                              f"Known: {', '.join(sorted(known))}.")


@dataclass(frozen=True)
class MethodConfig:
    """One method of the grid.

    ``kind``: ``"zero_shot"`` (TFMClassifier), ``"finetune"`` (FineTunedClassifier on real rows) or
    ``"augment"`` (FineTunedClassifier on real + synthetic rows from ``generator``, built with
    ``generator_params``). ``finetune``: the resolved FineTunedClassifier parameters (shared
    settings with this method's overrides); for zero-shot, the shared inference settings it
    uses too (``ZERO_SHOT_SHARED``: the context rows, batch size and precision). ``seeds``: the
    config's seeds this method runs on (None: all of them); not part of a run's settings, so a
    run's id is the same whichever seeds its method is given.
    """

    name: str
    kind: str
    generator: str | None = None
    generator_params: dict = field(default_factory=dict)
    finetune: dict = field(default_factory=dict)
    seeds: tuple[int, ...] | None = None

    def runs_seed(self, seed: int) -> bool:
        return self.seeds is None or seed in self.seeds


@dataclass(frozen=True)
class SplitConfig:
    """How a run's rows are split: ``strategy`` ``"iid"`` (outer folds, no ``params``) or a
    strategy of :data:`causalmix.splits.shift.SHIFT_STRATEGIES` with its constructor ``params``;
    ``name`` labels the runs in the results."""

    name: str = IID
    strategy: str = IID
    params: dict = field(default_factory=dict)

    @property
    def is_default(self) -> bool:
        """The plain i.i.d. split, which must not change run ids and hashes (it adds nothing to them)."""
        return self.name == IID and self.strategy == IID


@dataclass(frozen=True)
class ExperimentConfig:
    """A validated experiment; build it with :func:`load_config`. Fields as in the YAML schema,
    with ``datasets`` and ``folds`` resolved to explicit tuples."""

    name: str
    datasets: tuple[str, ...]
    methods: tuple[MethodConfig, ...]
    description: str = ""
    data_dir: str | None = None
    n_folds: int = 10
    folds: tuple[int, ...] = (0,)
    n_train: tuple[int | None, ...] = (128,)
    val_fraction: float = 0.2
    seeds: tuple[int, ...] = (0,)
    model: str = "default"
    device: str | None = None
    metrics: tuple[str, ...] = tuple(METRICS)
    monitor_rows: int | None = 1000
    splits: tuple[SplitConfig, ...] = (SplitConfig(),)
    finetune: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The resolved config as plain YAML/JSON types."""
        resolved = asdict(self)
        resolved["methods"] = {m.pop("name"): m for m in resolved["methods"]}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in resolved.items()}

    def method(self, name: str) -> MethodConfig:
        return next(m for m in self.methods if m.name == name)


#: YAML keys whose :class:`ExperimentConfig` field has another name.
YAML_KEYS = {"splits": "split"}
#: The config's top-level keys: one per :class:`ExperimentConfig` field.
TOP_LEVEL = {YAML_KEYS.get(f.name, f.name) for f in fields(ExperimentConfig)}


def _default(name: str):
    """The default of :class:`ExperimentConfig` field ``name``, as YAML writes it (lists, not tuples)."""
    spec = ExperimentConfig.__dataclass_fields__[name]
    value = spec.default_factory() if spec.default is MISSING else spec.default
    if name == "splits":
        return [{"name": split.name, "strategy": split.strategy, **split.params} for split in value]
    return list(value) if isinstance(value, tuple) else value


def _get(raw: dict, name: str):
    """The YAML value of field ``name``, else its default."""
    key = YAML_KEYS.get(name, name)
    return raw[key] if key in raw else _default(name)


def _finetune_parameters() -> dict[str, inspect.Parameter]:
    from causalmix.estimators import FineTunedClassifier

    parameters = inspect.signature(FineTunedClassifier.__init__).parameters
    return {k: p for k, p in parameters.items() if k != "self" and k not in RUNNER_SET}


def _check_finetune(params, where: str) -> dict:
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise ConfigError(f"{where} must be a mapping of FineTunedClassifier parameters, got {params!r}.")
    known = _finetune_parameters()
    _reject_unknown(params, known, where)
    from causalmix.finetune import FineTuneSettings

    settings = {k: v for k, v in params.items() if k in FineTuneSettings.__dataclass_fields__}
    for key, value in settings.items():
        _check_type(value, FineTuneSettings.__dataclass_fields__[key].type, f"{where}.{key}")
    try:
        FineTuneSettings(**settings)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{where}: {error}") from None
    return dict(params)


_TYPES = {"int": (int,), "float": (int, float), "bool": (bool,), "str": (str,)}


def _check_type(value, annotation: str, where: str) -> None:
    """``value`` against a dataclass annotation such as ``"float | None"`` (numbers never bools)."""
    names = [part.strip() for part in str(annotation).split("|")]
    if value is None and "None" in names:
        return
    allowed = [t for name in names for t in _TYPES.get(name, ())]
    if not allowed:
        return
    if isinstance(value, bool) != (bool in allowed) or not isinstance(value, tuple(allowed)):
        wanted = " or ".join({"int": "an integer", "float": "a number", "bool": "true/false",
                              "str": "a string", "None": "null"}.get(n, n) for n in names)
        hint = (" (YAML reads a number such as 1e-4 without a dot as text: write 1.0e-4)"
                if isinstance(value, str) and "float" in names else "")
        raise ConfigError(f"{where} must be {wanted}, got {value!r} ({type(value).__name__}){hint}.")


def _generator_class(name: str, where: str):
    module, cls = AUGMENTERS[name].split(":")
    try:
        return getattr(import_module(module), cls)
    except (ImportError, AttributeError) as error:
        raise ConfigError(f"{where}: generator {name!r} is registered but cannot be imported "
                          f"({type(error).__name__}: {error}).") from None


def _check_generator_params(generator_class, params, where: str) -> dict:
    signature = inspect.signature(generator_class.__init__).parameters
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise ConfigError(f"{where} must be a mapping of {generator_class.__name__} parameters, "
                          f"got {params!r}.")
    if not any(p.kind is p.VAR_KEYWORD for p in signature.values()):
        known = {k for k in signature if k not in ("self", "random_state")}
        _reject_unknown(params, known, where)
    if "random_state" in params:
        raise ConfigError(f"{where}: random_state is derived from the run key; remove it.")
    return dict(params)


def _method(name: str, settings, shared_finetune: dict, seeds: tuple[int, ...]) -> MethodConfig:
    where = f"methods.{name}"
    settings = {} if settings is None else settings
    if not isinstance(settings, dict):
        raise ConfigError(f"{where} must be a mapping (or empty), got {settings!r}.")
    settings = dict(settings)
    method_seeds = _method_seeds(settings.pop("seeds", None), seeds, where)
    return replace(_method_settings(name, settings, shared_finetune, where), seeds=method_seeds)


def _method_seeds(value, seeds: tuple[int, ...], where: str) -> tuple[int, ...] | None:
    if value is None:
        return None
    method_seeds = _int_list(value, f"{where}.seeds")
    extra = [s for s in method_seeds if s not in seeds]
    if extra:
        raise ConfigError(f"{where}.seeds {extra} are not among the config's seeds {list(seeds)}.")
    return method_seeds


def _method_settings(name: str, settings: dict, shared_finetune: dict, where: str) -> MethodConfig:
    generator = settings.get("generator", name if name in AUGMENTERS else None)
    plain = name == FINETUNE or ("generator" in settings and settings["generator"] is None)
    if name == ZERO_SHOT:
        _reject_unknown(settings, {"seeds"}, where)
        inference = {k: v for k, v in shared_finetune.items() if k in ZERO_SHOT_SHARED}
        return MethodConfig(name, ZERO_SHOT, finetune=inference)
    if generator is None and not plain:
        known = [ZERO_SHOT, FINETUNE, *AUGMENTERS]
        raise ConfigError(f"Unknown method {name!r}.{did_you_mean(name, known)} Methods are "
                          f"{', '.join(known)}, or any name with a `generator:` key (null for "
                          f"plain fine-tuning).")
    if generator is not None and generator not in AUGMENTERS:
        raise ConfigError(f"{where}: unknown generator {generator!r}.{did_you_mean(generator, AUGMENTERS)} "
                          f"Known: {', '.join(AUGMENTERS)}.")
    allowed = {"finetune"} | ({"generator", "generator_params"} if generator else
                              {"generator"} if plain and name != FINETUNE else set())
    _reject_unknown(settings, allowed | {"seeds"}, where)
    finetune = {**shared_finetune, **_check_finetune(settings.get("finetune"), f"{where}.finetune")}
    if generator is None:
        return MethodConfig(name, FINETUNE, finetune=finetune)
    params = _check_generator_params(_generator_class(generator, where),
                                     settings.get("generator_params"), f"{where}.generator_params")
    return MethodConfig(name, AUGMENT, generator, params, finetune)


def _datasets(spec, data_dir) -> tuple[str, ...]:
    if isinstance(spec, dict):
        _reject_unknown(spec, {"suite", "only_available", "exclude"}, "datasets")
        if "suite" not in spec:
            raise ConfigError("datasets: a mapping needs `suite:` (or give a list of names).")
        try:
            names = suite(spec["suite"])
        except DatasetError as error:
            raise ConfigError(f"datasets: {error}") from None
        exclude = set(spec.get("exclude") or [])
        _reject_unknown(exclude, names, "datasets.exclude")
        names = [n for n in names if n not in exclude]
        if spec.get("only_available", False):
            names = [n for n in names if is_available(n, data_dir)]
    elif isinstance(spec, list) and spec and all(isinstance(n, str) for n in spec):
        names = spec
    else:
        raise ConfigError(f"datasets must be a non-empty list of names or {{suite: NAME}}, got {spec!r}.")
    if len(set(names)) != len(names):
        raise ConfigError(f"datasets: duplicate names in {names}.")
    for name in names:
        if (resolve_data_dir(data_dir) / name).is_dir() and name not in BUILTIN_DATASETS:
            continue  # stored locally: read (and its files checked) by _check_against_data
        if name not in BUILTIN_DATASETS and name not in TASKS and not is_available(name, data_dir):
            raise ConfigError(f"datasets: unknown dataset {name!r}."
                              f"{did_you_mean(name, [*BUILTIN_DATASETS, *TASKS])}")
        if not is_available(name, data_dir):
            raise ConfigError(f"datasets: {name!r} is not in the data directory "
                              f"{str(resolve_data_dir(data_dir))!r}; set data_dir (or --data-dir, "
                              f"$CAUSALMIX_DATA_DIR) or run `causalmix data fetch {name}`.")
    if not names:
        raise ConfigError(f"datasets: {spec!r} selects no dataset that is available.")
    return tuple(names)


def _split(entry, where: str) -> SplitConfig:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a mapping such as {{strategy: quantile, q: 0.7}}, got {entry!r}.")
    from causalmix.splits.shift import SHIFT_STRATEGIES, make_shift

    strategies = [IID, *SHIFT_STRATEGIES]
    if "strategy" not in entry:
        raise ConfigError(f"{where}: `strategy` is required (one of {', '.join(strategies)}).")
    entry = dict(entry)
    strategy, name = entry.pop("strategy"), entry.pop("name", None)
    name = strategy if name is None else name
    if strategy not in strategies:
        raise ConfigError(f"{where}: unknown strategy {strategy!r}.{did_you_mean(strategy, strategies)} "
                          f"Known: {', '.join(strategies)}.")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}: name must be a non-empty string, got {name!r}.")
    if strategy == IID:
        _reject_unknown(entry, set(), f"{where} (iid takes no parameters)")
    else:
        try:
            make_shift(strategy, **entry)
        except ValueError as error:
            raise ConfigError(f"{where}: {error}") from None
    return SplitConfig(name=name, strategy=strategy, params=entry)


def _splits(spec) -> tuple[SplitConfig, ...]:
    entries = spec if isinstance(spec, list) else [spec]
    if not entries:
        raise ConfigError("split must be a mapping or a non-empty list of mappings.")
    splits = tuple(_split(e, f"split[{i}]" if isinstance(spec, list) else "split")
                   for i, e in enumerate(entries))
    names = [s.name for s in splits]
    if len(set(names)) != len(names):
        raise ConfigError(f"split: duplicate names {names}; give each entry its own `name:`.")
    return splits


def _int_list(value, where: str, allow_none: bool = False) -> tuple:
    values = value if isinstance(value, list) else [value]
    for v in values:
        ok = (v is None and allow_none) or (isinstance(v, int) and not isinstance(v, bool) and v >= 0)
        if not ok:
            raise ConfigError(f"{where} must be a non-negative integer{' or null' if allow_none else ''}"
                              f" (or a list of them), got {v!r}.")
    if not values or len(set(values)) != len(values):
        raise ConfigError(f"{where} must be non-empty without duplicates, got {value!r}.")
    return tuple(values)


def _check_name(name, resolved: dict) -> str:
    if not isinstance(name, str) or not name or os.sep in name or name.startswith("."):
        raise ConfigError(f"name must be a plain folder name, got {name!r}.")
    return name


def _check_n_folds(n_folds, resolved: dict) -> int:
    if not isinstance(n_folds, int) or n_folds < 2:
        raise ConfigError(f"n_folds must be an integer >= 2, got {n_folds!r}.")
    return n_folds


def _check_folds(folds, resolved: dict) -> tuple[int, ...]:
    n_folds = resolved["n_folds"]
    folds = tuple(range(n_folds)) if folds == "all" else _int_list(folds, "folds")
    if max(folds) >= n_folds:
        raise ConfigError(f"folds {list(folds)} must lie in 0..{n_folds - 1} (n_folds={n_folds}).")
    return folds


def _check_val_fraction(val_fraction, resolved: dict) -> float:
    if not isinstance(val_fraction, (int, float)) or not 0 < val_fraction < 1:
        raise ConfigError(f"val_fraction must be in (0, 1) (fine-tuning needs validation rows), "
                          f"got {val_fraction!r}.")
    return float(val_fraction)


def _check_metrics(metrics, resolved: dict) -> tuple[str, ...]:
    if not isinstance(metrics, list) or not metrics:
        raise ConfigError(f"metrics must be a non-empty list, got {metrics!r}.")
    _reject_unknown(metrics, METRICS, "metrics")
    return tuple(metrics)


def _check_monitor_rows(monitor_rows, resolved: dict) -> int | None:
    if monitor_rows is not None and (not isinstance(monitor_rows, int) or monitor_rows < 1):
        raise ConfigError(f"monitor_rows must be a positive integer or null, got {monitor_rows!r}.")
    return monitor_rows


def _check_model(model, resolved: dict) -> str:
    from causalmix.models import BACKENDS, CHECKPOINT_DIR, UNTRAINED, CheckpointError, read_checkpoint

    if model not in ("default", UNTRAINED, *BACKENDS):
        raise ConfigError(f"model: unknown backend {model!r}; known: default, {UNTRAINED}, "
                          f"{', '.join(BACKENDS)}.")
    if model == "default":
        try:
            read_checkpoint(CHECKPOINT_DIR / "default.pt")
        except CheckpointError as error:
            raise ConfigError(f"model: default: {error}") from None
    return model


def _check_device(device, resolved: dict) -> str | None:
    if device is None:
        return None
    from causalmix.validation import device_problem

    problem = device_problem(device)
    if problem:
        raise ConfigError(f"device: {problem}")
    return device


def _check_methods(methods, resolved: dict) -> tuple[MethodConfig, ...]:
    if isinstance(methods, list) and all(isinstance(m, str) for m in methods):
        if len(set(methods)) != len(methods):
            raise ConfigError(f"methods: duplicate names in {methods}.")
        methods = dict.fromkeys(methods)
    if not isinstance(methods, dict) or not methods:
        raise ConfigError(f"methods must be a non-empty list of names or a mapping, got {methods!r}.")
    return tuple(_method(str(m), s, resolved["finetune"], resolved["seeds"]) for m, s in methods.items())


#: Every field's check, in the order they run (a check may read the fields resolved before it):
#: field -> check(YAML value or default, fields resolved so far) -> the resolved value.
FIELD_CHECKS = {
    "name": _check_name,
    "description": lambda value, resolved: str(value).strip(),
    "data_dir": lambda value, resolved: str(value) if value else None,
    "n_folds": _check_n_folds,
    "folds": _check_folds,
    "n_train": lambda value, resolved: _int_list(value, "n_train", allow_none=True),
    "val_fraction": _check_val_fraction,
    "seeds": lambda value, resolved: _int_list(value, "seeds"),
    "model": _check_model,
    "device": _check_device,
    "metrics": _check_metrics,
    "monitor_rows": _check_monitor_rows,
    "splits": lambda value, resolved: _splits(value),
    "finetune": lambda value, resolved: _check_finetune(value, "finetune"),
    "datasets": lambda value, resolved: _datasets(value, resolved["data_dir"]),
    "methods": _check_methods,
}
#: Keys a config must give.
REQUIRED = ("name", "datasets", "methods")


def load_config(source: str | os.PathLike | dict, data_dir: str | None = None) -> ExperimentConfig:
    """Read and validate a config from a YAML path or a dict; ``data_dir`` overrides the config's."""
    raw = dict(source) if isinstance(source, dict) else read_config_file(source)
    _reject_unknown(raw, TOP_LEVEL, "config")
    for key in REQUIRED:
        if key not in raw:
            raise ConfigError(f"config: `{key}` is required.")
    if data_dir:
        raw["data_dir"] = data_dir
    resolved = {}
    for name, check in FIELD_CHECKS.items():
        resolved[name] = check(_get(raw, name), resolved)
    config = ExperimentConfig(**resolved)
    _check_against_data(config)
    return config


def _check_against_data(config: ExperimentConfig) -> None:
    """Every dataset is readable and every ``n_train`` fits it: at most the rows of its largest
    training fold, at least 2 rows per class (the runs' splits would fail otherwise)."""
    from causalmix.data import dataset_shape

    for name in config.datasets:
        try:
            n_rows, n_classes = dataset_shape(name, config.data_dir)
        except DatasetError as error:
            raise ConfigError(f"datasets: {error}") from None
        largest_fold = n_rows - n_rows // config.n_folds
        for n_train in config.n_train:
            if n_train is not None and n_train > largest_fold:
                raise ConfigError(f"n_train={n_train} exceeds the {largest_fold} rows of a training fold "
                                  f"of {name!r} ({n_rows} rows, n_folds={config.n_folds}).")
            if n_train is not None and n_train < 2 * n_classes:
                raise ConfigError(f"n_train={n_train} is too small for {name!r}: it keeps 2 rows of each "
                                  f"of its {n_classes} classes, so needs n_train >= {2 * n_classes}.")
