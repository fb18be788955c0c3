"""Reading and writing files: one place that maps OS errors, syntax errors and validation errors to
one clear `SpecError` / `DataError` line, and writes outputs atomically.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import select
import stat
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from planner.errors import PlannerError, SpecError

M = TypeVar("M", bound=BaseModel)


MAX_FILE_BYTES = 256 * 2**20
"""Largest JSON/YAML file read (256 MiB): configs are kilobytes, plans and calibrations megabytes."""
MAX_DEPTH = 64
"""Deepest nesting accepted in a JSON/YAML file (configs and reports nest fewer than 10 levels)."""
MAX_VALUES = 1_000_000
"""Most values one file may expand to, YAML aliases counted each time they are used ("billion laughs")."""
_FLOAT_MAX = sys.float_info.max
FIFO_WAIT_S = 2.0
"""How long `-o FIFO` waits for a reader, and an input FIFO for a writer, before it is refused (never forever)."""


def user_path(ref: str, where: str, hint: str) -> Path:
    """A path a user typed, refused in one line when it is blank or the OS could not even look it up (a NUL byte, a
    name over 255 bytes, a path over 4,096), where `Path.exists()` would raise instead of answering."""
    if not ref.strip():  # '' is Path('.'): the working directory was read as the model or tokenizer folder
        raise SpecError("is empty: name a file, a folder (`.` for the working directory) or a repo id", where=where,
                        value=ref, hint=hint)
    if "\x00" in ref or len(ref) > 4096 or any(len(part.encode("utf-8", "surrogateescape")) > 255
                                               for part in ref.split("/")):
        raise SpecError("not a usable path or repo id (too long, or a NUL byte)", where=where,
                        value=ref if len(ref) <= 60 else ref[:57] + "...", hint=hint)
    try:
        return Path(ref).expanduser()
    except RuntimeError:  # `~user` for a user that does not exist: the literal path
        return Path(ref)


INPUTS_READ: set[tuple[int, int]] = set()
"""(device, inode) of every regular input file this command opened (a sample named in model.yaml, the config.json
of a model folder, a tokenizer file): `write_output` never replaces one. The CLI clears it before each command."""


def note_input(path: Path) -> None:
    """Count `path` (a regular file the command depends on without opening it, e.g. on a cache hit) as an input."""
    try:
        st = path.stat()
    except OSError:
        return
    if stat.S_ISREG(st.st_mode):
        INPUTS_READ.add((st.st_dev, st.st_ino))


def open_input(path: Path, error: type[PlannerError] = SpecError, *, what: str = "file",
               hint: str | None = None) -> BinaryIO:
    """Open an input file for reading so that it cannot hang: a device or socket (`/dev/zero`, a terminal) is
    refused, and a FIFO nobody writes to within `FIFO_WAIT_S` is refused; a pipe (`<(cmd)`) reads as usual.

    Raises:
        OSError: The path is missing, a directory or unreadable (callers word these themselves).
        PlannerError: `error`, for a device, a socket or a FIFO without a writer.
    """
    fd = os.open(path.expanduser(), os.O_RDONLY | os.O_NONBLOCK)  # non-blocking: opening a FIFO never waits
    try:
        st = os.fstat(fd)
        mode = st.st_mode
        if stat.S_ISREG(mode):
            INPUTS_READ.add((st.st_dev, st.st_ino))
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if stat.S_ISFIFO(mode):
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            if not poller.poll(FIFO_WAIT_S * 1000):  # no writer yet (Linux reports nothing until one opens it)
                raise error(f"cannot read the {what}: nobody is writing to the FIFO (waited {FIFO_WAIT_S:g} s)",
                            where=str(path), hint="start the writer first, or name a regular file")
        elif not stat.S_ISREG(mode):
            raise error(f"expected a {what}, got a device or socket", where=str(path),
                        hint=hint or "name a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: Path, error: type[PlannerError] = SpecError, *, what: str = "file",
               hint: str | None = None, max_bytes: int | None = None) -> bytes:
    """The bytes of `path`, or one clear error naming the path (missing, a directory, a device, unreadable, too
    large)."""
    try:
        with open_input(path, error, what=what, hint=hint) as handle:
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise error(f"{what} not found", where=str(path), hint=hint or "check the path") from None
    except IsADirectoryError:
        raise error(f"expected a {what}, got a directory", where=str(path),
                    hint=hint or "name a file, or move the directory out of the way") from None
    except OSError as exc:  # unreadable, a symlink loop, a name too long
        raise error(f"cannot read the {what}: {exc.strerror}", where=str(path), hint=hint or os_error_hint(exc)) from None
    if max_bytes is not None and len(data) > max_bytes:
        raise error(f"{what} is larger than {max_bytes // 2**20} MiB", where=str(path),
                    hint=hint or "is it the right file?")
    return data


def os_error_hint(exc: OSError) -> str:
    """The next step for an OS error reading an input file (a symlink loop, permissions, anything else)."""
    if exc.errno == errno.ELOOP:
        return "the path is a symlink loop: point the link at the real file"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "check the file's permissions"
    return "check the path: is the file there and readable?"


def read_text(path: Path, error: type[PlannerError] = SpecError, *, what: str = "file",
              hint: str | None = None, max_bytes: int | None = None) -> str:
    """The UTF-8 text of `path` (a BOM is dropped), or one clear error."""
    data = read_bytes(path, error, what=what, hint=hint, max_bytes=max_bytes)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{what} is not UTF-8 text (bad byte at offset {exc.start})", where=str(path),
                    hint=hint or "is it a binary file?") from None


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe YAML loader, refusing a key given twice in one mapping (PyYAML keeps the last one silently, so
    a second `workload:` section replaced the first)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        problem=f"the key {key_node.value!r} appears twice in one mapping",
                        problem_mark=key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def parse_structured(text: str, where: str, *, json_syntax: bool,
                     error: type[PlannerError] = SpecError, hint: str | None = None, finite: bool = True) -> Any:
    """Parse JSON (`json_syntax`) or YAML text into bounded plain data, with one clear line on any failure.

    Syntax errors give the position; nesting deeper than `MAX_DEPTH`, more than `MAX_VALUES` values (YAML
    alias bombs, self-referencing anchors), integers beyond float range and (with `finite`) NaN or infinite
    numbers are refused with the field path.
    """
    kind = "JSON" if json_syntax else "YAML"
    try:
        if json_syntax:
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=_UniqueKeyLoader)
    except json.JSONDecodeError as exc:
        raise error(f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", where=where,
                    hint=hint or "validate it with `python -m json.tool`") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        fix = "keep one of them, merged" if "appears twice" in problem else "check indentation and quoting"
        raise error(f"malformed YAML{at}: {problem}", where=where, hint=hint or fix) from None
    except RecursionError:
        raise error(f"{kind} nested deeper than {MAX_DEPTH} levels", where=where,
                    hint=hint or "is it the right file?") from None
    except (ValueError, OverflowError) as exc:  # a 4,300+ digit integer (int_max_str_digits), or a bad YAML date
        detail = " ".join(str(exc).split())[:120]
        if "digits" in detail:
            problem, fix = "a number has more than 4,300 digits", "numbers must fit a 64-bit float; check the value"
        elif re.search(r"\b(year|month|day)\b", detail):  # YAML reads 2026-13-45 as a date, then datetime refuses it
            problem, fix = f"an invalid date ({detail})", "write dates as YYYY-MM-DD with a real month and day"
        else:
            problem, fix = detail, "check the value"
        raise error(f"malformed {kind}: {problem}", where=where, hint=hint or fix) from None
    check_bounds(data, where, error, finite=finite)
    return data


def check_bounds(data: Any, where: str, error: type[PlannerError] = SpecError, *, finite: bool = True) -> None:
    """Refuse data nested too deep, too large once aliases expand, or holding numbers no float can carry."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    seen = 0
    while stack:
        value, loc, depth = stack.pop()
        seen += 1
        if seen > MAX_VALUES:
            raise error(f"file expands to more than {MAX_VALUES:,} values (YAML anchors and aliases?)",
                        where=where, hint="write the values out; aliases that multiply are refused")
        if depth > MAX_DEPTH:
            raise error(f"nested deeper than {MAX_DEPTH} levels (a self-referencing anchor?)",
                        where=f"{where}: {loc[:60]}...", hint="is it the right file?")
        if isinstance(value, dict):
            for key, item in value.items():
                stack.append((item, f"{loc}.{key}" if loc else str(key), depth + 1))
                if isinstance(key, str) and _SURROGATE.search(key):
                    refuse_surrogates(key, f"{where}: {loc or '(top level)'} (a key)", error)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                stack.append((item, f"{loc}[{index}]", depth + 1))
        elif isinstance(value, str):
            if _SURROGATE.search(value):
                refuse_surrogates(value, f"{where}: {loc or '(top level)'}", error)
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int) and not -_FLOAT_MAX <= value <= _FLOAT_MAX:
            raise error("integer beyond the range of a 64-bit float", where=f"{where}: {loc or '(top level)'}",
                        value=f"{len(str(abs(value)))}-digit number", hint="check the value; is a digit repeated?")
        elif finite and isinstance(value, float) and not math.isfinite(value):
            raise error("must be a finite number", where=f"{where}: {loc or '(top level)'}", value=value,
                        hint="write a finite value in the field's unit (see its name)")


