"""An oracle for COCO RLE strings: pycocotools' ``rleFrString`` (maskApi.c) ported line by line,
with C's 64-bit ``long x`` and 32-bit ``uint`` runs. pycocotools' ``iou`` and ``merge`` loops
end exactly when these runs add up to height x width."""

from __future__ import annotations


def c_runs(s: str) -> list[int]:
    """pycocotools' rleFrString, with C's 64-bit ``long x`` and 32-bit ``uint`` runs."""
    runs: list[int] = []
    p, raw = 0, s.encode()
    while p < len(raw):
        x, k, more = 0, 0, True
        while more:
            c = raw[p] - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and c & 0x10:
                x |= -1 << (5 * k)
        if len(runs) > 2:
            x += runs[-2]
        runs.append(x % 2**32)
    return runs
