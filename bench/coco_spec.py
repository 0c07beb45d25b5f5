"""Constants that make the synthetic data look like COCO val2017 (benchmark use only).

CATEGORIES: the 80 COCO classes with their real, non-contiguous ids (1..90 with gaps).
FREQUENCY_ORDER: class names roughly from most to least frequent in COCO; the generator turns the
rank into a long-tailed (Zipf-like) weight, with ``person`` given its own large share.
IMAGE_SIZES: (width, height, weight) — COCO images are mostly 640 on the long side.
"""

from __future__ import annotations

import numpy as np

CATEGORIES = [
    (1, "person", "person"), (2, "bicycle", "vehicle"), (3, "car", "vehicle"),
    (4, "motorcycle", "vehicle"), (5, "airplane", "vehicle"), (6, "bus", "vehicle"),
    (7, "train", "vehicle"), (8, "truck", "vehicle"), (9, "boat", "vehicle"),
    (10, "traffic light", "outdoor"), (11, "fire hydrant", "outdoor"), (13, "stop sign", "outdoor"),
    (14, "parking meter", "outdoor"), (15, "bench", "outdoor"), (16, "bird", "animal"),
    (17, "cat", "animal"), (18, "dog", "animal"), (19, "horse", "animal"), (20, "sheep", "animal"),
    (21, "cow", "animal"), (22, "elephant", "animal"), (23, "bear", "animal"),
    (24, "zebra", "animal"), (25, "giraffe", "animal"), (27, "backpack", "accessory"),
    (28, "umbrella", "accessory"), (31, "handbag", "accessory"), (32, "tie", "accessory"),
    (33, "suitcase", "accessory"), (34, "frisbee", "sports"), (35, "skis", "sports"),
    (36, "snowboard", "sports"), (37, "sports ball", "sports"), (38, "kite", "sports"),
    (39, "baseball bat", "sports"), (40, "baseball glove", "sports"), (41, "skateboard", "sports"),
    (42, "surfboard", "sports"), (43, "tennis racket", "sports"), (44, "bottle", "kitchen"),
    (46, "wine glass", "kitchen"), (47, "cup", "kitchen"), (48, "fork", "kitchen"),
    (49, "knife", "kitchen"), (50, "spoon", "kitchen"), (51, "bowl", "kitchen"),
    (52, "banana", "food"), (53, "apple", "food"), (54, "sandwich", "food"), (55, "orange", "food"),
    (56, "broccoli", "food"), (57, "carrot", "food"), (58, "hot dog", "food"), (59, "pizza", "food"),
    (60, "donut", "food"), (61, "cake", "food"), (62, "chair", "furniture"),
    (63, "couch", "furniture"), (64, "potted plant", "furniture"), (65, "bed", "furniture"),
    (67, "dining table", "furniture"), (70, "toilet", "furniture"), (72, "tv", "electronic"),
    (73, "laptop", "electronic"), (74, "mouse", "electronic"), (75, "remote", "electronic"),
    (76, "keyboard", "electronic"), (77, "cell phone", "electronic"), (78, "microwave", "appliance"),
    (79, "oven", "appliance"), (80, "toaster", "appliance"), (81, "sink", "appliance"),
    (82, "refrigerator", "appliance"), (84, "book", "indoor"), (85, "clock", "indoor"),
    (86, "vase", "indoor"), (87, "scissors", "indoor"), (88, "teddy bear", "indoor"),
    (89, "hair drier", "indoor"), (90, "toothbrush", "indoor"),
]

FREQUENCY_ORDER = [
    "person", "car", "chair", "book", "bottle", "cup", "dining table", "bowl", "traffic light",
    "handbag", "umbrella", "bird", "boat", "truck", "bench", "sheep", "banana", "kite",
    "motorcycle", "backpack", "potted plant", "cow", "wine glass", "carrot", "knife", "broccoli",
    "donut", "bicycle", "skis", "vase", "horse", "tie", "cell phone", "orange", "cake",
    "sports ball", "clock", "suitcase", "spoon", "surfboard", "bus", "apple", "pizza", "tv",
    "couch", "remote", "sink", "skateboard", "elephant", "dog", "fork", "zebra", "airplane",
    "giraffe", "laptop", "tennis racket", "teddy bear", "cat", "train", "sandwich", "bed",
    "toilet", "baseball glove", "oven", "baseball bat", "hot dog", "keyboard", "snowboard",
    "frisbee", "refrigerator", "mouse", "stop sign", "toothbrush", "fire hydrant", "microwave",
    "scissors", "bear", "parking meter", "toaster", "hair drier",
]

IMAGE_SIZES = [
    (640, 480, 0.33), (640, 427, 0.20), (480, 640, 0.08), (427, 640, 0.07), (640, 426, 0.05),
    (640, 424, 0.04), (640, 360, 0.05), (500, 375, 0.04), (640, 512, 0.03), (612, 612, 0.03),
    (640, 640, 0.03), (375, 500, 0.02), (640, 428, 0.03),
]

PERSON_SHARE = 0.36  # person is ~30 % of COCO val2017 instances


def class_weights() -> np.ndarray:
    """(80,) float64 sampling weights in CATEGORIES order, summing to 1: person-dominant, long tail."""
    names = [c[1] for c in CATEGORIES]
    rank = np.array([FREQUENCY_ORDER.index(n) for n in names], dtype=np.float64)
    tail = 1.0 / (rank + 1.5) ** 1.1
    tail[names.index("person")] = 0.0
    weights = tail / tail.sum() * (1.0 - PERSON_SHARE)
    weights[names.index("person")] = PERSON_SHARE
    return weights
