/// A task's own training settings: its optimiser's and its learning-rate schedule's.
public protocol TaskTrainingOptions: Codable, Equatable, Sendable {
    /// The task's defaults.
    init()
    /// The network's learning rate at the schedule's start.
    var learningRate: Float { get set }
    /// The network's learning rate at training step `step` (0-based), from the task's schedule.of `steps`.
    func learningRate(atStep step: Int, steps: Int) -> Float
}

/// The hyper-parameters of a training run: its length and seed, the method's settings
/// (the same for every task) and the task's own. One flat object in configuration.json
/// (`training`), as before the parts were split, and read as if flat in code
/// (`settings.meta`, `settings.learningRate`).
@dynamicMemberLookup
public struct TrainingSettings<Options: TaskTrainingOptions>: Equatable, Sendable {
    public var steps: Int
    /// Seeds the weights, theta_w, the modality dropout and the task's data order.
    public var seed: UInt64 = 0
    public var method = MCKDSettings()
    public var options = Options()

    public init(steps: Int) { self.steps = steps }

    public subscript<Value>(dynamicMember path: WritableKeyPath<MCKDSettings, Value>) -> Value {
        get { method[keyPath: path] }
        set { method[keyPath: path] = newValue }
    }

    public subscript<Value>(dynamicMember path: KeyPath<MCKDSettings, Value>) -> Value { method[keyPath: path] }

    public subscript<Value>(dynamicMember path: WritableKeyPath<Options, Value>) -> Value {
        get { options[keyPath: path] }
        set { options[keyPath: path] = newValue }
    }

    /// The network's learning rate at training step `step` (0-based), from the task's schedule.
    public func scheduledLearningRate(atStep step: Int) -> Float { options.learningRate(atStep: step, steps: steps) }
}

extension TrainingSettings: Codable {
    private enum CodingKeys: String, CodingKey { case steps, seed }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        steps = try container.decode(Int.self, forKey: .steps)
        seed = try container.decode(UInt64.self, forKey: .seed)
        method = try MCKDSettings(from: decoder)
        options = try Options(from: decoder)
    }

    /// The parts write their keys into this one JSON object.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(steps, forKey: .steps)
        try container.encode(seed, forKey: .seed)
        try method.encode(to: encoder)
        try options.encode(to: encoder)
    }
}
