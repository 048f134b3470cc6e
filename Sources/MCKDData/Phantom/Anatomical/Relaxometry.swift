import Foundation

/// What a voxel of one tissue contributes to an MR signal: proton density (relative to
/// pure water) and the relaxation times T1 and T2 in milliseconds.
public struct TissueRelaxation: Sendable, Equatable {
    public var protonDensity: Double
    public var t1: Double
    public var t2: Double

    public init(protonDensity: Double, t1: Double, t2: Double) {
        self.protonDensity = protonDensity
        self.t1 = t1
        self.t2 = t2
    }

    /// The same tissue holding gadolinium at `concentration` (mmol/L) with longitudinal
    /// relaxivity `r1` (L/(mmol s)): 1/T1' = 1/T1 + r1 C. T2 is left alone: only the T1
    /// sequence is acquired after contrast here.
    public func withGadolinium(concentration: Double, relaxivity r1: Double = Relaxometry.gadobutrolR1) -> TissueRelaxation {
        var result = self
        result.t1 = 1 / (1 / t1 + r1 * concentration / 1000)   // r1 C is per second, T1 in ms
        return result
    }
}

/// Proton density, T1 and T2 per tissue at 3 T, and the contrast agent. docs/data.md
/// cites each value; where the literature spreads widely the value is one inside the
/// published range and the docs say so.
public enum Relaxometry {
    /// Field strength every value below belongs to.
    public static let fieldStrengthTesla = 3.0

    /// Reference values per tissue (background has none).
    public static func reference(_ tissue: PhantomTissue) -> TissueRelaxation? {
        switch tissue {
        case .background: return nil
        // T1, T2: Wansapura et al. 1999 (in vivo, 3 T). PD: relative water content, Ernst et al. 1993 (as used by Gasparovic et al. 2006).
        case .whiteMatter: return TissueRelaxation(protonDensity: 0.65, t1: 832, t2: 79.2)
        case .greyMatter: return TissueRelaxation(protonDensity: 0.78, t1: 1331, t2: 110)
        // T1: Lu et al. 2005; T2: Piechnik et al. 2009 (in vivo CSF T2 is shortened by flow and partial volume).
        case .csf: return TissueRelaxation(protonDensity: 0.97, t1: 3817, t2: 503)
        // Glioma regions: representative values inside published 3 T ranges (docs/data.md lists them).
        case .oedema: return TissueRelaxation(protonDensity: 0.80, t1: 1450, t2: 150)
        case .enhancing: return TissueRelaxation(protonDensity: 0.82, t1: 1650, t2: 130)
        case .necrosis: return TissueRelaxation(protonDensity: 0.90, t1: 2500, t2: 250)
        }
    }

    /// Gadobutrol's r1 in human plasma at 3 T and 37 C, L/(mmol s) (Szomolanyi et al. 2019).
    public static let gadobutrolR1 = 4.97

    /// Gadolinium in the enhancing rim, mmol/L: the concentration that shortens the rim's
    /// T1 by the 838 ms measured in untreated glioblastoma at 3 T (pre minus post contrast,
    /// Frankfurt group 2020; docs/data.md), 1/T1post - 1/T1pre = r1 C.
    public static var enhancingConcentration: Double {
        let pre = reference(.enhancing)!.t1, post = pre - 838
        return (1 / post - 1 / pre) * 1000 / gadobutrolR1
    }
}

/// One subject's tissue properties: the reference values scaled per case (healthy tissue
/// by a few percent, as between subjects; tumour regions by more), the tumour regions
/// varying smoothly in space (no two glioblastomas, and no two parts of one, relax
/// alike), and the rim's gadolinium concentration.
struct CaseRelaxometry: Sendable {
    /// Half-widths of the per-case uniform scaling of PD, T1 and T2.
    static let healthyVariation = 0.05
    static let tumourVariation = 0.10
    /// Standard deviation of log T1 and log T2 across a tumour region, and its correlation length (mm).
    static let tumourHeterogeneity = 0.10
    static let heterogeneityCorrelation = 8.0
    /// Half-width of the per-case scaling of the rim's gadolinium concentration (the
    /// source's 838 +- 210 ms spread is about 25%).
    static let concentrationVariation = 0.25

    static let tumourRegions: [PhantomTissue] = [.oedema, .enhancing, .necrosis]

    private let base: [TissueRelaxation?]
    private let heterogeneity: [(t1: SmoothRandomField, t2: SmoothRandomField)?]
    /// Gadolinium in the enhancing rim, mmol/L.
    let gadolinium: Double

    init(generator: inout SplitMix64) {
        var base: [TissueRelaxation?] = []
        var heterogeneity: [(t1: SmoothRandomField, t2: SmoothRandomField)?] = []
        for tissue in PhantomTissue.allCases {
            guard var relaxation = Relaxometry.reference(tissue) else {
                base.append(nil)
                heterogeneity.append(nil)
                continue
            }
            let tumour = Self.tumourRegions.contains(tissue)
            let spread = tumour ? Self.tumourVariation : Self.healthyVariation
            relaxation.protonDensity = min(1, relaxation.protonDensity * generator.uniform((1 - spread)...(1 + spread)))
            relaxation.t1 *= generator.uniform((1 - spread)...(1 + spread))
            relaxation.t2 *= generator.uniform((1 - spread)...(1 + spread))
            base.append(relaxation)
            heterogeneity.append(tumour ? (SmoothRandomField(correlationLength: Self.heterogeneityCorrelation, generator: &generator),
                                           SmoothRandomField(correlationLength: Self.heterogeneityCorrelation, generator: &generator)) : nil)
        }
        self.base = base
        self.heterogeneity = heterogeneity
        gadolinium = Relaxometry.enhancingConcentration
            * generator.uniform((1 - Self.concentrationVariation)...(1 + Self.concentrationVariation))
    }

    /// The properties of `tissue` at BraTS position `p` (healthy tissue is uniform).
    @inline(__always)
    func relaxation(_ tissue: PhantomTissue, at p: SIMD3<Double>) -> TissueRelaxation {
        var result = base[Int(tissue.rawValue)]!
        if let fields = heterogeneity[Int(tissue.rawValue)] {
            result.t1 *= exp(Self.tumourHeterogeneity * fields.t1.value(at: p))
            result.t2 *= exp(Self.tumourHeterogeneity * fields.t2.value(at: p))
        }
        return result
    }
}