_SURROGATE = re.compile("[\ud800-\udfff]")
"""A lone UTF-16 surrogate: JSON can spell one (`"\\ud800"`), but no UTF-8 text (or output) can hold it."""


def refuse_surrogates(text: str, where: str, error: type[PlannerError] = SpecError) -> None:
    """Refuse a string holding a lone surrogate (from a JSON escape such as `\\ud800` without its pair): it would
    crash the tokenizer or the UTF-8 output later."""
    match = _SURROGATE.search(text)
    if match:
        raise error(f"holds a lone surrogate escape (\\u{ord(match.group()):04x}), which is not valid Unicode",
                    where=where, hint="a JSON \\uD800-\\uDFFF escape must be followed by its pair; write the text as "
                                      "UTF-8")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x1f\x7f]")


def refuse_control_characters(data: Any, where: str, *, newlines: bool = False,
                              error: type[PlannerError] = SpecError,
                              hint: str = "re-create the file with the planner; hand edits must keep values on one "
                                          "line") -> None:
    """Refuse strings holding control characters (newlines too unless `newlines`): a value copied into a
    script comment or a manifest must not be able to start a new line there."""
    pattern = _CONTROL if newlines else _CONTROL_OR_NEWLINE
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, dict):
            stack += [(v, f"{loc}.{k}" if loc else str(k)) for k, v in value.items()]
            stack += [(k, f"{loc} (a key)") for k in value if isinstance(k, str)]
        elif isinstance(value, list):
            stack += [(v, f"{loc}[{i}]") for i, v in enumerate(value)]
        elif isinstance(value, str) and pattern.search(value):
            raise error("holds a control character (a newline or escape) where plain text belongs",
                        where=f"{where}: {loc or '(top level)'}", value=value[:60], hint=hint)


