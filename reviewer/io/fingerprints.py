"""Fingerprints of a project's inputs: did the GT or the predictions change since the last opening?

A file's fingerprint is its size, modification time and SHA-256; the hash is computed again only
when size or time changed (so an unchanged 500 MB GT costs one ``stat``), and once per process
for a given path, size and time. A folder's fingerprint
(semantic label PNGs) is the number of files and a SHA-256 over their relative names, sizes and
times. The review store keeps the fingerprints of the last opening; ``compare`` says, in one line
per input, what changed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from reviewer import tasks

_CHUNK = 1 << 20


_HASHED: dict[tuple, str] = {}  # (path, size, mtime_ns) -> SHA-256 hashed in this process


def _file(path: Path, known: dict | None) -> dict:
    st = path.stat()
    out = {"kind": "file", "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    if known and known.get("size") == st.st_size and known.get("mtime_ns") == st.st_mtime_ns \
            and known.get("sha256"):
        out["sha256"] = known["sha256"]
        _HASHED[(str(path), st.st_size, st.st_mtime_ns)] = known["sha256"]
        return out
    memo = (str(path), st.st_size, st.st_mtime_ns)
    if memo in _HASHED:  # the project cache's check and the session's compare: one hash
        out["sha256"] = _HASHED[memo]
        return out
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    out["sha256"] = _HASHED[memo] = digest.hexdigest()
    return out


def _folder(path: Path) -> dict:
    digest = hashlib.sha256()
    n = 0
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            full = Path(root) / name
            st = full.stat()
            rel = full.relative_to(path).as_posix()
            digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
            n += 1
    return {"kind": "folder", "files": n, "listing_sha256": digest.hexdigest()}


def fingerprint(path: Path | None, known: dict | None = None) -> dict | None:
    """The fingerprint of ``path`` (None when there is no such input)."""
    if path is None:
        return None
    path = Path(path)
    try:
        if path.is_dir():
            return _folder(path)
        if path.is_file():
            return _file(path, known)
    except OSError:
        return {"kind": "unreadable"}
    return {"kind": "missing"}


def project_fingerprints(project, task: str, known: dict | None = None) -> dict:
    """``{"<task>.<key>": fingerprint}`` of every path input of one task (gt, classes…) with the
    current model's predictions as ``"<task>.models.<model>.<key>"`` (each model has its own)."""
    known = known or {}
    out = {}
    plugin = tasks.get(task)
    per_model = {f.key for f in plugin.fields if f.per_model}
    model = project.model_set(task).current
    for key, path in plugin.input_paths(project.inputs[task]).items():
        name = f"{task}.models.{model}.{key}" if key in per_model else f"{task}.{key}"
        out[name] = fingerprint(path, known.get(name))
    return out


def _what_changed(old: dict, new: dict) -> str:
    if old.get("kind") != new.get("kind"):
        return f"was a {old.get('kind')}, is a {new.get('kind')} now"
    if new.get("kind") == "folder":
        if old.get("files") != new.get("files"):
            return f"{old.get('files')} files then, {new.get('files')} now"
        return "files in it were replaced or edited"
    if old.get("size") != new.get("size"):
        return f"{old.get('size')} bytes then, {new.get('size')} now"
    return "its content was edited"


def compare(recorded: dict, current: dict) -> list[str]:
    """One line per input whose content differs from the recorded fingerprint."""
    lines = []
    for name, new in current.items():
        old = recorded.get(name)
        if old is None or new is None:
            continue
        same = (old.get("sha256") == new.get("sha256") if new.get("kind") == "file"
                else old.get("listing_sha256") == new.get("listing_sha256")
                if new.get("kind") == "folder" else old.get("kind") == new.get("kind"))
        if not same:
            lines.append(f"{name} changed since the last opening ({_what_changed(old, new)})")
    return lines
