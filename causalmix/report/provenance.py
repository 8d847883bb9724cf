"""Where the numbers on a page come from: a short markdown block for a results folder.

Every book page that shows numbers displays :func:`provenance` of the results it reads (or
:func:`live_provenance` when it computes them itself), so a figure can always be traced to a
TFM backend, a checkpoint, a config, a git commit, a date and a package version.
"""

from __future__ import annotations

import datetime
import importlib.metadata
from pathlib import Path

from causalmix.environment import git_state
from causalmix.results import Results, load

UNTRAINED = "untrained"
#: Shown above the provenance of results computed with randomly initialised weights.
UNTRAINED_WARNING = ("**Warning: these numbers come from an UNTRAINED model (randomly initialised "
                     "weights, `model: untrained`); they say nothing about the pretrained TFM.**")


def provenance(results: str | Path | Results) -> str:
    """Markdown block naming the source of an experiment's numbers, from its ``manifest.json``.

    Fields: results folder, config name, TFM backend (``config.model``), weights (the manifest's
    ``model_fingerprint``: the first 16 hex digits of the checkpoint's sha256 for the stand-in), git
    commit (with "+ uncommitted changes" when the tree was dirty), run dates (UTC), causalmix
    version and the number of runs that succeeded. Results of an untrained model (``model:
    untrained``, or a manifest whose fingerprint says so) get :data:`UNTRAINED_WARNING` on top.
    """
    results = results if isinstance(results, Results) else load(results)
    manifest = results.manifest
    config = manifest.get("config", {})
    git = manifest.get("git") or {}
    commit = (git.get("commit") or "unknown")[:12] + (" + uncommitted changes" if git.get("dirty") else "")
    dates = " to ".join(d for d in (manifest.get("started_utc"), manifest.get("finished_utc")) if d)
    n_ok, n_runs = manifest.get("n_ok"), manifest.get("n_runs")
    rows = {
        "results": f"`{results.path}`",
        "config": f"`{manifest.get('experiment', 'unknown')}`",
        "TFM backend": f"`{config.get('model', 'unknown')}`",
        "weights (checkpoint sha256)": f"`{manifest['model_fingerprint']}`" if "model_fingerprint" in manifest else "not recorded",
        "git commit": f"`{commit}`",
        "date (UTC)": dates or "unknown",
        "causalmix": (manifest.get("packages") or {}).get("causalmix") or "unknown",
        "runs ok": f"{n_ok} of {n_runs}" if n_runs is not None else "unknown",
    }
    block = _block("Provenance", rows)
    if UNTRAINED in (config.get("model"), manifest.get("model_fingerprint")):
        block = UNTRAINED_WARNING + "\n\n" + block
    return block


def live_provenance(what: str) -> str:
    """Markdown block for numbers computed while the page runs (no results folder): ``what``
    was computed, with the current git commit, date (UTC) and causalmix version."""
    rows = {
        "computed": what,
        "git commit": f"`{_git_commit()}`",
        "date (UTC)": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "causalmix": importlib.metadata.version("causalmix"),
    }
    return _block("Provenance (computed live on this page)", rows)


def _block(title: str, rows: dict[str, str]) -> str:
    lines = [f"**{title}**", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in rows.items()]
    return "\n".join(lines)


def _git_commit() -> str:
    state = git_state()
    if state["commit"] is None:
        return "unknown"
    return state["commit"][:12] + (" + uncommitted changes" if state["dirty"] else "")
