"""One writer per experiment folder: a lock file holding the holder's pid, host and start time.

:func:`experiment_lock` creates ``<out_dir>/.lock`` atomically (``O_CREAT | O_EXCL``, so it works
on a shared filesystem too) and removes it on exit, including after an exception or a signal
turned into one. A second ``causalmix run`` on the same folder finds the file and refuses with
:class:`LockedError`. A lock is *stale*, and taken over, when its holder ran on this host and that
process is gone (or its pid now belongs to a process started later); a lock held from another
host is never taken over automatically (the message says how to remove it).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import socket
import sys
import time
from pathlib import Path

LOCK_FILE = ".lock"
#: A lock file that is still empty or unreadable after this many seconds is stale (its writer died
#: between creating and filling it).
UNREADABLE_GRACE_S = 30.0


class LockedError(RuntimeError):
    """The experiment folder is locked by another live process."""


def process_start_time(pid: int) -> int | None:
    """Start time of ``pid`` in clock ticks since boot (``/proc/<pid>/stat``), None when unknown or
    the process is gone; a zombie counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def process_alive(pid: int, start_time: int | None = None) -> bool:
    """Whether ``pid`` runs (and, given ``start_time``, is still the process that started then)."""
    if Path("/proc/self/stat").exists():
        started = process_start_time(pid)
        return started is not None and (start_time is None or started == start_time)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holder() -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname(), "start_time": process_start_time(os.getpid()),
            "since_utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv)[:500]}


def _describe(holder: dict) -> str:
    return (f"pid {holder.get('pid')} on host {holder.get('host')!r} since {holder.get('since_utc')} "
            f"({holder.get('command') or 'unknown command'})")


def _stale_reason(path: Path) -> tuple[str | None, bytes]:
    """(why the lock at ``path`` is stale, or None when its holder may still be running; the lock
    file's content that was judged)."""
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return "released meanwhile", b""
    try:
        holder = json.loads(content)
        if not isinstance(holder, dict) or not isinstance(holder.get("pid"), int):
            raise ValueError("no pid")
    except ValueError:
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            return "released meanwhile", b""
        return ("unreadable lock file" if age >= UNREADABLE_GRACE_S else None), content
    if holder.get("host") != socket.gethostname():
        return None, content
    if not process_alive(holder["pid"], holder.get("start_time")):
        return f"its holder {_describe(holder)} is gone", content
    return None, content


def _refusal(path: Path) -> LockedError:
    try:
        holder = _describe(json.loads(path.read_text()))
    except (OSError, ValueError, AttributeError):
        holder = "a process that is still writing the lock file"
    return LockedError(
        f"{path.parent} is in use by {holder}: one `causalmix run` per experiment folder. Wait for "
        f"it to finish (or stop it), or use another --out. If that process is certainly gone (e.g. "
        f"it ran on another host that crashed), delete {path}.")


def acquire(out_dir: str | os.PathLike) -> Path:
    """Take the lock of ``out_dir`` (created if needed); returns the lock file. Raises
    :class:`LockedError` when a live process holds it; a stale lock is replaced, with a warning."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / LOCK_FILE
    for _ in range(3):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            reason, judged = _stale_reason(path)
            if reason is None:
                raise _refusal(path) from None
            if reason != "released meanwhile":
                print(f"causalmix run: removing the stale lock {path} ({reason}).", file=sys.stderr)
                # Move it aside first; should another process have replaced it meanwhile by a
                # live lock, put that one back.
                aside = path.with_name(f"{LOCK_FILE}.stale.{os.getpid()}")
                with contextlib.suppress(FileNotFoundError):
                    os.replace(path, aside)
                    if aside.read_bytes() != judged:
                        with contextlib.suppress(FileExistsError):
                            os.link(aside, path)
                    aside.unlink()
            continue
        with os.fdopen(fd, "w") as handle:
            json.dump(_holder(), handle)
            handle.flush()
            os.fsync(handle.fileno())
        return path
    raise _refusal(path)


def release(path: Path) -> None:
    """Remove the lock file if this process still holds it."""
    try:
        holder = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    if holder.get("pid") == os.getpid() and holder.get("host") == socket.gethostname():
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def experiment_lock(out_dir: str | os.PathLike):
    """Hold the lock of ``out_dir`` for the duration of the block (see the module docstring)."""
    path = acquire(out_dir)
    try:
        yield path
    finally:
        release(path)
