"""Pack a loaded task's data (dataclasses, dicts and numpy arrays) into one file and back.

The project cache (io/task_cache.py) keeps what loading and scoring produce in this form: every
numeric array is a raw column of the file, memory-mapped on reading (nothing parsed, pages read
when touched); object
arrays (image ids, file names) and long lists of plain values (segmentations, the verbatim
fields kept for export) are msgpack members; the rest — the shape of the data, small values —
is one msgpack tree in the ``meta`` member, which also holds the cache's key. Nothing is
pickled: reading a cache runs no code from the file, and only ``reviewer`` dataclasses are
rebuilt (field by field, exactly as they were, without running their ``__init__``).

``pack`` raises ``Unpackable`` for a value it does not know (the cache is then not written);
``unpack`` raises ``CacheCorrupt`` for a file it cannot read back.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import mmap
import os
from pathlib import Path, PurePath

import msgspec
import numpy as np

_PLAIN = (dict, list, str, int, float, bool, bytes, type(None))
_RAW_LIST = 32  # lists longer than this whose first item is plain data are stored as a member


class Unpackable(TypeError):
    """A value the cache cannot store."""


class CacheCorrupt(ValueError):
    """A cache file that cannot be read back (partial, corrupt, foreign)."""


class _Packer:
    def __init__(self):
        self.members: dict[str, np.ndarray] = {}

    def _member(self, prefix: str, value: np.ndarray) -> str:
        name = f"{prefix}{len(self.members)}"
        self.members[name] = value
        return name

    def _bytes(self, prefix: str, value) -> str:
        data = msgspec.msgpack.encode(value)
        return self._member(prefix, np.frombuffer(data, dtype=np.uint8))

    def enc(self, v):
        if isinstance(v, (str, int, float, bytes, bool)) or v is None:
            return v
        if isinstance(v, np.ndarray):
            return self._objects(v) if v.dtype == object else {"$a": self._member("a", v)}
        if isinstance(v, np.generic):
            return {"$s": v.dtype.str, "v": v.item()}
        if isinstance(v, enum.Enum):
            return {"$e": _name(type(v)), "v": self.enc(v.value)}
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            return {"$d": _name(type(v)),
                    "f": {f.name: self.enc(getattr(v, f.name)) for f in dataclasses.fields(v)}}
        if isinstance(v, dict):
            return {"$m": [[self.enc(k), self.enc(x)] for k, x in v.items()]}
        if isinstance(v, tuple):
            return {"$t": [self.enc(x) for x in v]}
        if isinstance(v, PurePath):
            return {"$p": str(v)}
        if isinstance(v, list):
            if len(v) > _RAW_LIST and isinstance(v[0], _PLAIN) and not isinstance(v[0], tuple):
                return {"$l": self._bytes("l", v)}
            return {"$L": [self.enc(x) for x in v]}
        raise Unpackable(f"cannot cache a {type(v).__module__}.{type(v).__qualname__}")


    def _objects(self, v: np.ndarray) -> dict:
        items = v.tolist() if v.ndim == 1 else list(v.ravel())
        plain = all(isinstance(x, (str, int, float)) for x in items)
        if not plain:
            items = [x if isinstance(x, _PLAIN) else self.enc(x) for x in items]
        return {"$o": self._bytes("o", items), "shape": list(v.shape), "plain": plain}


def _name(cls) -> str:
    if not cls.__module__.startswith("reviewer."):
        raise Unpackable(f"cannot cache a {cls.__module__}.{cls.__qualname__}")
    return f"{cls.__module__}:{cls.__qualname__}"


_MAGIC = b"RVCACHE1"
_ALIGN = 64


def pack(path: Path, meta: dict, value) -> None:
    """Write ``value`` (and the plain-data ``meta``) to ``path`` atomically: a temporary file in
    the same folder, then a rename; a failure leaves no file behind. Unpackable: nothing written.

    Layout: the magic, the header's length (8 bytes), the header (msgpack: meta, tree, and per
    member its offset, dtype, shape), then each member's raw bytes at a 64-byte boundary."""
    packer = _Packer()
    tree = packer.enc(value)
    members, offset = {}, 0
    for name, arr in packer.members.items():
        members[name] = [offset, arr.dtype.str, list(arr.shape)]
        offset += -(-arr.nbytes // _ALIGN) * _ALIGN
    head = msgspec.msgpack.encode({"meta": meta, "tree": tree, "members": members,
                                   "data_bytes": offset})
    start = -(-(len(_MAGIC) + 8 + len(head)) // _ALIGN) * _ALIGN
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(_MAGIC + len(head).to_bytes(8, "little") + head)
            for name, arr in packer.members.items():
                fh.seek(start + members[name][0])
                fh.write(np.ascontiguousarray(arr).data)
            fh.truncate(start + offset)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class Packed:
    """An open cache file: ``meta`` at once, the value (``value()``) or single members
    (``member(ref)``) on demand. Arrays are copy-on-write views of the memory-mapped file: pages
    are read when touched, and writing to an array never reaches the file. A context manager
    (``close`` drops the file handle; arrays keep the mapping alive while they live)."""

    def __init__(self, path: Path):
        self._map = None
        try:
            with open(path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size < len(_MAGIC) + 8 or fh.read(len(_MAGIC)) != _MAGIC:
                    raise ValueError("not a Reviewer cache file")
                n = int.from_bytes(fh.read(8), "little")
                head = msgspec.msgpack.decode(fh.read(n))
                self.meta, self.tree = head["meta"], head["tree"]
                self._members = head["members"]
                self._start = -(-(len(_MAGIC) + 8 + n) // _ALIGN) * _ALIGN
                if self._start + int(head["data_bytes"]) != size:
                    raise ValueError(f"{size} bytes, the header announces "
                                     f"{self._start + int(head['data_bytes'])} (partial file)")
                if head["data_bytes"]:
                    self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)
        except (OSError, ValueError, KeyError, TypeError, msgspec.DecodeError) as exc:
            raise CacheCorrupt(f"{path.name}: {exc}") from None

    def close(self) -> None:
        self._map = None  # the mapping itself closes with the last array viewing it

    def __enter__(self) -> Packed:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _array(self, name: str) -> np.ndarray:
        offset, dtype, shape = self._members[name]
        dtype = np.dtype(dtype)
        if dtype.hasobject:
            raise CacheCorrupt(f"member {name}: object dtype")
        count = int(np.prod(shape, dtype=np.int64))
        if count == 0:
            return np.zeros(shape, dtype=dtype)
        return np.frombuffer(self._map, dtype=dtype, count=count,
                             offset=self._start + int(offset)).reshape(shape)

    def value(self):
        """The whole packed value, rebuilt."""
        return self._guard(self._dec, self.tree)

    def member(self, ref):
        """One node of the tree (e.g. a table column found with ``find``), rebuilt."""
        return self._guard(self._dec, ref)

    def _guard(self, fn, arg):
        try:
            return fn(arg)
        except CacheCorrupt:
            raise
        except Exception as exc:  # noqa: BLE001 - any damage inside the archive
            raise CacheCorrupt(f"unreadable cache member: {exc}") from None

    def _raw(self, name: str):
        return msgspec.msgpack.decode(memoryview(self._array(name)))

    def _dec(self, v):
        if not isinstance(v, dict):
            return v
        for mark, decode in _DECODERS.items():
            if mark in v:
                return decode(self, v)
        raise CacheCorrupt(f"unknown node {sorted(v)[:3]}")

    def _objects(self, v) -> np.ndarray:
        items = self._raw(v["$o"])
        if not v.get("plain"):
            items = [self._dec(x) if isinstance(x, dict) and _marked(x) else x for x in items]
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape(v["shape"])

    def _dataclass(self, v):
        obj = object.__new__(_class(v["$d"]))
        for k, x in v["f"].items():
            object.__setattr__(obj, k, self._dec(x))
        return obj


_DECODERS = {
    "$a": lambda p, v: p._array(v["$a"]),
    "$o": Packed._objects,
    "$l": lambda p, v: p._raw(v["$l"]),
    "$L": lambda p, v: [p._dec(x) for x in v["$L"]],
    "$t": lambda p, v: tuple(p._dec(x) for x in v["$t"]),
    "$m": lambda p, v: {_hashable(p._dec(k)): p._dec(x) for k, x in v["$m"]},
    "$s": lambda p, v: np.dtype(v["$s"]).type(v["v"]),
    "$p": lambda p, v: Path(v["$p"]),
    "$e": lambda p, v: _class(v["$e"])(p._dec(v["v"])),
    "$d": Packed._dataclass,
}


_MARKS = tuple(_DECODERS)


def _marked(v: dict) -> bool:
    return any(k in v for k in _MARKS)


def _hashable(k):
    return tuple(k) if isinstance(k, list) else k


def _class(name: str):
    module, _, qual = name.partition(":")
    if not module.startswith("reviewer."):
        raise CacheCorrupt(f"foreign class {name}")
    obj = importlib.import_module(module)
    for part in qual.split("."):
        obj = getattr(obj, part)
    if not isinstance(obj, type):
        raise CacheCorrupt(f"not a class: {name}")
    return obj


def find(tree, *path: str):
    """The node at ``path`` (dataclass field or str dict key names) of a packed tree, or None."""
    node = tree
    for key in path:
        if not isinstance(node, dict):
            return None
        if "$d" in node:
            node = node["f"].get(key)
        elif "$m" in node:
            node = next((x for k, x in node["$m"] if k == key), None)
        else:
            return None
    return node
