"""``reviewer compare``: each model's numbers against oracles run here (pycocotools COCOeval,
a numpy pixel confusion matrix, scikit-learn), the image counts against each model's own table
(``reviewer score --model --csv``), and the paired bootstrap against a plain numpy resampling."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from reviewer.cli import main
from reviewer.core.bootstrap import RatioResampler, paired_bootstrap, resample_weights

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_project"
MODELS = {"baseline": "predictions.json", "retrained": "retrained.json"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("compare") / "sample"
    shutil.copytree(SAMPLE, dst, ignore=shutil.ignore_patterns("review.sqlite*"))
    return dst


def _run(argv: list[str], capsys) -> dict:
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def det_payload(sample):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["compare", str(sample), "--json", "-q"]) == 0
    return json.loads(out.getvalue())


def _cocoeval(iou_type: str, pred: Path) -> COCOeval:
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(SAMPLE / "annotations/instances_gt.json"))
        # the file as given: loadRes takes a prediction's area from its bbox (Reviewer too)
        ev = COCOeval(gt, gt.loadRes(str(pred)), iou_type)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


KEYS = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]


def test_detection_each_models_metrics_equal_cocoeval_on_its_own_file(det_payload):
    assert det_payload["models"] == ["baseline", "retrained"]
    for model, file in MODELS.items():
        ev = _cocoeval("segm", SAMPLE / "annotations" / file)
        overall = det_payload["overall"][model]
        for i, key in enumerate(KEYS):
            assert overall[key] == pytest.approx(ev.stats[i], abs=1e-12), (model, key)
        names = {c["id"]: c["name"] for c in ev.cocoGt.dataset["categories"]}
        for k, cat in enumerate(ev.params.catIds):
            p = ev.eval["precision"][:, :, k, 0, -1]
            expected = float(np.mean(p[p > -1])) if (p > -1).any() else None
            got = det_payload["per_class"][names[cat]][model]["AP"]
            assert got == pytest.approx(expected, abs=1e-12), (model, names[cat])
    a, b = (det_payload["overall"][m]["AP"] for m in MODELS)
    assert det_payload["difference"]["value"] == pytest.approx(b - a, abs=1e-15)
    for cls, delta in det_payload["per_class_delta"].items():
        per = det_payload["per_class"][cls]
        assert delta["AP"] == pytest.approx(per["retrained"]["AP"] - per["baseline"]["AP"])


def _errors(sample: Path, model: str, capsys, *extra) -> pd.Series:
    csv = sample.parent / f"{model}-{'-'.join(extra) or 'x'}.csv"
    capsys.readouterr()
    assert main(["score", str(sample), *extra, "--model", model, "--csv", str(csv), "-q"]) == 0
    table = pd.read_csv(csv, keep_default_na=False, na_values=[""])
    return table.set_index("file_name")["error"].astype(float)


def _counts_from_tables(ea: pd.Series, eb: pd.Series) -> dict:
    eb = eb.loc[ea.index]
    ok = ~(ea.isna() | eb.isna())
    return {"improved": int((ok & (eb < ea)).sum()), "regressed": int((ok & (eb > ea)).sum()),
            "unchanged": int((ok & (eb == ea)).sum()), "not_compared": int((~ok).sum())}


def test_the_confusion_difference_is_b_minus_a_of_each_models_eval(sample, det_payload, capsys):
    mats = {m: _run(["eval", str(sample), "--model", m, "--json", "-q"], capsys)["confusion"]
            for m in MODELS}
    conf = det_payload["confusion"]
    assert conf["labels"] == mats["baseline"]["labels"]
    assert conf["matrices"] == {m: c["matrix"] for m, c in mats.items()}
    expected = np.array(mats["retrained"]["matrix"]) - np.array(mats["baseline"]["matrix"])
    assert conf["delta"] == expected.tolist() and expected.any()


def test_detection_image_counts_equal_the_two_models_tables(sample, det_payload, capsys):
    ea, eb = (_errors(sample, m, capsys) for m in MODELS)
    counts = _counts_from_tables(ea, eb)
    assert {k: det_payload["images"][k] for k in counts} == counts
    assert sum(counts.values()) == 48 and counts["improved"] and counts["regressed"]
    for row in det_payload["images"]["per_image"]:
        assert row["error"] == {"baseline": ea[row["file_name"]],
                                "retrained": eb[row["file_name"]]}


def test_segmentation_miou_of_each_model_equals_a_numpy_confusion_matrix(sample, capsys):
    from reviewer.io.semantic import read_label_png
    payload = _run(["compare", str(sample), "--task", "segmentation", "--json", "-q"], capsys)
    classes = json.loads((SAMPLE / "semantic/classes.json").read_text())
    k = len(classes)
    for model, folder in (("baseline", "pred"), ("retrained", "pred_retrained")):
        conf = np.zeros((k, k), np.int64)
        for g in sorted((SAMPLE / "semantic/gt").glob("*.png")):
            gt = read_label_png(g).astype(np.int64)
            pred = read_label_png(SAMPLE / "semantic" / folder / g.name).astype(np.int64)
            keep = (gt != 255) & (gt < k) & (pred < k)
            conf += np.bincount(gt[keep] * k + pred[keep], minlength=k * k).reshape(k, k)
        inter = np.diag(conf)
        union = conf.sum(0) + conf.sum(1) - inter
        present = conf.sum(1) > 0
        iou = inter / np.maximum(union, 1)
        assert payload["overall"][model]["miou"] == pytest.approx(
            float(np.mean(iou[present])), abs=1e-12)
        for j, c in enumerate(classes):
            if present[j]:
                got = payload["per_class"][c["name"]][model]["iou"]
                assert got == pytest.approx(float(iou[j]), abs=1e-12), (model, c["name"])
    assert payload["difference"]["metric"] == "mIoU"
    ea, eb = (_errors(sample, m, capsys, "--task", "segmentation") for m in MODELS)
    counts = _counts_from_tables(ea, eb)
    assert {key: payload["images"][key] for key in counts} == counts


def test_classification_equals_scikit_learn_and_fixed_broken_equal_the_prediction_files(
        sample, capsys):
    from sklearn.metrics import accuracy_score, balanced_accuracy_score
    lemons = sample / "lemons"
    payload = _run(["compare", str(lemons), "--json", "-q"], capsys)
    labels = pd.read_csv(SAMPLE / "lemons/labels.csv").set_index("image")["label"]
    right = {}
    for model, file in (("baseline", "predictions.csv"), ("retrained",
                                                          "predictions_retrained.csv")):
        probs = pd.read_csv(SAMPLE / "lemons" / file).set_index("image").loc[labels.index]
        predicted = np.where(probs["mold"] >= 0.5, "mold", "no mold")
        overall = payload["overall"][model]
        assert overall["accuracy"] == pytest.approx(accuracy_score(labels, predicted), abs=1e-12)
        assert overall["balanced_accuracy"] == pytest.approx(
            balanced_accuracy_score(labels, predicted), abs=1e-12)
        right[model] = predicted == labels.to_numpy()
    a, b = right["baseline"], right["retrained"]
    im = payload["images"]
    assert (im["fixed"], im["broken"], im["both_wrong"], im["both_right"]) == (
        int(np.sum(~a & b)), int(np.sum(a & ~b)), int(np.sum(~a & ~b)), int(np.sum(a & b)))
    assert payload["difference"]["value"] == pytest.approx(b.mean() - a.mean(), abs=1e-12)
    # the bootstrap, by hand: the same draws of default_rng(seed), accuracy of each resample
    rng = np.random.default_rng(0)
    diffs = []
    for chunk in range(0, 1000, 64):
        idx = rng.integers(0, len(a), size=(min(64, 1000 - chunk), len(a)))
        diffs.append(b[idx].mean(axis=1) - a[idx].mean(axis=1))
    diffs = np.concatenate(diffs)
    d = payload["difference"]
    assert d["ci95"] == pytest.approx(list(np.quantile(diffs, [0.025, 0.975])), abs=1e-12)
    assert d["p_b_better"] == pytest.approx(float(np.mean(diffs > 0)), abs=1e-12)
    ea, eb = (_errors(lemons, m, capsys) for m in MODELS)
    counts = _counts_from_tables(ea, eb)
    assert {key: im[key] for key in counts} == counts


def test_the_seed_fixes_the_interval_and_another_seed_moves_it(sample, det_payload, capsys):
    again = _run(["compare", str(sample), "--json", "-q"], capsys)
    assert again["difference"] == det_payload["difference"]
    other = _run(["compare", str(sample), "--json", "-q", "--seed", "7"], capsys)
    assert other["difference"]["ci95"] != det_payload["difference"]["ci95"]
    assert other["difference"]["seed"] == 7 and other["difference"]["value"] == \
        det_payload["difference"]["value"]


def test_resample_weights_are_the_counts_of_plain_index_draws():
    rows = np.concatenate(list(resample_weights(9, resamples=150, seed=3, chunk=64)))
    rng = np.random.default_rng(3)
    expected = []
    for start in range(0, 150, 64):
        idx = rng.integers(0, 9, size=(min(64, 150 - start), 9))
        expected += [np.bincount(r, minlength=9) for r in idx]
    np.testing.assert_array_equal(rows, np.array(expected, np.float64))
    assert (rows.sum(axis=1) == 9).all()


@pytest.mark.parametrize("kernel", [False, True], ids=["numpy", "compiled"])
def test_detection_ap_of_a_resample_equals_cocoeval_on_the_repeated_images(tmp_path, kernel):
    """APResampler's AP with weights w equals COCOeval's on a dataset where image i appears
    w_i times (copies with new image and annotation ids, next to each other in id order). Scores
    are made distinct first: with two equal scores in one image, COCOeval interleaves the copies'
    predictions while a weight keeps each prediction's copies together (a tie order, not AP)."""
    from reviewer.core.ap_weighted import APResampler
    from reviewer.core.cocoeval import AREA_RANGES, match_dataset
    from reviewer.io.coco import load_detection
    gt_file, pred_file = SAMPLE / "annotations/instances_gt.json", tmp_path / "p.json"
    gt = json.loads(gt_file.read_text())
    preds = json.loads((SAMPLE / "annotations/predictions.json").read_text())
    preds = [{**p, "score": p["score"] - 1e-7 * i} for i, p in enumerate(preds)]
    assert len({p["score"] for p in preds}) == len(preds)
    pred_file.write_text(json.dumps(preds))
    ds = load_detection(gt_file, pred_file)
    resampler = APResampler(ds, match_dataset(ds, "bbox", area_ranges=AREA_RANGES[:1]),
                            kernel=kernel)
    weights = next(resample_weights(len(ds.images.ids), resamples=3, seed=11))
    ids = [int(i) for i in ds.images.ids.tolist()]
    for w, value in zip(weights, resampler.metric(weights), strict=True):
        images, anns, dets = [], [], []
        for i, image_id in enumerate(ids):
            for copy in range(int(w[i])):
                new = 1000 * image_id + copy  # copies next to each other: same tie order
                images += [{**m, "id": new} for m in gt["images"] if m["id"] == image_id]
                anns += [{**a, "id": len(anns) + j + 1, "image_id": new} for j, a in
                         enumerate(x for x in gt["annotations"] if x["image_id"] == image_id)]
                dets += [{k: v for k, v in d.items() if k != "segmentation"} | {"image_id": new}
                         for d in preds if d["image_id"] == image_id]
        with contextlib.redirect_stdout(io.StringIO()):
            coco = COCO()
            coco.dataset = {**gt, "images": images, "annotations": anns}
            coco.createIndex()
            ev = COCOeval(coco, coco.loadRes(dets), "bbox")
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
        assert value == pytest.approx(ev.stats[0], abs=1e-12)


