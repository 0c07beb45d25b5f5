"""Class-name files of detection formats: ultralytics ``data.yaml``, darknet ``*.names`` /
``classes.txt`` (one name per line), and the JSON / text class lists of ``io.semantic_classes``.

``data.yaml``: ``names`` as a list (``[person, car]``) or a mapping ``{0: person, 1: car}`` (the
ultralytics layout; ``nc``, when given, must agree). Read with ``yaml.safe_load`` (no Python
objects are ever built from the file).
"""

from __future__ import annotations

from pathlib import Path

from reviewer.core.problems import InputError, Problem

YAML_NAMES = ("data.yaml", "dataset.yaml", "data.yml")
LIST_NAMES = ("classes.txt", "obj.names", "classes.names")


def read_names(path) -> tuple[list[str], list[Problem]]:
    """Class names in index order from a classes file; problems for bad entries. InputError when
    the file is unreadable or names no class."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        names, problems = _yaml_names(path)
    else:
        from reviewer.io.semantic_classes import load_classes
        names, _colors, problems, _void = load_classes(path)
    if not names:
        raise InputError(f"{path}: no class names found", problems)
    return list(map(str, names)), problems


def _yaml_names(path: Path) -> tuple[list[str], list[Problem]]:
    import yaml
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the file ({exc})") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or "names" not in data:
        raise InputError(f"{path}: expected a data.yaml with a 'names' list or mapping")
    raw, problems = data["names"], []
    if isinstance(raw, list):
        names = [str(n) for n in raw]
    elif isinstance(raw, dict):
        keys = [k for k in raw if isinstance(k, int) and not isinstance(k, bool) and k >= 0]
        for k in raw:
            if k not in keys:
                problems.append(Problem(str(path), f"names[{k!r}]", "key is not a class index "
                                        "(0, 1, ...); ignored"))
        top = max(keys, default=-1)
        names = [str(raw.get(i, f"class_{i}")) for i in range(top + 1)]
        gaps = [i for i in range(top + 1) if i not in raw]
        if gaps:
            problems.append(Problem(str(path), "names", f"no name for class index(es) "
                                    f"{gaps[:5]}; named class_<i>", "warning"))
    else:
        raise InputError(f"{path}: 'names' must be a list or a mapping index -> name")
    nc = data.get("nc")
    if isinstance(nc, int) and nc != len(names):
        problems.append(Problem(str(path), "nc", f"nc is {nc} but 'names' lists {len(names)} "
                                "classes; the names are used", "warning"))
    return names, problems


def find_names_file(labels: Path) -> Path | None:
    """A class-name file beside a label folder: ``classes.txt`` / ``obj.names`` in it, or a
    ``data.yaml`` in it or up to two folders above (``dataset/labels/train`` ->
    ``dataset/data.yaml``)."""
    labels = Path(labels)
    folder = labels if labels.is_dir() else labels.parent
    for name in LIST_NAMES:
        if (folder / name).is_file():
            return folder / name
    for up in (folder, folder.parent, folder.parent.parent):
        for name in YAML_NAMES:
            if (up / name).is_file():
                return up / name
    return None


def write_data_yaml(path: Path, names: list[str]) -> None:
    """An ultralytics ``data.yaml`` naming the classes (``names`` as a mapping, and ``nc``)."""
    import yaml
    text = yaml.safe_dump({"nc": len(names), "names": dict(enumerate(names))},
                          sort_keys=False, allow_unicode=True)
    path.write_text("# class names of the labels in labels/ (written by Reviewer)\n" + text,
                    encoding="utf-8")
