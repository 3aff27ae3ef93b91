#!/usr/bin/env python3
"""Makes eval/photo/, the labelled set `kiosk photo eval` runs on.

Input: the Face Research Lab London Set (DeBruine & Jones 2017, doi:10.6084/m9.figshare.5047666.v5,
CC BY 4.0): `neutral/NNN_03.jpg`, `smiling/NNN_08.jpg` and `london_info.csv`.
Each portrait is scaled to 900x900 and its light-grey studio backdrop replaced by the booth's white
one with the person segmentation model the kiosk ships (assets/models/selfie_segmentation.onnx), so
a frontal neutral face is a compliant subject. Labels (eval/photo/labels.csv):
  neutral -> accept;  smiling -> expression (a photo with a smile must be refused: ICAO Doc 9303
  Part 3 and the MPS guide ask for a neutral expression, mouth closed).
Group: the set's own ethnicity label.

Usage: tools/make-photo-eval-set.py LONDON_DIR eval/photo
Needs: pip install onnxruntime numpy pillow (a one-off tool, not used at run or test time).
"""
import csv
import os
import sys

import numpy as np
import onnxruntime as ort
from PIL import Image

BACKDROP = np.array([246, 246, 244], dtype=np.float32)
SIDE = 900

src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
model = ort.InferenceSession("assets/models/selfie_segmentation.onnx")
info = {r["face_id"]: r for r in csv.DictReader(open(os.path.join(src, "london_info.csv")))}
rows = []
for kind, suffix, label in (("neutral", "03", "accept"), ("smiling", "08", "expression")):
    for face_id in sorted(info):
        path = os.path.join(src, kind, f"{face_id}_{suffix}.jpg")
        if not os.path.exists(path):
            continue
        img = Image.open(path).convert("RGB").resize((SIDE, SIDE), Image.LANCZOS)
        x = np.asarray(img.resize((256, 256), Image.BILINEAR), dtype=np.float32)[None] / 255.0
        mask = model.run(None, {model.get_inputs()[0].name: x})[0][0, :, :, 0]
        mask = np.asarray(Image.fromarray((mask * 255).astype(np.uint8))
                          .resize((SIDE, SIDE), Image.BILINEAR), dtype=np.float32) / 255.0
        a = np.asarray(img, dtype=np.float32)
        out = a * mask[..., None] + BACKDROP * (1 - mask[..., None])
        name = f"london-{face_id}-{kind}.jpg"
        Image.fromarray(out.round().clip(0, 255).astype(np.uint8)).save(
            os.path.join(dst, name), quality=88)
        rows.append((name, label, info[face_id]["face_eth"]))
with open(os.path.join(dst, "labels.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["file", "expect", "group"])
    w.writerows(rows)
print(len(rows), "images")
