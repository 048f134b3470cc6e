import Foundation

/// The result file a CLBlast tuner writes (e.g. `clblast_xgemm_1_32.json`): its
/// best parameters and time, read into the names CLBlastOverrideParameters takes.
public struct CLBlastTunerResult: Equatable, Sendable {
    public var parameters: [String: Int]
    public var bestMilliseconds: Double

    /// Parses a tuner's JSON. `PRECISION` is dropped: it selects the file, it is not
    /// a kernel parameter.
    public init(json: Data, source: String) throws {
        func bad(_ reason: String) -> EngineError {
            EngineError.invalidArgument("CLBlast tuner output \(source): \(reason)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else { throw bad("not a JSON object") }
        guard let best = object["best_parameters"] as? String else { throw bad("no best_parameters (did the tuner finish?)") }
        guard let time = (object["best_time"] as? String).flatMap(Double.init) ?? (object["best_time"] as? Double) else {
            throw bad("no best_time")
        }
        var parameters: [String: Int] = [:]
        for assignment in best.split(separator: " ") {
            let parts = assignment.split(separator: "=")
            guard parts.count == 2, let value = Int(parts[1]) else { throw bad("cannot read parameter '\(assignment)'") }
            parameters[String(parts[0])] = value
        }
        parameters["PRECISION"] = nil
        guard !parameters.isEmpty else { throw bad("best_parameters is empty") }
        self.parameters = parameters
        bestMilliseconds = time
    }
}
