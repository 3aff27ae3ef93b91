#!/usr/bin/env python3
"""Regenerates the bundled fonts.

assets/fonts/KioskSans.ttf — WenQuanYi Micro Hei cut down to ASCII and Latin-1, general and CJK
punctuation, full-width forms, pinyin vowels with tones and every character of GBK (21,791), so
UI text, catalogue labels and names render and print identically everywhere.
assets/fonts/KioskSans-Bold.otf — Noto Sans CJK SC Bold cut down to the same character list (those
of it Noto has; it lacks some Latin Extended-A letters and symbols, which fall back): WenQuanYi
Micro Hei has no bold face, and without one Slint draws every font-weight 700 label in the regular.
Both are renamed to one family, "Kiosk Sans" (Regular 400, Bold 700), so the UI's font-weight picks
the face; the glyphs are untouched.
assets/fonts/KioskSansExtA.otf — Noto Sans CJK SC cut down to CJK Extension A (U+3400–U+4DBF):
rare name characters outside GBK (e.g. 䶮), which the printer must receive as raster images.

Needs: Debian packages fonts-wqy-microhei and fonts-noto-cjk, PyPI package fonttools.
"""
import subprocess, sys, tempfile

from fontTools.ttLib import TTFont

SRC = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
OUT = "assets/fonts/KioskSans.ttf"
NOTO = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
NOTO_BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
OUT_BOLD = "assets/fonts/KioskSans-Bold.otf"
FAMILY = "Kiosk Sans"


def rename(path, style, weight):
    """Puts the face in the "Kiosk Sans" family (name IDs 1, 2, 4, 6, 16, 17; OS/2 weight and
    style bits; the CFF font name where there is one), so one family has both weights."""
    font = TTFont(path)
    postscript = "KioskSans-" + style
    names = {1: FAMILY, 2: style, 4: FAMILY + " " + style, 6: postscript, 16: FAMILY, 17: style}
    table = font["name"]
    table.names = [n for n in table.names if n.nameID not in names and n.nameID != 3]
    for name_id, text in names.items():
        table.setName(text, name_id, 3, 1, 0x409)
    table.setName(postscript + ";kiosk", 3, 3, 1, 0x409)
    bold = weight >= 700
    font["OS/2"].usWeightClass = weight
    font["OS/2"].fsSelection = (font["OS/2"].fsSelection & ~0b1100001) | (0b100000 if bold else 0b1000000)
    font["head"].macStyle = (font["head"].macStyle & ~1) | (1 if bold else 0)
    table.removeNames(nameID=18)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [postscript]
        top = cff.topDictIndex[0]
        top.FamilyName, top.FullName = FAMILY, FAMILY + " " + style
    font.save(path)


def match_line_height(path, reference):
    """Gives the face at `path` the vertical metrics of `reference`, scaled to its em: Noto's
    lines are 1.45 em, WenQuanYi's 1.17, so a label turning bold would otherwise grow taller."""
    font, ref = TTFont(path), TTFont(reference)
    k = font["head"].unitsPerEm / ref["head"].unitsPerEm
    for table, fields in (("hhea", ("ascent", "descent", "lineGap")),
                          ("OS/2", ("sTypoAscender", "sTypoDescender", "sTypoLineGap",
                                    "usWinAscent", "usWinDescent"))):
        for field in fields:
            setattr(font[table], field, round(getattr(ref[table], field) * k))
    font.save(path)

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
rename(OUT, "Regular", 400)
print("wrote", OUT)
# Noto Sans CJK SC Bold is face 2 of its collection too.
# Layout features: kerning only. Noto's CJK substitutions (vertical, proportional and
# alternate forms) are never used by the UI and are 4.3 of its 9.4 MB.
subprocess.run(["pyftsubset", NOTO_BOLD, "--font-number=2", "--output-file=" + OUT_BOLD,
                "--unicodes-file=" + listing.name, "--layout-features=kern", "--no-hinting",
                "--name-IDs=*"], check=True)
rename(OUT_BOLD, "Bold", 700)
match_line_height(OUT_BOLD, OUT)
print("wrote", OUT_BOLD)
# Noto Sans CJK SC is face 2 of the collection.
subprocess.run(["pyftsubset", NOTO, "--font-number=2", "--output-file=" + OUT_EXT_A,
                "--unicodes=U+3400-4DBF", "--no-hinting", "--name-IDs=*", "--layout-features=*"], check=True)
print("wrote", OUT_EXT_A)
