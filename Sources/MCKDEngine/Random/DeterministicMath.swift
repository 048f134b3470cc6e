/// log, sqrt and cos built from +, -, * and fma alone, which IEEE 754 and OpenCL C
/// both require to be correctly rounded. Library versions of these functions
/// differ in their last bits between glibc and OpenCL devices; these do not, so
/// random normals are bit-identical on every backend. Constants are hex literals
/// (exact in float32). Twin: Kernels/random.cl.
enum DeterministicMath {
    /// Natural logarithm for finite x > 0 (accurate to a few ulp).
    @inline(__always)
    static func log(_ x: Float) -> Float {
        // x = 2^e * m with m in [sqrt(1/2), sqrt(2)); ln x = e ln 2 + f P(f), f = m - 1,
        // where P(f) = 1 - f/2 + f^2/3 - ... (|f| < 0.415: 22 terms reach float precision).
        let bits = x.bitPattern
        var exponent = Int32(bitPattern: (bits >> 23) & 0xFF) - 127
        var mantissa = Float(bitPattern: (bits & 0x007F_FFFF) | 0x3F80_0000)
        if mantissa > 0x1.6a09e6p+0 {
            mantissa *= 0.5
            exponent += 1
        }
        let f = mantissa - 1
        var series: Float = 0
        for n in stride(from: logSeries.count - 1, through: 0, by: -1) {
            series = logSeries[n].addingProduct(series, f)
        }
        return (Float(exponent) * 0x1.62e430p-1).addingProduct(f, series)
    }

    /// (-1)^n / (n + 1) for n = 0...21.
    static let logSeries: [Float] = [
        0x1p+0, -0x1p-1, 0x1.555556p-2, -0x1p-2, 0x1.99999ap-3, -0x1.555556p-3, 0x1.24924ap-3,
        -0x1p-3, 0x1.c71c72p-4, -0x1.99999ap-4, 0x1.745d18p-4, -0x1.555556p-4, 0x1.3b13b2p-4,
        -0x1.24924ap-4, 0x1.111112p-4, -0x1p-4, 0x1.e1e1e2p-5, -0x1.c71c72p-5, 0x1.af286cp-5,
        -0x1.99999ap-5, 0x1.861862p-5, -0x1.745d18p-5,
    ]

    /// Square root for x >= 0 by Newton iterations on 1/sqrt(x).
    @inline(__always)
    static func sqrt(_ x: Float) -> Float {
        if x == 0 { return 0 }
        var r = Float(bitPattern: 0x5F37_59DF &- (x.bitPattern >> 1))
        let half = 0.5 * x
        for _ in 0..<4 {
            r = r * (1.5 - half * r * r)
        }
        return x * r
    }

    /// cos(2 pi t) for t in [0, 1).
    @inline(__always)
    static func cosTurns(_ t: Float) -> Float {
        let scaled = 4 * t                     // exact: a power-of-two scaling
        let quadrant = Int32(scaled)           // 0...3
        let phase = (scaled - Float(quadrant)) * 0x1.921fb6p+0   // [0, pi/2)
        let phase2 = phase * phase
        var c: Float = 0, s: Float = 0
        for n in stride(from: cosSeries.count - 1, through: 0, by: -1) {
            c = cosSeries[n].addingProduct(c, phase2)
            s = sinSeries[n].addingProduct(s, phase2)
        }
        s = s * phase
        switch quadrant {
        case 0: return c
        case 1: return -s
        case 2: return -c
        default: return s
        }
    }

    /// Taylor coefficients (-1)^n/(2n)! and (-1)^n/(2n+1)!, n = 0...7.
    static let cosSeries: [Float] = [
        0x1p+0, -0x1p-1, 0x1.555556p-5, -0x1.6c16c2p-10, 0x1.a01a02p-16, -0x1.27e4fcp-22,
        0x1.1eed8ep-29, -0x1.93974ap-37,
    ]
    static let sinSeries: [Float] = [
        0x1p+0, -0x1.555556p-3, 0x1.111112p-7, -0x1.a01a02p-13, 0x1.71de3ap-19, -0x1.ae6456p-26,
        0x1.612462p-33, -0x1.ae7f3ep-41,
    ]
}
