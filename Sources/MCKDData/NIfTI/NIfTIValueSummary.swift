/// Minimum, maximum and mean of an image's finite values, and how many are not finite.
public struct NIfTIValueSummary: Equatable, Sendable {
    /// Smallest finite value (nil when there is none).
    public let minimum: Float?
    /// Largest finite value (nil when there is none).
    public let maximum: Float?
    /// Mean of the finite values (nil when there is none).
    public let mean: Double?
    /// Number of NaN or infinite voxels.
    public let nonFiniteCount: Int

    /// Summarises `values` in one pass.
    public init(_ values: [Float]) {
        var low = Float.infinity, high = -Float.infinity, sum = 0.0, nonFinite = 0
        values.withUnsafeBufferPointer { buffer in
            for value in buffer {
                guard value.isFinite else { nonFinite += 1; continue }
                low = min(low, value); high = max(high, value); sum += Double(value)
            }
        }
        let finite = values.count - nonFinite
        minimum = finite > 0 ? low : nil
        maximum = finite > 0 ? high : nil
        mean = finite > 0 ? sum / Double(finite) : nil
        nonFiniteCount = nonFinite
    }
}
