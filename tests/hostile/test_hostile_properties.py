"""Generated hostile COCO files: whatever the ids, sizes, RLEs and structure, loading names the
file, and no RLE that would hang pycocotools reaches it.

In-process (hypothesis, many examples): the loader returns a dataset or raises InputError naming
the file; every mask it keeps passes the exact check and, for compressed RLEs, the oracle
(``tests.rle_oracle``: pycocotools' own decoding adds up to height x width) *before* scoring
calls pycocotools. A seeded sample of generated files then runs through the command line in a
limited subprocess (``harness.run_batch``).
"""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycocotools import mask as mask_utils

from reviewer.core import reports
from reviewer.core.masks import mask_problem
from reviewer.core.problems import InputError
from reviewer.io.coco import load_detection
from tests.hostile.harness import Case, check, detection_init, run_batch
from tests.rle_oracle import c_runs

ALPHABET = "".join(chr(c) for c in range(48, 112))
IDS = (st.integers(-3, 4) | st.integers() | st.integers(2**63 - 2, 2**80)
       | st.integers(-(2**80), -(2**63) - 1) | st.floats() | st.text(max_size=3)
       | st.booleans() | st.none() | st.lists(st.integers(0, 3), max_size=2))
SIZES = (st.integers(-2, 40) | st.sampled_from([0, 2**31, 2**40, 2**14 + 1]) | st.floats()
         | st.text(max_size=2) | st.none())


@st.composite
def rles(draw, h, w):
    kind = draw(st.sampled_from(["valid", "mutated", "text", "list", "junk"]))
    hh = h if type(h) is int and 0 <= h <= 40 else 8
    ww = w if type(w) is int and 0 <= w <= 40 else 8
    if kind in ("valid", "mutated"):
        mask = np.asfortranarray(np.random.default_rng(draw(st.integers(0, 9))).random((hh, ww))
                                 < draw(st.floats(0, 1))).astype(np.uint8)
        counts = mask_utils.encode(mask)["counts"].decode()
        size = [hh, ww]
        if kind == "mutated":
            how = draw(st.sampled_from(["append", "cut", "size", "char"]))
            if how == "append":
                counts += draw(st.text(ALPHABET, min_size=1, max_size=3))
            elif how == "cut":
                counts = counts[:draw(st.integers(0, max(len(counts) - 1, 0)))]
            elif how == "size":
                size = [hh + draw(st.integers(-2, 2)), ww + draw(st.integers(-2, 2))]
            else:
                counts = draw(st.text(min_size=1, max_size=1)) + counts
        return {"size": size, "counts": counts}
    if kind == "text":
        return {"size": draw(st.just([hh, ww]) | st.lists(SIZES, max_size=3)),
                "counts": draw(st.text(ALPHABET, max_size=10))}
    if kind == "list":
        return {"size": [hh, ww], "counts": draw(st.lists(st.integers(-2, hh * ww + 2)
                                                          | st.integers(), max_size=5))}
    return draw(st.none() | st.integers() | st.text(max_size=3) | st.dictionaries(
        st.sampled_from(["size", "counts"]), IDS, max_size=2))


@st.composite
def coco_files(draw):
    """A small GT file and results list; each field is usually sound and sometimes hostile."""
    def pick(good, odd=IDS, odds=5):
        return draw(odd) if draw(st.integers(0, odds - 1)) == 0 else draw(good)

    images = [{"id": pick(st.just(k + 1) | st.just(str(k + 1))), "file_name": f"i{k}.jpg",
               "width": pick(st.just(10), SIZES), "height": pick(st.just(8), SIZES)}
              for k in range(draw(st.integers(1, 3)))]
    if draw(st.integers(0, 9)) == 0:
        images[-1] = draw(IDS)
    categories = [{"id": pick(st.just(c), odds=8), "name": str(c)} for c in (1, 2)]

    def annotation(pred: bool):
        image = draw(st.sampled_from(images))
        img = image if type(image) is dict else {}
        ann = {"image_id": pick(st.just(img.get("id"))),
               "category_id": pick(st.sampled_from([1, 2]), odds=8),
               "bbox": pick(st.just([1, 1, 3, 3]), st.lists(st.floats() | IDS, max_size=5)),
               "segmentation": draw(st.none() | rles(img.get("height"), img.get("width"))
                                    | st.just([[0, 0, 5, 0, 5, 5]]))}
        ann.update({"score": pick(st.floats(0, 1))} if pred else
                   {"id": pick(st.integers(0, 9)), "area": 9, "iscrowd": 0})
        return ann
    gt = {"images": images, "categories": categories,
          "annotations": [annotation(False) for _ in range(draw(st.integers(0, 4)))]}
    preds = [annotation(True) for _ in range(draw(st.integers(0, 5)))]
    return gt, preds


