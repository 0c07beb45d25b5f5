"""README.md of the sample project, written by generate.py so it always matches the data."""

from __future__ import annotations

from pathlib import Path

HEAD = """# Reviewer sample project

The demo project that `reviewer` opens when started without arguments: {n} synthetic dashcam-style
street scenes (640x360 JPEG) with ground truth and the predictions of a made-up model that fails
in recognisable ways. Everything here is **synthetic**: drawn by `generate.py` with numpy and
OpenCV, no real photos, no real people. Data and code are dedicated to the public domain under
**CC0 1.0** (https://creativecommons.org/publicdomain/zero/1.0/).

Regenerate (deterministic: two runs give byte-identical files, checked by
`tests/io/test_sample_project.py`):

    python sample_project/generate.py            # rewrites this folder in place
    python sample_project/generate.py --out DIR  # or somewhere else

## Layout

| path | content |
|---|---|
| `reviewer.json` | project file: detection + segmentation, default task detection, IoU 0.5, score 0.5; two models each (`baseline`, the current one, and `retrained`) |
| `images/street_NNN.jpg` | the scenes |
| `annotations/instances_gt.json` | COCO instances: {anns} annotations (polygons; RLE for bicycles, some people and the crowds) |
| `annotations/predictions.json` | COCO results of the model `baseline`: {preds} predictions with `bbox`, `score`, compressed-RLE `segmentation` |
| `annotations/retrained.json` | COCO results of the model `retrained`: {retrained} predictions |
| `semantic/gt/street_NNN.png` | palette PNG, index = class, 255 = void (2 px band around things, VOC style) |
| `semantic/pred/street_NNN.png` | palette PNG, the `baseline` model's semantic prediction |
| `semantic/pred_retrained/street_NNN.png` | palette PNG, the `retrained` model's semantic prediction |
| `semantic/classes.json` | semantic classes: index = class id, 0 = unlabeled |

Detection categories (non-contiguous ids): 1 person, 2 bicycle, 3 vehicle, 12 crosswalk.
Semantic classes: 0 unlabeled, 1 road, 2 sidewalk, 3 building, 4 vegetation, 5 sky, 6 crosswalk,
7 parking lot, 8 vehicle, 9 person, 10 bicycle.

## Planted failures

| failure | images | what to look for |
|---|---|---|
| road left unlabeled in GT | {unlabeled_road} | semantic GT has no road pixels (all 0 = unlabeled); the model predicts road: "false positives" that are really label errors |
| camper van missing from GT | {camper_van} | a camper van parked on the right is in neither detection nor semantic GT; the model predicts a vehicle (score 0.93) that overlaps no GT box |
| faded crosswalk | {faded_crosswalk} | crosswalk barely visible in the image but labelled in GT (detection and semantic); the model misses it (semantic: predicted as road) |
| parking lot predicted as road | {parking_as_road} | semantic: every parking-lot pixel predicted as road |
| dark images | {dark} | dusk exposure: lower brightness, many more misses, low scores, extra ghosts, blotchy semantic prediction |
| crowd regions (`iscrowd=1`) | {crowd} | a far-away crowd of people (street_021) and a cluster of parked bicycles (street_046) annotated as one crowd region each; predictions inside are ignored by COCO matching |

Ordinary noise everywhere else (listed per image below): slightly shifted boxes and masks, a few
strongly shifted boxes (localisation errors), person/bicycle confusions, duplicates, low-score
ghosts, a tree trunk taken for a person, small objects missed, wobbly semantic boundaries and
small confusions (sidewalk/road, vegetation/building). All TIDE error types occur
(classification, localisation, both, duplicate, background, missed).

## Two models

`baseline` is the model above. `retrained` (`_retrained.py`) is the baseline after a retraining
on the fixed labels, derived from the baseline's predictions and the ground truth: it finds the
faded crosswalks and the parking lots, sees better in the dark (scores +0.25, most missed objects
found), but calls many bicycles a person (scenes 1, 4, 7, …), predicts a ghost vehicle in some
scenes and takes the sidewalk at the kerb for road in others — so `reviewer compare` finds
images it improved and images it regressed, and a difference whose interval says how sure that
is.

## Per image

| image | layout | events (baseline) | retrained |
|---|---|---|---|
"""


def _layout(spec: dict) -> str:
    parts = [f"left {spec['left']}", f"right {spec['right']}"]
    if spec["crosswalk"] != "none":
        parts.append(f"{spec['crosswalk']} crosswalk")
    for key in ("dark", "camper", "unlabeled_road"):
        if spec[key]:
            parts.append(key.replace("_", " "))
    if spec["crowd"]:
        parts.append(f"crowd of {spec['crowd']}")
    return ", ".join(parts)


def write_readme(path: Path, scenes: dict, n_anns: int, n_preds: int, changes: dict,
                 n_retrained: int) -> None:
    """``scenes``: file stem -> (spec, events); planted lists are derived from the specs;
    ``changes``: file stem -> what the retrained model does differently."""
    def names(pred) -> str:
        return ", ".join(f"`{k}`" for k, (spec, _) in scenes.items() if pred(spec))
    text = HEAD.format(
        n=len(scenes), anns=n_anns, preds=n_preds, retrained=n_retrained,
        unlabeled_road=names(lambda s: s["unlabeled_road"]),
        camper_van=names(lambda s: s["camper"]),
        faded_crosswalk=names(lambda s: s["crosswalk"] == "faded"),
        parking_as_road=names(lambda s: s["parking_as_road"]), dark=names(lambda s: s["dark"]),
        crowd=names(lambda s: bool(s["crowd"])))
    rows = [f"| `{k}` | {_layout(spec)} | {'; '.join(ev) or '-'} | "
            f"{'; '.join(dict.fromkeys(changes.get(k, ()))) or '-'} |"
            for k, (spec, ev) in scenes.items()]
    path.write_text(text + "\n".join(rows) + "\n", encoding="utf-8", newline="\n")
