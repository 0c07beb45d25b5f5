"""``reviewer compare PROJECT [--models A B …] [--json] [--seed N] [--resamples N]``.

Each model's dataset metrics (those ``reviewer eval --model`` prints), per class side by side with
the delta, per image which images B improved or regressed (classification: fixed / broken), and a
paired bootstrap over the images of the headline metric's difference (reviewer/io/compare.py,
reviewer/core/bootstrap.py). Text fits 80 columns. Exit codes as in cli.py: 0 ok, 2 unusable
input (fewer than two models, an unknown model).
"""

from __future__ import annotations

import json
import math
import sys

from reviewer import tasks
from reviewer.cli_help import add_command
from reviewer.core.bootstrap import RESAMPLES, SEED

EXIT_OK, EXIT_INPUT = 0, 2


def register(sub, common) -> None:
    from reviewer.cli import override_flags
    q = add_command(
        sub, "compare", "compare models image by image and class by class, with uncertainty",
        "Each model's dataset metrics (the numbers `reviewer eval --model` prints), per class "
        "side by side with B - A, per image how many images B improved, regressed or left "
        "unchanged (the table's error column; classification also fixed: A wrong and B right, "
        "broken: the reverse), and a paired bootstrap over the images (the same resampled "
        "images for both models) of the headline metric's difference: its 95 % interval and "
        "the share of resamples where B is better. On the corrected ground truth unless "
        "--original. With three models or more, A is compared with each.",
        ["reviewer compare proj", "reviewer compare proj --models baseline retrained",
         "reviewer compare proj --task segmentation --json > compare.json",
         "reviewer compare proj --seed 7 --resamples 5000"])
    q.add_argument("project", help="project folder or its reviewer.json")
    q.add_argument("--models", nargs="+", metavar="NAME",
                   help="the models, A (the baseline) first (default: every model of the task, "
                        "in the project's order)")
    q.add_argument("--task", choices=tasks.names(),
                   help="which task's models (default: the project's default task)")
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.add_argument("--seed", type=int, default=SEED,
                   help=f"seed of the bootstrap's resamples (default {SEED}: the same numbers "
                        "every run)")
    q.add_argument("--resamples", type=int, default=RESAMPLES, metavar="N",
                   help=f"bootstrap resamples (default {RESAMPLES})")
    q.add_argument("--top", type=int, default=5, metavar="N",
                   help="most improved / regressed images to list (default 5)")
    q.add_argument("--original", action="store_true",
                   help="use the ground-truth files as they are (default: the corrected ground "
                        "truth)")
    for flag, f in override_flags().items():
        kind = {"int": int, "fraction": float}.get(f.kind, str)
        q.add_argument(flag, dest=f.key, type=kind, help=f.help.replace(
            "(default ", "(project's default ", 1) + " — overrides the project's value")
    q.add_argument("--all-problems", action="store_true", help="list every input problem")
    q.add_argument("--quiet", "-q", action="store_true", help="no progress, no problem list")
    q.set_defaults(handler=cmd_compare)


def _fail(message: str) -> int:
    print(f"reviewer: error: {message}", file=sys.stderr)
    return EXIT_INPUT


def cmd_compare(args) -> int:
    import argparse
    import contextlib

    from reviewer.cli import ProgressBar, json_default, overrides, print_problems
    from reviewer.cli_review import open_cli_session
    from reviewer.io.compare import compare_payload
    from reviewer.io.models import model_session
    from reviewer.io.project import load_project
    if args.resamples < 1:
        return _fail("--resamples must be at least 1")
    project = load_project(args.project)
    task = project.task(args.task)
    chosen = _chosen(project, task, args.models)
    if isinstance(chosen, str):
        return _fail(chosen)
    progress = ProgressBar(enabled=False if args.quiet else None)
    with contextlib.ExitStack() as stack:
        first = stack.enter_context(open_cli_session(
            argparse.Namespace(**{**vars(args), "task": task, "model": chosen[0]}),
            read_only=True))
        sessions = [first] + [model_session(first, name, progress, overrides=overrides(args))
                              for name in chosen[1:]]
        for s in sessions:
            print_problems(s.data.problems, args, brief=True)
        payload = compare_payload(sessions, args.original, args.resamples, args.seed, progress)
    if args.json:
        print(json.dumps(payload, allow_nan=False, default=json_default))
    else:
        for line in compare_lines(payload, max(args.top, 0)):
            print(line)
    return EXIT_OK


def _chosen(project, task: str, asked) -> list[str] | str:
    """The models to compare, or a message saying why not."""
    models = project.model_set(task)
    names = list(asked) if asked else models.names
    for name in names:
        project.inputs_for(task, name)  # ProjectError naming the models
    if len(set(names)) != len(names):
        return f"--models: a model named twice ({' '.join(names)})"
    if len(names) < 2:
        return (f"{project.file}: compare needs two models; {task} has "
                f"{models.describe()} (add one with `reviewer models P add NAME PATH`)"
                if not asked else "--models: name two models or more (A, the baseline, first)")
    return names


