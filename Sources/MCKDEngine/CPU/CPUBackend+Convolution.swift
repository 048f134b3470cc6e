/// The convolution family as the obvious loop nests. Per axis, output position o and
/// tap k read input position i = o * stride - padding + k * dilation; every loop
/// below is that relation read in one direction, and sums run in Double.
extension CPUBackend {
    /// Spatial extents and geometry of one convolution, unpacked for the loops.
    private struct Geometry {
        let n: Int, ci: Int, co: Int
        let inD: Int, inH: Int, inW: Int
        let outD: Int, outH: Int, outW: Int
        let kD: Int, kH: Int, kW: Int
        let sD: Int, sH: Int, sW: Int
        let pD: Int, pH: Int, pW: Int
        let dD: Int, dH: Int, dW: Int

        init(_ c: Conv3DDescriptor, input: Shape, output: Shape) {
            n = input[0]; ci = c.inputChannels; co = c.outputChannels
            inD = input[2]; inH = input[3]; inW = input[4]
            outD = output[2]; outH = output[3]; outW = output[4]
            kD = c.kernel.d; kH = c.kernel.h; kW = c.kernel.w
            sD = c.stride.d; sH = c.stride.h; sW = c.stride.w
            pD = c.padding.d; pH = c.padding.h; pW = c.padding.w
            dD = c.dilation.d; dH = c.dilation.h; dW = c.dilation.w
        }

        var inSpatial: Int { inD * inH * inW }
        var outSpatial: Int { outD * outH * outW }
        var taps: Int { kD * kH * kW }
    }

