"""Standard output and error that fail cleanly: a closed stream (`>&-`), a full disk (`>/dev/full`) or a reader
that left (`| head -c 10`) is one `Error:` line (exit 2), not a traceback or an exit code that means something else."""

from __future__ import annotations

import errno
import os
import sys
from typing import Any, TextIO

from planner.errors import SpecError


class StdoutError(SpecError):
    """Standard output cannot take the command's output."""


def _stdout_error(exc: OSError | None) -> StdoutError:
    if exc is None or exc.errno == errno.EBADF:
        return StdoutError("cannot write to standard output: it is closed", where="stdout",
                           hint="run without `>&-`: redirect the output to a file (`> out.txt`) or /dev/null instead")
    if exc.errno == errno.EPIPE:
        return StdoutError("cannot write to standard output: the reader of the pipe exited early (broken pipe)",
                           where="stdout", hint="let the reader take the whole output, or write it to a file with "
                                                "`> out.txt` (or -o FILE) and read that")
    return StdoutError(f"cannot write to standard output: {exc.strerror or exc}", where="stdout",
                       hint="check the free space and permissions where standard output goes, or write to another "
                            "file")


class _Wrapped:
    """A standard stream held by a wrapper (`None` when Python has none: a closed descriptor at start-up)."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream

    def isatty(self) -> bool:
        return self._stream is not None and self._stream.isatty()

    def __getattr__(self, name: str) -> Any:
        if self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)


class GuardedStdout(_Wrapped):
    """`sys.stdout` whose failed writes raise `StdoutError` (a closed stdout, `None` in Python, raises it too)."""

    def write(self, text: str) -> int:
        if self._stream is None:
            raise _stdout_error(None)
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise _stdout_error(exc) from None

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except OSError as exc:
            raise _stdout_error(exc) from None


class SilentStderr(_Wrapped):
    """`sys.stderr` that drops what it cannot write (closed, full, a reader gone): the exit code still tells."""

    def write(self, text: str) -> int:
        try:
            if self._stream is not None:
                self._stream.write(text)
        except (OSError, ValueError):
            self._stream = None
        return len(text)

    def flush(self) -> None:
        try:
            if self._stream is not None:
                self._stream.flush()
        except (OSError, ValueError):
            self._stream = None


def guard() -> None:
    """Wrap this process's `sys.stdout` and `sys.stderr` (the console script; tests keep their own streams)."""
    if not isinstance(sys.stdout, GuardedStdout):
        sys.stdout = GuardedStdout(sys.stdout)
    if not isinstance(sys.stderr, SilentStderr):
        sys.stderr = SilentStderr(sys.stderr)


def close_quietly() -> None:
    """After a failed write to stdout: point descriptor 1 at /dev/null, so the interpreter's own final flush of
    what is still buffered cannot fail again and print a second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass
