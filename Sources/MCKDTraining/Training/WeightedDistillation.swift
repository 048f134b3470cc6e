import MCKDEngine

/// The modality-weighted KD loss of one available set on features [N * M, ...] (both
/// trainers' bottlenecks): the loss, the per-pair distances D_ij and, when asked, its
/// gradient. With a detached teacher (the method) only the students get gradient;
/// otherwise the teacher side is added, making it the true gradient of the loss.
func weightedDistillation(_ features: Tensor, available: ModalitySet, modalities m: Int, thetaW: Tensor,
                          settings: (distance: DistillationMode, detachTeacher: Bool), withGradient: Bool,
                          backend: any Backend) throws -> (loss: Tensor, distances: Tensor, gradient: Tensor?) {
    let descriptor = DistillationDescriptor(available: (0..<m).map(available.contains),
                                            distance: settings.distance == .mse ? .meanSquared : .l1)
    let loss = try backend.makeTensor(shape: [1]), distances = try backend.makeTensor(shape: Shape(m, m))
    let gradient = withGradient ? try backend.makeTensor(shape: features.shape) : nil
    try backend.modalityWeightedDistillation(descriptor, features: features, thetaW: thetaW, loss: loss,
                                             distances: distances, gradFeatures: gradient)
    if let gradient, !settings.detachTeacher {
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
