"""Hostile cases: files to write, the commands to run on them, what a clear outcome looks like.

A case is a folder of files (JSON objects are written as JSON, bytes as they are, callables are
called with the path) and an ``init`` command line; when init succeeds, ``score``, ``eval`` and
``eval --json`` follow. Every command must end with exit 0 or 2 (or exactly the codes a case
names), never print a traceback, stay under the memory limit and within the time limit; the
init output must mention each of the case's ``mentions`` (the file and the entry).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("runner.py")
MEMORY = 3 * 2**30          # address space of the process running the commands
SECONDS_PER_COMMAND = 20    # a hang is a failure, reported by name
FOLLOW_UP = (["score", "{d}/proj", "--top", "3"], ["eval", "{d}/proj"],
             ["eval", "{d}/proj", "--json"])


@dataclass
class Case:
    name: str
    files: dict
    init: list[str]
    codes: frozenset = frozenset({0, 2})
    mentions: tuple = ()
    follow_up: bool = True
    extra: list = field(default_factory=list)  # more commands after the follow-up ones

    def write(self, root: Path) -> Path:
        d = root / self.name
        d.mkdir(parents=True)
        (d / "images").mkdir()
        for rel, content in self.files.items():
            path = d / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if callable(content):
                content(path)
            elif isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(json.dumps(content))
        return d

    def commands(self, d: Path) -> list[list[str]]:
        first = ["init", "{d}/proj", *self.init, "--all-problems"]
        cmds = [first, *(FOLLOW_UP if self.follow_up else ()), *self.extra]
        return [[a.replace("{d}", str(d)) for a in c] for c in cmds]


def detection_init(pred: bool = True) -> list[str]:
    args = ["--images", "{d}/images", "--gt", "{d}/gt.json"]
    return args + (["--pred", "{d}/pred.json"] if pred else [])


def run_batch(cases: list[Case], root: Path, timeout: float = 900) -> dict[str, list[dict]]:
    """Run every case in limited subprocesses -> {case name: [result per command run]}.

    One subprocess runs the cases in order; when one hangs (killed by its alarm) or dies, that
    case gets a ``{"died": ...}`` result and a new subprocess goes on with the next case.
    """
    batch = [{"name": c.name, "commands": c.commands(c.write(root))} for c in cases]
    results_file, progress = root / "results.jsonl", root / "progress.txt"
    env = {**os.environ, "PYTHONPATH": str(REPO), "REVIEWER_LOCK_WAIT": "0"}
    out: dict[str, list[dict]] = {}
    while batch:
        cases_file = root / "cases.json"
        cases_file.write_text(json.dumps(batch))
        done = subprocess.run([sys.executable, str(RUNNER), str(cases_file), str(results_file),
                               str(progress), str(MEMORY), str(SECONDS_PER_COMMAND)],
                              capture_output=True, text=True, env=env, timeout=timeout, cwd=root)
        if done.returncode == 0:
            break
        lines = progress.read_text().splitlines() if progress.exists() else []
        if not lines:
            raise AssertionError(f"the hostile batch could not start: {done.stderr[-3000:]}")
        name = lines[-1].split("\t", 1)[1]
        how = "hung (killed by its alarm)" if done.returncode == -14 else \
            f"died (exit {done.returncode})"
        out[name] = [{"died": f"{how}: {done.stderr[-2000:]}"}]
        batch = batch[[c["name"] for c in batch].index(name) + 1:]
    for line in results_file.read_text().splitlines() if results_file.exists() else []:
        r = json.loads(line)
        if "died" not in out.get(r["case"], [{}])[0]:
            out.setdefault(r["case"], []).append(r)
    return out


def check(case: Case, results: list[dict], complete: bool = True) -> None:
    """The rules every hostile case must meet (see the module docstring). complete: every
    command of the case ran (else only those in ``results``)."""
    first = results[0]
    assert "died" not in first, f"{case.name}: {first.get('died')}"
    for r in results:
        where = f"{case.name}: {' '.join(r['argv'][:1])}"
        assert "Traceback" not in r["stderr"], f"{where} printed a traceback:\n{r['stderr']}"
        assert r["code"] in (0, 2), f"{where} exited {r['code']}:\n{r['stderr']}"
        assert r["seconds"] < SECONDS_PER_COMMAND
        if r["code"] == 2:
            assert r["stderr"].startswith("reviewer: error: "), f"{where}: {r['stderr'][:500]}"
    assert first["code"] in case.codes, f"{case.name}: init exited {first['code']}, expected " \
        f"{sorted(case.codes)}:\n{first['stderr'][:2000]}"
    for text in case.mentions:
        assert text in first["stderr"], f"{case.name}: {text!r} not in\n{first['stderr'][:3000]}"
    if first["code"] == 0 and case.follow_up and complete:
        assert len(results) >= 1 + len(FOLLOW_UP), f"{case.name}: {results[-1]['stderr']}"


def run_cli(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m reviewer.cli`` in its own interpreter under the same memory limit."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    env = {**os.environ, "PYTHONPATH": str(REPO), "REVIEWER_LOCK_WAIT": "0"}
    return subprocess.run([sys.executable, "-m", "reviewer.cli", *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout,
                          preexec_fn=limit)
