"""How every ``reviewer`` subcommand presents itself: a description, and examples under ``--help``."""

from __future__ import annotations

import argparse
import textwrap


def add_command(sub, name: str, summary: str, description: str, examples: list[str]):
    """A subparser whose ``--help`` shows ``description`` and ``examples`` (one per line)."""
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples)
    return sub.add_parser(name, help=summary, description=textwrap.fill(description, 78),
                          epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)


THRESHOLD_HELP = {
    "iou": "IoU a prediction needs with a GT object of its class to count as a match (true "
           "positive) in the per-image table, the confusion matrix and the error types; the "
           "dataset AP always averages IoU 0.50:0.95 as COCO does (default 0.5)",
    "score": "predictions below this confidence are left out of the per-image table, the "
             "confusion matrix and the error types (the AP uses every prediction) "
             "(default 0.5)",
}
