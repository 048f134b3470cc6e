/// How to assemble AV-MNIST from the cache. Defaults follow the paper:
/// 150 pairs per digit (1,500 in all), 105 for training and 45 for testing.
public struct AVMNISTConfiguration: Equatable, Sendable {
    /// Fixes image choice, pairing, augmentation, masks and order.
    public var seed: UInt64 = 0
    /// Training pairs per digit (10 digits).
    public var trainPairsPerClass = 105
    /// Test pairs per digit.
    public var testPairsPerClass = 45
    /// Fraction of training samples that keep their audio (the paper's "audio rate").
    public var audioRate = 1.0
    /// Fraction of training samples that keep their image ("visual rate").
    public var visualRate = 1.0
    /// Variation applied to training audio (synthetic voices).
    public var trainingAugmentation = AudioAugmentation.training
    /// Variation applied to test audio (real recordings, reused across samples).
    public var testAugmentation = AudioAugmentation.test
    /// MFCC front end.
    public var mfcc = MFCCParameters()

    /// The paper's setting with every modality present.
    public init() {}

    /// The paper's setting with the given seed and modality rates.
    public init(seed: UInt64, audioRate: Double = 1, visualRate: Double = 1) {
        self.seed = seed
        self.audioRate = audioRate
        self.visualRate = visualRate
    }
}
