"""QSettings: window geometry and dock layout, recent projects, and per-project view state.

Only view state lives here (never review state, which belongs to the review store): the window's
geometry and ``saveState``, the recent projects list, the reviewer's name (recorded with their
changes), the grid's thumbnail size, and per project path the ranking (sort column and order), the
filter bar, the image last shown and whether the grid was shown.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from reviewer.core.view_state import VIEW_MODES
from reviewer.ui.models.image_filter import ImageFilter

MAX_RECENT = 8
ORGANIZATION, APPLICATION = "Reviewer", "Reviewer"


@dataclass
class ProjectViewState:
    """What a reopened project restores: ranking, filter, position (image id as text)."""

    sort_key: str = "error"
    ascending: bool = False
    filter: ImageFilter = field(default_factory=ImageFilter)
    image_key: str | None = None
    view_mode: str = "overlay"


class Settings:
    """Typed access to the application's QSettings (pass one in tests for isolation)."""

    def __init__(self, qsettings: QSettings | None = None):
        self.q = qsettings or QSettings(ORGANIZATION, APPLICATION)

    # --- window -----------------------------------------------------------------------------
    def window_geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    def window_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.q.setValue("window/geometry", geometry)
        self.q.setValue("window/state", state)

    def _bytes(self, key: str) -> QByteArray | None:
        value = self.q.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    # --- recent projects --------------------------------------------------------------------
    def recent_projects(self) -> list[str]:
        value = self.q.value("recent/projects", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or []) if v]

    def add_recent_project(self, path) -> None:
        path = str(Path(path).resolve())
        recent = [p for p in self.recent_projects() if p != path]
        self.q.setValue("recent/projects", [path] + recent[: MAX_RECENT - 1])

    # --- identity ---------------------------------------------------------------------------
    def user_name(self) -> str:
        """The reviewer's name set in the window ("" : the login name)."""
        value = self.q.value("team/user_name", "")
        return str(value).strip() if value else ""

    def set_user_name(self, name: str) -> None:
        self.q.setValue("team/user_name", name.strip())

    # --- per-project view state -------------------------------------------------------------
    def view_state(self, project_root) -> ProjectViewState:
        raw = self.q.value(self._project_key(project_root))
        try:
            data = json.loads(raw) if isinstance(raw, str) else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        state = ProjectViewState(filter=ImageFilter.from_json(data.get("filter")))
        if isinstance(data.get("sort_key"), str):
            state.sort_key = data["sort_key"]
        state.ascending = bool(data.get("ascending", False))
        if isinstance(data.get("image_key"), str):
            state.image_key = data["image_key"]
        if data.get("view_mode") in VIEW_MODES:
            state.view_mode = data["view_mode"]
        return state

    def save_view_state(self, project_root, state: ProjectViewState) -> None:
        data = {"sort_key": state.sort_key, "ascending": state.ascending,
                "filter": state.filter.to_json(), "image_key": state.image_key,
                "view_mode": state.view_mode}
        self.q.setValue(self._project_key(project_root), json.dumps(data))
        self.q.sync()

    # --- the thumbnail grid -----------------------------------------------------------------
    def thumb_size(self) -> int | None:
        """The grid's thumbnail side chosen by the reviewer (None: not chosen yet)."""
        value = self.q.value("grid/size")
        return int(value) if value is not None and str(value).isdigit() else None

    def set_thumb_size(self, size: int) -> None:
        self.q.setValue("grid/size", int(size))

    def grid_shown(self, project_root) -> bool:
        """Whether the project was left showing the grid."""
        return self.q.value(self._grid_key(project_root), False) in (True, "true")

    def set_grid_shown(self, project_root, shown: bool) -> None:
        self.q.setValue(self._grid_key(project_root), bool(shown))

    def _grid_key(self, project_root) -> str:
        return "grid/" + self._project_key(project_root)

    @staticmethod
    def _project_key(project_root) -> str:
        path = str(Path(project_root).resolve())
        return "projects/" + hashlib.sha1(path.encode("utf-8")).hexdigest()[:16]