def read_structured(path: Path, error: type[PlannerError] = SpecError, *, hint: str | None = None,
                    finite: bool = True) -> Any:
    """Parse a JSON (`.json`) or YAML file into bounded plain data, with one clear line on any failure."""
    text = read_text(path, error, hint=hint, max_bytes=MAX_FILE_BYTES)
    return parse_structured(text, str(path), json_syntax=path.suffix == ".json", error=error, hint=hint,
                            finite=finite)


def validate(model: type[M], data: Any, where: str, error: type[PlannerError] = SpecError,
             hint: str | None = None) -> M:
    """Validate `data` as `model`, turning a `ValidationError` into one line listing each location."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
            got = f" (got {err['input']!r})" if "input" in err and not isinstance(err["input"], (dict, list)) else ""
            parts.append(f"{loc}: {str(err['msg']).removeprefix('Value error, ')}{got}")
        raise error("; ".join(parts), where=where,
                    hint=hint or "values carry their unit in the key name (bytes, bytes/s, seconds)") from None


ONE_LINE_HINT = "keep each value on one line, without control characters (names and notes reach scripts and manifests)"
"""The hint of a data or side file whose text holds a newline or another control character."""


def load_validated(model: type[M], path: Path, error: type[PlannerError] = SpecError,
                   hint: str | None = None) -> M:
    """Read a JSON/YAML file and validate it as `model` (the one read-and-validate helper). Its strings must be
    one line each: they end up in reports, launch-script comments and manifests."""
    data = read_structured(path, error, hint=hint)
    refuse_control_characters(data, str(path), error=error, hint=ONE_LINE_HINT)
    return validate(model, data, str(path), error, hint)



_FD_PATH = re.compile(r"^/(?:proc/(?:self|thread-self|(\d+))(?:/task/\d+)?/fd|dev/fd)/(\d+)$")
"""A path naming one of a process's open descriptors (`/dev/fd/N`, `/proc/self/fd/N`, `/proc/PID/fd/N`)."""
_STD_NAMES = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
_KERNEL_DIRS = ("/proc/", "/sys/")
"""Kernel interfaces: their files look regular, and writing a report into one (`/proc/sys/...`) changes the system."""


