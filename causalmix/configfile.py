"""Reading a YAML config file: one mapping per file, an optional base file, one error type.

A config may name a ``base:`` file (relative to its own folder) and override its keys: top-level
values replace the base's, and mapping sections (``train:``, ``eval:``, ...) are merged key by key,
so a stage of a recipe states only what it changes. The experiment configs
(:mod:`causalmix.runner.config`) and the pretraining configs (:mod:`causalmix.models.pretrain`)
read their files here and report every problem as :class:`ConfigError`.
"""

from __future__ import annotations

from pathlib import Path

import yaml

BASE_KEY = "base"


class ConfigError(ValueError):
    """A config that cannot be run, with the reason."""


def read_config_file(path: str | Path) -> dict:
    """The mapping in the YAML file ``path``, merged over its ``base:`` file (recursively)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"No config file at {str(path)!r}.")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping, got {type(raw).__name__}.")
    if BASE_KEY not in raw:
        return raw
    base = read_config_file(path.parent / str(raw.pop(BASE_KEY)))
    return {**base, **{key: {**base[key], **value}
                       if isinstance(value, dict) and isinstance(base.get(key), dict) else value
                       for key, value in raw.items()}}
