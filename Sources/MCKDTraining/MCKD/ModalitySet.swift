import Foundation
import MCKDEngine

/// A non-empty set of available modalities, as a bit mask over the fixed modality
/// order (BraTS: 0 FLAIR, 1 T1, 2 T1ce, 3 T2; AV-MNIST: 0 image, 1 audio).
public struct ModalitySet: Hashable, Sendable, CustomStringConvertible {
    public let mask: UInt32
    public let modalityCount: Int

    /// The set of the given modality indices; throws on an empty set or an index out of range.
    public init(_ members: [Int], of modalityCount: Int) throws {
        guard !members.isEmpty else { throw EngineError.invalidArgument("a modality set needs at least one modality") }
        var mask: UInt32 = 0
        for member in members {
            guard (0..<modalityCount).contains(member) else {
                throw EngineError.invalidArgument("modality \(member) out of range 0..<\(modalityCount)")
            }
            mask |= 1 << member
        }
        self.mask = mask
        self.modalityCount = modalityCount
    }

    init(mask: UInt32, modalityCount: Int) {
        precondition(mask != 0 && mask < (1 << modalityCount))
        self.mask = mask
        self.modalityCount = modalityCount
    }

    /// Every modality present.
    public static func all(_ modalityCount: Int) -> ModalitySet {
        ModalitySet(mask: (1 << modalityCount) - 1, modalityCount: modalityCount)
    }

    /// The 2^M - 1 non-empty subsets, fewest modalities first, then by mask (the
    /// rows of the missing-modality table).
    public static func allNonEmpty(_ modalityCount: Int) -> [ModalitySet] {
        (1..<(UInt32(1) << modalityCount))
            .map { ModalitySet(mask: $0, modalityCount: modalityCount) }
            .sorted { ($0.members.count, $0.mask) < ($1.members.count, $1.mask) }
    }

    public func contains(_ modality: Int) -> Bool { mask & (1 << modality) != 0 }

    /// Present modalities in increasing order.
    public var members: [Int] { (0..<modalityCount).filter(contains) }

    /// Absent modalities in increasing order.
    public var missing: [Int] { (0..<modalityCount).filter { !contains($0) } }

    /// Indices of the missing modalities' entries in a shared-encoder batch of `samples`
    /// samples (entry n*M + m is sample n, modality m).
    public func missingBatchEntries(samples: Int) -> [Int] {
        (0..<samples).flatMap { n in missing.map { n * modalityCount + $0 } }
    }

    /// The ordered (teacher, student) pairs the KD loss sums over: i != j, both present.
    public var distillationPairs: [(teacher: Int, student: Int)] {
        members.flatMap { i in members.filter { $0 != i }.map { (teacher: i, student: $0) } }
    }

    /// "FLAIR+T1ce" given the modality names.
    public func name(_ names: [String]) -> String { members.map { names[$0] }.joined(separator: "+") }

    public var description: String { "{" + members.map(String.init).joined(separator: ",") + "}" }

    /// Parses "flair,t1ce" (case-insensitive) against the modality names.
    public static func parse(_ text: String, names: [String]) throws -> ModalitySet {
        let lowered = names.map { $0.lowercased() }
        let members = try text.split(separator: ",").map { token -> Int in
            let name = token.trimmingCharacters(in: .whitespaces).lowercased()
            guard let index = lowered.firstIndex(of: name) else {
                throw EngineError.invalidArgument("unknown modality '\(token)': choose from \(names.joined(separator: ", "))")
            }
            return index
        }
        return try ModalitySet(members, of: names.count)
    }
}
