extension CPUBackend {
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func upsampleForward(_ mode: UpsamplingMode, scale: VolumeTriple, x: Tensor, into y: Tensor) throws {
        let g = try UpsampleGeometry(scale: scale, input: x, output: y, op: "upsample \(mode.rawValue)")
        let input = try buffer(x), out = try buffer(y)
        let (i, o) = (g.input, g.output)
        let ratios = Self.ratios(g)
        parallelFor(out.count, minimumChunk: 4096) { range in
            for flat in range {
                let ow = flat % o.w, oh = (flat / o.w) % o.h, od = (flat / (o.w * o.h)) % o.d, volume = flat / (o.w * o.h * o.d)
                let base = volume * i.d * i.h * i.w
                func at(_ d: Int, _ h: Int, _ w: Int) -> Scalar { input[base + (d * i.h + h) * i.w + w] }
                switch mode {
                case .nearest:
                    out[flat] = at(od / scale.d, oh / scale.h, ow / scale.w)
                case .trilinear:
                    let (d0, d1, ld) = linearTaps(od, ratio: ratios.d, inputs: i.d)
                    let (h0, h1, lh) = linearTaps(oh, ratio: ratios.h, inputs: i.h)
                    let (w0, w1, lw) = linearTaps(ow, ratio: ratios.w, inputs: i.w)
                    // Interpolate along W, then H, then D.
                    func alongW(_ d: Int, _ h: Int) -> Scalar { at(d, h, w0) * (1 - lw) + at(d, h, w1) * lw }
                    func alongH(_ d: Int) -> Scalar { alongW(d, h0) * (1 - lh) + alongW(d, h1) * lh }
                    out[flat] = alongH(d0) * (1 - ld) + alongH(d1) * ld
                }
            }
        }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func upsampleBackward(_ mode: UpsamplingMode, scale: VolumeTriple, gradOutput: Tensor, into gradInput: Tensor) throws {
        let g = try UpsampleGeometry(scale: scale, input: gradInput, output: gradOutput, op: "upsample \(mode.rawValue) backward")
        let grad = try buffer(gradOutput), out = try buffer(gradInput)
        let (i, o) = (g.input, g.output)
        let ratios = Self.ratios(g)
        // Weight of input position `index` in output position `p` along one axis.
        func weight(_ p: Int, _ index: Int, _ ratio: Scalar, _ inputs: Int, _ factor: Int) -> Scalar {
            if mode == .nearest { return p / factor == index ? 1 : 0 }
            let (lower, upper, t) = linearTaps(p, ratio: ratio, inputs: inputs)
            return (lower == index ? 1 - t : 0) + (upper == index ? t : 0)
        }
        parallelFor(out.count, minimumChunk: 1024) { range in
            for flat in range {
                let w = flat % i.w, h = (flat / i.w) % i.h, d = (flat / (i.w * i.h)) % i.d, volume = flat / (i.w * i.h * i.d)
                let base = volume * o.d * o.h * o.w
                var sum = 0.0
                // Every output position is visited: the reference favours obviousness over speed.
                for od in 0..<o.d {
                    let wd = weight(od, d, ratios.d, i.d, scale.d)
                    if wd == 0 { continue }
                    for oh in 0..<o.h {
                        let wh = weight(oh, h, ratios.h, i.h, scale.h)
                        if wh == 0 { continue }
                        for ow in 0..<o.w {
                            let ww = weight(ow, w, ratios.w, i.w, scale.w)
                            if ww == 0 { continue }
                            sum += Double(wd * wh * ww * grad[base + (od * o.h + oh) * o.w + ow])
                        }
                    }
                }
                out[flat] = Scalar(sum)
            }
        }
    }

    /// align_corners ratios in this backend's precision (Double for gradient checks).
    private static func ratios(_ g: UpsampleGeometry) -> (d: Scalar, h: Scalar, w: Scalar) {
        func r(_ input: Int, _ output: Int) -> Scalar { output > 1 ? Scalar(input - 1) / Scalar(output - 1) : 0 }
        return (r(g.input.d, g.output.d), r(g.input.h, g.output.h), r(g.input.w, g.output.w))
    }
}
