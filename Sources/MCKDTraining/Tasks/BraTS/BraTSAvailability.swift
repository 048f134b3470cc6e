import MCKDData

/// The modalities a BraTS case has, as the method's modality sets (channel order FLAIR,
/// T1, T1ce, T2).
public enum BraTSAvailability {
    /// The set of `modalities`.
    public static func set(_ modalities: [BraTSModality]) -> ModalitySet {
        try! ModalitySet(modalities.map(\.rawValue), of: BraTSModality.allCases.count)
    }

    /// Parses `flair,t1ce` (BraTS 2018-2021 suffixes, BraTS 2023 suffixes such as `t2f`,
    /// or the display names, any case); an unknown name is an error listing the known ones.
    public static func parse(_ text: String) throws -> [BraTSModality] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var found: [BraTSModality] = []
        for name in names {
            guard let modality = BraTSModality(fileSuffix: name) ?? BraTSModality.allCases.first(where: { $0.displayName.lowercased() == name }) else {
                throw BraTSDataError(caseID: nil, "unknown modality '\(name)' (use flair, t1, t1ce, t2 or t2f, t1n, t1c, t2w)")
            }
            if !found.contains(modality) { found.append(modality) }
        }
        guard !found.isEmpty else { throw BraTSDataError(caseID: nil, "no modality named in '\(text)'") }
        return found.sorted { $0.rawValue < $1.rawValue }
    }

    /// The modalities to predict a case with: `requested` (all of which the case must
    /// have), or every modality the case has.
    public static func subset(for volume: BraTSVolume, requested: [BraTSModality]?) throws -> ModalitySet {
        guard let requested else { return set(volume.availableModalities) }
        let absent = requested.filter { !volume.availableModalities.contains($0) }
        guard absent.isEmpty else {
            throw BraTSDataError(caseID: volume.caseID, "--available names \(absent.map(\.displayName).joined(separator: ", ")), but the case has no "
                                 + "\(absent.count == 1 ? "such file" : "such files") (it has \(volume.availableModalities.map(\.displayName).joined(separator: ", ")))")
        }
        return set(requested)
    }
}

extension BraTSModalityHolder {
    /// The modalities the case has, as a modality set.
    public var availableSet: ModalitySet { BraTSAvailability.set(availableModalities) }
}
