"""Reliability of the runner: one writer per folder, signals stop every process it started,
orphaned workers exit, damaged records are redone, tables and manifest agree with the records,
sittings are recorded whichever way they end, and results are group-readable. Real processes, real files, tiny grids on built-in datasets."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from causalmix.runner import load_config, run_experiment
from causalmix.runner.lock import LOCK_FILE, LockedError, experiment_lock
from conftest import sittings, wall_seconds

REPO = Path(__file__).resolve().parents[1]
ZERO_SHOT = {"name": "rel", "datasets": ["iris"], "folds": [0, 1], "n_train": [30], "methods": ["zero_shot"]}
TINY_FT = {"name": "relft", "datasets": ["wine"], "folds": [0], "n_train": [40],
           "finetune": {"max_steps": 2, "eval_every": 1}, "methods": ["zero_shot", "finetune"]}
# Enough runs to keep two workers busy for a while after the first records appear.
LONG = {"name": "long", "datasets": ["breast_cancer", "wine"], "folds": [0, 1, 2, 3, 4], "seeds": [0, 1, 2],
        "n_train": [48], "finetune": {"max_steps": 2, "eval_every": 1}, "methods": ["zero_shot", "finetune"]}
# Zero-shot only: still running after the first records, and quick to complete in a second sitting.
SHORT = {"name": "short", "datasets": ["breast_cancer", "wine"], "folds": list(range(10)), "seeds": [0, 1, 2],
         "n_train": [48], "methods": ["zero_shot"]}


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, grandchildren, ...), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(text[text.rindex(")") + 2:].split()[1]), []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped counts as dead)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2:].split()[0] not in ("Z", "X")


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def start_run(tmp_path: Path, grid: dict, *options: str) -> tuple[subprocess.Popen, Path]:
    config, out = tmp_path / "grid.yaml", tmp_path / "out"
    config.write_text(yaml.safe_dump(grid))
    process = subprocess.Popen([sys.executable, "-m", "causalmix.cli", "run", str(config), "--out", str(out),
                                "--no-progress", *options], cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    return process, out


# --- results are group-readable ---------------------------------------------------------------

def test_results_files_are_readable_by_the_group(tmp_path):
    previous = os.umask(0o022)
    try:
        run_experiment(load_config(TINY_FT), tmp_path, progress=False)
    finally:
        os.umask(previous)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"manifest.json", "runs.parquet", "curves.parquet"}
    assert any(p.name.endswith(".curve.parquet") for p in files)
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


# --- one writer per folder --------------------------------------------------------------------

def test_a_second_run_on_a_locked_folder_refuses(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from causalmix.runner.lock import experiment_lock\n"
                               "with experiment_lock(sys.argv[1]):\n print('locked', flush=True); time.sleep(60)",
         str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockedError) as error:
            run_experiment(load_config(ZERO_SHOT), tmp_path, progress=False)
        message = str(error.value)
        assert f"pid {holder.pid} on host {socket.gethostname()!r}" in message and "another --out" in message
        assert not (tmp_path / "records").exists() and not (tmp_path / "manifest.json").exists()
    finally:
        holder.kill()
        holder.wait()
    # The holder died without releasing the lock: the lock is stale and taken over.
    assert (tmp_path / LOCK_FILE).is_file()
    summary = run_experiment(load_config(ZERO_SHOT), tmp_path, progress=False)
    assert summary.n_ok == 2 and not (tmp_path / LOCK_FILE).exists()


def test_a_lock_from_another_host_is_not_taken_over(tmp_path):
    (tmp_path / LOCK_FILE).write_text(json.dumps({"pid": 1, "host": "elsewhere", "since_utc": "x"}))
    with pytest.raises(LockedError, match=f"on host 'elsewhere'.*delete {tmp_path / LOCK_FILE}"):
        with experiment_lock(tmp_path):
            pass


def test_the_lock_is_released_after_an_error(tmp_path):
    with pytest.raises(ZeroDivisionError), experiment_lock(tmp_path):
        1 / 0
    assert not (tmp_path / LOCK_FILE).exists()


# --- the manifest and the tables agree with the records -----------------------------------------

def test_crash_between_the_last_record_and_the_tables_is_repaired(tmp_path):
    config = load_config(ZERO_SHOT)
    run_experiment(config, tmp_path, progress=False)
    finished = manifest(tmp_path)
    # The state a crash after the last record leaves: the start-time manifest, no tables, and
    # the temporary file of an interrupted write.
    start = {k: v for k, v in finished.items() if k not in ("finished_utc", "n_ok", "n_failed", "n_not_applicable")}
    (tmp_path / "manifest.json").write_text(json.dumps(start))
    (tmp_path / "runs.parquet").unlink()
    (tmp_path / ".runs.parquet.123.abcd.tmp").write_bytes(b"half")
    (tmp_path / "records" / ".x.json.123.abcd.tmp").write_bytes(b"{")

    summary = run_experiment(config, tmp_path, progress=False)
    assert (summary.n_skipped, summary.n_ok) == (2, 0)
    rebuilt = manifest(tmp_path)
    assert (rebuilt["n_runs"], rebuilt["n_ok"], rebuilt["n_failed"]) == (2, 2, 0) and "finished_utc" in rebuilt
    assert rebuilt["started_utc"] == finished["started_utc"]  # the provenance of the runs is kept
    assert rebuilt["sittings"] == finished["sittings"] == sittings(tmp_path)  # a rebuild is no sitting
    assert len(pd.read_parquet(tmp_path / "runs.parquet")) == 2
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_manifest_of_a_crashed_extended_grid_is_rebuilt(tmp_path):
    config = load_config(ZERO_SHOT)
    run_experiment(config, tmp_path, progress=False)
    # An extended grid (three folds) started here and crashed before its first run ended.
    extended = {k: v for k, v in manifest(tmp_path).items() if k not in ("finished_utc", "n_ok")}
    (tmp_path / "manifest.json").write_text(json.dumps({**extended, "n_runs": 3}))
    run_experiment(config, tmp_path, progress=False)
    assert (manifest(tmp_path)["n_runs"], manifest(tmp_path)["n_ok"]) == (2, 2)
    assert len(pd.read_parquet(tmp_path / "runs.parquet")) == 2


def test_an_unchanged_complete_grid_keeps_manifest_and_tables(tmp_path):
    config = load_config(ZERO_SHOT)
    run_experiment(config, tmp_path, progress=False)
    before = {name: (tmp_path / name).stat().st_mtime_ns for name in ("manifest.json", "runs.parquet")}
    assert run_experiment(config, tmp_path, progress=False).n_skipped == 2
    assert {name: (tmp_path / name).stat().st_mtime_ns for name in before} == before


# --- one damaged record does not stop a grid ------------------------------------------------------

def test_damaged_records_are_named_moved_aside_and_redone(tmp_path):
    config = load_config(TINY_FT)
    run_experiment(config, tmp_path, progress=False)
    runs = pd.read_parquet(tmp_path / "runs.parquet").set_index("method")
    empty = tmp_path / "records" / f"{runs.loc['zero_shot', 'run_id']}.json"
    curve = tmp_path / "records" / f"{runs.loc['finetune', 'run_id']}.curve.parquet"
    empty.write_bytes(b"")
    curve.write_bytes(curve.read_bytes()[:100])

    summary = run_experiment(config, tmp_path, progress=False)
    assert (summary.n_skipped, summary.n_ok, summary.failures) == (0, 2, [])
    assert len(summary.damaged) == 2
    assert any(str(empty) in message and "unreadable record" in message for message in summary.damaged)
    assert any(str(curve) in message and "unreadable curve" in message for message in summary.damaged)
    assert f"DAMAGED {empty}" in str(summary)
    aside = sorted(p.name.split(".")[0] for p in (tmp_path / "records" / "damaged").iterdir())
    assert aside == sorted([empty.stem, curve.name.split(".")[0], curve.name.split(".")[0]])  # its json too
    loaded_runs = pd.read_parquet(tmp_path / "runs.parquet")
    assert (loaded_runs["status"] == "ok").all() and len(loaded_runs) == 2
    assert set(pd.read_parquet(tmp_path / "curves.parquet")["method"]) == {"finetune"}


# --- sittings: one entry each, whichever way it ends -------------------------------------------------

@pytest.mark.parametrize("damage", ['[{"started_utc": "2026-', '{"started_utc": "x"}',
                                    '[{"started_utc": "yesterday", "ended_utc": null}]'])
def test_a_damaged_sittings_file_is_moved_aside_and_the_grid_completes(tmp_path, damage):
    (tmp_path / "sittings.json").write_text(damage)
    with pytest.warns(UserWarning, match=f"{tmp_path / 'sittings.json'}: unreadable sittings"):
        summary = run_experiment(load_config(ZERO_SHOT), tmp_path, progress=False)
    assert (summary.n_ok, summary.failures) == (2, [])
    (aside,) = (tmp_path / "records" / "damaged").iterdir()
    assert aside.name.startswith("sittings.json.") and aside.read_text() == damage
    (sitting,) = sittings(tmp_path)
    assert sitting["outcome"] == "finished" and manifest(tmp_path)["sittings"] == [sitting]


@pytest.mark.slow
def test_a_grid_stopped_by_sigterm_and_resumed_records_both_sittings(tmp_path):
    process, out = start_run(tmp_path, SHORT, "--workers", "2")
    try:
        assert wait_until(lambda: len(list(out.glob("records/*.json"))) >= 2, 240), process.communicate()
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signal.SIGTERM
    n_runs, recorded = 2 * 10 * 3, len(list(out.glob("records/*.json")))
    assert recorded < n_runs, "the grid should have been stopped midway"
    (stopped,) = sittings(out)
    assert (stopped["outcome"], stopped["runs_pending"], stopped["runs_done"]) == ("interrupted", n_runs, recorded)
    assert stopped["ended_utc"] is not None and (stopped["executor"], stopped["workers"]) == ("local", 2)
    assert "finished_utc" not in manifest(out)

    run_experiment(load_config(tmp_path / "grid.yaml"), out, progress=False)
    first, second = sittings(out)
    assert first == stopped
    assert (second["outcome"], second["runs_pending"], second["runs_done"]) == \
        ("finished", n_runs - recorded, n_runs - recorded)
    finished = manifest(out)
    assert finished["sittings"] == [first, second] and "sittings_unmeasured" not in finished
    assert finished["wall_seconds"] == wall_seconds(first) + wall_seconds(second)


# --- signals stop everything; orphans exit ------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("signum, executor", [(signal.SIGTERM, "local"), (signal.SIGINT, "local"),
                                              (signal.SIGTERM, "dask")])
def test_a_signal_stops_the_pool_and_every_process_it_started(tmp_path, signum, executor):
    process, out = start_run(tmp_path, LONG, "--workers", "2", "--executor", executor)
    # local: resource tracker, forkserver, two workers; dask: resource tracker, two workers
    n_processes = 4 if executor == "local" else 3
    try:
        started = wait_until(lambda: len(list(out.glob("records/*.json"))) >= 2
                             and len(descendants(process.pid)) >= n_processes, 240)
        assert started and process.poll() is None, process.communicate()
        tree = descendants(process.pid)
        # A second run on the same folder meanwhile refuses (exit 2) and writes nothing.
        second = subprocess.run([sys.executable, "-m", "causalmix.cli", "run", str(tmp_path / "grid.yaml"),
                                 "--out", str(out), "--no-progress"], cwd=REPO, capture_output=True, text=True)
        assert second.returncode == 2 and f"is in use by pid {process.pid}" in second.stderr
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signum
    assert f"stopped by {signal.Signals(signum).name}" in stderr and "Traceback" not in stderr
    assert wait_until(lambda: not any(alive(pid) for pid in tree), 15), [p for p in tree if alive(p)]
    assert not (out / LOCK_FILE).exists()
    recorded = len(list(out.glob("records/*.json")))
    assert recorded < 2 * 5 * 3 * 2
    time.sleep(2)
    assert len(list(out.glob("records/*.json"))) == recorded  # nobody writes after the exit


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["local", "dask"])
def test_orphaned_workers_exit_when_the_main_process_is_killed(tmp_path, executor):
    process, out = start_run(tmp_path, LONG, "--workers", "2", "--executor", executor)
    n_processes = 4 if executor == "local" else 3
    try:
        assert wait_until(lambda: len(list(out.glob("records/*.json"))) >= 1
                          and len(descendants(process.pid)) >= n_processes, 240), process.communicate()
        tree = descendants(process.pid)
        process.kill()  # SIGKILL: no cleanup in the main process
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
    assert wait_until(lambda: not any(alive(pid) for pid in tree), 15), [p for p in tree if alive(p)]
    recorded = len(list(out.glob("records/*.json")))
    time.sleep(2)
    assert len(list(out.glob("records/*.json"))) == recorded
    # The rerun takes over the stale lock and finishes the grid from there.
    assert (out / LOCK_FILE).is_file()


def test_a_damaged_synthetic_cache_is_made_afresh(tmp_path):
    grid = {**TINY_FT, "methods": ["smote"]}
    run_experiment(load_config(grid), tmp_path / "a", progress=False)
    (cached,) = (tmp_path / "a" / "synthetic").glob("*.parquet")
    cached.write_bytes(cached.read_bytes()[:50])
    for record in (tmp_path / "a" / "records").glob("*"):
        record.unlink()
    summary = run_experiment(load_config(grid), tmp_path / "a", progress=False)
    assert (summary.n_ok, summary.failures) == (1, [])
    warnings = pd.read_parquet(tmp_path / "a" / "runs.parquet")["warnings"].iloc[0]
    assert f"{cached}: unreadable synthetic cache" in warnings
    assert pd.read_parquet(cached).shape[0] > 0
