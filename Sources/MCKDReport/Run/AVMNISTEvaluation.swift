/// RUN_DIR/evaluation.json of an AV-MNIST run (written by its training command).
public struct AVMNISTEvaluation: Codable, Equatable {
    /// The three ways of testing: both modalities, image only, audio only.
    public static let modes = ["both", "image", "audio"]

    public struct Prediction: Codable, Equatable {
        /// Index into the test split.
        public var index: Int
        public var label: Int
        public var both: Int
        public var image: Int
        public var audio: Int

        public func predicted(_ mode: String) -> Int { mode == "image" ? image : mode == "audio" ? audio : both }
    }

    public var task: String
    public var sampleCount: Int
    /// Fractions of training pairs that kept their audio / image (nil: not recorded).
    public var audioRate: Double?
    public var visualRate: Double?
    /// Accuracy (fraction) per mode.
    public var accuracy: [String: Double]
    /// 10 x 10 counts per mode, rows true class, columns predicted.
    public var confusion: [String: [[Int]]]
    public var predictions: [Prediction]
}
