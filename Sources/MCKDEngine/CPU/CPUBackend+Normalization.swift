extension CPUBackend {
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func normalizationForward(_ descriptor: NormalizationDescriptor, x: Tensor, gamma: Tensor, beta: Tensor,
                                     runningMean: Tensor?, runningVariance: Tensor?,
                                     into y: Tensor, savedMean: Tensor, savedInvStd: Tensor) throws {
        let (layout, running) = try descriptor.validateForward(x: x, gamma: gamma, beta: beta, runningMean: runningMean,
                                                               runningVariance: runningVariance, y: y, savedMean: savedMean, savedInvStd: savedInvStd)
        let input = try buffer(x), out = try buffer(y), g = try buffer(gamma), b = try buffer(beta)
        let mean = try buffer(savedMean), invStd = try buffer(savedInvStd)
        let epsilon = Double(descriptor.epsilon), count = layout.count, spatial = layout.spatial

        if descriptor.usesBatchStatistics {
            let runMean = try running.map { try buffer($0.mean) }, runVar = try running.map { try buffer($0.variance) }
            let momentum = Double(descriptor.momentum)
            // One statistic per task: mean, then the mean squared deviation (two passes, in Double).
            parallelFor(layout.statistics, minimumChunk: 1) { range in
                for j in range {
                    var sum = 0.0
                    layout.forEachRow(of: j) { row in for s in 0..<spatial { sum += Double(input[row * spatial + s]) } }
                    let m = sum / Double(count)
                    var squares = 0.0
                    layout.forEachRow(of: j) { row in
                        for s in 0..<spatial { let e = Double(input[row * spatial + s]) - m; squares += e * e }
                    }
                    let variance = squares / Double(count)
                    mean[j] = Scalar(m)
                    invStd[j] = Scalar(1 / (variance + epsilon).squareRoot())
                    if let runMean, let runVar {
                        runMean[j] = Scalar((1 - momentum) * Double(runMean[j]) + momentum * m)
                        runVar[j] = Scalar((1 - momentum) * Double(runVar[j]) + momentum * squares / Double(count - 1))
                    }
                }
            }
        } else {
            let runMean = try buffer(running!.mean), runVar = try buffer(running!.variance)
            for j in 0..<layout.statistics {
                mean[j] = runMean[j]
                invStd[j] = Scalar(1 / (Double(runVar[j]) + epsilon).squareRoot())
            }
        }
        // One (sample, channel) row per task.
        parallelFor(layout.rows, minimumChunk: max(1, 16_384 / spatial)) { rows in
            for row in rows {
                let j = layout.statistic(ofRow: row), c = row % layout.channels
                let m = Double(mean[j]), scale = Double(invStd[j]) * Double(g[c]), shift = Double(b[c])
                for s in 0..<spatial { out[row * spatial + s] = Scalar((Double(input[row * spatial + s]) - m) * scale + shift) }
            }
        }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func normalizationBackward(_ descriptor: NormalizationDescriptor, x: Tensor, gradOutput: Tensor, gamma: Tensor,
                                      savedMean: Tensor, savedInvStd: Tensor,
                                      gradInput: Tensor, gradGamma: Tensor, gradBeta: Tensor) throws {
        let layout = try descriptor.validateBackward(x: x, gradOutput: gradOutput, gamma: gamma, savedMean: savedMean, savedInvStd: savedInvStd,
                                                     gradInput: gradInput, gradGamma: gradGamma, gradBeta: gradBeta)
        let input = try buffer(x), dy = try buffer(gradOutput), g = try buffer(gamma)
        let mean = try buffer(savedMean), invStd = try buffer(savedInvStd)
        let dx = try buffer(gradInput), dGamma = try buffer(gradGamma), dBeta = try buffer(gradBeta)
        let spatial = layout.spatial, channels = layout.channels, samples = layout.rows / channels
        let coupled = descriptor.usesBatchStatistics

        // Parameter gradients: one channel per task, over every sample and voxel.
        parallelFor(channels, minimumChunk: 1) { range in
            for c in range {
                var sumDy = 0.0, sumDyXhat = 0.0
                for n in 0..<samples {
                    let row = n * channels + c, j = layout.statistic(ofRow: row)
                    let m = Double(mean[j]), inv = Double(invStd[j])
                    for s in 0..<spatial {
                        let i = row * spatial + s
                        sumDy += Double(dy[i])
                        sumDyXhat += Double(dy[i]) * (Double(input[i]) - m) * inv
                    }
                }
                dGamma[c] = Scalar(sumDyXhat)
                dBeta[c] = Scalar(sumDy)
            }
        }
        // Input gradient: one statistic per task (its rows belong to it alone).
        parallelFor(layout.statistics, minimumChunk: 1) { range in
            for j in range {
                let m = Double(mean[j]), inv = Double(invStd[j])
                var meanG = 0.0, meanGXhat = 0.0
                if coupled {
                    layout.forEachRow(of: j) { row in
                        let gc = Double(g[row % channels])
                        for s in 0..<spatial {
                            let i = row * spatial + s
                            meanG += gc * Double(dy[i])
                            meanGXhat += gc * Double(dy[i]) * (Double(input[i]) - m) * inv
                        }
                    }
                    meanG /= Double(layout.count)
                    meanGXhat /= Double(layout.count)
                }
                layout.forEachRow(of: j) { row in
                    let gc = Double(g[row % channels])
                    for s in 0..<spatial {
                        let i = row * spatial + s
                        let xhat = (Double(input[i]) - m) * inv
                        dx[i] = Scalar(inv * (gc * Double(dy[i]) - meanG - xhat * meanGXhat))
                    }
                }
            }
        }
    }
}

extension NormalizationDescriptor.Layout {
    /// Calls `body` with the [N*C, S] rows of statistic j in their fixed order.
    @inline(__always)
    func forEachRow(of j: Int, _ body: (Int) -> Void) {
        let first = firstRow(of: j)
        for a in 0..<blocks { for k in 0..<groupSize { body(first + a * blockStride + k) } }
    }
}
