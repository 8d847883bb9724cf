"""The book: what the method's results mean and how they are shown. Nothing in the method or the
runner imports this package.

- :mod:`causalmix.report.claims`: the paper's claims, each with a check computing our evidence and verdict;
- :mod:`causalmix.report.plots`: the figures; :mod:`causalmix.report.tables`: formatted tables,
  collapsed provenance blocks and CSV downloads; :mod:`causalmix.report.theme`: one display name and
  colour per method, the seaborn theme;
- :mod:`causalmix.report.provenance`: where a page's numbers come from;
- :mod:`causalmix.report.describe`: parameter tables from docstrings;
- :mod:`causalmix.report.book`: executes ``book/notebooks.yaml`` with papermill and builds the HTML.
"""
