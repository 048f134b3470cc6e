extension CPUBackend {
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func maxPoolForward(_ p: PoolingDescriptor, x: Tensor, into y: Tensor, argmax: Tensor) throws {
        let geometry = try PoolGeometry(p, input: x, output: y, op: "maxPool")
        try requireTensorShape(argmax, y.shape, op: "maxPool", name: "argmax")
        let input = try buffer(x), out = try buffer(y), winners = try buffer(argmax)
        let (i, o) = (geometry.input, geometry.output)
        parallelFor(out.count, minimumChunk: 4096) { range in
            for flat in range {
                let (volume, od, oh, ow) = o.split(flat)
                let base = volume * i.spatial
                var best = Scalar.nan, bestIndex = -1
                for kd in 0..<p.kernel.d {
                    let d = od * p.stride.d - p.padding.d + kd
                    guard d >= 0 && d < i.d else { continue }
                    for kh in 0..<p.kernel.h {
                        let h = oh * p.stride.h - p.padding.h + kh
                        guard h >= 0 && h < i.h else { continue }
                        for kw in 0..<p.kernel.w {
                            let w = ow * p.stride.w - p.padding.w + kw
                            guard w >= 0 && w < i.w else { continue }
                            let index = (d * i.h + h) * i.w + w, v = input[base + index]
                            // Strictly greater keeps the first maximum; the first NaN wins and stays.
                            if bestIndex < 0 || v > best || (v.isNaN && !best.isNaN) { best = v; bestIndex = index }
                        }
                    }
                }
                out[flat] = best
                winners[flat] = Scalar(bestIndex)
            }
        }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func maxPoolBackward(_ p: PoolingDescriptor, gradOutput: Tensor, argmax: Tensor, into gradInput: Tensor) throws {
        let geometry = try PoolGeometry(p, input: gradInput, output: gradOutput, op: "maxPool backward")
        try requireTensorShape(argmax, gradOutput.shape, op: "maxPool backward", name: "argmax")
        let g = try buffer(gradOutput), winners = try buffer(argmax), out = try buffer(gradInput)
        let (i, o) = (geometry.input, geometry.output)
        parallelFor(out.count, minimumChunk: 4096) { range in
            for flat in range {
                let (volume, d, h, w) = i.split(flat)
                let own = Scalar((d * i.h + h) * i.w + w)
                var sum = 0.0
                geometry.forEachWindow(containing: (d, h, w)) { window in
                    let index = volume * o.spatial + window
                    if winners[index] == own { sum += Double(g[index]) }
                }
                out[flat] = Scalar(sum)
            }
        }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func globalAveragePoolForward(x: Tensor, into y: Tensor) throws {
        let dims = try VolumeDims(x, op: "globalAveragePool")
        try requireTensorShape(y, Shape(dims.n, dims.c, 1, 1, 1), op: "globalAveragePool", name: "output")
        let input = try buffer(x), out = try buffer(y), spatial = dims.spatial
        parallelFor(out.count, minimumChunk: max(1, 16_384 / spatial)) { range in
            for row in range {
                var sum = 0.0
                for s in 0..<spatial { sum += Double(input[row * spatial + s]) }
                out[row] = Scalar(sum / Double(spatial))
            }
        }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func globalAveragePoolBackward(gradOutput: Tensor, into gradInput: Tensor) throws {
        let dims = try VolumeDims(gradInput, op: "globalAveragePool backward")
        try requireTensorShape(gradOutput, Shape(dims.n, dims.c, 1, 1, 1), op: "globalAveragePool backward", name: "gradOutput")
        let g = try buffer(gradOutput), out = try buffer(gradInput), spatial = dims.spatial
        parallelFor(out.count) { range in
            for flat in range { out[flat] = g[flat / spatial] / Scalar(spatial) }
        }
    }
}
