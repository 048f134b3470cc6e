extension OpenCLBackend {
    /// Every loss kernel is launched from one of two builds of loss.cl (with and without
    /// the fused gradient), so a training run compiles the file at most twice.
    private func lossDefines(gradient: Bool) -> [String] { ["WITH_GRADIENT=\(gradient ? 1 : 0)"] }

    public func diceLoss(logits: Tensor, targets: Tensor, loss: Tensor, gradLogits: Tensor?) throws {
        let (rows, voxels) = try validateVoxelLoss("diceLoss", logits: logits, targets: targets, loss: loss, gradLogits: gradLogits)
        let defines = lossDefines(gradient: false)
        // Per-voxel terms, then one deterministic reduction along the voxels for all three sums.
        let terms = try makeTensor(shape: Shape(rows, 3, voxels))
        let sums = try makeTensor(shape: Shape(rows, 3, 1))
        let coefficients = try makeTensor(shape: Shape(rows, 2))
        try launch("dice_terms", file: "loss", defines: defines, global: [voxels, rows], local: [Self.elementwiseLocalSize, 1],
                   [.tensor(logits), .tensor(targets), .tensor(terms), .int(voxels)])
        try reduce(.sum, terms, axis: 2, into: sums)
        // One work-item: the rows are few (N * C), and one in-order sum keeps the loss deterministic.
        try launch("dice_finish", file: "loss", defines: defines, global: [1], local: [1],
                   [.tensor(sums), .tensor(coefficients), .tensor(loss), .int(rows), .float(-2 / Float(rows))])
        guard let gradLogits else { return }
        try launch("dice_backward", file: "loss", defines: defines, global: [voxels, rows], local: [Self.elementwiseLocalSize, 1],
                   [.tensor(logits), .tensor(targets), .tensor(coefficients), .tensor(gradLogits), .int(voxels)])
    }

    public func binaryCrossEntropyLoss(logits: Tensor, targets: Tensor, loss: Tensor, gradLogits: Tensor?) throws {
        let (rows, voxels) = try validateVoxelLoss("binaryCrossEntropyLoss", logits: logits, targets: targets, loss: loss, gradLogits: gradLogits)
        // Each channel holds N * voxels elements; the sum of per-channel means is the total over that.
        let perChannel = Float(rows / logits.shape[1] * voxels)
        let terms = try makeTensor(shape: Shape(logits.count))
        // Without a gradient the kernel never touches its grad argument; terms stands in for it.
        try launch("bce_terms", file: "loss", defines: lossDefines(gradient: gradLogits != nil),
                   global: [logits.count], local: [Self.elementwiseLocalSize],
                   [.tensor(logits), .tensor(targets), .tensor(terms), .tensor(gradLogits ?? terms),
                    .int(logits.count), .float(1 / perChannel)])
        try reduceAll(.sum, terms, into: loss)
        try scale(loss, by: 1 / perChannel, into: loss)
    }

    public func softmaxCrossEntropyLoss(logits: Tensor, labels: Tensor, loss: Tensor, gradLogits: Tensor?) throws {
        let (batch, classes) = try validateCrossEntropy(logits: logits, labels: labels, loss: loss, gradLogits: gradLogits)
        let rowLoss = try makeTensor(shape: Shape(batch))
        // Without a gradient the kernel never touches its grad argument; rowLoss stands in for it.
        try launch("xent_rows", file: "loss", defines: lossDefines(gradient: gradLogits != nil),
                   global: [batch], local: [Self.elementwiseLocalSize],
                   [.tensor(logits), .tensor(labels), .tensor(rowLoss), .tensor(gradLogits ?? rowLoss),
                    .int(batch), .int(classes), .float(1 / Float(batch))])
        try launch("ordered_sum", file: "loss", defines: lossDefines(gradient: false), global: [1], local: [1],
                   [.tensor(rowLoss), .tensor(loss), .int(batch), .float(1 / Float(batch))])
    }
}
