"""Tag statistics: hand-computable counts, slice AP vs pycocotools, slice mIoU vs numpy."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer.core import commands as C
from reviewer.core import semantic
from reviewer.core import tag_stats as ts
from reviewer.core.ap import accumulate
from reviewer.core.cocoeval import match_dataset
from reviewer.core.detection_scores import DetectionParams, score_detection
from reviewer.io.coco import load_detection
from tests import synth

# --- helpers ----------------------------------------------------------------------------------


def _load(tmp_path, gt, res):
    g, p = synth.write(tmp_path, gt, res)
    ds = load_detection(g, p)
    assert not [x for x in ds.problems if x.severity == "error"]
    return ds


def _subset(gt, res, keep):
    sub_gt = dict(gt, images=[im for im in gt["images"] if im["id"] in keep],
                  annotations=[a for a in gt["annotations"] if a["image_id"] in keep])
    return sub_gt, [r for r in res if r["image_id"] in keep]


def _oracle_class_ap(e, cat_ids):
    """{category id: AP@[.5:.95]} from a COCOeval's precision array (nan without GT)."""
    p = e.eval["precision"][:, :, :, 0, -1]
    out = {}
    for k, cat in enumerate(e.params.catIds):
        s = p[:, :, k]
        out[cat] = float(np.mean(s[s > -1])) if (s > -1).any() else np.nan
    return np.array([out.get(c, np.nan) for c in cat_ids])


def _box(image_id, ann_id, xywh, score=None):
    out = {"image_id": image_id, "category_id": 1, "bbox": list(xywh)}
    if score is None:
        out.update(id=ann_id, area=float(xywh[2] * xywh[3]), iscrowd=0)
    else:
        out["score"] = score
    return out


def _tiny():
    """4 images; 1 correct, 1 with a false positive, 1 with a miss, 1 correct."""
    images = [{"id": i, "file_name": f"im{i}.jpg", "width": 100, "height": 100} for i in (1, 2, 3, 4)]
    box = (10, 10, 20, 20)
    gt = {"images": images, "categories": [{"id": 1, "name": "car"}],
          "annotations": [_box(i, i, box) for i in (1, 2, 3, 4)]}
    res = [_box(1, 0, box, 0.9), _box(2, 0, box, 0.8), _box(2, 0, (60, 60, 20, 20), 0.7),
           _box(4, 0, (11, 10, 20, 20), 0.6)]
    return gt, res


# --- counts -----------------------------------------------------------------------------------


def test_hand_computed_counts_on_four_images(tmp_path):
    gt, res = _tiny()
    ds = _load(tmp_path, gt, res)
    error = score_detection(ds, DetectionParams(0.5, 0.5)).per_image["error"]
    np.testing.assert_array_equal(error, [0, 1, 1, 0])  # the planted FP (im2) and miss (im3)
    keys = [str(i) for i in ds.images.ids.tolist()]
    # night: image tag on im2, object tag on im4's GT object; rain: im2 only
    carries = ts.tag_membership(keys, ["night", "rain", "fog"], {"2": {"Night", "rain"}},
                                {("4", "gt", "4"): {"night"}})
    np.testing.assert_array_equal(carries, [[0, 1, 0, 1], [0, 1, 0, 0], [0, 0, 0, 0]])
    st = ts.tag_statistics(["night", "rain", "fog"], carries, np.ones(4, bool), error, 0.0,
                           ts.DetectionSlicer(ds), ts.detection_class_images(ds))
    assert st.population_errors == 2
    np.testing.assert_array_equal(st.images, [2, 1, 0])
    np.testing.assert_array_equal(st.erroneous, [1, 1, 0])
    np.testing.assert_array_equal(st.share_of_images, [2 / 4, 1 / 4, 0.0])
    np.testing.assert_array_equal(st.share_of_errors, [1 / 2, 1 / 2, 0.0])
    np.testing.assert_array_equal(st.error_rate[:2], [1 / 2, 1 / 1])
    assert np.isnan(st.error_rate[2]) and np.isnan(st.mean_error[2]) and np.isnan(st.metric[2])
    np.testing.assert_array_equal(st.mean_error[:2], [(1 + 0) / 2, 1.0])
    np.testing.assert_array_equal(st.cooccurrence, [[2, 1, 0], [1, 1, 0], [0, 0, 0]])
    # night's AP is COCOeval's on images 2 and 4
    ref = synth.oracle(*_subset(gt, res, {2, 4}))
    assert st.metric[0] == pytest.approx(ref.stats[0], abs=1e-12)
    assert st.metric50[0] == pytest.approx(ref.stats[1], abs=1e-12)


