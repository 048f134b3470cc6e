extension OpenCLBackend {
    public func upsampleForward(_ mode: UpsamplingMode, scale: VolumeTriple, x: Tensor, into y: Tensor) throws {
        let g = try UpsampleGeometry(scale: scale, input: x, output: y, op: "upsample \(mode.rawValue)")
        try launch("upsample_\(mode.rawValue)_forward", file: "resampling", defines: scaleDefines(scale), global: [g.output.w, g.output.h, g.volumes * g.output.d],
                   local: Self.volumeLocalSize, [.tensor(x), .tensor(y)] + sizes(g))
    }

    public func upsampleBackward(_ mode: UpsamplingMode, scale: VolumeTriple, gradOutput: Tensor, into gradInput: Tensor) throws {
        let g = try UpsampleGeometry(scale: scale, input: gradInput, output: gradOutput, op: "upsample \(mode.rawValue) backward")
        try launch("upsample_\(mode.rawValue)_backward", file: "resampling", defines: scaleDefines(scale), global: [g.input.w, g.input.h, g.volumes * g.input.d],
                   local: Self.volumeLocalSize, [.tensor(gradOutput), .tensor(gradInput)] + sizes(g))
    }

    private func scaleDefines(_ s: VolumeTriple) -> [String] { ["SD=\(s.d)", "SH=\(s.h)", "SW=\(s.w)"] }

    private func sizes(_ g: UpsampleGeometry) -> [KernelArgument] {
        [.int(g.volumes), .int(g.input.d), .int(g.input.h), .int(g.input.w),
         .float(UpsampleGeometry.ratio(input: g.input.d, output: g.output.d)),
         .float(UpsampleGeometry.ratio(input: g.input.h, output: g.output.h)),
         .float(UpsampleGeometry.ratio(input: g.input.w, output: g.output.w))]
    }
}
