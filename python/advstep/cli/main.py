"""The ``advstep`` command: golden data, checks and explanations for advance_step.

    advstep --version
    advstep run [CASE] [--device cpu|cuda] [--seed S] [--count K] [semantics flags]
                [--out DIR [--force] [--format npy|bin|both]]
    advstep golden CASE --out DIR [--seed S] [--count K] [--cases LIST] [--first K] [--force]
                   [--format npy|bin|both] [semantics flags]
    advstep check EXPECTED ACTUAL [--format npy|bin]
    advstep explain INPUTS ACTUAL [--format npy|bin] [--element TENSOR[INDEX]]

Exit status: 0 success (check: everything matches), 1 a difference (or a library/reference
disagreement) and nothing else, 2 a bad file or argument, reported in one line naming it, 3 an
internal error (one line; a bug to report), 130 interrupted.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from typing import Callable, NoReturn, Optional, TextIO

from .. import Error as LibraryError
from .. import __version__
from .errors import Interrupted, UsageError
from .semantics import BOUNDS, DEFAULT_ASCEND_CORES, MODES, Semantics

EXIT_OK, EXIT_DIFFERENT, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
#: The third-party packages the command (not the library) imports, where it needs them.
_COMMAND_PACKAGES = ("jsonschema", "tqdm")


class _Parser(argparse.ArgumentParser):
    """argparse, with every error in one line (and exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


#: The most draws --count asks per case: every draw is named (and, for golden, weighed) before the
#: first is computed, so a count of billions would hang before any check could answer.
MAX_COUNT = 1 << 20


def _count(text: str) -> int:
    value = _positive(text)
    if value > MAX_COUNT:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_COUNT} draws per case, got {value}")
    return value


def _cores(text: str) -> int:
    value = _positive(text)
    if value > 2**31 - 1:
        raise argparse.ArgumentTypeError(f"expected a core count below 2^31, got {value}")
    return value


def _positions(text: str) -> list[int]:
    """"0,3,5-9" -> [0, 3, 5, 6, 7, 8, 9]: case positions in the file, counting from 0."""
    positions: list[int] = []
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        try:
            first = int(low)
            last = int(high) if dash else first
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected positions like 0,3,5-9, got {text!r}") from None
        if first < 0 or last < first:
            raise argparse.ArgumentTypeError(f"expected positions like 0,3,5-9, got {part.strip()!r}")
        if last - first >= 1 << 20:
            raise argparse.ArgumentTypeError(f"the range {part.strip()!r} is too long")
        positions.extend(range(first, last + 1))
    return positions


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {value}")
    return value


def _semantics_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("semantics")
    group.add_argument("--semantics", choices=MODES, default="vllm",
                       help="vllm (default): vLLM's kernel and CANN's documentation; ascend: the Ascend kernels bit "
                            "for bit (V1 row cap and sparse padding, V2 int32 arithmetic)")
    group.add_argument("--ascend-cores", type=_cores, metavar="N",
                       help=f"the NPU's vector-core count the ascend semantics emulates (default {DEFAULT_ASCEND_CORES}, "
                            "the library's own default off an NPU; Huawei's Atlas A2 tests use 40)")
    group.add_argument("--block-bound", choices=BOUNDS, default="table",
                       help="table (default): a block index may run into the next rows of blockTables; row: a "
                            "block index at or past the row width is a data fault")


