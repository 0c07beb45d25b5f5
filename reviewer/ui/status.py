"""Status bar text, history labels and the recent-projects menu of the review window."""

from __future__ import annotations


def update(c) -> None:
    """"N of M reviewed" and the current image's place in the ranking."""
    if c.session is None or c.model is None:
        return
    review = c.model.review
    c.window.reviewed_label.setText(f"{review.reviewed_count()} of {len(review)} reviewed")
    if c.current is not None:
        name = c.session.document.table["file_name"][c.current]
        v = c.model.view_row(c.current)
        pos = f"{v + 1} of {c.model.rowCount()}" if v >= 0 else "filtered out"
        c.window.image_label.setText(f"{name}  —  {pos} in ranking  —  {review.status[c.current]}")


def describe(command) -> str:
    """History label: the command's label with its image and new value."""
    after = getattr(command, "after", None)
    text = command.label
    if isinstance(after, str):
        text += f": {after}"
    elif isinstance(after, tuple) and all(isinstance(a, str) for a in after):
        text += f": {', '.join(after) or '(none)'}"
    if command.image_id is not None:
        text += f" — image {command.image_id}"
    return text


def fill_recent_menu(c) -> None:
    menu = c.window.recent_menu
    menu.clear()
    for path in c.settings.recent_projects():
        menu.addAction(path, lambda p=path: c.open_project(p))
    menu.setEnabled(True)
    if menu.isEmpty():
        menu.addAction("(none)").setEnabled(False)