def _masks_are_safe(ds) -> None:
    """Every kept mask passes the exact check and pycocotools' decoding adds up (oracle)."""
    for table in (ds.gt, ds.pred):
        if table.segmentations is None:
            continue
        for seg, i in zip(table.segmentations, table.image_index.tolist(), strict=True):
            h, w = int(ds.images.heights[i]), int(ds.images.widths[i])
            assert mask_problem(seg, h, w) is None, seg
            if type(seg) is dict and type(seg["counts"]) is str:
                assert sum(c_runs(seg["counts"])) == seg["size"][0] * seg["size"][1], seg


@settings(max_examples=250, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(files=coco_files())
def test_generated_coco_files_load_safely_and_score(tmp_path_factory, files):
    tmp = tmp_path_factory.mktemp("gen")
    gt, preds = files
    gt_path, pred_path = tmp / "gt.json", tmp / "pred.json"
    gt_path.write_text(json.dumps(gt))
    pred_path.write_text(json.dumps(preds))
    try:
        ds = load_detection(gt_path, pred_path)
    except InputError as exc:
        assert str(exc).startswith((str(gt_path), str(pred_path))), str(exc)
        return
    assert {p.file for p in ds.problems} <= {str(gt_path), str(pred_path)}
    _masks_are_safe(ds)  # before anything hands a mask to pycocotools
    payload = reports.detection_eval(ds, reports.default_params(ds))
    assert payload["images"] == len(ds.images)


def test_prediction_polygon_on_an_image_too_large_for_masks_keeps_its_box_without_a_mask(tmp_path):
    """Found by the property above: the empty mask a rejected prediction mask becomes must itself
    be a supported mask; on a 16385x16385 image there is none, so the box stays without one."""
    side = 2**14 + 1
    gt = {"images": [{"id": 1, "file_name": "big.jpg", "width": side, "height": side},
                     {"id": 2, "file_name": "small.jpg", "width": 10, "height": 8}],
          "categories": [{"id": 1, "name": "1"}],
          "annotations": [{"id": 1, "image_id": 2, "category_id": 1, "bbox": [1, 1, 3, 3],
                           "area": 9, "iscrowd": 0, "segmentation": [[0, 0, 5, 0, 5, 5]]}]}
    preds = [{"image_id": i, "category_id": 1, "bbox": [1, 1, 3, 3], "score": 0.5,
              "segmentation": [[0, 0, 5, 0, 5, 5]]} for i in (1, 2)]
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    (tmp_path / "pred.json").write_text(json.dumps(preds))
    ds = load_detection(tmp_path / "gt.json", tmp_path / "pred.json")
    assert len(ds.pred) == 2
    assert ds.pred.segmentations[0] is None
    assert any("16385x16385" in p.message for p in ds.problems)
    _masks_are_safe(ds)
    payload = reports.detection_eval(ds, reports.default_params(ds))
    assert payload["images"] == 2


def _generated_cases(n: int) -> list[Case]:
    """n deterministic examples of ``coco_files`` as command-line cases."""
    found: list[tuple] = []

    @settings(max_examples=n, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(files=coco_files())
    def collect(files):
        found.append(files)
    collect()
    return [Case(f"generated_{k:02d}", {"gt.json": gt, "pred.json": preds}, detection_init())
            for k, (gt, preds) in enumerate(found[:n])]


def test_generated_files_through_the_command_line(tmp_path):
    cases = _generated_cases(25)
    results = run_batch(cases, tmp_path)
    for case in cases:
        check(case, results[case.name])
