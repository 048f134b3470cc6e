extension OpenCLBackend {
    /// How many partial sums pass 1 of a loss reduction over `extent` elements writes:
    /// one per 1024 elements (`reductionChunk`), each strided over the extent. A function
    /// of the shape only, so the summation order, and the result, is the same on every device.
    static func partialCount(_ extent: Int) -> Int {
        (extent + reductionChunk - 1) / reductionChunk
    }

    /// One work-item runs each second pass: the partial counts here are small
    /// (rows x chunks of 1024), and a single in-order sum is what makes them deterministic.
    private func launchSingle(_ kernel: String, file: String, defines: [String] = [], _ arguments: [KernelArgument]) throws {
        try launch(kernel, file: file, defines: defines, global: [1], local: [1], arguments)
    }

    public func diceLoss(logits: Tensor, targets: Tensor, loss: Tensor, gradLogits: Tensor?) throws {
        let (rows, voxels) = try validateVoxelLoss("diceLoss", logits: logits, targets: targets, loss: loss, gradLogits: gradLogits)
        let chunks = Self.partialCount(voxels)
        let partials = try makeTensor(shape: Shape(rows * chunks, 3))
        let stats = try makeTensor(shape: Shape(rows, 2))
        try launch("dice_partials", file: "loss", global: [rows * chunks], local: [Self.elementwiseLocalSize],
                   [.tensor(logits), .tensor(targets), .tensor(partials), .int(rows), .int(voxels), .int(chunks)])
        try launchSingle("dice_finish", file: "loss", [.tensor(partials), .tensor(stats), .tensor(loss), .int(rows), .int(chunks)])
        guard let gradLogits else { return }
        try launch("dice_backward", file: "loss", global: [voxels, rows], local: [Self.elementwiseLocalSize, 1],
                   [.tensor(logits), .tensor(targets), .tensor(stats), .tensor(gradLogits),
                    .int(voxels), .float(-2 / Float(rows))])
    }

    public func binaryCrossEntropyLoss(logits: Tensor, targets: Tensor, loss: Tensor, gradLogits: Tensor?) throws {
        let (rows, voxels) = try validateVoxelLoss("binaryCrossEntropyLoss", logits: logits, targets: targets, loss: loss, gradLogits: gradLogits)
        // Each channel holds N * voxels elements; the sum of per-channel means is the total over that.
        let perChannel = Float(rows / logits.shape[1] * voxels)
        let count = logits.count
        let chunks = Self.partialCount(count)
        let partials = try makeTensor(shape: Shape(chunks))
        try launch("bce_partials", file: "loss", global: [chunks], local: [Self.elementwiseLocalSize],
                   [.tensor(logits), .tensor(targets), .tensor(partials), .int(count), .int(chunks)])
        try launchSingle("ordered_sum", file: "loss", [.tensor(partials), .tensor(loss), .int(chunks), .float(1 / perChannel)])
        guard let gradLogits else { return }
        try launch("bce_backward", file: "loss", global: [count], local: [Self.elementwiseLocalSize],
                   [.tensor(logits), .tensor(targets), .tensor(gradLogits), .int(count), .float(1 / perChannel)])
    }

    public func softmaxCrossEntropyLoss(logits: Tensor, labels: Tensor, loss: Tensor, gradLogits: Tensor?) throws {
        let (batch, classes) = try validateCrossEntropy(logits: logits, labels: labels, loss: loss, gradLogits: gradLogits)
        let rowLoss = try makeTensor(shape: Shape(batch))
        // Without a gradient the kernel never touches its grad argument; rowLoss stands in for it.
        try launch("xent_rows", file: "loss", defines: ["WITH_GRADIENT=\(gradLogits == nil ? 0 : 1)"],
                   global: [batch], local: [Self.elementwiseLocalSize],
                   [.tensor(logits), .tensor(labels), .tensor(rowLoss), .tensor(gradLogits ?? rowLoss),
                    .int(batch), .int(classes), .float(1 / Float(batch))])
        try launchSingle("ordered_sum", file: "loss", [.tensor(rowLoss), .tensor(loss), .int(batch), .float(1 / Float(batch))])
    }
}
