import Foundation

/// Acquires the four contrasts from one case's anatomy, as a scanner would:
///
/// 1. signal per voxel = sum over compartments of (volume fraction x the sequence's
///    signal for that compartment's PD, T1, T2), with gadolinium in the enhancing rim
///    for T1ce only;
/// 2. receiver gain: each image divided by the reference white matter's signal in its
///    sequence (T1ce keeps T1's gain, so enhancement stays a rise);
/// 3. slight blur (the point-spread function): one [1 2 1]/4 pass per axis;
/// 4. a smooth multiplicative bias field (coil sensitivity; T1 and T1ce share theirs);
/// 5. Rician noise: the magnitude of the signal plus complex Gaussian noise;
/// 6. skull stripping: outside the brain mask exactly 0.
enum MRAcquisition {
    /// White-matter signal over noise standard deviation for a 1 mm^3 voxel, every
    /// contrast. Coarser voxels average s^3 of them: sigma / s^1.5.
    static let signalToNoiseAt1mm = 20.0
    /// Standard deviation of the bias field's logarithm and its correlation length (mm).
    static let biasLogDeviation = 0.1
    static let biasCorrelation = 60.0
    static let biasNodeSpacing = 8.0

    /// Images in channel order FLAIR, T1, T1ce, T2. `noise: false` skips step 5
    /// (tests compare contrasts on the noise-free images).
    static func acquire(_ anatomy: RasterisedAnatomy, relaxometry: CaseRelaxometry, scanProtocol: ScanProtocol,
                        grid: BraTSGrid, noise: Bool, generator: inout SplitMix64) -> [[Float]] {
        let count = grid.voxelCount
        let (h, w) = (grid.shape[1], grid.shape[2])
        let modalities = BraTSModality.allCases
        let healthy: [PhantomTissue] = [.whiteMatter, .greyMatter, .csf]
        let reference = Relaxometry.reference(.whiteMatter)!
        let gains = modalities.map { 1 / scanProtocol.sequence(for: $0).signal(reference) }
        // Healthy tissue is uniform within a case: its signals are computed once.
        let healthySignals = modalities.map { modality in
            healthy.map { scanProtocol.sequence(for: modality).signal(relaxometry.relaxation($0, at: .zero)) }
        }
        var images = [[Float]](repeating: [Float](repeating: 0, count: count), count: modalities.count)
        for v in 0..<count where anatomy.fractions.contains(where: { $0[v] > 0 }) {
            let p = grid.position(x: Double(v % w), y: Double((v / w) % h), z: Double(v / (w * h)))
            var tumour: [(fraction: Double, tissue: TissueRelaxation, tissueAfterContrast: TissueRelaxation)] = []
            for region in CaseRelaxometry.tumourRegions {
                let fraction = Double(anatomy.fractions[Int(region.rawValue)][v])
                guard fraction > 0 else { continue }
                let tissue = relaxometry.relaxation(region, at: p)
                // The blood-brain barrier is broken only in the enhancing rim.
                let afterContrast = region == .enhancing ? tissue.withGadolinium(concentration: relaxometry.gadolinium) : tissue
                tumour.append((fraction, tissue, afterContrast))
            }
            for (m, modality) in modalities.enumerated() {
                let sequence = scanProtocol.sequence(for: modality)
                var signal = 0.0
                for (k, tissue) in healthy.enumerated() {
                    signal += Double(anatomy.fractions[Int(tissue.rawValue)][v]) * healthySignals[m][k]
                }
                for part in tumour {
                    signal += part.fraction * sequence.signal(modality == .t1ce ? part.tissueAfterContrast : part.tissue)
                }
                let gain = modality == .t1ce ? gains[BraTSModality.t1.rawValue] : gains[m]
                images[m][v] = Float(signal * gain)
            }
        }
        for m in images.indices { PhantomImaging.blur(&images[m], shape: grid.shape) }

        // One bias field per coil setting: FLAIR, T1 with T1ce, T2.
        let biasFields = (0..<3).map { _ in SmoothRandomField(correlationLength: biasCorrelation, generator: &generator) }
        let bias = CoarseLattice(grid: grid, nodeSpacing: biasNodeSpacing, channels: 3) { p in
            biasFields.map { exp(biasLogDeviation * $0.value(at: p)) }
        }
        let biasChannel = [0, 1, 1, 2]   // per channel FLAIR, T1, T1ce, T2
        let sigma = noise ? 1 / signalToNoiseAt1mm / pow(grid.spacing, 1.5) : 0
        let noiseSeed = generator.next()
        var randoms = modalities.map { SplitMix64.derived(seed: noiseSeed, index: UInt64($0.rawValue)) }
        var field = [Double](repeating: 0, count: 3)
        for v in 0..<count {
            guard anatomy.brainMask[v] else {
                for m in images.indices { images[m][v] = 0 }
                continue
            }
            bias.sample(x: v % w, y: (v / w) % h, z: v / (w * h), into: &field)
            for m in modalities.indices {
                let clean = Double(images[m][v]) * field[biasChannel[m]]
                guard sigma > 0 else { images[m][v] = Float(clean); continue }
                // Magnitude of a complex signal with Gaussian noise on both parts: Rician.
                let real = clean + sigma * randoms[m].normal(), imaginary = sigma * randoms[m].normal()
                images[m][v] = Float((real * real + imaginary * imaginary).squareRoot())
            }
        }
        return images
    }
}
