"""Tabular data generators behind one interface (``fit(X, y)`` / ``sample(n, random_state)``).

``make_augmenter(name, **params)`` builds one by its registry name; modules are imported only
when their generator is asked for, so heavy optional dependencies stay optional.
"""

from __future__ import annotations

import warnings
from importlib import import_module

from tqdm import TqdmWarning

from causalmix.augment.base import Augmenter

# causal-learn and dowhy import tqdm.auto, which warns "IProgress not found" once per Jupyter
# kernel without ipywidgets; import it here, quietly, before they do (our bars are plain tqdm).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", TqdmWarning)
    import tqdm.auto  # noqa: F401

# registry name -> "module:class"
AUGMENTERS: dict[str, str] = {
    "causalmix": "causalmix.augment.causalmix:CausalMixAugmenter",
    "marginals": "causalmix.augment.statistical:MarginalsAugmenter",
    "copula": "causalmix.augment.statistical:GaussianCopulaAugmenter",
    "smote": "causalmix.augment.smote:SMOTEAugmenter",
    "ctgan": "causalmix.augment.ctgan:CTGANAugmenter",
    "tabebm": "causalmix.augment.tabebm:TabEBMAugmenter",
}


def make_augmenter(name: str, **params) -> Augmenter:
    """The generator registered as ``name``, built with ``params``."""
    if name not in AUGMENTERS:
        raise ValueError(f"Unknown augmenter {name!r}; known: {', '.join(sorted(AUGMENTERS))}.")
    module, cls = AUGMENTERS[name].split(":")
    return getattr(import_module(module), cls)(**params)


def __getattr__(attribute: str):
    for path in AUGMENTERS.values():
        module, cls = path.split(":")
        if cls == attribute:
            return getattr(import_module(module), cls)
    raise AttributeError(f"module 'causalmix.augment' has no attribute {attribute!r}")


__all__ = ["AUGMENTERS", "Augmenter", "make_augmenter"]
