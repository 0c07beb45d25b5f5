"""Hostile inputs in every format, through the command line (the harness of tests/hostile:
one limited subprocess, init + score + eval + eval --json): exit 0 or 2, never a traceback,
the file and the entry named. XML is parsed with defusedxml: entity bombs and external
entities are refused, not expanded."""

from __future__ import annotations

import base64
import io
import struct
import zlib

import pytest
from PIL import Image

from tests.hostile.cases import base_gt
from tests.hostile.harness import Case, check, run_batch


def _png(size=(100, 50)):
    def write(path):
        Image.new("RGB", size).save(path, format="PNG")
    return write


def _bomb_png_b64(w=60000, h=60000) -> str:
    """A PNG whose header claims w x h pixels (a few bytes of data)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b"")
    return base64.b64encode(raw).decode()


def _mask_b64(w=4, h=3) -> str:
    buf = io.BytesIO()
    Image.new("1", (w, h), 1).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


LAUGHS = ("<?xml version='1.0'?>\n<!DOCTYPE lolz [<!ENTITY lol 'lol'>"
          + "".join(f"<!ENTITY lol{i} '{('&lol' + str(i - 1) + ';') * 10 if i > 1 else '&lol;' * 10}'>"
                    for i in range(1, 10)) + "]>\n")
XXE = "<?xml version='1.0'?>\n<!DOCTYPE a [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>\n"
VOC_OK = ("<annotation><filename>a.png</filename><size><width>100</width><height>50</height>"
          "</size><object><name>cat</name><difficult>0</difficult><bndbox><xmin>1</xmin>"
          "<ymin>2</ymin><xmax>30</xmax><ymax>40</ymax></bndbox></object></annotation>")


def _yolo(name, lines: str, codes=(0, 2), mentions=(), data_yaml="names: [cat, dog]\n",
          pred=None, force=False) -> Case:
    files = {"images/a.png": _png(), "images/b.png": _png((40, 40)),
             "labels/a.txt": lines.encode() if isinstance(lines, str) else lines,
             "labels/b.txt": b"1 0.5 0.5 0.5 0.5\n"}
    if data_yaml is not None:
        files["data.yaml"] = data_yaml.encode()
    init = ["--images", "{d}/images", "--gt", "{d}/labels"]
    if data_yaml is not None:
        init += ["--classes", "{d}/data.yaml"]
    if force:
        init += ["--gt-format", "yolo"]
    if pred is not None:
        files["pred/a.txt"] = pred.encode()
        init += ["--pred", "{d}/pred", "--pred-format", "yolo"]
    return Case(name, files, init, frozenset(codes), tuple(mentions))


def _voc(name, xml: str, codes=(0, 2), mentions=(), good=True) -> Case:
    files = {"images/a.png": _png(), "Annotations/x.xml": xml.encode()}
    if good:
        files["Annotations/a.xml"] = VOC_OK.encode()
    return Case(name, files, ["--images", "{d}/images", "--gt", "{d}/Annotations",
                              "--gt-format", "voc"], frozenset(codes), tuple(mentions))


def _labelme(name, shapes, codes=(0, 2), mentions=(), raw: bytes | None = None) -> Case:
    files = {"images/a.png": _png(),
             "lm/a.json": raw if raw is not None else
             {"shapes": shapes, "imagePath": "../images/a.png", "imageHeight": 50,
              "imageWidth": 100},
             "lm/b.json": {"shapes": [{"label": "cat", "shape_type": "rectangle",
                                       "points": [[1, 1], [9, 9]]}], "imagePath": "a.png",
                           "imageHeight": 50, "imageWidth": 100}}
    return Case(name, files, ["--images", "{d}/images", "--gt", "{d}/lm", "--gt-format",
                              "labelme"], frozenset(codes), tuple(mentions))


def _cvat(name, body: str, codes=(0, 2), mentions=(), head: str = "") -> Case:
    xml = head + "<annotations><version>1.1</version>" + body + "</annotations>"
    return Case(name, {"images/a.png": _png(), "annotations.xml": xml.encode()},
                ["--images", "{d}/images", "--gt", "{d}/annotations.xml"], frozenset(codes),
                tuple(mentions))


def _txt(name, lines: str, mentions=()) -> Case:
    return Case(name, {"gt.json": base_gt(), "pred/a.txt": lines.encode()},
                ["--images", "{d}/images", "--gt", "{d}/gt.json", "--pred", "{d}/pred",
                 "--pred-format", "txt_xywh"], frozenset({0, 2}), tuple(mentions))


CASES = [
    _yolo("yolo_wrong_columns", "0 0.5 0.5 0.2\n0 0.5\n1 0.5 0.5 0.2 0.2 0.3 0.1 0.4\n"
          "0 0.5 0.5 0.2 0.2\n", codes=(0,),
          mentions=("a.txt: line 1: 4 values, expected 5", "a.txt: line 2: 2 values",
                    "a.txt: line 3: 8 values")),
    _yolo("yolo_nan_inf_negative", "0 nan 0.5 0.2 0.2\n0 0.5 0.5 inf 0.2\n"
          "0 0.5 0.5 -0.1 0.2\n1 1e308 1e308 1e308 1e308\n", codes=(0,),
          mentions=("a.txt: line 1: bbox has a NaN", "a.txt: line 2: bbox has a NaN or infinite",
                    "a.txt: line 3: bbox width is negative")),
    _yolo("yolo_binary_garbage", bytes(range(256)) * 8, mentions=("a.txt",)),
    _yolo("yolo_truncated_mid_line", "0 0.5 0.5 0.2 0.2\n1 0.3 0.", codes=(0,),
          mentions=("a.txt: line 2: 3 values",)),
    _yolo("yolo_polygon_far_outside", "0 0.1 0.1 900000 0.1 0.2 900000\n", codes=(0,),
          force=True, mentions=("a.txt: line 1: coordinates outside 0..1",
                                "a.txt: line 1: segmentation polygon has a")),
    _yolo("yolo_not_normalised", "0 10 10 200 100\n", codes=(2,),
          mentions=("yolo: a.txt line 1: coordinates are not normalised",)),
    _yolo("yolo_data_yaml_python_tag", "0 0.5 0.5 0.2 0.2\n", codes=(2,),
          data_yaml="names: !!python/object/apply:os.system ['echo owned']\n",
          mentions=("data.yaml: not valid YAML",)),
    _yolo("yolo_data_yaml_broken", "0 0.5 0.5 0.2 0.2\n", codes=(2,),
          data_yaml="names: [cat, dog\n", mentions=("data.yaml",)),
    _yolo("yolo_pred_without_confidence", "0 0.5 0.5 0.2 0.2\n", codes=(2,),
          pred="0 0.5 0.5 0.2 0.2\n", mentions=("save_conf=True",)),
    _yolo("yolo_pred_bad_score", "0 0.5 0.5 0.2 0.2\n", codes=(0,),
          pred="0 0.5 0.5 0.2 0.2 nan\n0 0.5 0.5 0.2 0.2 0.9\n9 0.5 0.5 0.2 0.2 0.9\n",
          mentions=("a.txt: line 1: score is NaN", "a.txt: line 3: class 9")),
    _voc("voc_billion_laughs", LAUGHS + "<annotation><filename>&lol9;</filename></annotation>",
         codes=(0,), mentions=("x.xml: refused: the XML declares entities",)),
    _voc("voc_external_entity", XXE + "<annotation><filename>&xxe;</filename></annotation>",
         codes=(0,), mentions=("x.xml: refused",)),
    _voc("voc_only_a_bomb", LAUGHS + "<annotation/>", codes=(2,), good=False,
         mentions=("x.xml: refused",)),
    _voc("voc_truncated", VOC_OK[:120], codes=(0,), mentions=("x.xml: not valid XML",)),
    _voc("voc_bad_objects", "<annotation><filename>x.png</filename><size><width>100</width>"
         "<height>50</height></size>"
         "<object><name>cat</name><bndbox><xmin>30</xmin><ymin>2</ymin><xmax>1</xmax>"
         "<ymax>40</ymax></bndbox></object>"
         "<object><name>dog</name><bndbox><xmin>abc</xmin></bndbox></object>"
         "<object><name>dog</name></object><object><bndbox/></object>"
         "<object><name>cat</name><difficult>yes</difficult><bndbox><xmin>1</xmin><ymin>2"
         "</ymin><xmax>3</xmax><ymax>4</ymax></bndbox></object></annotation>", codes=(0,),
         mentions=("x.xml: object[0] (cat): bbox width is negative",
                   "x.xml: object[1] (dog): bndbox xmin is missing or not a number",
                   "x.xml: object[2] (dog): no <bndbox>", "x.xml: object[3]: no <name>",
                   "x.xml: object[4] (cat): <difficult> is 'yes'")),
    _voc("voc_wrong_root", "<svg/>", codes=(0,), mentions=("x.xml: the root element is <svg>",)),
    _labelme("labelme_truncated_json", [], raw=b'{"shapes": [{"label": "ca', codes=(0,),
             mentions=("a.json: not a readable JSON file",)),
    _labelme("labelme_bad_shapes", [
        {"label": "cat", "shape_type": "rectangle", "points": [[1, 1]]},
        {"label": "cat", "shape_type": "polygon", "points": [[1, 1], [2, 2]]},
        {"label": "cat", "shape_type": "polygon", "points": [["a", 1], [2, 2], [3, 3]]},
        {"label": "cat", "shape_type": "circle", "points": [[1, 1], [3, 3]]},
        {"label": "cat", "shape_type": "mask", "points": [[1, 1], [4, 3]], "mask": "!!!"},
        {"label": "cat", "shape_type": "mask", "points": [[0, 0], [5, 5]],
         "mask": _bomb_png_b64()},
        {"label": "cat", "shape_type": "mask", "points": [[98, 48], [101, 50]],
         "mask": _mask_b64()},
        {"label": 7, "points": [[1, 1], [2, 2]]},
        {"label": "cat", "shape_type": "rectangle", "points": [[1, 1], [float("nan"), 5]]}],
        codes=(0,), mentions=("a.json: shapes[0] (cat): rectangle needs two",
                              "a.json: shapes[1] (cat): polygon needs 3 or more",
                              "a.json: shapes[3] (cat): shape_type 'circle'",
                              "a.json: shapes[4] (cat): mask data is not a base64 PNG",
                              "a.json: shapes[5] (cat): mask data is not a base64 PNG",
                              "a.json: shapes[6] (cat): mask (4x3 at 98,48) does not fit",
                              "a.json: shapes[7]: not a shape with a 'label'")),
    _cvat("cvat_billion_laughs", "<image id='0' name='a.png' width='100' height='50'/>",
          head=LAUGHS, codes=(2,), mentions=("annotations.xml: refused",)),
    _cvat("cvat_bad_shapes", "<image id='0' name='a.png' width='100' height='50'>"
          "<box label='cat' xtl='abc' ytl='1' xbr='5' ybr='5'/>"
          "<polygon label='cat' points='1,1;2'/>"
          "<mask label='cat' rle='3, 4' left='0' top='0' width='2' height='2'/>"
          "<mask label='cat' rle='-1, 5' left='0' top='0' width='2' height='2'/>"
          "<mask label='cat' rle='1, 1' left='0' top='0' width='60000' height='60000'/>"
          "<box label='cat' xtl='1' ytl='1' xbr='9' ybr='9' rotation='30'/>"
          "<points label='cat' points='1,1'/></image>", codes=(0,),
          mentions=("<box>[0] (cat): xtl is missing or not a number",
                    "<polygon>[1] (cat): points", "<mask>[2] (cat): rle runs add up to 7",
                    "<mask>[3] (cat): rle runs", "<mask>[4] (cat): mask region",
                    "rotated by 30", "skipped 1 <points>")),
    _cvat("cvat_video_tracks", "<track id='0' label='cat'><box frame='0' xtl='1' ytl='1' "
          "xbr='2' ybr='2' outside='0' occluded='0' keyframe='1'/></track>", codes=(2,),
          mentions=("CVAT for video",)),
    _cvat("cvat_truncated", "<image id='0' name='a.png' width='100' height='50'><box label",
          codes=(2,), mentions=("not valid XML",)),
    _txt("txt_pred_wrong_columns", "1 0.9 1 2 3\n1 nan 1 2 3 4\n1 0.8 1 2 -3 4\n"
         "cat 0.5 1 1 5 5\n", mentions=("a.txt: line 1: 5 values, expected 6",
                                        "a.txt: line 2: score is NaN",
                                        "a.txt: line 3: bbox width is negative")),
]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run_batch(CASES, tmp_path_factory.mktemp("hostile_formats"))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hostile_format_case(results, case):
    check(case, results[case.name])
