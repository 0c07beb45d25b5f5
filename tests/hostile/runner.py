"""Run many CLI invocations in this one process, under a memory and a wall-clock limit.

Usage: ``python runner.py CASES.json RESULTS.jsonl PROGRESS.txt MEMORY_BYTES SECONDS``. CASES is
a list of ``{"name", "commands": [argv, ...]}``; the commands of a case run in order through
``reviewer.cli.main`` (the real command line, without a new interpreter per command) and stop
after the first one that does not exit 0. Each command runs under a wall-clock alarm whose
default action kills the process (a loop inside C code cannot ignore it): the parent then reads
the last ``start`` line of PROGRESS to name the command that hung (results so far are in RESULTS,
one JSON line per command, so the parent can go on with the next case). The address-space limit
(RLIMIT_AS) holds for the whole batch. Anything a command raises is printed as the interpreter
would print it, so "Traceback" in its stderr means an uncaught exception.
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import signal
import sys
import time
import traceback


def main(cases_file: str, results_file: str, progress_file: str, memory: int, seconds: int):
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    from reviewer.cli import main as cli

    with open(cases_file, encoding="utf-8") as f:
        cases = json.load(f)
    with (open(progress_file, "w", encoding="utf-8", buffering=1) as progress,
          open(results_file, "a", encoding="utf-8", buffering=1) as results):
        for case in cases:
            for argv in case["commands"]:
                progress.write(f"start\t{case['name']}\n")
                out = _run(cli, argv, seconds)
                out.update(case=case["name"], argv=argv)
                results.write(json.dumps(out) + "\n")
                if out["code"] != 0:
                    break


def _run(cli, argv: list[str], seconds: int) -> dict:
    stdout, stderr = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    signal.alarm(seconds)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = cli(argv)
    except SystemExit as exc:  # argparse
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException:  # noqa: BLE001 - reported as the interpreter would
        stderr.write(traceback.format_exc())
        code = 1
    finally:
        signal.alarm(0)
    return {"code": code, "stderr": stderr.getvalue()[-20000:], "stdout": stdout.getvalue()[-2000:],
            "seconds": time.perf_counter() - start}


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