def test_reviewed_population_changes_the_denominators(tmp_path):
    gt, res = _tiny()
    ds = _load(tmp_path, gt, res)
    error = score_detection(ds, DetectionParams(0.5, 0.5)).per_image["error"]
    carries = np.array([[0, 1, 1, 1]], bool)
    population = np.array([1, 1, 1, 0], bool)  # im4 not reviewed
    st = ts.tag_statistics(["t"], carries, population, error, 0.0,
                           ts.DetectionSlicer(ds, population_rows=np.flatnonzero(population)),
                           ts.detection_class_images(ds))
    assert st.images[0] == 2 and st.erroneous[0] == 2 and st.population_errors == 2
    assert st.share_of_images[0] == 2 / 3 and st.share_of_errors[0] == 1.0
    ref_all = synth.oracle(*_subset(gt, res, {1, 2, 3}))
    assert st.overall.value == pytest.approx(ref_all.stats[0], abs=1e-12)
    ref = synth.oracle(*_subset(gt, res, {2, 3}))
    assert st.metric[0] == pytest.approx(ref.stats[0], abs=1e-12)


def test_corrections_count_gt_commands_per_image_and_macros_once_per_image():
    obj = {"id": 9, "category_id": 1, "bbox": [0, 0, 2, 2], "area": 4.0, "iscrowd": 0}
    cmds = [
        C.AddObject(1, obj),
        C.SetImageTags(1, (), ("night",)),  # review state: not a correction
        C.Relabel(2, 9, {"category_id": 1}, {"category_id": 2}),
        C.Macro(None, "accept all", (C.AddObject(2, obj), C.AddObject(2, obj),
                                     C.AddObject(3, obj), C.SetStatus(4, "unreviewed", "reviewed"))),
        C.DeleteObject(99, obj),  # an image the project does not have
    ]
    per_image = ts.gt_corrections(cmds, {"1": 0, "2": 1, "3": 2, "4": 3})
    np.testing.assert_array_equal(per_image, [1, 2, 1, 0])
    carries = np.array([[1, 1, 0, 0], [0, 0, 1, 1]], bool)
    st = ts.tag_statistics(["a", "b"], carries, np.ones(4, bool), np.zeros(4), 0.0,
                           lambda rows: ts.SliceEval(np.nan, np.nan, np.zeros(0)),
                           np.zeros((4, 0), bool), per_image)
    np.testing.assert_array_equal(st.corrections, [3, 1])


# --- detection slices vs pycocotools --------------------------------------------------------


@pytest.mark.parametrize("seed,masks", [(21, False), (22, True)])
def test_slice_and_room_for_improvement_equal_cocoeval(tmp_path, seed, masks):
    gt, res = synth.make_dataset(seed, 30, 4, 0.05, True, masks, 10)
    first = _load(tmp_path, gt, res)
    error = score_detection(first, DetectionParams(0.5, 0.5)).per_image["error"]
    rows = np.sort(np.argsort(-error, kind="stable")[:7])  # the worst images: room > 0
    keep = {gt["images"][r]["id"] for r in rows}
    only = gt["categories"][-1]["id"]  # a class seen only inside the slice: no rest to compare
    gt["annotations"] = [a for a in gt["annotations"]
                         if a["category_id"] != only or a["image_id"] in keep]
    res = [r for r in res if r["category_id"] != only or r["image_id"] in keep]
    ds = _load(tmp_path, gt, res)
    iou_type = "segm" if masks else "bbox"
    slicer = ts.DetectionSlicer(ds, iou_type)
    ids = ds.images.ids.tolist()
    cat_ids = ds.categories.ids.tolist()
    part = slicer(rows)
    ref = synth.oracle(*_subset(gt, res, keep), iou_type)
    assert part.value == pytest.approx(ref.stats[0], abs=1e-12)
    assert part.value50 == pytest.approx(ref.stats[1], abs=1e-12)
    np.testing.assert_allclose(part.per_class, _oracle_class_ap(ref, cat_ids), atol=1e-12)
    # the cut population match is what match_dataset(image_rows=rows) gives
    direct = accumulate(ds, match_dataset(ds, iou_type, image_rows=rows))
    np.testing.assert_array_equal(accumulate(ds, slicer.restricted(rows)).precision,
                                  direct.precision)
    # room for improvement: classes take the rest's AP where the rest has GT of them
    rest_keep = set(ids) - keep
    pop_ap = _oracle_class_ap(synth.oracle(gt, res, iou_type), cat_ids)
    rest_ap = _oracle_class_ap(synth.oracle(*_subset(gt, res, rest_keep), iou_type), cat_ids)
    defined = ~np.isnan(pop_ap)
    assert np.isnan(rest_ap[-1]) and defined[-1]
    counter = np.where(np.isnan(rest_ap), pop_ap, rest_ap)
    expected = max(0.0, counter[defined].mean() - pop_ap[defined].mean())
    gain, _ = ts.room_for_improvement(slicer(np.arange(len(ids))),
                                      slicer(np.setdiff1d(np.arange(len(ids)), rows)))
    assert gain > 0.0
    assert gain == pytest.approx(expected, abs=1e-12)


