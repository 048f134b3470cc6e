import Foundation

/// An MR pulse sequence's steady-state magnitude signal for one tissue (times in ms).
public enum PulseSequence: Sendable, Equatable {
    /// Spin echo: S = PD (1 - exp(-TR/T1)) exp(-TE/T2).
    case spinEcho(repetition: Double, echo: Double)
    /// Inversion recovery (FLAIR): S = PD |1 - 2 exp(-TI/T1) + exp(-TR/T1)| exp(-TE/T2).
    case inversionRecovery(repetition: Double, echo: Double, inversion: Double)

    public func signal(_ tissue: TissueRelaxation) -> Double {
        switch self {
        case let .spinEcho(tr, te):
            return tissue.protonDensity * (1 - exp(-tr / tissue.t1)) * exp(-te / tissue.t2)
        case let .inversionRecovery(tr, te, ti):
            let recovery = 1 - 2 * exp(-ti / tissue.t1) + exp(-tr / tissue.t1)
            return tissue.protonDensity * abs(recovery) * exp(-te / tissue.t2)
        }
    }

    /// The inversion time that nulls a tissue of longitudinal relaxation `t1` at repetition
    /// time `repetition`: 1 - 2 exp(-TI/T1) + exp(-TR/T1) = 0.
    public static func nullingInversionTime(t1: Double, repetition: Double) -> Double {
        t1 * log(2 / (1 + exp(-repetition / t1)))
    }
}

/// The four BraTS contrasts as a 3 T clinical protocol acquires them. T1 and T1ce are
/// the same sequence before and after gadolinium; FLAIR's TI nulls CSF.
public struct ScanProtocol: Sendable, Equatable {
    public var t1: PulseSequence
    public var t2: PulseSequence
    public var flair: PulseSequence

    /// T1-weighted spin echo TR 500 / TE 10 ms; T2-weighted (turbo) spin echo TR 5000 /
    /// TE 100 ms; FLAIR TR 9000 / TE 120 ms with TI nulling the reference CSF (2301 ms).
    public static let clinical3T: ScanProtocol = {
        let csf = Relaxometry.reference(.csf)!
        return ScanProtocol(t1: .spinEcho(repetition: 500, echo: 10),
                            t2: .spinEcho(repetition: 5000, echo: 100),
                            flair: .inversionRecovery(repetition: 9000, echo: 120,
                                                      inversion: PulseSequence.nullingInversionTime(t1: csf.t1, repetition: 9000)))
    }()

    /// The sequence behind each BraTS channel (T1ce is the T1 sequence; the contrast agent
    /// is in the tissue, not the sequence).
    public func sequence(for modality: BraTSModality) -> PulseSequence {
        switch modality {
        case .flair: return flair
        case .t1, .t1ce: return t1
        case .t2: return t2
        }
    }
}
