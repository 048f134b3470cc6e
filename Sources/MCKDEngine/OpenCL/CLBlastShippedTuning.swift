/// CLBlast parameters measured with `mckd tune` on the PoCL variants this project meets,
/// so that a fresh machine's first `mckd train` or `bench` already runs tuned SGEMM
/// (CLBlast's database has no PoCL entry). PoCL names its variant at the start of the
/// device name ("pthread-skylake-avx512-AMD EPYC"); parameters are valid for any CPU
/// of that variant. A `mckd tune` file for the device takes precedence.
enum CLBlastShippedTuning {
    /// PoCL variant -> kernel -> parameter -> value.
    /// pthread-skylake-avx512: `mckd tune --minutes 2` on a 2-core AMD EPYC (PoCL 3.1,
    /// CLBlast 1.5.3), SGEMM 1024^3 2.9 -> 9.6 GFLOP/s (3.3x) on a loaded machine.
    static let variants: [String: [String: [String: Int]]] = [
        "pthread-skylake-avx512": [
            "Copy": ["COPY_DIMX": 16, "COPY_DIMY": 8, "COPY_VW": 4, "COPY_WPT": 2],
            "Pad": ["PAD_DIMX": 32, "PAD_DIMY": 8, "PAD_WPTX": 4, "PAD_WPTY": 1],
            "Padtranspose": ["PADTRA_PAD": 1, "PADTRA_TILE": 16, "PADTRA_WPT": 8],
            "Transpose": ["TRA_DIM": 16, "TRA_PAD": 1, "TRA_SHUFFLE": 1, "TRA_WPT": 4],
            "Xgemm": ["GEMMK": 0, "KREG": 1, "KWG": 32, "KWI": 2, "MDIMA": 8, "MDIMC": 8, "MWG": 64, "NDIMB": 8,
                      "NDIMC": 8, "NWG": 64, "SA": 1, "SB": 1, "STRM": 0, "STRN": 0, "VWM": 4, "VWN": 4],
            "XgemmDirect": ["KWID": 2, "MDIMAD": 8, "MDIMCD": 8, "NDIMBD": 8, "NDIMCD": 8, "PADA": 1, "PADB": 1,
                            "VWMD": 1, "VWND": 4, "WGD": 32],
        ],
    ]

    /// The PoCL variant `device` runs, if it is a PoCL device with a shipped entry.
    static func variant(of device: OpenCLDevice) -> String? {
        guard device.platformName == "Portable Computing Language" else { return nil }
        return variants.keys.first { device.name == $0 || device.name.hasPrefix($0 + "-") }
    }

    /// The shipped parameters for `device` as a tuning, nil when none fits.
    static func tuning(for device: OpenCLDevice) -> CLBlastTuning? {
        guard let variant = variant(of: device), let kernels = variants[variant] else { return nil }
        var tuning = CLBlastTuning(deviceName: device.name, driverVersion: device.driverVersion, kernels: kernels, bestMilliseconds: [:])
        tuning.shippedVariant = variant
        return tuning
    }
}
