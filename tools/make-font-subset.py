#!/usr/bin/env python3
"""Regenerates the bundled fonts.

assets/fonts/KioskSans.ttf — WenQuanYi Micro Hei cut down to ASCII and Latin-1, general and CJK
punctuation, full-width forms, pinyin vowels with tones and every character of GBK (21,791), so
UI text, catalogue labels and names render and print identically everywhere.
assets/fonts/KioskSansExtA.otf — Noto Sans CJK SC cut down to CJK Extension A (U+3400–U+4DBF):
rare name characters outside GBK (e.g. 䶮), which the printer must receive as raster images.

Needs: Debian packages fonts-wqy-microhei and fonts-noto-cjk, PyPI package fonttools.
"""
import subprocess, sys, tempfile

SRC = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
OUT = "assets/fonts/KioskSans.ttf"
NOTO = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
OUT_EXT_A = "assets/fonts/KioskSansExtA.otf"

chars = set()
for b1 in range(0x81, 0xFF):
    for b2 in list(range(0x40, 0x7F)) + list(range(0x80, 0xFF)):
        try:
            chars.add(bytes([b1, b2]).decode("gbk"))
        except UnicodeDecodeError:
            pass
ranges = ["U+0020-007E", "U+00A0-017F", "U+01CD-01DC", "U+02C7-02D9", "U+2000-206F",
          "U+2190-21FF", "U+2460-24FF", "U+25A0-25FF", "U+3000-303F", "U+FF00-FFEF"]
with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
    listing.write("\n".join(ranges + ["U+%04X" % ord(c) for c in sorted(chars)]))
subprocess.run(["pyftsubset", SRC, "--font-number=0", "--output-file=" + OUT,
                "--unicodes-file=" + listing.name, "--layout-features=*", "--no-hinting",
                "--name-IDs=*", "--drop-tables+=DSIG"], check=True)
print("wrote", OUT)
# Noto Sans CJK SC is face 2 of the collection.
subprocess.run(["pyftsubset", NOTO, "--font-number=2", "--output-file=" + OUT_EXT_A,
                "--unicodes=U+3400-4DBF", "--no-hinting", "--name-IDs=*", "--layout-features=*"], check=True)
print("wrote", OUT_EXT_A)