def test_the_interval_covers_the_true_difference_at_about_the_expected_rate():
    """Generated data: two classifiers right with probability 0.80 and 0.85, correlated through
    shared hard images. Over 200 datasets of 300 images the 95 % interval of the accuracy
    difference covers the true +0.05 in 90 % to 99 % of them (the percentile interval's known
    slight undercoverage included)."""
    rng = np.random.default_rng(1)
    covered = 0
    for trial in range(200):
        u = rng.random(300)
        a = (u < 0.80).astype(float)
        b = (u < 0.85).astype(float)
        flip = rng.random(300) < 0.2  # some images where the two disagree independently
        b[flip] = (rng.random(flip.sum()) < 0.85)
        a[flip] = (rng.random(flip.sum()) < 0.80)
        metrics = [RatioResampler(x, np.ones(300)).metric for x in (a, b)]
        lo, hi = paired_bootstrap(metrics, 300, resamples=400, seed=trial).difference()["ci95"]
        covered += lo <= 0.05 <= hi
    assert 180 <= covered <= 198


def test_a_correction_counts_for_every_model_and_each_is_reported_before_and_after(
        tmp_path, capsys):
    """Relabel one GT object: compare's ``corrections``, ``eval --model`` and the export's
    metrics.json agree per model, and ``after`` equals COCOeval on the corrected GT file."""
    from reviewer.core.commands import Relabel
    from reviewer.io.session import open_session
    sample = tmp_path / "sample"
    shutil.copytree(SAMPLE, sample, ignore=shutil.ignore_patterns("review.sqlite*", "lemons"))
    gt = json.loads((SAMPLE / "annotations/instances_gt.json").read_text())
    ann = next(a for a in gt["annotations"] if a["category_id"] == 1 and not a["iscrowd"])
    new_cat = next(c["id"] for c in gt["categories"] if c["id"] != 1)
    with open_session(sample) as session:
        session.history.execute(Relabel(ann["image_id"], ann["id"], {"category_id": 1},
                                        {"category_id": new_cat}))
    ann["category_id"] = new_cat
    corrected = tmp_path / "corrected_gt.json"
    corrected.write_text(json.dumps(gt))
    payload = _run(["compare", str(sample), "--json", "-q"], capsys)
    assert payload["corrected_images"] == 1
    assert main(["export", str(sample), "--task", "detection", "--out", str(tmp_path / "out"),
                 "-q"]) == 0
    exported = json.loads(next((tmp_path / "out").rglob("metrics.json")).read_text())
    for model, file in MODELS.items():
        before = _run(["eval", str(sample), "--model", model, "--original", "--json", "-q"],
                      capsys)["overall"]["AP"]
        after = _run(["eval", str(sample), "--model", model, "--json", "-q"], capsys)
        assert payload["corrections"][model] == {"before": before, "after": after["overall"]["AP"]}
        assert payload["overall"][model] == after["overall"]
        with contextlib.redirect_stdout(io.StringIO()):
            coco = COCO(str(corrected))
            ev = COCOeval(coco, coco.loadRes(str(SAMPLE / "annotations" / file)), "segm")
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
        assert after["overall"]["AP"] == pytest.approx(ev.stats[0], abs=1e-12)
        assert exported["models"][model]["metric_before"] == pytest.approx(before, abs=1e-12)
        assert exported["models"][model]["metric_after"] == pytest.approx(
            after["overall"]["AP"], abs=1e-12)
    assert payload["corrections"]["baseline"]["before"] != payload["corrections"]["baseline"][
        "after"]


def test_the_compiled_weighted_ap_equals_the_numpy_steps_on_many_resamples():
    from reviewer.core import jit
    from reviewer.core.ap_weighted import APResampler
    from reviewer.core.cocoeval import AREA_RANGES, match_dataset
    from reviewer.io.coco import load_detection
    if not jit.enabled():
        pytest.skip("numba is not installed: only the numpy steps run")
    for pred in ("predictions.json", "retrained.json"):
        ds = load_detection(SAMPLE / "annotations/instances_gt.json", SAMPLE / "annotations" / pred)
        res = match_dataset(ds, "bbox", area_ranges=AREA_RANGES[:1])
        weights = np.concatenate(list(resample_weights(len(ds.images.ids), 200, seed=5)))
        weights[:3] = 0.0  # no image at all: undefined
        weights[3] = np.eye(len(ds.images.ids))[0] * len(ds.images.ids)  # one image only
        ref = APResampler(ds, res, kernel=False).metric(weights)
        got = APResampler(ds, res, kernel=True).metric(weights)
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
        assert np.isnan(got[:3]).all() and not np.isnan(got[3:]).any()
