import Foundation
import MCKDEngine
import MCKDTraining

/// `bench --only distributed`, run under `mpirun -np N` (alone: N = 1): the time to
/// average the paper model's 43.7M gradients across the ranks, fixed-order (mckd's) and
/// by MPI_Allreduce, with the bus bandwidth it implies (2 (N-1)/N x the gradient's bytes
/// per rank, as for a ring all-reduce); then small-model steps per second with the
/// global batch split over the ranks, and the share of each step spent in collectives.
/// Rank 0 prints and records.
enum DistributedSection {
    static let paperParameters = 43_700_000

    static func run(_ backend: any Backend, quick: Bool, report: inout BenchReport) throws {
        let communicator = try ProcessGroup.join(collectiveTimeout: 600)
        let n = communicator.size, root = communicator.isRoot
        if root { print("distributed (\(n) rank\(n == 1 ? "" : "s")\(n == 1 ? "; run under mpirun -np N for N > 1" : ""))") }
        let count = quick ? 1 << 16 : paperParameters
        let gradient = (0..<count).map { Float(($0 &* 2_654_435_761) % 1000) * 1e-3 }
        let repeats = quick ? 1 : 3
        for library in [false, true] where n > 1 {
            let parallel = DataParallel(communicator: communicator, libraryAllReduce: library)
            var best = Double.infinity
            for _ in 0..<repeats {
                try communicator.barrier(name: "bench")
                let start = Date()
                _ = try parallel.averageGradient([gradient])
                best = min(best, Date().timeIntervalSince(start))
            }
            let busBytes = n > 1 ? 2 * Double(n - 1) / Double(n) * Double(count * 4) : Double(count * 4)
            if root {
                report.add(BenchRow(section: "distributed", name: library ? "gradient MPI_Allreduce (not bitwise)" : "gradient average (fixed order)",
                                    shape: "\(count) floats, \(n) rank\(n == 1 ? "" : "s")", seconds: best,
                                    rate: busBytes / best / 1e9, unit: "GB/s bus"))
            }
        }
        try steps(backend, communicator: communicator, quick: quick, report: &report)
        (communicator as? MPICommunicator)?.finish()
    }

    /// The small model (8,16,32) on 16^3 crops, global batch 4, meta off: steps per second
    /// and the collectives' share of a step.
    static func steps(_ backend: any Backend, communicator: any Communicator, quick: Bool, report: inout BenchReport) throws {
        let n = communicator.size, batch = 4
        guard batch % n == 0 else { return }
        let crop = quick ? [8, 8, 8] : [16, 16, 16], steps = quick ? 2 : 4
        let model = try SegmentationModel(backend, architecture: .small, seed: 1)
        var settings = SegmentationTrainingSettings(steps: steps)
        settings.meta = .off
        let trainer = try SegmentationTrainer(model: model, settings: settings)
        let parallel = DataParallel(communicator: communicator)
        trainer.state.parallel = parallel
        let share = batch / n, voxels = crop.reduce(1, *)
        let input = try backend.upload((0..<(share * 4 * voxels)).map { Float($0 % 17) / 17 }, shape: Shape([share, 4] + crop))
        let targets = try backend.upload((0..<(share * 3 * voxels)).map { Float($0 % 2) }, shape: Shape([share, 3] + crop))
        _ = try trainer.train(microBatches: [(input, targets)], globalBatch: batch, metaBatches: [])   // warm-up
        let before = parallel.counters.seconds
        try communicator.barrier(name: "bench")
        let start = Date()
        for _ in 0..<steps { _ = try backend.scalar(try trainer.train(microBatches: [(input, targets)], globalBatch: batch, metaBatches: []).dice) }
        let seconds = Date().timeIntervalSince(start) / Double(steps)
        let communication = (parallel.counters.seconds - before) / Double(steps)
        guard communicator.isRoot else { return }
        report.add(BenchRow(section: "distributed", name: "small-model step, batch \(batch) over \(n)", shape: "crop \(crop.map(String.init).joined(separator: "x"))",
                            seconds: seconds, rate: 1 / seconds, unit: "steps/s"))
        print(String(format: "  collectives: %.1f%% of a step (%.3f ms)", 100 * communication / seconds, communication * 1e3))
    }
}
