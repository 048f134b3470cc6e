/// Which modality files a generated dataset leaves out (`mckd synth --drop`), so that
/// incomplete cases, as clinics have them, can be made from the phantoms.
///
/// Exactly round(fraction x 4 x cases) files go: the (case, modality) pairs are put in a
/// seeded random order (SplitMix64 Fisher-Yates) and taken in that order, passing over a
/// pair whose case has only one modality left (every case keeps at least one).
public enum ModalityFileDrop {
    /// The largest fraction that leaves every case one modality.
    public static let maximumFraction = 0.75

    /// Per case, the modalities to leave out.
    public static func plan(cases: Int, fraction: Double, seed: UInt64) throws -> [Set<BraTSModality>] {
        guard fraction >= 0, fraction <= maximumFraction else {
            throw BraTSDataError(caseID: nil, "--drop \(fraction): the fraction of modality files to leave out must be in 0...\(maximumFraction) (every case keeps one)")
        }
        let modalities = BraTSModality.allCases
        var pairs = (0..<cases).flatMap { c in modalities.map { (c, $0) } }
        var generator = SplitMix64(seed: seed, stream: "modality-file-drop")   // not the cases' own streams
        for k in stride(from: pairs.count - 1, to: 0, by: -1) { pairs.swapAt(k, generator.below(k + 1)) }
        var target = Int((fraction * Double(pairs.count)).rounded())
        var dropped = [Set<BraTSModality>](repeating: [], count: cases)
        for (c, modality) in pairs where target > 0 && dropped[c].count < modalities.count - 1 {
            dropped[c].insert(modality)
            target -= 1
        }
        return dropped
    }
}
