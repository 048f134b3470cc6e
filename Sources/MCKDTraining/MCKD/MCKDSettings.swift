import MCKDEngine

/// The method's settings, the same for every task (method.md sections 3-5): the KD loss,
/// the all-modality warm-up, how and when the importance weights are learned, and the
/// bi-level step's finite difference. The defaults are the method's.
public struct MCKDSettings: Equatable, Sendable, MetaSchedule {
    /// The KD distance, or nil for no KD loss (the baseline the paper improves on).
    public var distillation: DistillationDistance? = .l1
    /// lambda, the KD loss's weight in L_train.
    public var distillationWeight: Float = 0.1
    /// Steps trained with every modality (each sample's own, for AV-MNIST) before random
    /// modality dropout starts (the reference trains its first ~70% so).
    public var warmupSteps = 0
    public var meta: MetaMode = .bilevel
    /// K: a meta step every K training steps; nil: the mode's default (bilevel 1, gated 100).
    public var metaEvery: Int?
    /// R: meta-validation batches per meta step, one Adam step on theta_w each; nil: the
    /// mode's default (gated 20, bilevel 1, which is the only value it takes).
    public var metaBatches: Int?
    /// The bi-level step's finite-difference radius in parameter space: eps = radius / ||v||
    /// (DARTS and the method use 0.01).
    public var lookAheadRadius: Float = 0.01
    /// Stop-gradient on the KD teacher (the method). `false` back-propagates the KD loss
    /// into both sides of each pair, making g the true gradient of L_train. The bi-level
    /// step's finite difference follows: with a detached teacher only the student side
    /// of D_ij moves to theta +- eps v (the teacher's features stay at theta), otherwise
    /// both sides do; either way it is the exact mixed derivative of the g in use.
    public var detachTeacher = true

    public init() {}

    /// The names `--kd` and configuration.json use: "none", "l1", "mse".
    public static let distillationNames: [(name: String, distance: DistillationDistance?)] = [
        ("none", nil), ("l1", .l1), ("mse", .meanSquared),
    ]

    /// The distance called `name`, or a clear error listing the names.
    public static func distillation(named name: String) throws -> DistillationDistance? {
        guard let entry = distillationNames.first(where: { $0.name == name }) else {
            throw EngineError.invalidArgument("KD loss '\(name)': choose \(distillationNames.map(\.name).joined(separator: ", "))")
        }
        return entry.distance
    }

    /// The name of a distance (or of no KD loss).
    public static func name(of distillation: DistillationDistance?) -> String {
        distillationNames.first { $0.distance == distillation }!.name
    }
}

/// configuration.json's keys, the KD loss by name ("none" for no KD loss), so the files
/// of earlier runs read unchanged.
extension MCKDSettings: Codable {
    private enum CodingKeys: String, CodingKey {
        case distillation, distillationWeight, warmupSteps, meta, metaEvery, metaBatches, lookAheadRadius, detachTeacher
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .distillation)
        do {
            distillation = try Self.distillation(named: name)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .distillation, in: container, debugDescription: "\(error)")
        }
        distillationWeight = try container.decode(Float.self, forKey: .distillationWeight)
        warmupSteps = try container.decode(Int.self, forKey: .warmupSteps)
        meta = try container.decode(MetaMode.self, forKey: .meta)
        metaEvery = try container.decodeIfPresent(Int.self, forKey: .metaEvery)
        metaBatches = try container.decodeIfPresent(Int.self, forKey: .metaBatches)
        lookAheadRadius = try container.decode(Float.self, forKey: .lookAheadRadius)
        detachTeacher = try container.decode(Bool.self, forKey: .detachTeacher)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.name(of: distillation), forKey: .distillation)
        try container.encode(distillationWeight, forKey: .distillationWeight)
        try container.encode(warmupSteps, forKey: .warmupSteps)
        try container.encode(meta, forKey: .meta)
        try container.encodeIfPresent(metaEvery, forKey: .metaEvery)
        try container.encodeIfPresent(metaBatches, forKey: .metaBatches)
        try container.encode(lookAheadRadius, forKey: .lookAheadRadius)
        try container.encode(detachTeacher, forKey: .detachTeacher)
    }
}
