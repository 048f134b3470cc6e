import MCKDEngine

/// The modality-weighted KD loss of one available set on features [N * M, ...] (both
/// trainers' bottlenecks): the loss, the per-pair distances D_ij and, when asked, its
/// gradient. With a detached teacher (the method) only the students get gradient;
/// otherwise the teacher side is added, making it the true gradient of the loss.
func weightedDistillation(_ features: Tensor, available: ModalitySet, modalities m: Int, thetaW: Tensor,
                          distance: DistillationDistance, detachTeacher: Bool, withGradient: Bool,
                          backend: any Backend) throws -> (loss: Tensor, distances: Tensor, gradient: Tensor?) {
    let descriptor = DistillationDescriptor(available: (0..<m).map(available.contains), distance: distance)
    let loss = try backend.makeTensor(shape: [1]), distances = try backend.makeTensor(shape: Shape(m, m))
    let gradient = withGradient ? try backend.makeTensor(shape: features.shape) : nil
    try backend.modalityWeightedDistillation(descriptor, features: features, thetaW: thetaW, loss: loss,
                                             distances: distances, gradFeatures: gradient)
    if let gradient, !detachTeacher {
        // The teacher side of pair (i, j) weighs r_ij = w_i/w_j on f_i: the student-side
        // op evaluated with -theta_w, whose ratios are r_ji, gives exactly those terms.
        let negated = try backend.makeTensor(shape: thetaW.shape), teacherSide = try backend.makeTensor(shape: features.shape)
        try backend.scale(thetaW, by: -1, into: negated)
        try backend.modalityWeightedDistillation(descriptor, features: features, thetaW: negated,
                                                 loss: try backend.makeTensor(shape: [1]),
                                                 distances: try backend.makeTensor(shape: Shape(m, m)), gradFeatures: teacherSide)
        try backend.axpy(alpha: 1, x: teacherSide, y: gradient)
    }
    return (loss, distances, gradient)
}

/// D [M, M] with the teacher and the student read from different features of one
/// available set: D[i, j] = mean_n mean_v dist(teacher[n, i, v], student[n, j, v]) for
/// i != j in A (the diagonal holds dist(teacher_i, student_i), which no KD term uses).
/// The bi-level look-ahead's exact form for a detached teacher: the teacher stays at
/// theta while the student moves to theta +- eps v.
///
/// Built from the engine's op: per sample the M teacher slots and the M student slots
/// side by side as 2M slots (one channel concatenation), whose distance matrix [2M, 2M]
/// holds D as its upper-right block (one strided slice).
func crossDistillationDistances(teacher: Tensor, student: Tensor, available: ModalitySet, modalities m: Int,
                                distance: DistillationDistance, backend: any Backend) throws -> Tensor {
    guard teacher.shape == student.shape, teacher.shape[0] % m == 0 else {
        throw EngineError.shapeMismatch("KD distances: teacher \(teacher.shape) and student \(student.shape) must be one [N*\(m), ...] shape")
    }
    let samples = teacher.shape[0] / m, perSlot = teacher.count / teacher.shape[0]
    let side = Shape(samples, m * perSlot)
    let paired = try backend.makeTensor(shape: Shape(samples, 2 * m * perSlot))
    try backend.concatChannels([try teacher.reshaped(side), try student.reshaped(side)], into: paired)
    let flags = (0..<m).map(available.contains)
    let all = try backend.makeTensor(shape: Shape(2 * m, 2 * m))
    try backend.modalityWeightedDistillation(DistillationDescriptor(available: flags + flags, distance: distance),
                                             features: try paired.reshaped(Shape(samples * 2 * m, perSlot)),
                                             thetaW: try backend.full(Shape(2 * m), value: 0), loss: try backend.makeTensor(shape: [1]),
                                             distances: all, gradFeatures: nil)
    // Row i of `all` viewed as two halves of M: half 1 of rows 0..<M is all[i, M + j].
    let block = try backend.makeTensor(shape: Shape(m, m))
    try backend.sliceBatch(try all.reshaped(Shape(4 * m, m)), start: 1, step: 2, into: block)
    return block
}

/// The KD loss over a batch whose samples may have different available sets: samples are
/// grouped by set; each group's loss is the op's mean over the group, weighted by its
/// share of the batch, so the total is the mean over the batch of the per-sample pair
/// sums (0 for single-modality samples). D is the same share-weighted sum, and the
/// gradient (when asked) is `scale` times the loss's, on the features' own rows.
/// With `teacher` (features of the same batch at other parameters) D puts the teacher
/// side there (`crossDistillationDistances`); no loss or gradient is formed then.
func groupedDistillation(_ features: Tensor, availability: PerSampleAvailability, thetaW: Tensor,
                         distance: DistillationDistance, detachTeacher: Bool, scale: Float, withGradient: Bool,
                         teacher: Tensor? = nil, backend: any Backend) throws -> (loss: Tensor, distances: Tensor, gradient: Tensor?) {
    let m = availability.modalityCount, n = availability.sampleCount
    let loss = try backend.full([1], value: 0), distances = try backend.full(Shape(m, m), value: 0)
    let gradient = withGradient && teacher == nil ? try backend.full(features.shape, value: 0) : nil
    for group in availability.distillationGroups {
        let share = Float(group.samples.count) / Float(n)
        let rows = group.samples.flatMap { sample in (0..<m).map { sample * m + $0 } }
        // A group of the whole batch (one set per batch) reads the features as they are.
        let whole = rows.count == features.shape[0]
        func rowsOf(_ x: Tensor) throws -> Tensor {
            guard !whole else { return x }
            var dims = x.shape.dims
            dims[0] = rows.count
            let gathered = try backend.makeTensor(shape: Shape(dims))
            try backend.gatherBatch(x, indices: rows, into: gathered)
            return gathered
        }
        if let teacher {
            let groupDistances = try crossDistillationDistances(teacher: try rowsOf(teacher), student: try rowsOf(features), available: group.set,
                                                                modalities: m, distance: distance, backend: backend)
            try backend.axpy(alpha: share, x: groupDistances, y: distances)
            continue
        }
        let (groupLoss, groupDistances, groupGradient) = try weightedDistillation(
            try rowsOf(features), available: group.set, modalities: m, thetaW: thetaW, distance: distance,
            detachTeacher: detachTeacher, withGradient: gradient != nil, backend: backend)
        try backend.axpy(alpha: share, x: groupLoss, y: loss)
        try backend.axpy(alpha: share, x: groupDistances, y: distances)
        if let gradient, let groupGradient {
            // The op's gradient is for its mean over the group; the batch mean scales it by the share.
            var scattered = groupGradient
            if !whole {
                scattered = try backend.makeTensor(shape: features.shape)
                try backend.gatherBatchBackward(groupGradient, indices: rows, into: scattered)
            }
            try backend.axpy(alpha: share * scale, x: scattered, y: gradient)
        }
    }
    return (loss, distances, gradient)
}
