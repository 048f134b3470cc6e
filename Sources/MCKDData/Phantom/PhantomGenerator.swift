/// Generates synthetic BraTS-like cases from a seed (see docs/data.md).
/// The phantom is synthetic: it imitates the property MCKD relies on
/// (each modality shows different tumour regions), not real anatomy.
public struct PhantomGenerator: Sendable {
    /// Volume shape [D, H, W].
    public let shape: [Int]
    /// Seed of the whole set; case k uses a generator derived from (seed, k).
    public let seed: UInt64

    /// Creates a generator for volumes of `shape` [D, H, W] (each at least 16).
    public init(shape: [Int], seed: UInt64) throws {
        guard shape.count == 3, shape.allSatisfy({ $0 >= 16 && $0 <= 1024 }) else {
            throw BraTSDataError(caseID: nil, "phantom size \(shape) must be three extents D,H,W between 16 and 1024")
        }
        self.shape = shape
        self.seed = seed
    }

    /// Identifier of case `index` (0-based).
    public static func caseID(index: Int) -> String { PhantomCase.numberedID("Synth", index: index) }

    /// Case `index`; the same seed, shape and index always give the same case.
    public func makeCase(index: Int) -> PhantomCase {
        var generator = SplitMix64.derived(seed: seed, index: UInt64(index))
        let tissue = PhantomAnatomy.tissueMap(shape: shape, generator: &generator)
        let labels = tissue.map { PhantomTissue(rawValue: $0)?.label ?? 0 }
        let modalities = BraTSModality.allCases.map { modality in
            PhantomImaging.image(tissue: tissue, shape: shape, modality: modality, generator: &generator)
        }
        return PhantomCase(id: Self.caseID(index: index), shape: shape, tissue: tissue, labels: labels, modalities: modalities)
    }
}
