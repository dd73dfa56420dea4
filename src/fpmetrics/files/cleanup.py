"""Temporary files removed at exit, and also when the run is stopped by a signal.

A GB18030 register is read through a UTF-8 copy in a private temporary folder: it holds the
same personal data (id numbers) as the register, so it must not outlive the run. ``atexit``
covers a normal end, an error and Ctrl-C; :func:`install` covers SIGTERM, SIGHUP and SIGINT
arriving at any moment, even while Polars or pandas run native code for minutes (a Python
signal handler would only run once that returns): the signals are blocked in every thread
and a watcher thread waits for them with ``sigwait``, removes the files and exits with
128 + the signal's number, as a shell reports a process stopped by that signal.

Only the console script calls :func:`install` (tests that run the CLI in-process keep
their own signal handling).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import sys
import threading
from pathlib import Path

_PATHS: list[Path] = []
_LOCK = threading.Lock()
SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, name)
)


def register(path: Path) -> None:
    """Remove ``path`` (a file or a folder) at exit or on a stopping signal."""
    with _LOCK:
        if not _PATHS:
            atexit.register(remove_all)
        _PATHS.append(path)


def forget(path: Path) -> None:
    """``path`` is gone or has become an output: no longer remove it."""
    with _LOCK:
        if path in _PATHS:
            _PATHS.remove(path)


def remove_all() -> None:
    with _LOCK:
        paths, _PATHS[:] = list(_PATHS), []
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()


def install() -> bool:
    """Route SIGTERM, SIGHUP and SIGINT to a watcher thread that cleans up and exits.
    Call before any other thread starts (threads inherit the blocked mask). False where the
    platform has no ``pthread_sigmask``/``sigwait`` (Windows): atexit still runs on Ctrl-C."""
    if not (hasattr(signal, "pthread_sigmask") and hasattr(signal, "sigwait")):
        return False
    if threading.current_thread() is not threading.main_thread():
        return False
    wanted = {s for s in SIGNALS if signal.getsignal(s) is not signal.SIG_IGN}  # nohup
    if not wanted:
        return False
    signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
    threading.Thread(target=_watch, args=(wanted,), name="fpmetrics-signals", daemon=True).start()
    return True


def _watch(wanted: set[signal.Signals]) -> None:
    received = signal.sigwait(wanted)
    remove_all()
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(128 + int(received))
