import Foundation

/// Turns a tissue map into one modality's image the way a scanner would blur
/// and disturb it: slight blur, smooth multiplicative bias field, Rician-like
/// noise and a per-case gain. Background (outside the brain) stays exactly 0.
enum PhantomImaging {
    /// Noise level relative to white matter in T1 (1.0).
    static let noiseSigma = 0.04

    static func image(tissue: [UInt8], shape: [Int], modality: BraTSModality, generator: inout SplitMix64) -> [Float] {
        let count = tissue.count
        let table = PhantomTissue.allCases.map { Float($0.relativeIntensity(in: modality)) }
        var values = [Float](repeating: 0, count: count)
        tissue.withUnsafeBufferPointer { t in
            values.withUnsafeMutableBufferPointer { v in
                for k in 0..<count { v[k] = table[Int(t[k])] }
            }
        }
        blur(&values, shape: shape)

        // Bias field: exp of a random linear + quadratic polynomial over the normalised grid (about +-10%).
        let linear = (0..<3).map { _ in generator.normal() * 0.05 }
        let quadratic = generator.normal() * 0.05
        let gain = generator.uniform(0.8...1.25)
        let half = shape.map { Double($0 - 1) / 2 }
        let (height, width) = (shape[1], shape[2])
        values.withUnsafeMutableBufferPointer { v in
            tissue.withUnsafeBufferPointer { t in
                for k in 0..<count {
                    // Draw noise for every voxel so the stream does not depend on the tissue map.
                    let n1 = generator.normal(), n2 = generator.normal()
                    guard t[k] != 0 else { v[k] = 0; continue }
                    let z = (Double(k / (height * width)) - half[0]) / half[0]
                    let y = (Double((k / width) % height) - half[1]) / half[1]
                    let x = (Double(k % width) - half[2]) / half[2]
                    let bias = exp(linear[0] * z + linear[1] * y + linear[2] * x + quadratic * (x * x + y * y + z * z - 0.5))
                    let clean = Double(v[k]) * bias
                    // Magnitude of a complex signal with Gaussian noise on both parts: Rician.
                    let real = clean + noiseSigma * n1, imaginary = noiseSigma * n2
                    v[k] = Float((real * real + imaginary * imaginary).squareRoot() * gain)
                }
            }
        }
        return values
    }

    /// One pass of the [1 2 1]/4 kernel along each axis (edges repeat the border voxel).
    static func blur(_ values: inout [Float], shape: [Int]) {
        let strides = [shape[1] * shape[2], shape[2], 1]
        var scratch = values
        for axis in 0..<3 {
            let size = shape[axis], stride = strides[axis]
            values.withUnsafeBufferPointer { source in
                scratch.withUnsafeMutableBufferPointer { output in
                    for k in 0..<source.count {
                        let position = (k / stride) % size
                        let previous = position > 0 ? source[k - stride] : source[k]
                        let next = position < size - 1 ? source[k + stride] : source[k]
                        output[k] = 0.25 * previous + 0.5 * source[k] + 0.25 * next
                    }
                }
            }
            swap(&values, &scratch)
        }
    }
}
