import Foundation

/// The three parts MCKD uses: meta-train (network updates), meta-validation
/// (importance-weight updates) and test (evaluation only).
public struct BraTSSplit: Equatable, Sendable {
    /// Case ids for the network's training.
    public var metaTrain: [String]
    /// Case ids for the importance weights' meta-validation batches.
    public var metaValidation: [String]
    /// Case ids held out for evaluation (may be predict-only).
    public var test: [String]

    /// A split with the given parts.
    public init(metaTrain: [String], metaValidation: [String], test: [String]) {
        self.metaTrain = metaTrain
        self.metaValidation = metaValidation
        self.test = test
    }

    /// A seeded random split: the ids are sorted, shuffled with SplitMix64(seed),
    /// then the first `testCount` go to test, the next `metaValidationCount` to
    /// meta-validation and the rest to meta-train. Same ids + seed = same split.
    public init(seededFrom caseIDs: [String], metaValidationCount: Int, testCount: Int = 0, seed: UInt64) throws {
        guard metaValidationCount >= 0, testCount >= 0, metaValidationCount + testCount < caseIDs.count else {
            throw BraTSDataError(caseID: nil,
                                 "cannot take \(metaValidationCount) meta-validation and \(testCount) test cases from \(caseIDs.count) cases and keep at least one for meta-train")
        }
        var ids = caseIDs.sorted()
        var generator = SplitMix64(seed: seed)
        for k in stride(from: ids.count - 1, to: 0, by: -1) {  // Fisher-Yates
            ids.swapAt(k, generator.below(k + 1))
        }
        test = Array(ids[0..<testCount]).sorted()
        metaValidation = Array(ids[testCount..<(testCount + metaValidationCount)]).sorted()
        metaTrain = Array(ids[(testCount + metaValidationCount)...]).sorted()
    }

    /// Reads a split file: one `case_id,part` per line, part being `train`
    /// (or `meta-train`), `metaval` (or `meta-val`, `meta-validation`, `val`)
    /// or `test`; `#` comments, blank lines and a `case_id,split` header are ignored.
    /// Every case must be in `knownCaseIDs` (when given) and appear once.
    public init(contentsOf url: URL, knownCaseIDs: Set<String>? = nil) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw BraTSDataError(caseID: nil, "cannot read split file \(url.path): \(error.localizedDescription)")
        }
        var train: [String] = [], validation: [String] = [], test: [String] = []
        var seen = Set<String>()
        for (number, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let cells = trimmed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 2 else {
                throw BraTSDataError(caseID: nil, "\(url.lastPathComponent) line \(number + 1): expected 'case_id,part', got '\(trimmed)'")
            }
            let (id, part) = (cells[0], cells[1].lowercased())
            if ["case", "case_id", "id"].contains(id.lowercased()) && ["split", "part", "set"].contains(part) { continue }
            if let knownCaseIDs, !knownCaseIDs.contains(id) {
                throw BraTSDataError(caseID: id, "named in split file \(url.lastPathComponent) line \(number + 1) but not in the dataset")
            }
            guard seen.insert(id).inserted else {
                throw BraTSDataError(caseID: id, "appears twice in split file \(url.lastPathComponent)")
            }
            switch part {
            case "train", "meta-train", "metatrain", "meta_train": train.append(id)
            case "metaval", "meta-val", "meta_val", "meta-validation", "meta_validation", "val", "validation": validation.append(id)
            case "test": test.append(id)
            default:
                throw BraTSDataError(caseID: id, "\(url.lastPathComponent) line \(number + 1): unknown part '\(cells[1])' (use train, metaval or test)")
            }
        }
        guard !train.isEmpty else { throw BraTSDataError(caseID: nil, "split file \(url.path) has no meta-train cases") }
        self.init(metaTrain: train, metaValidation: validation, test: test)
    }

    /// The split as split-file text (readable by `init(contentsOf:)`), to record a seeded split.
    public var fileText: String {
        var lines = ["case_id,split"]
        lines += metaTrain.map { "\($0),train" }
        lines += metaValidation.map { "\($0),metaval" }
        lines += test.map { "\($0),test" }
        return lines.joined(separator: "\n") + "\n"
    }
}