def descriptor_of(path: Path) -> int | None:
    """The descriptor of this process that `path` names (`-`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`, or a
    symlink to one of them), else None. Only the names are read: the descriptor itself may be closed."""
    text = str(path)
    if text == "-":
        return 1
    text = os.path.abspath(text)
    for _ in range(40):  # the kernel's own limit on symlinks in one lookup
        if text in _STD_NAMES:
            return _STD_NAMES[text]
        match = _FD_PATH.match(text)
        if match:
            return int(match.group(2)) if match.group(1) in (None, str(os.getpid())) else None
        try:
            link = os.readlink(text)
        except (OSError, ValueError):
            return None
        text = os.path.normpath(os.path.join(os.path.dirname(text), link))
    return None


@dataclass(frozen=True)
class OutputTarget:
    """Where a write of a named output goes (`output_target`)."""

    path: Path
    """The regular file to create or replace (a symlink's target, never the link), or the FIFO / descriptor."""
    mode: int
    """Permissions of the file written: an existing file's own, else the umask's."""
    in_place: bool
    """A FIFO or descriptor: written through its own open, never replaced."""
    fd: int | None = None
    """The descriptor of this process the path names (`-`, `/dev/stderr`, `/proc/self/fd/N`): written directly."""


def output_target(path: Path, where: str, *, subject: str = "output path", noun: str = "output",
                  in_place_ok: bool = True, inputs: tuple[Path | str | None, ...] = (),
                  hint: str = "name a regular file, or pass `-o -` to write to standard output") -> OutputTarget:
    """Check a path an output will be written to, before anything is written, and say where the write goes.

    A name of one of this process's descriptors (`-`, `/dev/stdout`, `/dev/stderr`, `/proc/self/fd/N`, a symlink to
    one) is written to that descriptor and a FIFO through its own open, when `in_place_ok` (someone reads them), and
    refused otherwise; any other path that exists and is not a regular file (a directory, a device, a socket) or
    lies in /proc or /sys is refused and left alone, as is a dangling symlink, a missing directory, and a file the
    command read (`INPUTS_READ`, `inputs`). `subject` names the path in errors ("output path", "a plot file's
    name"), `noun` the thing written ("output", "plot").

    Raises:
        SpecError: The path cannot or must not be written.
    """
    path = path.expanduser()
    fd = descriptor_of(path)
    if fd is not None:
        if not in_place_ok:
            raise SpecError(f"{subject} names a file descriptor (standard output or error); it is left alone",
                            where=where, value=str(path), hint=hint)
        try:
            mode = os.fstat(fd).st_mode
        except OSError:
            raise SpecError(f"cannot write the {noun}: descriptor {fd} is not open", where=where, value=str(path),
                            hint="name a regular file, or a descriptor the shell opened (e.g. `3>out.json`)") from None
        return OutputTarget(path, mode & 0o7777, in_place=True, fd=fd)
    try:
        st: os.stat_result | None = path.stat()  # follows symlinks: what the path is in the end
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise SpecError(f"cannot write the {noun}: {exc.strerror}", where=where, value=str(path), hint=hint) from None
    umask = os.umask(0)
    os.umask(umask)
    if os.path.realpath(path).startswith(_KERNEL_DIRS) or os.path.abspath(path).startswith(_KERNEL_DIRS):
        raise SpecError(f"{subject} is in /proc or /sys (a kernel interface, not a file); it is left alone",
                        where=where, value=str(path), hint=hint)
    if st is None:
        if path.is_symlink():
            raise SpecError(f"{subject} is a dangling symlink; it is left alone", where=where, value=str(path),
                            hint=hint)
        directory = path.parent if str(path.parent) else Path(".")
        if not directory.is_dir():
            raise SpecError(f"{noun} directory does not exist", where=where, value=str(path),
                            hint="create the directory first")
        return OutputTarget(path, 0o666 & ~umask, in_place=False)
    if in_place_ok and stat.S_ISFIFO(st.st_mode):
        return OutputTarget(path, st.st_mode & 0o7777, in_place=True)
    if in_place_ok and stat.S_ISDIR(st.st_mode):
        raise SpecError(f"{subject} is a directory", where=where, value=str(path),
                        hint=f"name a file inside it, e.g. {path / 'plan.json'}")
    if not stat.S_ISREG(st.st_mode):
        kinds = "a device or socket" if in_place_ok else "a directory, device, socket or FIFO"
        raise SpecError(f"{subject} exists and is not a regular file ({kinds}); it is left alone", where=where,
                        value=str(path), hint=hint)
    # `export plan.json -o plan.json` would replace the plan with the script, and `recommend m.yaml -o s.jsonl`
    # the sample model.yaml names: neither a named input nor any file the command read is replaced
    if (st.st_dev, st.st_ino) in INPUTS_READ or any(source is not None and _same_file(path, Path(source))
                                                    for source in inputs):
        raise SpecError(f"{subject} is the command's own input; it is left alone", where=where, value=str(path),
                        hint=f"name another {noun} file")
    return OutputTarget(path.resolve(), st.st_mode & 0o7777, in_place=False)  # the symlink's target, never the link


