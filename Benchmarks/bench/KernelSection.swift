import MCKDEngine

/// Per-op throughput. Each op family adds its rows here.
enum KernelSection {
    /// Timed runs per row after the warm-up, best counted: on a 2-core machine shared
    /// with other work a kernel's time moves 2-3x within a minute, and the best of more
    /// runs finds the free moments (the PyTorch twin runs as many).
    static let repeats = 10

    static func run(_ backend: any Backend, quick: Bool, report: inout BenchReport) throws {
        print("kernels")
        let repeats = quick ? 1 : Self.repeats
        try elementwiseRows(backend, quick: quick, repeats: repeats, report: &report)
        try gemmRows(backend, quick: quick, repeats: repeats, report: &report)
        try ConvolutionRows.run(backend, quick: quick, repeats: repeats, report: &report)
        try LayerRows.run(backend, quick: quick, repeats: repeats, report: &report)
    }

    static func elementwiseRows(_ backend: any Backend, quick: Bool, repeats: Int, report: inout BenchReport) throws {
        let count = quick ? 1 << 16 : 16 << 20
        let x = try backend.makeTensor(shape: Shape(count)), y = try backend.makeTensor(shape: Shape(count))
        try backend.fillRandom(x, .uniform(low: -1, high: 1), seed: 1, stream: 0)
        let sum = try backend.makeTensor(shape: [1])
        let shape = "\(count)"
        try report.addMemory("kernels", "axpy", shape: shape, bytes: Double(3 * count * 4),
                         seconds: try backend.bestTime(repeats: repeats) { try backend.axpy(alpha: 0.5, x: x, y: y) },
                         twin: TwinSpec(op: "axpy", shapes: ["input": [count]]))
        try report.addMemory("kernels", "reduce sum (all)", shape: shape, bytes: Double(count * 4),
                         seconds: try backend.bestTime(repeats: repeats) { try backend.reduceAll(.sum, x, into: sum) },
                         twin: TwinSpec(op: "sum", shapes: ["input": [count]]))
        try report.addMemory("kernels", "random normal fill", shape: shape, bytes: Double(count * 4),
                         seconds: try backend.bestTime(repeats: repeats) {
                             try backend.fillRandom(y, .normal(mean: 0, standardDeviation: 1), seed: 2, stream: 0)
                         })
    }

    /// SGEMM at the shapes a 3x3x3 convolution lowers to (M = Co, N = voxels, K = Ci * 27), N = 1.
    static func gemmRows(_ backend: any Backend, quick: Bool, repeats: Int, report: inout BenchReport) throws {
        let shapes: [(label: String, m: Int, n: Int, k: Int)] = quick
            ? [("64^3", 64, 64, 64)]
            : [("1024^3", 1024, 1024, 1024),
               ("conv C32@32^3", 32, 32 * 32 * 32, 32 * 27),
               ("conv C64@16^3", 64, 16 * 16 * 16, 64 * 27),
               ("conv C16@64^3", 16, 64 * 64 * 64, 16 * 27),
               ("conv C1->16@64^3", 16, 64 * 64 * 64, 27)]
        for (label, m, n, k) in shapes where report.wants("sgemm \(label)") {
            let descriptor = GEMMDescriptor(m: m, n: n, k: k)
            let a = try backend.makeTensor(shape: [m, k]), b = try backend.makeTensor(shape: [k, n])
            let c = try backend.makeTensor(shape: [m, n])
            try backend.fillRandom(a, .uniform(low: -1, high: 1), seed: 3, stream: 0)
            try backend.fillRandom(b, .uniform(low: -1, high: 1), seed: 3, stream: 1)
            try report.addCompute("kernels", "sgemm \(label)", shape: "m=\(m) n=\(n) k=\(k)", flops: descriptor.flops,
                              seconds: try backend.bestTime(repeats: repeats) { try backend.gemm(descriptor, a: a, b: b, c: c) },
                              twin: TwinSpec(op: "sgemm", shapes: ["mnk": [m, n, k]]))
        }
    }
}
