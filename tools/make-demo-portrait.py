#!/usr/bin/env python3
"""Makes assets/demo/portrait.png, the subject the simulated camera replays.

Input: a frontal neutral portrait of the Face Research Lab London Set (DeBruine & Jones 2017,
doi:10.6084/m9.figshare.5047666.v5, CC BY 4.0), e.g. `neutral/034_03.jpg` (900x900 copy).
The studio's light-grey backdrop is replaced by the kiosk booth's white one, using the same
person segmentation model the kiosk ships (assets/models/selfie_segmentation.onnx), so the demo
subject is a compliant exit-entry photo subject: neutral expression, mouth closed, white
background. Pixels clear of the person are set to exactly BACKDROP so tests can repaint them.

Usage: tools/make-demo-portrait.py INPUT.jpg assets/demo/portrait.png
Needs: pip install onnxruntime numpy pillow (a one-off asset tool, not used at run or test time).
"""
import sys

import numpy as np
import onnxruntime as ort
from PIL import Image

BACKDROP = np.array([246, 246, 244], dtype=np.float32)  # src/devices/camera/sim.rs
SIDE = 600

src, dst = sys.argv[1], sys.argv[2]
img = Image.open(src).convert("RGB").resize((SIDE, SIDE), Image.LANCZOS)
model = ort.InferenceSession("assets/models/selfie_segmentation.onnx")
x = np.asarray(img.resize((256, 256), Image.BILINEAR), dtype=np.float32)[None] / 255.0
mask = model.run(None, {model.get_inputs()[0].name: x})[0][0, :, :, 0]
mask = np.asarray(
    Image.fromarray((mask * 255).astype(np.uint8)).resize((SIDE, SIDE), Image.BILINEAR),
    dtype=np.float32) / 255.0
a = np.asarray(img, dtype=np.float32)
out = a * mask[..., None] + BACKDROP * (1 - mask[..., None])
out[mask < 0.05] = BACKDROP
Image.fromarray(out.round().clip(0, 255).astype(np.uint8)).save(dst, optimize=True)
