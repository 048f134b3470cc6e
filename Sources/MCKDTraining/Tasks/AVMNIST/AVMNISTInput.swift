import MCKDData
import MCKDEngine

/// One AV-MNIST batch on the device, as the model consumes it: for each modality only
/// the samples that have it (encoders never see a missing input), the fill-in matrices
/// of `PerSampleAvailability`, and the labels. Everything here is uploaded once per
/// batch; nothing else crosses to the device during a step.
public struct AVMNISTInput {
    public let availability: PerSampleAvailability
    /// Modality m's inputs [K_m, 1, 1, side, side] (2D as depth 1), nil when no sample has it.
    public let modalities: [Tensor?]
    /// P_m [N*M, K_m] (nil when K_m = 0).
    public let fillIn: [Tensor?]
    /// Class indices as floats [N] (what the cross-entropy op takes).
    public let labels: Tensor

    public var sampleCount: Int { availability.sampleCount }

    /// Uploads `batch` with each sample restricted to `availability`'s set. Throws when a
    /// set asks for a modality the batch does not have for that sample.
    public init(batch: AVMNISTBatch, availability: PerSampleAvailability, backend: any Backend) throws {
        guard availability.sampleCount == batch.count, availability.modalityCount == AVMNISTModel.modalityNames.count else {
            throw EngineError.shapeMismatch("availability of \(availability.sampleCount) samples x \(availability.modalityCount) modalities for a batch of \(batch.count) AV-MNIST pairs")
        }
        let sources: [(values: [Float], present: [Float], shape: [Int])] = [
            (batch.images, batch.imagePresent, batch.imageShape), (batch.audio, batch.audioPresent, batch.audioShape),
        ]
        var modalities: [Tensor?] = [], fillIn: [Tensor?] = []
        for (m, source) in sources.enumerated() {
            let rows = availability.samples(with: m)
            if let absent = rows.first(where: { source.present[$0] == 0 }) {
                throw EngineError.invalidArgument("sample \(absent) of the batch has no \(AVMNISTModel.modalityNames[m]) but its available set \(availability.sets[absent]) includes it")
            }
            guard !rows.isEmpty else {
                modalities.append(nil)
                fillIn.append(nil)
                continue
            }
            let size = source.shape[2] * source.shape[3]
            var values = [Float]()
            values.reserveCapacity(rows.count * size)
            for n in rows { values += source.values[(n * size)..<((n + 1) * size)] }
            modalities.append(try backend.upload(values, shape: Shape(rows.count, 1, 1, source.shape[2], source.shape[3])))
            fillIn.append(try backend.upload(availability.fillInMatrix(modality: m),
                                             shape: Shape(availability.sampleCount * availability.modalityCount, rows.count)))
        }
        self.availability = availability
        self.modalities = modalities
        self.fillIn = fillIn
        labels = try backend.upload(batch.labels.map(Float.init), shape: Shape(batch.count))
    }
}
