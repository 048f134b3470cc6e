import RealModule

extension CPUBackend {
    /// Stable logistic, evaluated on the side where exp cannot overflow.
    @inline(__always)
    static func sigmoid(_ x: Scalar) -> Scalar {
        x >= 0 ? 1 / (1 + Scalar.exp(-x)) : Scalar.exp(x) / (1 + Scalar.exp(x))
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func diceLoss(logits: Tensor, targets: Tensor, loss: Tensor, gradLogits: Tensor?) throws {
        let (rows, voxels) = try validateVoxelLoss("diceLoss", logits: logits, targets: targets, loss: loss, gradLogits: gradLogits)
        let x = try buffer(logits), t = try buffer(targets)
        // Per row (n, c): sum(p * t), and the denominator sum(p) + sum(t) + 1, in Double.
        var overlap = [Double](repeating: 0, count: rows), denominator = overlap
        overlap.withUnsafeMutableBufferPointer { overlap in
            denominator.withUnsafeMutableBufferPointer { denominator in
                parallelFor(rows, minimumChunk: 1) { range in
                    for row in range {
                        var sumPT = 0.0, sumP = 0.0, sumT = 0.0
                        for v in row * voxels..<(row + 1) * voxels {
                            let p = Double(Self.sigmoid(x[v])), target = Double(t[v])
                            sumPT += p * target
                            sumP += p
                            sumT += target
                        }
                        overlap[row] = sumPT
                        denominator[row] = sumP + sumT + 1
                    }
                }
            }
        }
        // loss = mean over channels of (1 - mean over batch of dice) = 1 - mean over rows of dice.
        var diceSum = 0.0
        for row in 0..<rows { diceSum += 2 * overlap[row] / denominator[row] }
        try buffer(loss)[0] = Scalar(1 - diceSum / Double(rows))

        guard let gradLogits else { return }
        let grad = try buffer(gradLogits)
        // dloss/dp = -2/rows * (t * den - overlap) / den^2; dp/dx = sigmoid(x) * sigmoid(-x).
        let scale = -2 / Double(rows)
        parallelFor(rows * voxels) { range in
            for v in range {
                let row = v / voxels
                let den = denominator[row]
                let slope = Double(Self.sigmoid(x[v])) * Double(Self.sigmoid(-x[v]))
                grad[v] = Scalar(scale * (Double(t[v]) * den - overlap[row]) / (den * den) * slope)
            }
        }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func binaryCrossEntropyLoss(logits: Tensor, targets: Tensor, loss: Tensor, gradLogits: Tensor?) throws {
        let (rows, voxels) = try validateVoxelLoss("binaryCrossEntropyLoss", logits: logits, targets: targets, loss: loss, gradLogits: gradLogits)
        let x = try buffer(logits), t = try buffer(targets)
        // Every channel has N * voxels elements, so the sum over channels of per-channel
        // means is the sum over everything divided by N * voxels.
        let perChannel = Double(rows / logits.shape[1] * voxels)
        let count = x.count
        var partials = [Double](repeating: 0, count: 64)
        let chunk = (count + partials.count - 1) / partials.count
        partials.withUnsafeMutableBufferPointer { partial in
            parallelFor(partial.count, minimumChunk: 1) { range in
                for p in range {
                    var sum = 0.0
                    for i in min(count, p * chunk)..<min(count, (p + 1) * chunk) {
                        let xi = Double(x[i])
                        // NaN fails the comparison and still reaches the sum through -x * t and |x|.
                        sum += (xi > 0 ? xi : 0) - xi * Double(t[i]) + Double.log(onePlus: Double.exp(-Swift.abs(xi)))
                    }
                    partial[p] = sum
                }
            }
        }
        try buffer(loss)[0] = Scalar(partials.reduce(0, +) / perChannel)

        guard let gradLogits else { return }
        let grad = try buffer(gradLogits)
        let scale = 1 / perChannel
        parallelFor(count) { range in
            for i in range { grad[i] = Scalar((Double(Self.sigmoid(x[i])) - Double(t[i])) * scale) }
        }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func softmaxCrossEntropyLoss(logits: Tensor, labels: Tensor, loss: Tensor, gradLogits: Tensor?) throws {
        let (batch, classes) = try validateCrossEntropy(logits: logits, labels: labels, loss: loss, gradLogits: gradLogits)
        let x = try buffer(logits), y = try buffer(labels)
        let grad = try gradLogits.map { try buffer($0) }
        var rowLoss = [Double](repeating: 0, count: batch)
        rowLoss.withUnsafeMutableBufferPointer { rowLoss in
            parallelFor(batch, minimumChunk: 64) { range in
                for n in range {
                    let row = n * classes
                    var maximum = -Double.infinity
                    for k in 0..<classes { maximum = Swift.max(maximum, Double(x[row + k])) }
                    var sum = 0.0
                    for k in 0..<classes { sum += Double.exp(Double(x[row + k]) - maximum) }
                    let label = Double(y[n])
                    let valid = label >= 0 && label < Double(classes) && label == label.rounded(.down)
                    let target = valid ? Int(label) : 0
                    // Invalid labels (and NaN logits, through the sum) give NaN.
                    rowLoss[n] = valid ? maximum + Double.log(sum) - Double(x[row + target]) : .nan
                    guard let grad else { continue }
                    for k in 0..<classes {
                        let softmax = Double.exp(Double(x[row + k]) - maximum) / sum
                        let g = valid ? softmax - (k == target ? 1 : 0) : .nan
                        grad[row + k] = Scalar(g / Double(batch))
                    }
                }
            }
        }
        try buffer(loss)[0] = Scalar(rowLoss.reduce(0, +) / Double(batch))
    }
}
