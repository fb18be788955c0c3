"""planner.io.files: output writing that cannot damage anything, bounded parsing of structured files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import SpecError
from planner.io.files import write_output
from tests.conftest import ROOT

PLAN = ROOT / "examples" / "ci" / "plan.json"
runner = CliRunner()


def export(*args: str):
    return runner.invoke(app, ["export", str(PLAN), "--to", "vllm", *args])


def device_node(tmp_path: Path) -> Path:
    """A character device to aim `-o` at. As root, a private copy of /dev/null in `tmp_path`: a regression
    would replace that one, not the machine's /dev/null (which an early run of this harness did to the
    pre-fix code). Without root, /dev/null itself, which a non-root process cannot replace."""
    if os.geteuid() != 0:
        return Path("/dev/null")
    node = tmp_path / "null"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except OSError:
        pytest.skip("cannot create a device node here")
    return node


def test_dash_writes_to_stdout(tmp_path, monkeypatch):
    """`-o -` (and, without root, `-o /dev/stdout`) write the text to standard output and create no file."""
    monkeypatch.chdir(tmp_path)
    plain = export()
    assert plain.exit_code == 0 and plain.stdout.startswith("#!")
    for name in ("-",) if os.geteuid() == 0 else ("-", "/dev/stdout"):
        result = export("-o", name)
        assert result.exit_code == 0 and result.stdout == plain.stdout
    assert list(tmp_path.iterdir()) == []


def test_device_node_is_refused_and_left_alone(tmp_path):
    """A character device (a /dev/null) is refused with exit 2 and stays a device node."""
    node = device_node(tmp_path)
    result = export("-o", str(node))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Error: -o: output path exists and is not a regular file (a device or socket); it is left alone "
        f"(got {str(node)!r})",
        "hint: name a regular file, or pass `-o -` to write to standard output"]
    assert stat.S_ISCHR(os.stat(node).st_mode)


def test_descriptor_symlink_is_written_through(tmp_path):
    """A symlink to a file descriptor (like /dev/stderr) is written through, and stays a symlink."""
    link = tmp_path / "err"
    link.symlink_to("/proc/self/fd/2")
    assert export("-o", str(link)).exit_code == 0
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/2"


def test_directory_is_refused(tmp_path):
    """An existing directory is refused with a hint naming a file inside it; nothing is written."""
    result = export("-o", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"Error: -o: output path is a directory (got {str(tmp_path)!r})"
    assert result.stderr.splitlines()[1] == f"hint: name a file inside it, e.g. {tmp_path / 'plan.json'}"
    assert list(tmp_path.iterdir()) == []


def test_symlink_to_directory_is_refused(tmp_path):
    """A symlink to a directory is refused like the directory, and the link survives."""
    (tmp_path / "d").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "d")
    assert export("-o", str(tmp_path / "link")).exit_code == 2
    assert (tmp_path / "link").is_symlink() and list((tmp_path / "d").iterdir()) == []


def test_symlink_to_file_replaces_the_target_not_the_link(tmp_path):
    """Writing through a symlink replaces the file it points to; the symlink stays a symlink."""
    target, link = tmp_path / "real.sh", tmp_path / "serve.sh"
    target.write_text("old\n")
    link.symlink_to(target)
    assert export("-o", str(link)).exit_code == 0
    assert link.is_symlink() and target.read_text().startswith("#!")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["real.sh", "serve.sh"]


def test_fifo_is_written_in_place(tmp_path):
    """A FIFO is written to (someone reads it), not replaced by a regular file."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    write_output(fifo, "hello\n")
    reader.join(timeout=10)
    assert got == ["hello\n"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_fifo_without_reader_is_refused(tmp_path, monkeypatch):
    """A FIFO nobody reads is refused in one line after a short wait (the open blocked forever)."""
    monkeypatch.setattr("planner.io.files.FIFO_WAIT_S", 0.2)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = export("-o", str(fifo))
    assert result.exit_code == 2 and stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert result.stderr.splitlines() == [
        f"Error: -o: cannot write the output: nobody is reading the FIFO (waited 0.2 s) (got '{fifo}')",
        "hint: start the reader first (e.g. `cat FIFO &`), or name a regular file"]


def test_missing_directory_is_one_clean_line(tmp_path):
    """An output in a directory that does not exist is one `Error:` line and a hint, exit 2."""
    result = export("-o", str(tmp_path / "nope" / "serve.sh"))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith("Error: -o: output directory does not exist")
    assert result.stderr.splitlines()[1] == "hint: create the directory first"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_directory_is_one_clean_line(tmp_path):
    """An output in a read-only directory is one clean line, no traceback."""
    tmp_path.chmod(0o500)
    try:
        result = export("-o", str(tmp_path / "serve.sh"))
    finally:
        tmp_path.chmod(0o700)
    assert result.exit_code == 2 and result.stderr.startswith("Error: -o: cannot write in the output directory")


def test_unwritable_directory_is_one_clean_line(tmp_path, monkeypatch):
    """A directory refusing the temp file (read-only, as a non-root user sees it) is one clean line, exit 2."""
    import tempfile

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    result = export("-o", str(tmp_path / "serve.sh"))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (f"Error: -o: cannot write in the output directory: Permission denied "
                                             f"(got {str(tmp_path / 'serve.sh')!r})")
    assert list(tmp_path.iterdir()) == []


def test_write_error_removes_the_temp_file(tmp_path, monkeypatch):
    """A failing write (disk full) is a SpecError and leaves neither a temp file nor a half output."""
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(SpecError, match="No space left on device"):
        write_output(tmp_path / "plan.json", "{}")
    assert list(tmp_path.iterdir()) == []


def test_existing_file_keeps_its_mode(tmp_path):
    """Replacing an existing file keeps its permission bits."""
    out = tmp_path / "plan.json"
    out.write_text("old")
    out.chmod(0o600)
    write_output(out, "new")
    assert out.read_text() == "new" and stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.parametrize(("signame", "codes"), [("SIGTERM", {143}), ("SIGINT", {130, -2})])
def test_signal_mid_write_leaves_no_temp_file(tmp_path, signame, codes):
    """SIGTERM (through the CLI's handler) or SIGINT during the write ends the process and removes the temp file."""
    code = f"""
import os, signal
from pathlib import Path
import planner.cli as cli
from planner.io import files
signal.signal(signal.SIGTERM, cli._terminate)
real = os.fdopen
def fdopen(*a, **k):
    handle = real(*a, **k)
    signal.raise_signal(signal.{signame})  # runs the Python handler before returning, unlike os.kill
    return handle
files.os.fdopen = fdopen
files.write_output(Path({str(tmp_path / "plan.json")!r}), "x" * 1000)
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode in codes, proc.stderr
    assert list(tmp_path.iterdir()) == []