def replace_file(target: OutputTarget, write: Callable[[str], None], where: str, *, noun: str = "output",
                 shown: Path | None = None) -> None:
    """Create or replace `target.path` whole: `write` fills a temp file in the same directory, which is then renamed
    over it; the temp file is removed on any failure, SIGINT included (the CLI turns SIGTERM into the same exit).
    `shown` is the path as the user named it, for errors."""
    path = target.path
    name = str(shown or path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise SpecError(f"cannot write in the {noun} directory: {exc.strerror}", where=where, value=name,
                        hint="choose a directory you can write to") from None
    os.close(fd)
    try:
        os.chmod(tmp, target.mode)  # mkstemp creates 0600; give the file the usual permissions
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise SpecError(f"cannot write the {noun}: {exc.strerror}", where=where, value=name,
                        hint="check free space and permissions") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_output(path: Path, text: str, where: str = "-o", *, executable: bool = False,
                 inputs: tuple[Path | str | None, ...] = ()) -> None:
    """Write `text` to `path` so that nothing is damaged and no half-written file is left.

    `-` (and `/dev/stdout`) is standard output, `/dev/stderr` standard error and `/proc/self/fd/N` descriptor N
    (written to, never opened anew or replaced: `2>>log` keeps its log); a FIFO is written in place (someone reads it);
    any other path that exists and is not a regular file (a directory, a device, a socket) is refused
    (`output_target`). A regular file, or the regular file a symlink points to, is replaced whole
    (`replace_file`). A path that is one of the command's `inputs` is refused.
    """
    target = output_target(path, where, inputs=inputs)
    if target.fd is not None:
        _write_descriptor(target.fd, text, where, path)
        return
    if target.in_place:
        _write_in_place(target.path, text, where)
        return
    if executable:
        umask = os.umask(0)
        os.umask(umask)
        target = OutputTarget(target.path, target.mode | (0o111 & ~umask), in_place=False)

    def fill(tmp: str) -> None:
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_TRUNC), "w", encoding="utf-8") as handle:
            handle.write(text)

    replace_file(target, fill, where, shown=path.expanduser())


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # b missing, unreadable or not a path the OS can look up (a repo id)
        return False


