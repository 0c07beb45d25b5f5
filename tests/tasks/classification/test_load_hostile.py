"""Whatever the prediction table holds, loading ends with a dataset or an InputError naming
the file: never another exception (hypothesis draws the cells)."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewer.core.problems import InputError
from reviewer.tasks.classification.load import load_classification

CELLS = st.one_of(st.sampled_from(["", "nan", "inf", "-0", "1e400", "0.5", "1", "0", "abc",
                                   "a.jpg", "b.jpg", "x", "y", "p_x", " ", "\"", "1,2"]),
                  st.floats(allow_nan=True, allow_infinity=True).map(repr),
                  st.text(max_size=6))
HEADERS = st.lists(st.sampled_from(["image", "label", "score", "probability", "x", "y", "p_x",
                                    "p_y", "other", "image"]), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=HEADERS, rows=st.lists(st.lists(CELLS, min_size=0, max_size=6), max_size=6),
       positive=st.sampled_from([None, "x", "z"]))
def test_any_prediction_table_loads_or_says_why(tmp_path, header, rows, positive):
    (tmp_path / "gt.csv").write_text("image,label\na.jpg,x\nb.jpg,y\n", encoding="utf-8")
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    (tmp_path / "pred.csv").write_text(buf.getvalue(), encoding="utf-8")
    try:
        ds = load_classification(tmp_path / "gt.csv", tmp_path / "pred.csv", positive=positive)
    except InputError as exc:
        assert str(exc)
        return
    assert len(ds) >= 2 and (ds.top1 >= 0).any()
    if ds.probs is not None:
        kept = ds.top1 >= 0
        assert (abs(ds.probs[kept].sum(axis=1) - 1) < 1e-5).all()
