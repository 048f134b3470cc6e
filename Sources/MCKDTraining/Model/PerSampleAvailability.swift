import MCKDEngine

/// The available modalities of each sample of a batch (AV-MNIST's rate masks make them
/// differ per sample) and what follows from them on the host: which samples each
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
            let set = sets[n]
            for j in 0..<mm {
                let weight: Float = j == m ? 1 : (set.contains(j) ? 0 : 1 / Float(set.members.count))
                matrix[(n * mm + j) * rows.count + k] = weight
            }
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
