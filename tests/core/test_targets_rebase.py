"""What each command targets (the unit of conflict between reviewers), "keep yours" rebasing,
and a History whose journal refuses: the document is left exactly as it was."""

from __future__ import annotations

import contextlib

import pytest

from reviewer.core import commands as C
from reviewer.core.history import History
from reviewer.core.rebase import rebase
from reviewer.core.targets import command_targets, describe_target, target_key
from tests.core.test_commands import _commands, _state, doc  # noqa: F401  (fixture)


def test_every_command_names_what_it_changes(doc):  # noqa: F811
    cmds = _commands(doc)
    img = str(doc.base.images.ids[0])
    ann = str(cmds[1].obj["id"])
    new = str(cmds[0].obj["id"])
    accepted = str(cmds[5].obj["id"])
    expected = [
        [("gt", img, new)], [("gt", img, ann)], [("gt", img, ann)], [("gt", img, ann)],
        [("gt", img, ann)], [("gt", img, accepted)], [("gt", img, accepted), ("gt", img, ann)],
        [("tags", img)], [("otags", img, "gt", ann)], [("status", img)], [("note", img)],
        [("gt", img, ann), ("status", img)],
    ]
    for cmd, want in zip(cmds, expected, strict=True):
        assert command_targets(cmd) == tuple(sorted(target_key(*t) for t in want)), cmd.kind
    paint = C.PaintMask("street_7", 0, 0, {}, {})
    assert command_targets(paint) == (target_key("mask", "street_7"),)
    assert describe_target(target_key("gt", 7, 12)) == "object 12 of image 7"
    assert describe_target(target_key("otags", 7, "pred", 3)) == \
        "the tags of pred object 3 of image 7"


def test_keep_yours_rebuilds_each_command_on_the_current_state(doc):  # noqa: F811
    cmds = _commands(doc)
    history = History(doc)
    img, ann = cmds[1].image_id, cmds[1].obj["id"]
    # someone else changed the object and the review state first
    theirs = [C.MoveBox(img, ann, {"bbox": cmds[1].obj["bbox"]}, {"bbox": [9.0, 9.0, 9.0, 9.0]}),
              C.SetStatus(img, "unreviewed", "skipped"), C.SetImageTags(img, (), ("night",))]
    for cmd in theirs:
        history.execute(cmd)
    move, status, tags = rebase(cmds[3], doc), rebase(cmds[9], doc), rebase(cmds[7], doc)
    assert move.before == {"bbox": [9.0, 9.0, 9.0, 9.0], "area": doc.gt_object(ann)["area"]}
    assert move.after == cmds[3].after
    assert (status.before, status.after) == ("skipped", "reviewed")
    assert (tags.before, tags.after) == (("night",), ("occlusion", "blur"))  # mine replaces
    assert rebase(cmds[0], doc) == cmds[0]  # a new object conflicts with nothing
    history.execute(move)
    history.undo()  # undoing the kept version gives the other reviewer's back
    assert doc.gt_object(ann)["bbox"] == [9.0, 9.0, 9.0, 9.0]
    history.execute(C.DeleteObject(img, doc.gt_object(ann)))
    assert rebase(cmds[3], doc) is None  # their delete: nothing left to keep
    assert rebase(cmds[1], doc) is None
    macro = rebase(cmds[11], doc)
    assert [c.kind for c in macro.children] == ["set_status"]  # the relabel's object is gone


class RefusingJournal:
    """A journal that refuses every write (a conflict or a lost server) after the command's
    review-state part already went into ``review`` — which its transaction then rolls back."""

    user = None

    def __init__(self, review):
        self.review = review

    @contextlib.contextmanager
    def transaction(self):
        saved = {k: dict(v) if isinstance(v, dict) else v for k, v in vars(self.review).items()}
        try:
            yield
        except BaseException:
            vars(self.review).update(saved)
            raise

    def append_command(self, *args):
        raise RuntimeError("refused")

    undo_command = redo_command = append_command

    def applied_commands(self):
        return []

    def redo_commands(self):
        return []


@pytest.mark.parametrize("index", range(12))
def test_a_refused_command_leaves_the_document_as_it_was(doc, index):  # noqa: F811
    cmd = _commands(doc)[index]
    history = History(doc, RefusingJournal(doc.review))
    before = _state(doc)
    with pytest.raises(RuntimeError, match="refused"):
        history.execute(cmd)
    assert _state(doc) == before
    assert not history.can_undo


def test_a_refused_undo_leaves_the_command_applied(doc):  # noqa: F811
    cmd = _commands(doc)[3]
    history = History(doc)
    history.execute(cmd)
    after = _state(doc)
    history.journal = RefusingJournal(doc.review)
    with pytest.raises(RuntimeError):
        history.undo()
    assert _state(doc) == after and history.can_undo
