#!/usr/bin/env python3
"""Prints what nibabel sees in a NIfTI file, as JSON, for the MCKDData interop tests.

Usage: nifti_probe.py FILE [FLAT_INDEX ...]
Flat indices count in file order (i fastest, numpy order "F"), as MCKDData stores voxels.
Output: shape, on-disk dtype, version, sum/min/max of the scaled data (float64),
the scaled values at the given flat indices, and the affine nibabel uses.
"""
import json
import sys

import nibabel as nib
import numpy as np


def main() -> None:
    path = sys.argv[1]
    image = nib.load(path)
    data = np.asarray(image.dataobj, dtype=np.float64)
    flat = data.ravel(order="F")
    voxels = [float(flat[int(k)]) for k in sys.argv[2:]]
    result = {
        "shape": list(data.shape),
        "dtype": str(image.get_data_dtype().newbyteorder("=")),
        "version": 2 if isinstance(image, nib.Nifti2Image) else 1,
        "sum": float(data.sum()),
        "min": float(data.min()),
        "max": float(data.max()),
        "voxels": voxels,
        "affine": image.affine.tolist(),
        "qform_code": int(image.header["qform_code"]),
        "sform_code": int(image.header["sform_code"]),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