# --- text ---------------------------------------------------------------------------------------
def _num(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    return f"{v:.{digits}f}"


def _signed(v, digits: int = 3) -> str:
    return "n/a" if v is None else f"{v:+.{digits}f}"


def compare_lines(payload: dict, top: int = 5) -> list[str]:
    """The text of ``reviewer compare`` (80 columns)."""
    from reviewer.io.evaluation import ground_truth_line
    names = payload["models"]
    a, b = names[0], names[1]
    n = len(payload["images"]["per_image"])
    gt = ground_truth_line(payload["corrected_images"], payload["ground_truth"] == "original")
    lines = [f"{payload['task']}: {len(names)} models, {n} images, {gt}",
             "  " + "  ".join(f"{_letter(i)} = {m}" for i, m in enumerate(names))]
    for pair in payload.get("pairs") or [{"models": [a, b], **payload}]:
        lines += _difference_lines(pair["difference"], *pair["models"])
    lines += _overall_lines(payload)
    lines += _class_lines(payload)
    lines += _image_lines(payload, top)
    if payload.get("corrections"):
        lines.append(f"corrections count for every model ({payload['corrected_images']} images "
                     f"corrected), {payload['metric_name']} original -> corrected:")
        lines += [f"  {m[:24]:<24} {_num(v['before'])} -> {_num(v['after'])}"
                  for m, v in payload["corrections"].items()]
    return lines


def _difference_lines(d: dict, a: str, b: str) -> list[str]:
    lo, hi = d["ci95"]
    p = d["p_b_better"]
    return [f"{d['metric']}: {a} {_num(d['a'])}, {b} {_num(d['b'])}; "
            f"{b} - {a} = {_signed(d['value'])}",
            f"  95% interval [{_signed(lo)}, {_signed(hi)}]; {b} better in "
            f"{'n/a' if p is None else f'{100 * p:.1f}%'} of {d['resamples']} paired "
            f"resamples (seed {d['seed']})"]


def _overall_lines(payload: dict) -> list[str]:
    names = payload["models"][:3]
    head = f"{'overall':<14}" + "".join(f"{_letter(i):>10}" for i in range(len(names))) \
        + f"{'B - A':>10}"
    lines = [head]
    first = payload["overall"][names[0]]
    for key, va in first.items():
        vb = payload["overall"][names[1]].get(key)
        delta = vb - va if isinstance(va, float) and isinstance(vb, float) else None
        cells = "".join(f"{_num(payload['overall'][m].get(key)):>10}" for m in names)
        lines.append(f"{key[:14]:<14}{cells}{_signed(delta):>10}")
    return lines


def _class_lines(payload: dict) -> list[str]:
    task = tasks.get(payload["task"])
    key = task.class_metric
    names = payload["models"][:3]
    lines = [f"{'per class: ' + key:<22}" + "".join(f"{_letter(i):>10}"
                                                  for i in range(len(names))) + f"{'B - A':>10}"]
    for cls, per in payload["per_class"].items():
        values = [(per.get(m) or {}).get(key) for m in names]
        delta = payload["per_class_delta"].get(cls, {}).get(key)
        lines.append(f"{cls[:22]:<22}" + "".join(f"{_num(v):>10}" for v in values)
                     + f"{_signed(delta):>10}")
    return lines


def _image_lines(payload: dict, top: int) -> list[str]:
    im = payload["images"]
    a, b = payload["models"][:2]
    counts = ", ".join(f"{im[k]} {k}" for k in ("improved", "regressed", "unchanged"))
    lines = [f"images ({b} vs {a}, the table's error): {counts}"
             + (f", {im['not_compared']} not compared" if im["not_compared"] else "")]
    if "fixed" in im:
        lines.append("  " + ", ".join(f"{im[k]} {k.replace('_', ' ')}" for k in
                                      ("fixed", "broken", "both_wrong", "both_right"))
                     + f" ({b} right where {a} was wrong: fixed)")
    rows = [r for r in im["per_image"] if r["delta"] is not None]
    for title, chosen in (("most regressed", sorted(rows, key=lambda r: -r["delta"])),
                          ("most improved", sorted(rows, key=lambda r: r["delta"]))):
        chosen = [r for r in chosen[:top] if r["delta"] != 0]
        if chosen:
            lines.append(f"{title}:")
            lines += [f"  {r['file_name'][-40:]:<40} {_num(r['error'][a]):>8} -> "
                      f"{_num(r['error'][b]):>8} ({_signed(r['delta'])})" for r in chosen]
    return lines


def _letter(i: int) -> str:
    return chr(ord("A") + i)