def _open_no_hang(path: Path, flags: int, where: str, what: str, mode: int = 0o644) -> int:
    """`os.open` for writing that cannot hang on a FIFO: opened non-blocking, a FIFO nobody opens for reading
    within `FIFO_WAIT_S` is refused (ENXIO) with one clear error; the descriptor returned blocks as usual."""
    deadline = time.monotonic() + FIFO_WAIT_S
    while True:
        try:
            fd = os.open(path, flags | os.O_WRONLY | os.O_NONBLOCK, mode)
            break
        except OSError as exc:
            if exc.errno == errno.ENXIO and time.monotonic() < deadline:
                time.sleep(0.01)
                continue
            if exc.errno == errno.ENXIO:
                raise SpecError(f"cannot {what}: nobody is reading the FIFO (waited {FIFO_WAIT_S:g} s)", where=where,
                                value=str(path),
                                hint="start the reader first (e.g. `cat FIFO &`), or name a regular file") from None
            raise SpecError(f"cannot {what}: {exc.strerror}", where=where, value=str(path),
                            hint="check the path and its permissions") from None
    os.set_blocking(fd, True)  # the reader is there: from now on, writes wait for it as usual
    return fd


def append_text(path: Path, text: str, where: str, what: str = "append") -> None:
    """Append `text` in one write to an O_APPEND file (created if missing), so concurrent writers never interleave
    within it; a FIFO without a reader is refused as by `_open_no_hang`."""
    data = text.encode("utf-8")
    fd = _open_no_hang(path, os.O_APPEND | os.O_CREAT, where, what)
    try:
        written = os.write(fd, data)
        while written < len(data):  # a short write (rare on regular files): finish it
            written += os.write(fd, data[written:])
    except OSError as exc:
        raise SpecError(f"cannot {what}: {exc.strerror}", where=where, value=str(path),
                        hint="check the disk and the path") from None
    finally:
        os.close(fd)


def _write_in_place(path: Path, text: str, where: str) -> None:
    """Write to a FIFO (or another file that must not be replaced) through its own open (`_open_no_hang`)."""
    fd = _open_no_hang(path, os.O_TRUNC, where, "write the output")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise SpecError(f"cannot write the output: {exc.strerror}", where=where, value=str(path),
                        hint="did the reader of the FIFO exit early?") from None


def _write_descriptor(fd: int, text: str, where: str, path: Path) -> None:
    """Write to one of this process's descriptors: standard output and error through their streams (so the text
    keeps its place among the other output), any other descriptor directly."""
    stream = {1: sys.stdout, 2: sys.stderr}.get(fd)
    if stream is not None:
        stream.write(text)
        stream.flush()
        return
    data = text.encode("utf-8")
    try:
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
    except OSError as exc:
        raise SpecError(f"cannot write the output to descriptor {fd}: {exc.strerror}", where=where, value=str(path),
                        hint="open the descriptor for writing (e.g. `3>out.json`), or name a regular file") from None
