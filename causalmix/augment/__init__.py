"""Tabular data generators behind one interface (``fit(X, y)`` / ``sample(n, random_state)``).

``make_augmenter(name, **params)`` builds one by its registry name; modules are imported only
when their generator is asked for, so heavy optional dependencies stay optional.
"""

from __future__ import annotations

from importlib import import_module

from causalmix.augment.base import Augmenter
from causalmix.lazy import lazy_attributes

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


__getattr__ = lazy_attributes(__name__, {path.split(":")[1]: path.split(":")[0] for path in AUGMENTERS.values()})


__all__ = ["AUGMENTERS", "Augmenter", "make_augmenter"]
