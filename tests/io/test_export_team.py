"""A review by several people, exported: changes.csv names the author of every row, the report
shows progress per person (the numbers of `reviewer progress`), and tag statistics count every
author's corrections (not only the exporting user's)."""

from __future__ import annotations

import csv
import re

from reviewer.core import commands as C
from reviewer.io import team
from reviewer.io.export import export
from reviewer.io.session import open_session
from reviewer.io.stats import stats_payload
from tests.io.test_export import _make_project


def test_changes_report_and_statistics_name_and_count_every_author(tmp_path):
    root, gt, _ = _make_project(tmp_path)
    with open_session(root, user="alice") as s:
        ids = [k for k in s.document.table["image_id"].tolist()]
        ann = int(s.document.gt.ids[s.document.gt.image_index == 0][0])
        obj = s.document.gt_object(ann)
        other = next(c for c in s.document.base.categories.ids.tolist()
                     if c != obj["category_id"])
        team.execute(s, C.Relabel(ids[0], ann, {"category_id": obj["category_id"]},
                                  {"category_id": other}))
        team.execute(s, C.SetImageTags(ids[0], (), ("blur",)))
        team.execute(s, C.SetStatus(ids[0], "unreviewed", "reviewed"))
        s.store.assign([ids[1], ids[2]], "bob")
    with open_session(root, user="bob") as s:
        ann = int(s.document.gt.ids[s.document.gt.image_index == 0][-1])
        team.execute(s, C.DeleteObject(ids[0], s.document.gt_object(ann)))
        team.execute(s, C.SetStatus(ids[1], "unreviewed", "reviewed"))
        team.execute(s, C.SetStatus(ids[2], "unreviewed", "skipped"))
        stats = stats_payload(s)
        progress = {p.who: p for p in s.store.progress(str(k) for k in ids)}
        export(s, tmp_path / "out")
    assert stats["tags"]["blur"]["corrections"] == 2  # alice's relabel and bob's delete
    text = (tmp_path / "out" / "changes.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    by = [(r["who"], r["change"].split(" ")[0], r["image"]) for r in rows]
    assert ("alice", "relabel", str(ids[0])) in by and ("bob", "delete", str(ids[0])) in by
    assert [(r["who"], r["image"], r["new"]) for r in rows if r["change"] == "assign"] == [
        ("alice", str(ids[1]), "bob"), ("alice", str(ids[2]), "bob")]
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    section = html.split("<h2>Progress per person</h2>")[1].split("</table>")[0]
    cells = re.findall(r"<tr><td>(\w+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>"
                       r"<td>([^<]+)</td><td>(\d+)</td></tr>", section)
    assert cells == [("alice", "1", "0", "0", "–", str(progress["alice"].commands)),
                     ("bob", "1", "1", "0", "2 / 2", str(progress["bob"].commands))]
    assert (progress["alice"].commands, progress["bob"].commands) == (3, 3)
