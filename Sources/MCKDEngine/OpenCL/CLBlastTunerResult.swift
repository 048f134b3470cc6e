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

    /// One row of a tuner's progress table, for the configurations explored before a
    /// stage finished (a time limit can stop a tuner before it writes its file):
    /// "| ID | total | values... | local | global | compiles | 4178.65 ms | GFLOPS | results match |".
    /// nil for rows that are not a verified result.
    public init?(tableRow: String, parameterNames: [String]) {
        let cells = tableRow.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        guard cells.count >= 9, Int(cells[0]) != nil, cells[8].contains("results match") else { return nil }
        let values = cells[2].split(separator: " ").compactMap { Int($0) }
        guard !parameterNames.isEmpty, values.count == parameterNames.count,
              cells[6].hasSuffix("ms"), let time = Double(cells[6].dropLast(2).trimmingCharacters(in: .whitespaces)) else { return nil }
        parameters = Dictionary(uniqueKeysWithValues: zip(parameterNames, values))
        parameters["PRECISION"] = nil
        bestMilliseconds = time
    }
}
