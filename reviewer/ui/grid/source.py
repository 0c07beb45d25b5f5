"""What each grid cell shows, read from the session: picture, task badge, review state.

``GridSource`` answers the grid's ``cell(view_row)`` from the image table model (the ranking,
the review columns the table shows: status, tags, corrected), the task view's ``thumb_badge``
(cached per image row until the table says the row changed: ``dataChanged``, a reset) and the
thumbnail loader's cache: the picture, and the task view's ``thumb_overlay`` (segmentation: the
wrong pixels), computed again when the document says the image's annotations changed.
``request(rows)`` asks the loader for the pictures and overlays of the rows in view, and
``rows_of(key)`` says which of them wait for one that just arrived.
"""

from __future__ import annotations

from html import escape

from reviewer.core.tags import colour_for_name
from reviewer.ui import frames
from reviewer.ui.models.image_table_model import STATUS_TEXT
from reviewer.ui.task_view import ThumbBadge, view_of

from .paint import Cell
from .thumbs import SIDES, ThumbnailLoader, overlay_thumb

MAX_BADGES = 20_000  # badges remembered (a screenful is ~50-200)


class GridSource:
    def __init__(self, loader: ThumbnailLoader):
        self.loader = loader
        self.session = None
        self.model = None
        self.side = SIDES[1]
        self._view = None
        self._badges: dict[int, ThumbBadge] = {}
        self._colours: dict[str, str] | None = None  # tag colours (None: read them again)
        self._shown: dict[tuple, list[int]] = {}
        self._keys: dict[int, tuple] = {}
        self._versions: dict[int, int] = {}  # image row -> annotation changes seen

    def attach(self, session, model) -> None:
        """Show ``session``'s images in ``model``'s order (None, None: nothing)."""
        if self.model is not None:
            self.model.dataChanged.disconnect(self._on_model_data_changed)
            self.model.modelReset.disconnect(self._on_model_reset)
            self.session.document.annotations_changed.disconnect(
                self._on_document_annotations_changed)
        self.session, self.model = session, model
        self._view = view_of(session) if session is not None else None
        self._badges, self._shown, self._keys, self._versions = {}, {}, {}, {}
        if model is not None:
            model.dataChanged.connect(self._on_model_data_changed)
            model.modelReset.connect(self._on_model_reset)
            session.document.annotations_changed.connect(self._on_document_annotations_changed)
        self._colours = None

    # --- cells --------------------------------------------------------------------------------
    def cell(self, v: int) -> Cell:
        row = self.model.image_row(v)
        review = self.model.review
        colours = self._tag_colours()
        return Cell(self.loader.nearest(self.key(row)), self.badge(row), str(review.status[row]),
                    tuple(colours.get(t) or colour_for_name(t) for t in review.tags[row]),
                    bool(review.corrected[row]), self._overlay(row))

    def _overlay(self, row: int):
        """The row's overlay, else its previous one while the new one is computed."""
        version = self._versions.get(row, 0)
        return self.loader.get(self.overlay_key(row, version)) or \
            (self.loader.get(self.overlay_key(row, version - 1)) if version else None)

    def badge(self, row: int) -> ThumbBadge:
        badge = self._badges.get(row)
        if badge is None:
            if len(self._badges) >= MAX_BADGES:
                self._badges.clear()
            badge = self._badges[row] = self._view.thumb_badge(self.session, row)
        return badge

    def tooltip(self, v: int) -> str:
        row = self.model.image_row(v)
        review = self.model.review
        name = self.session.document.table["file_name"][row]
        lines = [f"<b>{_html(name)}</b> — {v + 1} of {self.model.rowCount()}"]
        badge = self.badge(row)
        lines += [badge.tip] if badge.tip else [_html(text) for text, _ in badge.lines]
        status = STATUS_TEXT.get(review.status[row], review.status[row]) or "not reviewed"
        lines.append(f"status: {status}" + (" · corrected" if review.corrected[row] else ""))
        if review.tags[row]:
            lines.append("tags: " + _html(", ".join(review.tags[row])))
        thumb = self.loader.get(self.key(row))
        if thumb is not None and thumb.message:
            lines.append(_html(thumb.message))
        return "<br>".join(lines)

    # --- pictures -----------------------------------------------------------------------------
    def key(self, row: int) -> tuple:
        """The loader's key of image row ``row``'s picture at the current side."""
        base = self._keys.get(row)
        if base is None:
            path, expected = frames.load_request(self.session, row)
            base = self._keys[row] = (str(path) if path is not None else "", expected)
            if len(self._keys) > MAX_BADGES:
                self._keys = {row: base}
        return (*base, self.side)

    def overlay_key(self, row: int, version: int | None = None) -> tuple:
        """The loader's key of image row ``row``'s overlay (at its annotations' version)."""
        version = self._versions.get(row, 0) if version is None else version
        return ("overlay", row, version, self.side)

    def request(self, rows) -> None:
        """Ask for the pictures (then the overlays) of view rows ``rows`` (the rows in view),
        first row first."""
        if self.model is None:
            return
        self._shown, jobs = {}, {}
        for v in rows:
            self._shown.setdefault(self.key(self.model.image_row(v)), []).append(v)
        for v in rows:
            row = self.model.image_row(v)
            key = self.overlay_key(row)
            run = None if self.loader.get(key) else self._view.thumb_overlay(self.session, row)
            if run is not None:
                jobs[key] = lambda run=run, side=self.side: overlay_thumb(run, side)
                self._shown[key] = [v]
        self.loader.request(list(self._shown), jobs)

    def rows_of(self, key: tuple) -> list[int]:
        """View rows in view waiting for the picture of ``key``."""
        return self._shown.get(key, [])

    # --- changes ------------------------------------------------------------------------------
    def _on_model_data_changed(self, top_left, bottom_right, *_roles) -> None:
        last = min(bottom_right.row(), self.model.rowCount() - 1)
        for v in range(max(top_left.row(), 0), last + 1):
            self._badges.pop(self.model.image_row(v), None)
        self._colours = None  # a tag may be new

    def _on_document_annotations_changed(self, row: int) -> None:
        self._versions[row] = self._versions.get(row, 0) + 1

    def _on_model_reset(self) -> None:
        self._badges = {}
        self._colours = None

    def _tag_colours(self) -> dict[str, str]:
        if self._colours is None:
            self._colours = {t.name: t.colour for t in self.session.store.vocabulary()}
        return self._colours


def _html(text) -> str:
    return escape(str(text))
