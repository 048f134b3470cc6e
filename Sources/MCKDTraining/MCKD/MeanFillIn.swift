import MCKDEngine

/// Mean fill-in of missing modalities' feature slots (method.md section 2):
/// f_m := (1/|A_n|) sum_{a in A_n} f_a for every m not in sample n's set A_n, and its
/// backward (a missing slot's gradient goes to the sample's available slots, 1/|A_n| each).
/// Two layouts of the features, one per kind of encoder:
/// - one encoder shared by all modalities (BraTS): every slot was encoded; the batch is
///   [N*M, C, ...], sample-major (entry n*M + m). The segmentation model fills the
///   bottleneck, and every skip level with `fillSkips`.
/// - one encoder per modality (AV-MNIST): only the samples that have modality m were
///   encoded, rows [K_m, width]; the fill-in builds the slots [N*M, width] from them.
enum MeanFillIn {
    /// The filled copy of the shared encoder's `features`.
    static func forward(_ features: Tensor, availability: PerSampleAvailability, backend: any Backend) throws -> Tensor {
        guard let set = availability.uniformSet else { return try applyMatrix(features, availability: availability, transposed: false, backend: backend) }
        let filled = try backend.makeTensor(shape: features.shape)
        try backend.copy(features, to: filled)
        guard !set.missing.isEmpty else { return filled }
        let mean = try meanOfSlots(features, slots: set.members, modalityCount: set.modalityCount, backend: backend)
        for m in set.missing {
            try backend.assignBatchSlice(mean, into: filled, start: m, step: set.modalityCount)
        }
        return filled
    }

    /// The shared encoder's gradient with respect to the unfilled features: each available slot receives its
    /// own gradient plus 1/|A_n| of every missing slot's; missing slots receive none, so
    /// nothing flows back into the encoder's pass over a zeroed input.
    static func backward(_ gradFilled: Tensor, availability: PerSampleAvailability, backend: any Backend) throws -> Tensor {
        guard let set = availability.uniformSet else { return try applyMatrix(gradFilled, availability: availability, transposed: true, backend: backend) }
        let grad = try backend.makeTensor(shape: gradFilled.shape)
        try backend.copy(gradFilled, to: grad)
        let modalities = set.modalityCount
        let missingIndices = availability.missingBatchEntries
        guard !missingIndices.isEmpty else { return grad }
        let share = try meanOfSlots(gradFilled, slots: set.missing, modalityCount: modalities, backend: backend,
                                    divisor: set.members.count)
        let slot = try backend.makeTensor(shape: share.shape)
        for a in set.members {
            try backend.sliceBatch(grad, start: a, step: modalities, into: slot)
            try backend.axpy(alpha: 1, x: share, y: slot)
            try backend.assignBatchSlice(slot, into: grad, start: a, step: modalities)
        }
        try backend.zeroBatchEntries(grad, indices: missingIndices)
        return grad
    }

    /// Sets that differ per sample: the fill-in as one matrix product P f (backward P^T g),
    /// P [N*M, N*M] from `PerSampleAvailability.fillInMatrix` (uploaded: N*M x N*M floats).
    /// A missing slot's column of P is zero, so P^T gives it no gradient.
    private static func applyMatrix(_ x: Tensor, availability: PerSampleAvailability, transposed: Bool, backend: any Backend) throws -> Tensor {
        let rows = x.shape[0], width = x.count / rows
        guard rows == availability.sampleCount * availability.modalityCount else {
            throw EngineError.shapeMismatch("fill-in: \(rows) feature slots for \(availability.sampleCount) samples x \(availability.modalityCount) modalities")
        }
        let matrix = try backend.upload(availability.fillInMatrix(), shape: Shape(rows, rows))
        let out = try backend.makeTensor(shape: x.shape)
        try backend.gemm(GEMMDescriptor(transposeA: transposed, m: rows, n: width, k: rows), a: matrix,
                         b: try x.reshaped(Shape(rows, width)), c: try out.reshaped(Shape(rows, width)))
        return out
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

    /// The slots [N*M, width] from per-modality rows: sum over m of P_m E_m, with P_m
    /// [N*M, K_m] from `PerSampleAvailability.fillInMatrix(modality:)` (nil, with its rows,
    /// for a modality no sample has).
    static func forward(encoded: [Tensor?], matrices: [Tensor?], slots: Int, width: Int, backend: any Backend) throws -> Tensor {
        let filled = try backend.makeTensor(shape: Shape(slots, width))
        var first = true
        for (features, matrix) in zip(encoded, matrices) {
            guard let features, let matrix else { continue }
            try backend.gemm(GEMMDescriptor(m: slots, n: width, k: features.shape[0], alpha: 1, beta: first ? 0 : 1),
                             a: matrix, b: features, c: filled)
            first = false
        }
        return filled
    }

    /// The per-modality form's backward, P_m^T dFilled per modality: an available slot
    /// keeps its own gradient plus 1/|A_n| of each missing slot's; nil for a modality no
    /// sample has.
    static func backward(_ gradFilled: Tensor, matrices: [Tensor?], width: Int, backend: any Backend) throws -> [Tensor?] {
        try matrices.map { matrix in
            guard let matrix else { return nil }
            let rows = matrix.shape[1]
            let gradient = try backend.makeTensor(shape: Shape(rows, width))
            try backend.gemm(GEMMDescriptor(transposeA: true, m: rows, n: width, k: gradFilled.shape[0]), a: matrix, b: gradFilled, c: gradient)
            return gradient
        }
    }
}
