#!/usr/bin/env python3
"""Regenerates assets/fonts/KioskSans.ttf: WenQuanYi Micro Hei cut down to what the kiosk shows.

Coverage: ASCII and Latin-1, general and CJK punctuation, full-width forms, pinyin vowels with
tones, and every GB2312 character (symbols and both hanzi levels, 6763 hanzi), so UI text, catalogue labels and
almost every name print and render identically everywhere. Names outside GB2312 need the system
font on the appliance (fonts-noto-cjk), see README.

Needs: Debian package fonts-wqy-microhei, PyPI package fonttools.
"""
import subprocess, sys

SRC = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
OUT = sys.argv[1] if len(sys.argv) > 1 else "assets/fonts/KioskSans.ttf"

chars = set()
for b1 in list(range(0xA1, 0xAA)) + list(range(0xB0, 0xF8)):
    for b2 in range(0xA1, 0xFF):
        try:
            chars.add(bytes([b1, b2]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
ranges = ["U+0020-007E", "U+00A0-017F", "U+01CD-01DC", "U+02C7-02D9", "U+2000-206F",
          "U+2190-21FF", "U+2460-24FF", "U+25A0-25FF", "U+3000-303F", "U+FF00-FFEF"]
unicodes = ",".join(ranges + ["U+%04X" % ord(c) for c in sorted(chars)])
subprocess.run(["pyftsubset", SRC, "--font-number=0", "--output-file=" + OUT,
                "--unicodes=" + unicodes, "--layout-features=*", "--no-hinting",
                "--name-IDs=*", "--drop-tables+=DSIG"], check=True)
print("wrote", OUT)
