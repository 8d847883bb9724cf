"""One look for the whole book: a display name and a colour per method, and the figure theme.

:data:`METHODS` is the single registry of methods (id -> display name, colour): every figure of
the book (:mod:`causalmix.report.plots`, the critical-difference and shift figures of
:mod:`causalmix.metrics`) and the claims' text (:data:`causalmix.report.claims.NAMES`) take names and
colours from it, so a method looks the same on every page. :func:`apply_theme` sets the seaborn
theme, the resolution and the font sizes; each book notebook calls it once, after its imports.

No matplotlib import at module level: :mod:`causalmix.report.claims` imports the names from here.
"""

from __future__ import annotations

import zlib

#: method id -> (display name, colour). Colour-blind-safe (Okabe-Ito first, then Tableau).
METHODS: dict[str, tuple[str, str]] = {
    "causalmix": ("CausalMixFT", "#0072B2"),
    "causalmix_interventional": ("CausalMixFT (interventional)", "#56B4E9"),
    "finetune": ("plain fine-tuning", "#E69F00"),
    "zero_shot": ("zero-shot", "#7F7F7F"),
    "ctgan": ("CTGAN", "#CC79A7"),
    "tabebm": ("TabEBM", "#D55E00"),
    "tableaugment": ("TableAugment", "#009E73"),
    "smote": ("SMOTE", "#8C564B"),
    "copula": ("copula", "#9467BD"),
    "marginals": ("marginals", "#BCBD22"),
    "real": ("real", "#222222"),  # the real rows, beside the generators' synthetic rows
}
#: Display names of methods (also the claims' names: ``causalmix.report.claims.NAMES``).
NAMES: dict[str, str] = {method: name for method, (name, _) in METHODS.items()}
#: Colours of methods.
COLORS: dict[str, str] = {method: colour for method, (_, colour) in METHODS.items()}
#: Colours for anything outside the registry (picked by a stable hash of its name).
_SPARE = ("#17BECF", "#AEC7E8", "#FF9896", "#98DF8A", "#C5B0D5", "#C49C94", "#F7B6D2", "#DBDB8D")
#: Colours of categories that are not methods (shift splits, classes, DAG nodes): ColorBrewer's
#: Dark2, so that a class is not mistaken for the method drawn in the same panel.
PALETTE = ("#1B9E77", "#D95F02", "#7570B3", "#E7298A", "#66A61E", "#E6AB02", "#A6761D", "#666666")

#: Full page width, in inches, at :data:`DPI` (the book scales figures down to the text width).
WIDTH = 10.0
DPI = 150


def name(method) -> str:
    """Display name of a method (its id when it is not in :data:`METHODS`)."""
    return NAMES.get(str(method), str(method))


def color(method) -> str:
    """Colour of a method; a method outside :data:`METHODS` always gets the same spare colour."""
    method = str(method)
    return COLORS.get(method) or _SPARE[zlib.crc32(method.encode()) % len(_SPARE)]


def order(methods) -> list:
    """``methods`` in the registry's order, others after them alphabetically."""
    rank = {method: i for i, method in enumerate(METHODS)}
    return sorted(dict.fromkeys(methods), key=lambda m: (rank.get(str(m), len(rank)), str(m)))


def apply_theme() -> None:
    """Seaborn's white-grid theme with fonts legible at page width, figures at :data:`DPI`,
    :data:`WIDTH` inches wide by default, and the method colours as the default colour cycle."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    import seaborn as sns

    plt.close(plt.figure())  # activate the (inline) backend first: its settings must not override ours
    sns.set_theme(context="notebook", style="whitegrid", font_scale=1.2,
                  palette=[COLORS[m] for m in ("causalmix", "finetune", "tableaugment", "ctgan", "tabebm",
                                               "copula", "smote", "marginals")])
    mpl.rcParams.update({
        "figure.dpi": DPI, "savefig.dpi": DPI, "figure.figsize": (WIDTH, 4.2),
        "savefig.bbox": "tight", "figure.constrained_layout.use": False,
        "axes.titleweight": "bold", "axes.spines.top": False, "axes.spines.right": False,
        "legend.frameon": False, "image.cmap": "viridis",
    })
