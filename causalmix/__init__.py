"""causalmix: reproducible companion to CausalMixFT (causal data augmentation for fine-tuning TFMs).

Heavy parts (torch models, dowhy) are imported on first use, so ``import causalmix`` is cheap.
"""

from __future__ import annotations

import warnings
from tqdm import TqdmWarning

from causalmix.lazy import lazy_attributes

# causal-learn and dowhy import tqdm.auto, which warns "IProgress not found" once per Jupyter
# kernel without ipywidgets; import it first, quietly (causalmix's own bars are plain tqdm).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", TqdmWarning)
    import tqdm.auto  # noqa: F401

__version__ = "0.1.0"

_LAZY = {
    "load_dataset": "causalmix.data",
    "Dataset": "causalmix.data",
    "TFMClassifier": "causalmix.estimators",
    "FineTunedClassifier": "causalmix.estimators",
    "CausalMixAugmenter": "causalmix.augment",
}

__getattr__ = lazy_attributes(__name__, _LAZY)

__all__ = ["__version__", *_LAZY]
