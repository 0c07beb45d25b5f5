"""Several reviewers in the review window: live refresh, conflicts, "next image for me", progress.

``TeamLinks`` is the controller's helper for everything that comes from sharing a store:

- Commands, undo and redo run through io/team.py (one retry after a lost connection). A command
  refused because someone else changed its target asks the reviewer: *Reload* (catch up, their
  version stays) or *Keep Mine* (catch up, then the command rebuilt on their version runs).
- A ``ChangeListener`` thread wakes the window when another session commits; the window catches
  up from the change log (rows, canvas, tags panel, counts) within a fraction of a second, and
  again after the connection comes back. A local SQLite store has no other writer: no listener.
- "Next image for me" (M) leases the first unreviewed image of the current ranking that nobody
  else holds or was assigned; while working that way, R/S/N move on to the next leased image.
  The lease is renewed while the image stays on screen.
- The status bar shows reviewed images per person when more than one person worked on the
  project (``store.progress``, the numbers of `reviewer progress` and the report).
- The reviewer's name (Review ▸ Set My Name…) is a setting, exported as $REVIEWER_USER for this
  process so every store opened here records it.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from reviewer.core.conflicts import CommandConflictError
from reviewer.core.rebase import rebase
from reviewer.io import team
from reviewer.io.store import store_location
from reviewer.io.store_base import (
    USER_VARIABLE,
    StoreConflictError,
    StoreConnectionError,
    StoreError,
)
from reviewer.io.store_url import StoreLocation, remember_password
from reviewer.ui import status
from reviewer.ui.change_listener import ChangeListener

log = logging.getLogger(__name__)
RENEW_MS = 5 * 60 * 1000  # lease renewal while an image stays on screen
LEASE_MINUTES = 20.0


class TeamLinks(QObject):
    caught_up = Signal(object)  # io.team.CatchUp, after the window showed it

    def __init__(self, controller):
        super().__init__(controller)
        self.c = controller
        self.listener: ChangeListener | None = None
        self.lease_mode = False
        self.leased: str | None = None
        self._pending = QTimer(self, singleShot=True, interval=30)
        self._pending.timeout.connect(self.catch_up)
        self._progress = QTimer(self, singleShot=True, interval=200)
        self._progress.timeout.connect(self._show_progress)
        self._renew = QTimer(self, interval=RENEW_MS)
        self._renew.timeout.connect(self._renew_lease)
        self.apply_identity()

    # --- identity ---------------------------------------------------------------------------
    def apply_identity(self) -> None:
        name = self.c.settings.user_name()
        if name and not os.environ.get(USER_VARIABLE):
            os.environ[USER_VARIABLE] = name

    def set_user_name(self) -> None:
        current = os.environ.get(USER_VARIABLE, "") or self.c.settings.user_name()
        name = self.c.dialogs.user_name(self.c.window, current)
        if name is None or name == current:
            return
        self.c.settings.set_user_name(name)
        if name:
            os.environ[USER_VARIABLE] = name
        else:
            os.environ.pop(USER_VARIABLE, None)
        if self.c.session is not None:  # the store records the name it was opened with
            self.c.open_project(str(self.c.session.project.root))

    def ask_password(self, path) -> bool:
        """The server wants a password: ask, keep it in memory, open ``path`` again."""
        try:
            where = store_location(path)
        except (StoreError, OSError):
            return False
        if not isinstance(where, StoreLocation):
            return False
        password = self.c.dialogs.password(self.c.window, where.url)
        if not password:
            return False
        remember_password(where.url, password)
        self.c.open_project(path)
        return True

    # --- session ----------------------------------------------------------------------------
    def session_opened(self, session) -> None:
        self.lease_mode, self.leased = False, None
        source = session.store.notifications()
        if source is not None:
            self.listener = ChangeListener(source, self)
            self.listener.changed.connect(self._pending.start)
            self.listener.connection_lost.connect(self._on_listener_connection_lost)
            self.listener.connection_back.connect(self._on_listener_connection_back)
            self.listener.start()
        self.c.actions["next_for_me"].setEnabled(not session.store.read_only)
        if session.store.read_only:
            self.c.window.setWindowTitle(self.c.window.windowTitle() + " — read-only")
        self.schedule_progress()

    def session_closed(self) -> None:
        self._renew.stop()
        self._pending.stop()
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        session = self.c.session
        if session is not None and not session.store.read_only and self.leased:
            try:
                session.store.release_lease()
            except StoreError:
                log.warning("could not release the lease on %s", self.leased)
        self.lease_mode, self.leased = False, None

    # --- commands ---------------------------------------------------------------------------
    def execute(self, command) -> bool:
        """Run ``command``; conflicts and a lost server are resolved or reported here."""
        try:
            caught = team.execute(self.c.session, command)
        except StoreConflictError as exc:
            return self._conflict(command, exc)
        except Exception as exc:  # a store error must reach the user, not a traceback
            return self._failed(exc, "Your change was not saved.")
        self._show_catch_up(caught)
        return True

    def undo(self) -> bool:
        return self._step(team.undo, "undo")

    def redo(self) -> bool:
        return self._step(team.redo, "redo")

    def _step(self, action, name: str) -> bool:
        try:
            self._show_catch_up(action(self.c.session))
        except CommandConflictError as exc:  # the GT changed on disk: set aside (Conflicts dock)
            self.c.window.statusBar().showMessage(f"{exc} (listed under Conflicts)", 10000)
            return False
        except StoreConflictError as exc:
            self.c.dialogs.error(self.c.window, f"Cannot {name}", exc.reason)
            self.catch_up()
            return False
        except Exception as exc:
            return self._failed(exc, f"The {name} was not saved.")
        return True

    def _conflict(self, command, exc: StoreConflictError) -> bool:
        choice = self.c.dialogs.conflict(self.c.window, exc.reason)
        self.catch_up()
        if choice != "keep":
            return False
        again = rebase(command, self.c.session.document)
        if again is None:
            self.c.dialogs.error(self.c.window, "Cannot keep yours",
                                 "The object was deleted meanwhile; nothing to keep.")
            return False
        return self.execute(again)

    def _failed(self, exc: Exception, what: str) -> bool:
        log.exception("command failed")
        if isinstance(exc, StoreConnectionError):
            self._set_offline(exc.reason)
            message = f"{exc.reason}\n\n{what} Reviewer reconnects by itself; try again then."
        else:
            message = str(exc)
        self.c.dialogs.error(self.c.window, "Action failed", message)
        return False

    # --- live refresh -----------------------------------------------------------------------
    def catch_up(self) -> None:
        """Apply what other sessions committed since this one last looked."""
        session = self.c.session
        if session is None:
            return
        try:
            try:
                result = team.catch_up(session)
            except StoreConnectionError:
                session.store.reconnect()
                result = team.catch_up(session)
        except StoreError as exc:
            self._set_offline(exc.reason)
            return
        self._set_offline(None)
        self._show_catch_up(result)

    def _show_catch_up(self, result) -> None:
        if result is None:
            self.schedule_progress()
            return
        c = self.c
        store, review = c.session.store, c.model.review
        for key in result.images:
            row = review.row_of(key)
            if row is None:
                continue
            review.update_row(row, store)
            c.model.refresh_image(row)
            if row == c.current:
                c.panels.image_selected(row)
        if result.vocabulary:
            c.panels.tags.set_vocabulary(store.vocabulary())
            c.refresh_filter_choices()
        if result.images or result.vocabulary:
            c.panels.review_changed()
        status.update(c)
        self.schedule_progress()
        self.caught_up.emit(result)

    def _on_listener_connection_lost(self, message: str) -> None:
        self._set_offline(message)

    def _on_listener_connection_back(self) -> None:
        self.catch_up()  # reconnects the store's own connection if it broke too

    def _set_offline(self, message: str | None) -> None:
        label = self.c.window.team_label
        if message is None:
            if label.property("offline"):
                label.setProperty("offline", False)
                self.schedule_progress()
            return
        label.setProperty("offline", True)
        label.setText("⚠ server unreachable — reconnecting…")
        label.setToolTip(message)
        label.setVisible(True)

    # --- next image for me ------------------------------------------------------------------
    def next_for_me(self) -> None:
        c = self.c
        if c.session is None or c.model is None:
            return
        review = c.model.review
        rows = [int(r) for r in c.model.order if review.status[int(r)] == "unreviewed"]
        try:
            lease = c.session.store.take_lease([review.keys[r] for r in rows], LEASE_MINUTES)
        except StoreError as exc:
            self._failed(exc, "No image was leased.")
            return
        if lease is None:
            self.lease_mode, self.leased = False, None
            self._renew.stop()
            c.window.statusBar().showMessage("No unreviewed image is free for you: the rest "
                                              "is reviewed, leased or assigned to others", 6000)
            return
        self.lease_mode, self.leased = True, lease.image_key
        self._renew.start()
        row = review.row_of(lease.image_key)
        c.select_image(row)
        until = datetime.fromisoformat(lease.until).astimezone().strftime("%H:%M")
        name = str(c.session.document.table["file_name"][row])
        c.window.statusBar().showMessage(f"{name} is yours until {until}: nobody else gets it "
                                         "meanwhile (M: the next one)", 6000)

    def _renew_lease(self) -> None:
        session = self.c.session
        if session is None or not self.leased or self.c.current is None or \
                self.c.model.review.keys[self.c.current] != self.leased:
            self._renew.stop()
            return
        try:
            session.store.take_lease([self.leased], LEASE_MINUTES)
        except StoreError as exc:
            log.warning("lease renewal failed: %s", exc)

    # --- progress per person ----------------------------------------------------------------
    def schedule_progress(self) -> None:
        self._progress.start()

    def _show_progress(self) -> None:
        c = self.c
        label = c.window.team_label
        if c.session is None or c.model is None or label.property("offline"):
            return
        store = c.session.store
        try:
            people = store.progress(c.model.review.keys)
        except StoreError:
            return
        shared = len(people) > 1 or any(p.assigned for p in people) or \
            (people and people[0].who != store.user)
        label.setVisible(bool(shared))
        if not shared:
            return
        label.setText(team.progress_text(people, store.user))
        rows = "".join(f"<tr><td>{p.who}</td><td align=right>{p.reviewed}</td>"
                       f"<td align=right>{p.assigned_done}/{p.assigned}</td>"
                       f"<td align=right>{p.commands}</td></tr>" for p in people)
        label.setToolTip("<table><tr><th>reviewer</th><th>reviewed</th><th>assigned done</th>"
                         f"<th>commands</th></tr>{rows}</table>")
