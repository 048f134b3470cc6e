#!/usr/bin/env python3
"""Decodes a PNG with Pillow (an independent decoder) and prints what the tests check:
size, mode, and the RGB(A) values at the requested points, as JSON.

    png_probe.py FILE.png [x,y ...]
"""
import json
import sys

from PIL import Image


def main():
    path, points = sys.argv[1], sys.argv[2:]
    with Image.open(path) as image:
        image.load()  # decodes every row: a broken stream or CRC fails here
        pixels = []
        for point in points:
            x, y = (int(v) for v in point.split(","))
            value = image.getpixel((x, y))
            pixels.append(list(value) if isinstance(value, tuple) else [value])
        json.dump({"width": image.width, "height": image.height, "mode": image.mode,
                   "format": image.format, "pixels": pixels}, sys.stdout)


if __name__ == "__main__":
    main()
