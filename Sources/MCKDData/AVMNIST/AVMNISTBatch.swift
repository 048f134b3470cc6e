/// A batch ready for a model: flat float arrays with their shapes (NCHW),
/// labels and per-sample availability masks. A missing modality's values are
/// zero (the method zeroes missing inputs), and its mask entry is 0.
public struct AVMNISTBatch: Sendable {
    /// Images, `count x 1 x 28 x 28`, normalised to [-1, 1].
    public var images: [Float]
    /// Audio MFCCs, `count x 1 x 20 x 20` (coefficient x frame), normalised to [-1, 1].
    public var audio: [Float]
    /// Digits 0-9.
    public var labels: [Int32]
    /// 1 where the image is present, 0 where it is missing.
    public var imagePresent: [Float]
    /// 1 where the audio is present, 0 where it is missing.
    public var audioPresent: [Float]

    /// Samples in the batch.
    public var count: Int { labels.count }
    /// `[count, 1, 28, 28]`.
    public var imageShape: [Int] { [count, 1, MNISTImages.side, MNISTImages.side] }
    /// `[count, 1, coefficients, frames]`.
    public var audioShape: [Int] { [count, 1, audioHeight, audioWidth] }

    let audioHeight: Int
    let audioWidth: Int
}
