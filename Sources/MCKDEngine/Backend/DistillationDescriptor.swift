/// The distance the KD loss puts between a teacher and a student feature.
public enum DistillationDistance: String, CaseIterable, Sendable {
    /// mean |f_i - f_j| (the default). Its derivative uses sign(0) = 0 at exact ties.
    case l1
    /// mean (f_i - f_j)^2.
    case meanSquared
}

/// Which modalities take part in a modality-weighted KD loss, and how distances are measured.
///
/// Features come as one tensor [N * M, C, d, h, w] (rank >= 2): slice n * M + m holds
/// sample n, modality m, so the M modality slices of a sample are consecutive. This is
/// the shared encoder's batch layout: input [N, M, D, H, W] viewed as [N * M, 1, D, H, W].
public struct DistillationDescriptor: Equatable, Sendable {
    /// M, the number of modality slots.
    public var modalityCount: Int
    /// available[m] is true when modality m is in the available set A (one set per batch).
    public var available: [Bool]
    public var distance: DistillationDistance

    /// - Parameters:
    ///   - available: per modality, whether it is present (KD pairs are between present ones).
    ///   - distance: how a pair's features are compared.
    public init(available: [Bool], distance: DistillationDistance = .l1) {
        self.modalityCount = available.count
        self.available = available
        self.distance = distance
    }

    /// The available set as a bit mask (bit m set when modality m is available).
    var availableMask: Int {
        available.enumerated().reduce(0) { mask, entry in entry.element ? mask | (1 << entry.offset) : mask }
    }

    /// Checks the descriptor against the features, theta_w and outputs; returns
    /// (samples N, elements per modality slice F).
    func validate(features: Tensor, thetaW: Tensor, loss: Tensor, distances: Tensor,
                  gradFeatures: Tensor?) throws -> (samples: Int, sliceCount: Int) {
        let op = "modalityWeightedDistillation"
        let m = modalityCount
        guard (1...30).contains(m) else {
            throw EngineError.invalidArgument("\(op): \(m) modalities (1...30 supported)")
        }
        guard available.contains(true) else {
            throw EngineError.invalidArgument("\(op): the available set is empty")
        }
        guard features.shape.rank >= 2, features.shape[0] % m == 0 else {
            throw EngineError.shapeMismatch("\(op): features \(features.shape) must be [N*\(m), C, ...] with the batch axis a multiple of \(m) modalities")
        }
        guard thetaW.shape == Shape(m) else {
            throw EngineError.shapeMismatch("\(op): theta_w is \(thetaW.shape), expected \(m)")
        }
        guard loss.count == 1 else { throw EngineError.shapeMismatch("\(op): loss is \(loss.shape), expected 1 element") }
        guard distances.shape == Shape(m, m) else {
            throw EngineError.shapeMismatch("\(op): distances are \(distances.shape), expected \(m)x\(m)")
        }
        if let gradFeatures, gradFeatures.shape != features.shape {
            throw EngineError.shapeMismatch("\(op): gradFeatures \(gradFeatures.shape) vs features \(features.shape)")
        }
        return (features.shape[0] / m, features.count / features.shape[0])
    }
}
