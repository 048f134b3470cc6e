import MCKDEngine

/// The network's gradients and parameters as one host vector in parameter order: what
/// the ranks exchange and compare.
extension MCKDTrainer {
    /// Every parameter's gradient, concatenated.
    func hostGradients() throws -> [Float] {
        try model.parameters.flatMap { try model.backend.download($0.gradient) }
    }

    /// Sets every parameter's gradient from one concatenated vector.
    func setGradients(_ values: [Float]) throws {
        try scatter(values, into: model.parameters.map(\.gradient))
    }

    /// Copies consecutive slices of `values` into `tensors`.
    func scatter(_ values: [Float], into tensors: [Tensor]) throws {
        precondition(values.count == tensors.reduce(0) { $0 + $1.count })
        var offset = 0
        for tensor in tensors {
            let slice = Array(values[offset..<(offset + tensor.count)])
            try model.backend.copy(try model.backend.upload(slice, shape: tensor.shape), to: tensor)
            offset += tensor.count
        }
    }

    /// FNV-1a over the bit patterns of every parameter, momentum and theta_w value and the
    /// step: equal on every rank of a healthy data-parallel run.
    public func stateChecksum() throws -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt64) {
            for shift in stride(from: 0, to: 64, by: 8) { hash = (hash ^ ((word >> UInt64(shift)) & 0xff)) &* 0x100_0000_01b3 }
        }
        mix(UInt64(step))
        for tensor in model.parameters.map(\.value) + state.optimizer.state.flatMap({ $0.map(\.tensor) }) + [importance.theta] {
            for value in try model.backend.download(tensor) { mix(UInt64(value.bitPattern)) }
        }
        return hash
    }
}
