import MCKDEngine

/// Mean fill-in of missing modalities' bottleneck slots (method.md section 2):
/// f_m := (1/|A|) sum_{a in A} f_a for every m not in A, per sample.
/// Features are the shared encoder's batch [N*M, C, ...], sample-major (entry n*M + m).
enum BottleneckFillIn {
    /// The filled copy of `features`.
    static func forward(_ features: Tensor, available: ModalitySet, backend: any Backend) throws -> Tensor {
        let filled = try backend.makeTensor(shape: features.shape)
        try backend.copy(features, to: filled)
        guard !available.missing.isEmpty else { return filled }
        let mean = try meanOfSlots(features, slots: available.members, modalityCount: available.modalityCount, backend: backend)
        for m in available.missing {
            try backend.assignBatchSlice(mean, into: filled, start: m, step: available.modalityCount)
        }
        return filled
    }

    /// Gradient with respect to the unfilled features: each available slot receives its
    /// own gradient plus 1/|A| of every missing slot's; missing slots receive none, so
    /// nothing flows back into the encoder's pass over a zeroed input.
    static func backward(_ gradFilled: Tensor, available: ModalitySet, backend: any Backend) throws -> Tensor {
        let grad = try backend.makeTensor(shape: gradFilled.shape)
        try backend.copy(gradFilled, to: grad)
        let modalities = available.modalityCount
        let missingIndices = available.missingBatchEntries(samples: grad.shape[0] / modalities)
        guard !missingIndices.isEmpty else { return grad }
        let share = try meanOfSlots(gradFilled, slots: available.missing, modalityCount: modalities, backend: backend,
                                    divisor: available.members.count)
        let slot = try backend.makeTensor(shape: share.shape)
        for a in available.members {
            try backend.sliceBatch(grad, start: a, step: modalities, into: slot)
            try backend.axpy(alpha: 1, x: share, y: slot)
            try backend.assignBatchSlice(slot, into: grad, start: a, step: modalities)
        }
        try backend.zeroBatchEntries(grad, indices: missingIndices)
        return grad
    }

    /// (1/divisor) * sum over `slots` of the per-sample slices [N, C, ...].
    private static func meanOfSlots(_ x: Tensor, slots: [Int], modalityCount: Int, backend: any Backend,
                                    divisor: Int? = nil) throws -> Tensor {
        var dims = x.shape.dims
        dims[0] /= modalityCount
        let sum = try backend.full(Shape(dims), value: 0), slice = try backend.makeTensor(shape: Shape(dims))
        for s in slots {
            try backend.sliceBatch(x, start: s, step: modalityCount, into: slice)
            try backend.axpy(alpha: 1, x: slice, y: sum)
        }
        try backend.scale(sum, by: 1 / Float(divisor ?? slots.count), into: sum)
        return sum
    }
}
