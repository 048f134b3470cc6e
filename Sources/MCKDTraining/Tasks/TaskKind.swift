import MCKDData

/// The tasks mckd trains: configuration.json's `task`, and `mckd train --task`.
public enum TaskKind: String, Codable, CaseIterable, Sendable {
    /// Brain-tumour segmentation from four MRI contrasts (the BraTS layout, or the phantom).
    case brats
    /// Digit classification from an image and a spoken digit.
    case avmnist

    /// The task's modalities in their fixed order (method.md section 2).
    public var modalityNames: [String] {
        switch self {
        case .brats: return BraTSModality.allCases.map(\.displayName)
        case .avmnist: return AVMNISTModel.modalityNames
        }
    }

    /// Steps between the progress lines written to a log (a terminal gets a redrawn bar):
    /// AV-MNIST's steps are many and quick.
    public var progressLineInterval: Int { self == .avmnist ? 50 : 10 }

    /// Why the task cannot split its batch over processes or micro-batches (nil: it can).
    /// AV-MNIST's batch norm takes statistics over the whole batch, and its epochs end
    /// with an uneven batch.
    public var dataParallelLimitation: String? {
        self == .avmnist ? "--task avmnist trains in one process without --accumulate (batch norm needs the whole batch; its last batch per epoch is uneven)" : nil
    }
}
