"""Tables generated from the code's own signatures and docstrings."""

from __future__ import annotations

from causalmix.report.describe import parameter_table, rst_to_markdown


class Example:
    """An estimator.

    Parameters
    ----------
    alpha : the ``alpha`` level, see :class:`~pkg.Thing`.
    beta, gamma,
    delta : shared text
        over two lines.

    Attributes
    ----------
    fitted_ : not a parameter.
    """

    def __init__(self, alpha=0.05, beta=1, gamma=None, delta="x", undocumented=3):
        pass


def test_parameter_table_reads_defaults_and_wrapped_docs():
    table = parameter_table(Example).set_index("parameter")
    assert list(table.index) == ["`alpha`", "`beta`", "`gamma`", "`delta`", "`undocumented`"]
    assert table.loc["`alpha`", "default"] == "`0.05`"
    assert table.loc["`alpha`", "meaning"] == "the `alpha` level, see `pkg.Thing`."
    assert table.loc["`gamma`", "meaning"] == "shared text over two lines."
    assert table.loc["`undocumented`", "meaning"] == ""


def test_rst_to_markdown():
    assert rst_to_markdown("use ``x`` and :func:`f`") == "use `x` and `f`"