def test_room_is_zero_for_a_slice_better_than_the_rest(tmp_path):
    gt, res = _tiny()
    ds = _load(tmp_path, gt, res)
    slicer = ts.DetectionSlicer(ds)
    good = np.array([True, False, False, True])
    gain, per_class = ts.room_for_improvement(slicer(np.ones(4, bool)), slicer(~good))
    assert gain == 0.0 and per_class[0] == 0.0
    bad_gain, _ = ts.room_for_improvement(slicer(np.ones(4, bool)), slicer(good))
    assert bad_gain > 0.0
    whole, _ = ts.room_for_improvement(slicer(np.ones(4, bool)), slicer(np.zeros(4, bool)))
    assert whole == 0.0  # no rest to compare with


def test_5000_images_and_20_tags_take_seconds(tmp_path):
    import time
    gt, res = synth.make_dataset(5, 5000, 20, 0.02, True, False, 10)
    ds = _load(tmp_path, gt, res)
    rng = np.random.default_rng(0)
    carries = rng.random((20, 5000)) < rng.uniform(0.01, 0.5, (20, 1))
    start = time.perf_counter()
    st = ts.tag_statistics([f"t{i}" for i in range(20)], carries, np.ones(5000, bool),
                           rng.integers(0, 3, 5000).astype(float), 0.0, ts.DetectionSlicer(ds),
                           ts.detection_class_images(ds))
    assert time.perf_counter() - start < 30.0
    assert np.isfinite(st.metric).all()


# --- segmentation slices vs a plain numpy confusion -----------------------------------------


def _masks(seed, n, k, ignore, bad_rows):
    rng = np.random.default_rng(seed)
    gts, preds = [], []
    for i in range(n):
        g = rng.integers(0, k, (12, 9))
        g[rng.random(g.shape) < 0.1] = ignore
        right = 0.3 if i in bad_rows else 0.8
        p = np.where(rng.random(g.shape) < right, g, rng.integers(0, k, g.shape))
        p[p == ignore] = 0
        p[rng.random(g.shape) < 0.03] = 250  # void prediction
        gts.append(g)
        preds.append(p)
    return gts, preds


def _numpy_miou(gts, preds, rows, k, ignore):
    iou = np.full(k, np.nan)
    for c in range(k):
        if c == ignore:
            continue
        inter = union = 0
        for r in rows:
            valid = (gts[r] != ignore) & (gts[r] < k)
            g, p = (gts[r] == c) & valid, (preds[r] == c) & valid
            inter += int((g & p).sum())
            union += int((g | p).sum())
        if union:
            iou[c] = inter / union
    return iou


@pytest.mark.parametrize("ignore", [255, 0])
def test_segmentation_slice_miou_and_room_equal_numpy(ignore):
    k, n = 5, 8
    rows = [1, 4, 5]
    gts, preds = _masks(3, n, k, ignore, rows)
    only = k - 1 if ignore != k - 1 else 1  # a class seen only inside the slice
    for r in set(range(n)) - set(rows):
        gts[r][gts[r] == only] = 2
        preds[r][preds[r] == only] = 2
    stack = semantic.ConfusionStack.from_dense(
        [semantic.confusion(g, p, k, ignore) for g, p in zip(gts, preds, strict=True)], k)
    slicer = ts.SemanticSlicer(stack, ignore)
    expected = _numpy_miou(gts, preds, rows, k, ignore)
    part = slicer(np.array(rows))
    np.testing.assert_allclose(part.per_class, expected, atol=1e-12)
    assert part.value == pytest.approx(np.nanmean(expected), abs=1e-12)
    pop = _numpy_miou(gts, preds, range(n), k, ignore)
    rest = _numpy_miou(gts, preds, [r for r in range(n) if r not in rows], k, ignore)
    assert np.isnan(rest[only]) and not np.isnan(pop[only])
    counter = np.where(np.isnan(rest), pop, rest)
    want = max(0.0, np.nanmean(counter) - np.nanmean(pop))
    gain, _ = ts.room_for_improvement(slicer(np.ones(n, bool)), slicer(np.array([0, 2, 3, 6, 7])))
    assert gain > 0.0
    assert gain == pytest.approx(want, abs=1e-12)
    images = ts.semantic_class_images(stack)
    want_images = [[bool(((g == c) & (g != ignore)).any()) for c in range(k)] for g in gts]
    np.testing.assert_array_equal(images, want_images)
