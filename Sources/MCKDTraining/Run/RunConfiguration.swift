import Foundation

/// A run's configuration tagged with its task: what configuration.json and every
/// checkpoint hold, and what `mckd eval`, `mckd report` and `--resume` read back. Written
/// as the task's configuration with a `task` key; one without the key (BraTS runs from
/// before it) reads as BraTS.
public enum RunConfiguration: Equatable {
    case brats(BraTSRunConfiguration)
    case avmnist(AVMNISTRunConfiguration)

    public var task: TaskKind {
        switch self {
        case .brats: return .brats
        case .avmnist: return .avmnist
        }
    }

    /// Decodes configuration.json's bytes.
    public init(json data: Data) throws {
        switch try Self.task(of: data) {
        case .brats: self = .brats(try Self.decode(BraTSRunConfiguration.self, from: data))
        case .avmnist: self = .avmnist(try Self.decode(AVMNISTRunConfiguration.self, from: data))
        }
    }

    /// Decodes configuration.json's bytes as one task's configuration; a clear error when
    /// they are another task's.
    public static func decode<Configuration: TaskConfiguration>(_ type: Configuration.Type, from data: Data) throws -> Configuration {
        let task = try task(of: data)
        guard task == Configuration.task else {
            throw TrainingError.unusableRunFolder("a configuration of task \(task.rawValue), not \(Configuration.task.rawValue)")
        }
        return try JSONDecoder().decode(type, from: data)
    }

    /// RUN_DIR/configuration.json; clear errors when it is missing or is not a run configuration.
    public static func read(from directory: URL) throws -> RunConfiguration {
        try reading(directory, as: "a run configuration") { try RunConfiguration(json: $0) }
    }

    /// RUN_DIR/configuration.json as one task's configuration.
    public static func read<Configuration: TaskConfiguration>(_ type: Configuration.Type, from directory: URL) throws -> Configuration {
        try reading(directory, as: "a run configuration of task \(Configuration.task.rawValue)") { try decode(type, from: $0) }
    }

    private static func reading<Value>(_ directory: URL, as description: String, _ decode: (Data) throws -> Value) throws -> Value {
        let url = directory.appendingPathComponent("configuration.json")
        guard let data = try? Data(contentsOf: url) else {
            throw TrainingError.unusableRunFolder("\(url.path) is missing: is \(directory.path) a run folder written by `mckd train`?")
        }
        do {
            return try decode(data)
        } catch {
            throw TrainingError.unusableRunFolder("\(url.path) is not \(description) (\(error))")
        }
    }

    /// The `task` key; BraTS when there is none.
    private static func task(of data: Data) throws -> TaskKind {
        try JSONDecoder().decode(TaskTag.self, from: data).task ?? .brats
    }

    /// configuration.json's text: the task's configuration, its `task` and, when given, the
    /// run's ID (`RunID`; checkpoints embed the configuration without it), keys sorted and
    /// indented so run files diff cleanly.
    public static func json<Configuration: TaskConfiguration>(_ configuration: Configuration, runID: String? = nil) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(Tagged(configuration: configuration, runID: runID)), as: UTF8.self)
    }

    private enum TaskKey: String, CodingKey { case task, run }

    private struct TaskTag: Decodable {
        let task: TaskKind?
    }

    /// A task's configuration with its `task` key (and `run`, if any) beside its own keys, in one JSON object.
    private struct Tagged<Configuration: TaskConfiguration>: Encodable {
        let configuration: Configuration
        let runID: String?

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: TaskKey.self)
            try container.encode(Configuration.task, forKey: .task)
            try container.encodeIfPresent(runID, forKey: .run)
            try configuration.encode(to: encoder)
        }
    }
}
