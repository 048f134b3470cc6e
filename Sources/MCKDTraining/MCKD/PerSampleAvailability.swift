import MCKDEngine

/// The available modalities of each sample of a batch (AV-MNIST's rate masks and BraTS's
/// per-sample modality dropout make them differ) and what follows from them on the host: which samples each
/// modality's encoder sees, the fill-in as a matrix, and the groups of samples that
/// share an available set (the KD loss sums over each group's pairs).
public struct PerSampleAvailability: Equatable, Sendable {
    public let sets: [ModalitySet]
    public let modalityCount: Int

    public init(_ sets: [ModalitySet]) throws {
        guard let first = sets.first else { throw EngineError.invalidArgument("a batch needs at least one sample") }
        guard sets.allSatisfy({ $0.modalityCount == first.modalityCount }) else {
            throw EngineError.invalidArgument("every sample's modality set must have \(first.modalityCount) modalities")
        }
        self.sets = sets
        modalityCount = first.modalityCount
    }

    /// Every sample with the same set (evaluation with a fixed subset, the meta batch).
    public init(uniform set: ModalitySet, samples: Int) throws { try self.init(Array(repeating: set, count: samples)) }

    public var sampleCount: Int { sets.count }

    /// The set every sample shares, nil when they differ.
    public var uniformSet: ModalitySet? { sets.allSatisfy { $0 == sets[0] } ? sets[0] : nil }

    /// Indices of the missing modalities' entries in a shared-encoder batch (entry
    /// n*M + m is sample n, modality m).
    public var missingBatchEntries: [Int] {
        sets.enumerated().flatMap { n, set in set.missing.map { n * modalityCount + $0 } }
    }

    /// "FLAIR+T1" when every sample has that set, else each sample's set, "|"-separated.
    public func name(_ names: [String]) -> String {
        uniformSet?.name(names) ?? sets.map { $0.name(names) }.joined(separator: "|")
    }

    /// The fill-in's weight of source slot `source` in the filled slot `slot` of sample n:
    /// 1 for an available slot's own feature, 1/|A_n| from each available slot into a
    /// missing one, else 0.
    func fillInWeight(sample n: Int, slot j: Int, source m: Int) -> Float {
        let set = sets[n]
        guard set.contains(m) else { return 0 }
        return j == m ? 1 : (set.contains(j) ? 0 : 1 / Float(set.members.count))
    }

    /// The whole fill-in as one matrix P [N*M, N*M]: filled = P f for features f
    /// [N*M, ...] in the shared encoder's sample-major order. Row-major values.
    public func fillInMatrix() -> [Float] {
        let mm = modalityCount, rows = sampleCount * mm
        var matrix = [Float](repeating: 0, count: rows * rows)
        for n in 0..<sampleCount {
            for j in 0..<mm { for m in 0..<mm { matrix[(n * mm + j) * rows + n * mm + m] = fillInWeight(sample: n, slot: j, source: m) } }
        }
        return matrix
    }

    /// The samples that have modality m, ascending: the rows its encoder runs on.
    public func samples(with modality: Int) -> [Int] { sets.indices.filter { sets[$0].contains(modality) } }

    /// The fill-in of method.md section 2, per sample, as a matrix P_m [N*M, K_m] for the
    /// K_m encoded rows of modality m: row n*M + j of the filled features is
    /// sum_m P_m[n*M + j, :] E_m. Slot j of sample n takes its own feature (weight 1)
    /// when j is available, else the mean of the sample's available features (1/|A_n| each).
    /// Row-major values; empty when no sample has modality m.
    public func fillInMatrix(modality m: Int) -> [Float] {
        let rows = samples(with: m)
        let mm = modalityCount
        var matrix = [Float](repeating: 0, count: sampleCount * mm * rows.count)
        for (k, n) in rows.enumerated() {
            for j in 0..<mm { matrix[(n * mm + j) * rows.count + k] = fillInWeight(sample: n, slot: j, source: m) }
        }
        return matrix
    }

    /// Samples grouped by their available set, for sets with at least two modalities
    /// (a single modality has no KD pair); in order of first appearance.
    public var distillationGroups: [(set: ModalitySet, samples: [Int])] {
        var groups: [(set: ModalitySet, samples: [Int])] = []
        for (n, set) in sets.enumerated() where set.members.count >= 2 {
            if let index = groups.firstIndex(where: { $0.set == set }) {
                groups[index].samples.append(n)
            } else {
                groups.append((set, [n]))
            }
        }
        return groups
    }

    /// The per-sample sets after a batch-level dropout draw: each sample keeps the drawn
    /// modalities it has; one that has none of them keeps its own (it has no other input).
    public static func restricting(_ own: [ModalitySet], to drawn: ModalitySet) throws -> PerSampleAvailability {
        try PerSampleAvailability(own.map { set in
            let common = set.mask & drawn.mask
            return common == 0 ? set : ModalitySet(mask: common, modalityCount: set.modalityCount)
        })
    }
}
