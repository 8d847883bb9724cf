"""Tabular data generators behind one interface (``fit(X, y)`` / ``sample(n, random_state)``).

``make_augmenter(name, **params)`` builds one by its registry name; modules are imported only
when their generator is asked for, so heavy optional dependencies stay optional.
"""

from __future__ import annotations

from importlib import import_module

from causalmix.augment.base import Augmenter

# registry name -> "module:class"
AUGMENTERS: dict[str, str] = {
    "causalmix": "causalmix.augment.causal_mix:CausalMixAugmenter",
    "marginals": "causalmix.augment.statistical:MarginalsAugmenter",
    "copula": "causalmix.augment.statistical:GaussianCopulaAugmenter",
    "smote": "causalmix.augment.smote:SMOTEAugmenter",
    "tableaugment": "causalmix.augment.tableaugment:TableAugmentAugmenter",
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
