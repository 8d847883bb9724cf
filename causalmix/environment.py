"""The checkout a run comes from: its git commit and whether tracked sources were changed.

The runner records this in every manifest and the book's provenance blocks show it; it lives
outside :mod:`causalmix.report` so the runner does not depend on the reporting code.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: Paths whose uncommitted changes cannot alter computed numbers (outputs and book wiring).
OUTPUT_PATHS = ("results/", "book/")


def git_state() -> dict:
    """``{"commit": full hash, "dirty": bool}`` of the checkout (``None`` values outside git);
    ``dirty``: tracked files changed outside :data:`OUTPUT_PATHS`."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                                text=True, check=True, timeout=10).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                                capture_output=True, text=True, check=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    changed = [line[3:] for line in status.splitlines() if line.strip()]
    return {"commit": commit, "dirty": any(not path.startswith(OUTPUT_PATHS) for path in changed)}
