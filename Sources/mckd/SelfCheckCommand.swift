import ArgumentParser
import Foundation
import MCKDEngine

struct SelfCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "self-check",
        abstract: "Run a GEMM on a device and compare it with the CPU reference.")

    @Option(help: "Device to check: cpu or gpuN (see `mckd devices`).")
    var device = "gpu0"

    @Option(help: "Matrix size n of the n x n x n product.")
    var size = 512

    /// Three n x n matrices on the device and three on the host: 8192 takes 1.6 GB.
    static let largestSize = 8192

    func validate() throws {
        guard (1...Self.largestSize).contains(size) else {
            throw ValidationError("--size \(size): a matrix size from 1 to \(Self.largestSize)")
        }
    }

    func run() throws {
        try reportingErrors {
            let backend = try makeBackend(device: device)
            print("device: \(backend.name)")
            if let device = backend as? OpenCLBackend {
                print("CLBlast parameters: " + (device.clblastTuning?.source(for: device.device) ?? "built-in"))
            }
            let reference = CPUBackend<Float>()
            let shape = Shape(size, size)
            let descriptor = GEMMDescriptor(m: size, n: size, k: size)
            func product(on engine: any Backend) throws -> (values: [Float], seconds: Double) {
                let a = try engine.makeTensor(shape: shape), b = try engine.makeTensor(shape: shape)
                let c = try engine.makeTensor(shape: shape)
                try engine.fillRandom(a, .normal(mean: 0, standardDeviation: 1), seed: 7, stream: 0)
                try engine.fillRandom(b, .normal(mean: 0, standardDeviation: 1), seed: 7, stream: 1)
                try engine.gemm(descriptor, a: a, b: b, c: c)   // warm-up: kernel compilation
                try engine.synchronize()
                let start = Date()
                try engine.gemm(descriptor, a: a, b: b, c: c)
                try engine.synchronize()
                return (try engine.download(c), Date().timeIntervalSince(start))
            }
            let (expected, referenceSeconds) = try product(on: reference)
            let (actual, seconds) = try product(on: backend)
            let worst = zip(expected, actual).map { abs($0 - $1) }.max() ?? 0
            // Entries are sums of `size` unit-normal products, ~sqrt(size) in magnitude.
            let tolerance = 1e-5 * Float(size)
            print(String(format: "GEMM %d^3: %.1f GFLOP/s (reference %.1f GFLOP/s), max |difference| %.2e (tolerance %.1e)",
                         size, descriptor.flops / seconds / 1e9, descriptor.flops / referenceSeconds / 1e9, worst, tolerance))
            guard worst <= tolerance else {
                print("self-check FAILED: \(backend.name) disagrees with the CPU reference")
                throw ExitCode.failure
            }
            print("self-check passed")
        }
    }
}