    /// The output position that tap k reaches from input position i along one axis, if any.
    @inline(__always)
    private static func outputPosition(_ i: Int, tap k: Int, stride: Int, padding: Int, dilation: Int, extent: Int) -> Int? {
        let q = i + padding - k * dilation
        guard q >= 0, q % stride == 0, q / stride < extent else { return nil }
        return q / stride
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func conv3dForward(_ descriptor: Conv3DDescriptor, input: Tensor, weight: Tensor, bias: Tensor?,
                              into output: Tensor) throws {
        try descriptor.check(input: input.shape, weight: weight.shape, output: output.shape, op: "conv3dForward")
        try descriptor.check(bias: bias?.shape, op: "conv3dForward")
        let x = try buffer(input), w = try buffer(weight), y = try buffer(output)
        let b = try bias.map { try buffer($0) }
        let g = Geometry(descriptor, input: input.shape, output: output.shape)
        // One output element per index: y[n, co, od, oh, ow].
        parallelFor(y.count, minimumChunk: 256) { range in
            for index in range {
                var rest = index
                let ow = rest % g.outW; rest /= g.outW
                let oh = rest % g.outH; rest /= g.outH
                let od = rest % g.outD; rest /= g.outD
                let co = rest % g.co
                let n = rest / g.co
                var sum = b.map { Double($0[co]) } ?? 0
                for ci in 0..<g.ci {
                    let xBase = (n * g.ci + ci) * g.inSpatial
                    let wBase = (co * g.ci + ci) * g.taps
                    for kd in 0..<g.kD {
                        let id = od * g.sD - g.pD + kd * g.dD
                        guard id >= 0 && id < g.inD else { continue }
                        for kh in 0..<g.kH {
                            let ih = oh * g.sH - g.pH + kh * g.dH
                            guard ih >= 0 && ih < g.inH else { continue }
                            for kw in 0..<g.kW {
                                let iw = ow * g.sW - g.pW + kw * g.dW
                                guard iw >= 0 && iw < g.inW else { continue }
                                sum += Double(x[xBase + (id * g.inH + ih) * g.inW + iw])
                                    * Double(w[wBase + (kd * g.kH + kh) * g.kW + kw])
                            }
                        }
                    }
                }
                y[index] = Scalar(sum)
            }
        }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func conv3dBackwardData(_ descriptor: Conv3DDescriptor, gradOutput: Tensor, weight: Tensor,
                                   into gradInput: Tensor) throws {
        try descriptor.check(input: gradInput.shape, weight: weight.shape, output: gradOutput.shape, op: "conv3dBackwardData")
        try gatherTransposed(descriptor, source: try buffer(gradOutput), weight: try buffer(weight), bias: nil,
                             into: try buffer(gradInput), geometry: Geometry(descriptor, input: gradInput.shape, output: gradOutput.shape))
    }

    /// dx[n, ci, i] = sum over co and taps k with i = o * stride - padding + k * dilation
    /// of dy[n, co, o] * w[co, ci, k] (+ bias[ci]): conv backward-data, which is also
    /// the transposed convolution's forward pass.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    private func gatherTransposed(_ descriptor: Conv3DDescriptor, source dy: UnsafeMutableBufferPointer<Scalar>,
                                  weight w: UnsafeMutableBufferPointer<Scalar>, bias: UnsafeMutableBufferPointer<Scalar>?,
                                  into dx: UnsafeMutableBufferPointer<Scalar>, geometry g: Geometry) throws {
        parallelFor(dx.count, minimumChunk: 256) { range in
            for index in range {
                var rest = index
                let iw = rest % g.inW; rest /= g.inW
                let ih = rest % g.inH; rest /= g.inH
                let id = rest % g.inD; rest /= g.inD
                let ci = rest % g.ci
                let n = rest / g.ci
                var sum = bias.map { Double($0[ci]) } ?? 0
                for co in 0..<g.co {
                    let yBase = (n * g.co + co) * g.outSpatial
                    let wBase = (co * g.ci + ci) * g.taps
                    for kd in 0..<g.kD {
                        guard let od = Self.outputPosition(id, tap: kd, stride: g.sD, padding: g.pD, dilation: g.dD, extent: g.outD) else { continue }
                        for kh in 0..<g.kH {
                            guard let oh = Self.outputPosition(ih, tap: kh, stride: g.sH, padding: g.pH, dilation: g.dH, extent: g.outH) else { continue }
                            for kw in 0..<g.kW {
                                guard let ow = Self.outputPosition(iw, tap: kw, stride: g.sW, padding: g.pW, dilation: g.dW, extent: g.outW) else { continue }
                                sum += Double(dy[yBase + (od * g.outH + oh) * g.outW + ow])
                                    * Double(w[wBase + (kd * g.kH + kh) * g.kW + kw])
                            }
                        }
                    }
                }
                dx[index] = Scalar(sum)
            }
        }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func conv3dBackwardFilter(_ descriptor: Conv3DDescriptor, input: Tensor, gradOutput: Tensor,
                                     into gradWeight: Tensor, gradBias: Tensor?) throws {
        try descriptor.check(input: input.shape, weight: gradWeight.shape, output: gradOutput.shape, op: "conv3dBackwardFilter")
        try descriptor.check(bias: gradBias?.shape, op: "conv3dBackwardFilter")
        let g = Geometry(descriptor, input: input.shape, output: gradOutput.shape)
        let x = try buffer(input), dy = try buffer(gradOutput), dw = try buffer(gradWeight)
        // One weight element per index: dw[co, ci, kd, kh, kw], summed over n then output positions.
        parallelFor(dw.count, minimumChunk: 1) { range in
            for index in range {
                var rest = index
                let kw = rest % g.kW; rest /= g.kW
                let kh = rest % g.kH; rest /= g.kH
                let kd = rest % g.kD; rest /= g.kD
                let ci = rest % g.ci
                let co = rest / g.ci
                var sum = 0.0
                for n in 0..<g.n {
                    let xBase = (n * g.ci + ci) * g.inSpatial
                    let yBase = (n * g.co + co) * g.outSpatial
                    for od in 0..<g.outD {
                        let id = od * g.sD - g.pD + kd * g.dD
                        guard id >= 0 && id < g.inD else { continue }
                        for oh in 0..<g.outH {
                            let ih = oh * g.sH - g.pH + kh * g.dH
                            guard ih >= 0 && ih < g.inH else { continue }
                            for ow in 0..<g.outW {
                                let iw = ow * g.sW - g.pW + kw * g.dW
                                guard iw >= 0 && iw < g.inW else { continue }
                                sum += Double(dy[yBase + (od * g.outH + oh) * g.outW + ow])
                                    * Double(x[xBase + (id * g.inH + ih) * g.inW + iw])
                            }
                        }
                    }
                }
                dw[index] = Scalar(sum)
            }
        }
        if let gradBias {
            try sumPerChannel(dy, batch: g.n, channels: g.co, spatial: g.outSpatial, into: try buffer(gradBias))
        }
    }

    /// out[c] = sum over n and space of t[n, c, ...].
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    private func sumPerChannel(_ t: UnsafeMutableBufferPointer<Scalar>, batch: Int, channels: Int, spatial: Int,
                               into out: UnsafeMutableBufferPointer<Scalar>) throws {
        parallelFor(channels, minimumChunk: 1) { range in
            for c in range {
                var sum = 0.0
                for n in 0..<batch {
                    for s in 0..<spatial { sum += Double(t[(n * channels + c) * spatial + s]) }
                }
                out[c] = Scalar(sum)
            }
        }
    }

    // MARK: Transposed convolution (the adjoint of `descriptor.adjoint`)

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func convTranspose3dForward(_ descriptor: Conv3DDescriptor, input: Tensor, weight: Tensor, bias: Tensor?,
                                       into output: Tensor) throws {
        try descriptor.checkTransposed(input: input.shape, weight: weight.shape, output: output.shape, op: "convTranspose3dForward")
        try descriptor.check(bias: bias?.shape, op: "convTranspose3dForward")
        // The adjoint convolution maps output -> input; its backward-data gather is our forward.
        try gatherTransposed(descriptor.adjoint, source: try buffer(input), weight: try buffer(weight),
                             bias: try bias.map { try buffer($0) }, into: try buffer(output),
                             geometry: Geometry(descriptor.adjoint, input: output.shape, output: input.shape))
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func convTranspose3dBackwardData(_ descriptor: Conv3DDescriptor, gradOutput: Tensor, weight: Tensor,
                                            into gradInput: Tensor) throws {
        try descriptor.checkTransposed(input: gradInput.shape, weight: weight.shape, output: gradOutput.shape,
                                       op: "convTranspose3dBackwardData")
        try conv3dForward(descriptor.adjoint, input: gradOutput, weight: weight, bias: nil, into: gradInput)
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func convTranspose3dBackwardFilter(_ descriptor: Conv3DDescriptor, input: Tensor, gradOutput: Tensor,
                                              into gradWeight: Tensor, gradBias: Tensor?) throws {
        try descriptor.checkTransposed(input: input.shape, weight: gradWeight.shape, output: gradOutput.shape,
                                       op: "convTranspose3dBackwardFilter")
        try descriptor.check(bias: gradBias?.shape, op: "convTranspose3dBackwardFilter")
        // dW[ci, co, k] = sum x[n, ci, i] * dy[n, co, i * s - p + k * d]: the adjoint
        // convolution's filter gradient with dy as its input and x as its output gradient.
        try conv3dBackwardFilter(descriptor.adjoint, input: gradOutput, gradOutput: input, into: gradWeight, gradBias: nil)
        if let gradBias {
            let dy = gradOutput.shape
            try sumPerChannel(try buffer(gradOutput), batch: dy[0], channels: dy[1], spatial: dy.count / (dy[0] * dy[1]),
                              into: try buffer(gradBias))
        }
    }

    // MARK: Weight standardisation

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func standardizeWeights(_ weight: Tensor, into standardized: Tensor, eps: Float) throws {
        try Conv3DDescriptor.checkStandardization([weight.shape, standardized.shape], op: "standardizeWeights", eps: eps)
        let w = try buffer(weight), y = try buffer(standardized)
        let channels = weight.shape[0], k = weight.count / channels
        parallelFor(channels, minimumChunk: 1) { range in
            for c in range {
                let (mean, scale) = Self.standardization(w, channel: c, count: k, eps: eps)
                for j in c * k..<(c + 1) * k { y[j] = Scalar((Double(w[j]) - mean) * scale) }
            }
        }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func standardizeWeightsBackward(_ weight: Tensor, gradStandardized: Tensor, into gradWeight: Tensor,
                                           eps: Float) throws {
        try Conv3DDescriptor.checkStandardization([weight.shape, gradStandardized.shape, gradWeight.shape],
                                                  op: "standardizeWeightsBackward", eps: eps)
        let w = try buffer(weight), g = try buffer(gradStandardized), dw = try buffer(gradWeight)
        let channels = weight.shape[0], k = weight.count / channels
        parallelFor(channels, minimumChunk: 1) { range in
            for c in range {
                let (mean, scale) = Self.standardization(w, channel: c, count: k, eps: eps)
                var meanG = 0.0, sumGY = 0.0
                for j in c * k..<(c + 1) * k {
                    meanG += Double(g[j])
                    sumGY += Double(g[j]) * (Double(w[j]) - mean) * scale
                }
                meanG /= Double(k)
                // d var / d w_j = 2 (w_j - mean) / (K - 1): the unbiased variance's divisor.
                let projection = sumGY / Double(Self.varianceDivisor(k))
                for j in c * k..<(c + 1) * k {
                    let y = (Double(w[j]) - mean) * scale
                    dw[j] = Scalar((Double(g[j]) - meanG - y * projection) * scale)
                }
            }
        }
    }

    /// K - 1, the unbiased variance's divisor (1 for a single weight, whose centred value is 0).
    @inline(__always)
    static func varianceDivisor(_ k: Int) -> Int { max(k - 1, 1) }

    /// Mean and 1 / sqrt(unbiased variance + eps) of one output channel's weights.
    @inline(__always)
    private static func standardization(_ w: UnsafeMutableBufferPointer<Scalar>, channel c: Int, count k: Int,
                                        eps: Float) -> (mean: Double, scale: Double) {
        var sum = 0.0
        for j in c * k..<(c + 1) * k { sum += Double(w[j]) }
        let mean = sum / Double(k)
        var squares = 0.0
        for j in c * k..<(c + 1) * k { squares += (Double(w[j]) - mean) * (Double(w[j]) - mean) }
        return (mean, 1 / (squares / Double(varianceDivisor(k)) + Double(eps)).squareRoot())
    }
}
