#!/usr/bin/env python3
"""Makes eval/face/, the set `kiosk face eval` runs the holder check's verification on.

Input: the Face Research Lab London Set (DeBruine & Jones 2017, doi:10.6084/m9.figshare.5047666.v5,
CC BY 4.0) as eval/photo/ holds it (900x900, white backdrop), and the set's own hand-placed pupil
positions (`neutral/NNN_03.tem`, points 0 and 1, in the original 1350x1350 frame).

The document side of each pair is the neutral portrait, in three forms:
  original  - eval/photo/london-NNN-neutral.jpg as it is;
  id-card   - cut to the resident ID card's framing and scaled to the 102x126 pixels the card's
              chip photo decodes to (GA 450 card photo), stored as PNG;
  dg2       - cut to a chip portrait's framing (240x320, about 67 px between the pupils) and
              stored as JPEG 2000 of about 12 KB, as many passports and permits hold it in DG2
              (ICAO Doc 9303 Part 10, ISO/IEC 19794-5).
The live side is the smiling portrait (eval/photo/london-NNN-smiling.jpg): the same session, so
same-person pairs are easier than a real document photo taken years before.

Usage: tools/make-face-eval-set.py LONDON_DIR eval/face
Needs: pip install pillow (with OpenJPEG, as the PyPI wheels have; a one-off tool, not used at
run or test time).
"""
import csv
import os
import sys

from PIL import Image

src, dst = sys.argv[1], sys.argv[2]
photo = os.path.join(os.path.dirname(dst.rstrip("/")), "photo")
os.makedirs(os.path.join(dst, "id-card"), exist_ok=True)
os.makedirs(os.path.join(dst, "dg2"), exist_ok=True)
groups = {r["file"]: r["group"] for r in csv.DictReader(open(os.path.join(photo, "labels.csv")))}


def pupils(face_id):
    with open(os.path.join(src, "neutral", f"{face_id}_03.tem")) as f:
        lines = f.read().split("\n")
    pts = [tuple(float(v) * 900 / 1350 for v in line.split()) for line in lines[1:3]]
    return pts[0], pts[1]


def cut(img, face_id, width_over_ipd, aspect, eyes_from_top):
    """A crop centred on the pupils, `width_over_ipd` pupil distances wide."""
    (ax, ay), (bx, by) = pupils(face_id)
    ipd = ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5
    cx, cy = (ax + bx) / 2, (ay + by) / 2
    w = ipd * width_over_ipd
    h = w * aspect
    left, top = cx - w / 2, cy - eyes_from_top * h
    return img.crop((round(left), round(top), round(left + w), round(top + h)))


rows = []
for name in sorted(groups):
    if not name.endswith("-neutral.jpg"):
        continue
    person = name[: -len("-neutral.jpg")]
    face_id = person.split("-")[1]
    group = groups[name]
    img = Image.open(os.path.join(photo, name)).convert("RGB")
    rows.append((f"../photo/{name}", person, group, "reference", "original"))
    card = cut(img, face_id, 3.6, 126 / 102, 0.45).resize((102, 126), Image.LANCZOS)
    card.save(os.path.join(dst, "id-card", f"{person}.png"))
    rows.append((f"id-card/{person}.png", person, group, "reference", "id-card"))
    chip = cut(img, face_id, 3.6, 320 / 240, 0.45).resize((240, 320), Image.LANCZOS)
    rate = 240 * 320 * 3 / 12000
    chip.save(os.path.join(dst, "dg2", f"{person}.jp2"), "JPEG2000",
              quality_mode="rates", quality_layers=[rate], irreversible=True)
    rows.append((f"dg2/{person}.jp2", person, group, "reference", "dg2"))
    smiling = f"{person}-smiling.jpg"
    rows.append((f"../photo/{smiling}", person, groups[smiling], "live", "original"))

with open(os.path.join(dst, "set.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["file", "person", "group", "role", "form"])
    w.writerows(rows)
