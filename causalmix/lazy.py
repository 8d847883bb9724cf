"""Package attributes imported on first use, so importing a package stays cheap.

A package lists ``{attribute: module}`` and sets ``__getattr__ = lazy_attributes(__name__, table)``
(PEP 562); ``from package import attribute`` then imports only the module that defines it.
"""

from __future__ import annotations

from importlib import import_module


def lazy_attributes(package: str, modules: dict[str, str]):
    """A module-level ``__getattr__`` for ``package`` that takes ``attribute`` from ``modules[attribute]``."""

    def __getattr__(attribute: str):
        if attribute in modules:
            return getattr(import_module(modules[attribute]), attribute)
        raise AttributeError(f"module {package!r} has no attribute {attribute!r}")

    return __getattr__
