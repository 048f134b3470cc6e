/// The reference per-modality intensity preprocessing (docs/data.md):
///
/// 1. background = the value of voxel [0,0,0]; the other voxels are "brain";
/// 2. a histogram of the brain voxels with `histogramBins` equal bins from their
///    minimum to their maximum; values are clipped at the upper edge of the
///    highest bin holding at least `minimumBinCount` voxels (cuts rare bright outliers);
/// 3. brain voxels are z-scored with their mean and standard deviation after clipping;
/// 4. background voxels become 0.
public enum BraTSPreprocessing {
    /// Histogram bins used to find the clipping value.
    public static let histogramBins = 256
    /// A bin needs at least this many voxels to set the clipping value.
    public static let minimumBinCount = 50

    /// Normalises one modality volume in place (see the type's description).
    /// A volume that is all background becomes all zeros.
    public static func normalise(_ values: inout [Float]) {
        guard let background = values.first else { return }
        values.withUnsafeMutableBufferPointer { buffer in
            var low = Float.infinity, high = -Float.infinity
            var brainCount = 0
            for value in buffer where value != background && value.isFinite {
                low = min(low, value); high = max(high, value); brainCount += 1
            }
            guard brainCount > 0 else {
                for k in buffer.indices { buffer[k] = 0 }
                return
            }
            let clip = clippingValue(buffer, background: background, low: low, high: high)
            var sum = 0.0, sumOfSquares = 0.0
            for value in buffer where value != background && value.isFinite {
                let clipped = Double(min(value, clip))
                sum += clipped; sumOfSquares += clipped * clipped
            }
            let mean = sum / Double(brainCount)
            let variance = max(0, sumOfSquares / Double(brainCount) - mean * mean)
            // A constant brain (std 0) is centred only, not divided by zero.
            let inverseStd = variance > 0 ? 1 / variance.squareRoot() : 1
            let meanF = Float(mean), inverseStdF = Float(inverseStd)
            for k in buffer.indices {
                let value = buffer[k]
                buffer[k] = (value == background || !value.isFinite) ? 0 : (min(value, clip) - meanF) * inverseStdF
            }
        }
    }

    private static func clippingValue(_ buffer: UnsafeMutableBufferPointer<Float>, background: Float,
                                      low: Float, high: Float) -> Float {
        guard high > low else { return high }
        var counts = [Int](repeating: 0, count: histogramBins)
        let scale = Double(histogramBins) / (Double(high) - Double(low))
        for value in buffer where value != background && value.isFinite {
            let bin = min(histogramBins - 1, Int((Double(value) - Double(low)) * scale))
            counts[bin] += 1
        }
        guard let top = counts.lastIndex(where: { $0 >= minimumBinCount }) else { return high }
        return Float(Double(low) + Double(top + 1) / scale)
    }

    /// The three training targets from BraTS labels (0, 1, 2, 4), as
    /// 3 x N floats: ET = (4), WT = (1, 2, 4), TC = (1, 4).
    public static func targets(fromLabels labels: [UInt8]) -> [Float] {
        let count = labels.count
        var targets = [Float](repeating: 0, count: 3 * count)
        labels.withUnsafeBufferPointer { source in
            targets.withUnsafeMutableBufferPointer { output in
                for k in 0..<count {
                    let label = source[k]
                    output[k] = label == 4 ? 1 : 0
                    output[count + k] = label != 0 ? 1 : 0
                    output[2 * count + k] = (label == 1 || label == 4) ? 1 : 0
                }
            }
        }
        return targets
    }
}