_FORCE_HELP = ("write into a non-empty --out: first remove what advstep wrote there (its manifests and tensor files, "
               "found by walking --out; other files stay)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="advstep", description="Golden data, checks and explanations for advance_step "
                     "(aclnnAdvanceStep, aclnnAdvanceStepV2).",
                     epilog="exit status: 0 success (check: every tensor matches), 1 a difference (or, for golden, "
                            "the library and the reference disagree), 2 a bad file or argument, 3 an internal error "
                            "(please report it), 130 interrupted. `advstep VERB --help` describes each verb.")
    parser.add_argument("--version", action="version", version=f"advstep {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True, parser_class=_Parser)

    run = verbs.add_parser("run", help="advance a case (default: a built-in realistic batch), verified")
    run.add_argument("case", nargs="?", metavar="CASE", help="a case file (advstep JSON or CANN's atk_*.json) "
                     "or a golden folder; default: the built-in batch")
    run.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                     help="where the library computes: cpu (default, numpy arrays) or cuda (a GPU, through CuPy or "
                          "torch); the reference always runs on the CPU")
    run.add_argument("--seed", type=_seed, metavar="S", help="seed of the values drawn from a case file (default 0), "
                     "as golden --seed: the run draws the golden's inputs")
    run.add_argument("--count", type=_count, default=1, metavar="K",
                     help="cases drawn per case of the file (default 1), as golden --count")
    _semantics_flags(run)
    run.add_argument("--out", metavar="DIR", help="write each case's inputs and outputs here (an empty or new folder)")
    run.add_argument("--force", action="store_true", help=_FORCE_HELP)
    run.add_argument("--format", choices=("npy", "bin", "both"), default="both",
                     help="the tensor files --out gets: .npy, .bin (raw little-endian int64) or both (default)")

    golden = verbs.add_parser("golden", help="write seeded inputs and expected outputs (.npy, .bin, manifest)")
    golden.add_argument("case", metavar="CASE", help="a case file: advstep JSON or CANN's atk_aclnnAdvanceStep*.json")
    golden.add_argument("--out", metavar="DIR", required=True, help="the folder to write, one sub-folder per case")
    golden.add_argument("--seed", type=_seed, default=0, metavar="S", help="seed of the drawn values (default 0)")
    golden.add_argument("--count", type=_count, default=1, metavar="K", help="cases drawn per case of the file (default 1)")
    golden.add_argument("--cases", type=_positions, metavar="LIST",
                        help="only the file's cases at these positions, counting from 0 (e.g. 0,3,5-9)")
    golden.add_argument("--first", type=_positive, metavar="K", help="only the first K (selected) cases of the file")
    golden.add_argument("--force", action="store_true", help=_FORCE_HELP)
    golden.add_argument("--format", choices=("npy", "bin", "both"), default="both",
                        help="the tensor files written: .npy, .bin (raw little-endian int64) or both (default)")
    _semantics_flags(golden)

    check = verbs.add_parser("check", help="compare expected outputs with actual ones; exit 1 on a difference")
    check.add_argument("expected", metavar="EXPECTED", help="a golden folder")
    check.add_argument("actual", metavar="ACTUAL", help="another golden folder, or dumps with the same names")
    check.add_argument("--rows", type=_positive, default=3, help="differing rows shown per tensor (default 3)")
    check.add_argument("--verbose", action="store_true", help="also list the cases that match")
    check.add_argument("--format", choices=("npy", "bin"), default="both",
                       help="read only the .npy or only the .bin files (default: each that exists, and "
                            "EXPECTED's two must agree)")

    explain = verbs.add_parser("explain", help="which semantics reproduce an observed output")
    explain.add_argument("inputs", metavar="INPUTS", help="a golden (or run --out) folder: the cases' inputs")
    explain.add_argument("actual", metavar="ACTUAL", help="the observed outputs, laid out like a golden folder")
    explain.add_argument("--show", type=_positive, default=6, help="candidate groups listed per case (default 6)")
    explain.add_argument("--format", choices=("npy", "bin"), default="both",
                         help="read only the .npy or only the .bin files (default: each that exists; they must agree)")
    explain.add_argument("--element", action="append", metavar="TENSOR[INDEX]",
                         help="a prepare-step case: which row b, state row r, token t and formula produced this "
                              "element (e.g. slot_mapping[5] or slot_mapping[1,5]); may be repeated")
    return parser


def _verb(name: str) -> Callable[[argparse.Namespace, Semantics], int]:
    if name == "run":
        from .run import main
    elif name == "golden":
        from .golden import main
    elif name == "check":
        from .check import main
    else:
        from .explain import main
    return main


def main(argv: Optional[list[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    semantics = Semantics()
    if hasattr(args, "semantics"):
        if args.ascend_cores is not None and args.semantics != "ascend":
            parser.error(f"{args.verb}: --ascend-cores needs --semantics ascend")
        semantics = Semantics(args.semantics, args.ascend_cores, args.block_bound)
    stdout = sys.stdout
    sys.stdout = _UntilClosed(stdout)  # type: ignore[assignment]
    try:
        return _verb(args.verb)(args, semantics)
    except UsageError as error:
        _say(args.verb, f"error: {error}")
        return EXIT_USAGE
    except OSError as error:  # a folder or file the command cannot write or read
        where = f"{error.filename}: " if error.filename else ""
        _say(args.verb, f"error: {where}{error.strerror or error}")
        return EXIT_USAGE
    except MemoryError:
        _say(args.verb, "error: out of memory (the files or cases given are too large for this machine; pick fewer "
                        "or smaller cases)")
        return EXIT_USAGE
    except ModuleNotFoundError as error:
        if error.name not in _COMMAND_PACKAGES:
            return _internal_error(args.verb, error)
        _say(args.verb, f"error: the advstep command needs the Python package {error.name} (pip install "
                        f"'advstep[cli]', or pip install {' '.join(_COMMAND_PACKAGES)})")
        return EXIT_USAGE
    except LibraryError as error:
        _say(args.verb, f"error: {error}")
        return EXIT_USAGE
    except Interrupted as note:
        _say(args.verb, f"interrupted; {note}")
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        _say(args.verb, "interrupted")
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - a bug: one line and its own status, never a traceback
        return _internal_error(args.verb, error)
    finally:
        sys.stdout.flush()
        sys.stdout = stdout


def _internal_error(verb: str, error: BaseException) -> int:
    _say(verb, f"internal error, please report it with the command line: {type(error).__name__}: {_one_line(error)}")
    return EXIT_INTERNAL


def _one_line(error: BaseException) -> str:
    try:
        text = str(error)
    except Exception:  # noqa: BLE001 - a message that cannot even be printed
        text = ""
    return " ".join(text.split())[:300]


def _say(verb: str, message: str) -> None:
    print(f"advstep {verb}: {' '.join(message.split())}", file=sys.stderr)


class _UntilClosed(io.TextIOBase):
    """Standard output that goes quiet once its reader is gone (`advstep check ... | head`), so the
    verb finishes and exits with its own verdict, as command-line tools do, without a traceback."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream
        self._gone = False

    def write(self, text: str) -> int:
        if not self._gone:
            try:
                self._stream.write(text)
            except BrokenPipeError:
                self._silence()
        return len(text)

    def flush(self) -> None:
        if not self._gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._silence()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def _silence(self) -> None:
        self._gone = True
        try:  # the interpreter flushes the real stream at exit too: point it at /dev/null
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, io.UnsupportedOperation):
            pass


if __name__ == "__main__":
    sys.exit(main())
