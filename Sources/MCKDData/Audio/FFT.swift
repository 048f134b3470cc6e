import Foundation

/// Iterative radix-2 complex FFT of a fixed power-of-two size, with the
/// twiddle factors and bit-reversal permutation computed once.
///
/// Convention (as numpy.fft.fft): X[k] = sum_n x[n] * exp(-2 pi i k n / N), no scaling.
public struct FFT: Sendable {
    /// Transform length (a power of two).
    public let size: Int
    private let cosTable: [Float]   // cos(2 pi k / N), k < N/2
    private let sinTable: [Float]   // sin(2 pi k / N), k < N/2
    private let bitReversed: [Int]

    /// Prepares a transform of `size` points; `size` must be a power of two >= 1.
    public init(size: Int) throws {
        guard size >= 1, size & (size - 1) == 0 else {
            throw AudioError.invalidArgument("FFT size must be a power of two, got \(size)")
        }
        self.size = size
        let half = max(size / 2, 1)
        // Twiddles in double precision so large transforms stay accurate.
        cosTable = (0..<half).map { Float(cos(2 * Double.pi * Double($0) / Double(size))) }
        sinTable = (0..<half).map { Float(sin(2 * Double.pi * Double($0) / Double(size))) }
        var bits = 0
        while 1 << bits < size { bits += 1 }
        bitReversed = (0..<size).map { index in
            var reversed = 0
            for b in 0..<bits where index & (1 << b) != 0 { reversed |= 1 << (bits - 1 - b) }
            return reversed
        }
    }

    /// Transforms (`real`, `imag`) in place. Both arrays must hold `size` values.
    public func forward(real: inout [Float], imag: inout [Float]) {
        precondition(real.count == size && imag.count == size, "FFT buffers must hold \(size) values")
        real.withUnsafeMutableBufferPointer { re in
            imag.withUnsafeMutableBufferPointer { im in
                transform(re, im)
            }
        }
    }

    /// Power spectrum |X[k]|^2 for k = 0 ... size/2 of a real frame of `size` samples.
    public func powerSpectrum(of frame: [Float]) -> [Float] {
        var real = frame
        var imag = [Float](repeating: 0, count: size)
        forward(real: &real, imag: &imag)
        return (0...(size / 2)).map { real[$0] * real[$0] + imag[$0] * imag[$0] }
    }

    /// Transforms `size` values at `re` / `im` in place (for callers that already hold pointers).
    func transform(_ re: UnsafeMutableBufferPointer<Float>, _ im: UnsafeMutableBufferPointer<Float>) {
        bitReversed.withUnsafeBufferPointer { rev in
            for i in 0..<size {
                let j = rev[i]
                if j > i {
                    re.swapAt(i, j)
                    im.swapAt(i, j)
                }
            }
        }
        cosTable.withUnsafeBufferPointer { cosT in
            sinTable.withUnsafeBufferPointer { sinT in
                var span = 2
                while span <= size {
                    let halfSpan = span / 2
                    let stride = size / span
                    var start = 0
                    while start < size {
                        for k in 0..<halfSpan {
                            let wr = cosT[k * stride]
                            let wi = -sinT[k * stride]
                            let a = start + k
                            let b = a + halfSpan
                            let tr = re[b] * wr - im[b] * wi
                            let ti = re[b] * wi + im[b] * wr
                            re[b] = re[a] - tr
                            im[b] = im[a] - ti
                            re[a] += tr
                            im[a] += ti
                        }
                        start += span
                    }
                    span *= 2
                }
            }
        }
    }
}
