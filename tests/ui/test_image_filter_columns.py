"""The image table's filters and review columns against plain Python oracles: status and tag
filters from the kept status codes and tag masks (also after row updates), the file-name filter
on casefolded UTF-8 bytes (non-ASCII names), and the model's kept rankings (a filter after a sort
lists the rows a fresh ``rank`` would, an edited value is ranked afresh)."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer.core.reports import rank
from reviewer.ui.models.image_filter import ImageFilter, ReviewColumns, filter_mask
from reviewer.ui.models.image_table_model import ImageTableModel

STATUSES = ("unreviewed", "reviewed", "needs-second-look", "skipped")
WORDS = ("Straße", "ÉCOLE", "école", "img", "IMG", "日本", "photo")


class Store:
    def __init__(self, statuses: dict, tags: dict):
        self._statuses, self._tags = statuses, tags

    def statuses(self):
        return dict(self._statuses)

    def all_image_tags(self):
        return {k: set(v) for k, v in self._tags.items()}

    def status(self, key):
        return self._statuses.get(key, "unreviewed")

    def image_tags(self, key):
        return set(self._tags.get(key, ()))


def _project(seed: int, n: int = 300):
    rng = np.random.default_rng(seed)
    ids = rng.permutation(10 * n)[:n]
    names = np.array([f"{WORDS[rng.integers(len(WORDS))]}_{i}.jpg" for i in ids], dtype=object)
    keys = [str(i) for i in ids]
    statuses = {k: STATUSES[rng.integers(4)] for k in keys if rng.random() < 0.5}
    tags = {k: {t for t in ("blur", "occlusion") if rng.random() < 0.4} for k in keys}
    table = {"image_id": ids, "file_name": names, "error": np.round(rng.random(n), 1)}
    return table, keys, Store(statuses, tags), rng


@pytest.mark.parametrize("seed", range(6))
def test_filters_match_python_oracles_also_after_row_updates(seed):
    table, keys, store, rng = _project(seed)
    review = ReviewColumns(table["image_id"], store)
    n = len(keys)
    for _ in range(3):
        for status in STATUSES:
            got = filter_mask(ImageFilter(status=status), table, review)
            assert got.tolist() == [store.status(k) == status for k in keys]
        for tag in ("blur", "occlusion", "none"):
            got = filter_mask(ImageFilter(tag=tag), table, review)
            assert got.tolist() == [tag in store.image_tags(k) for k in keys]
        for text in ("straße", "STRASSE", "école", "ÉCOLE", "日本", "img_1", "jpg", "zzz"):
            got = filter_mask(ImageFilter(text=text), table, review)
            assert got.tolist() == [text.casefold() in str(s).casefold()
                                    for s in table["file_name"]]
        codes = review.status_codes()  # the status sort key
        assert codes.tolist() == [("unreviewed", "needs-second-look", "skipped",
                                   "reviewed").index(store.status(k)) for k in keys]
        for row in rng.choice(n, 20, replace=False).tolist():  # review commands, row by row
            key = keys[row]
            store._statuses[key] = STATUSES[rng.integers(4)]
            store._tags[key] = {t for t in ("blur", "occlusion") if rng.random() < 0.5}
            review.update_row(row, store)


def test_kept_rankings_follow_sorts_filters_and_edits():
    table, keys, store, rng = _project(7)
    review = ReviewColumns(table["image_id"], store)
    model = ImageTableModel(table, [("file_name", "Image"), ("error", "Error")], review)
    for key, ascending in (("error", True), ("file_name", False), ("error", False)):
        model.set_sort(key, ascending)
        spec = ImageFilter(text="img")
        model.set_filter(spec)
        keep = filter_mask(spec, table, review)
        fresh = rank(table, key, ascending)
        assert model.order.tolist() == fresh[keep[fresh]].tolist()
    row = int(model.order[0])
    table["error"][row] = -1.0  # an edit: the row keeps its place until the next ranking
    model.refresh_image(row)
    assert int(model.order[0]) == row
    model.set_filter(ImageFilter())
    assert model.order.tolist() == rank(table, "error", False).tolist()
    assert int(model.order[-1]) == row  # ranked afresh with the edited value
