import MCKDEngine
import MCKDTraining
import XCTest

/// A dry-run backend's memory plan must be the real backend's allocation, byte for
/// byte, or its full-crop figures mean nothing.
final class MemoryPlanTests: XCTestCase {
    func testDryRunStepMatchesTheRealPoolExactly() throws {
        let device = try OpenCLDevice.all()[0]
        var figures: [[Int]] = []
        for dryRun in [false, true] {
            let backend = try OpenCLBackend(device: device, dryRun: dryRun)
            let model = try SegmentationModel(backend, architecture: SegmentationTrainingTests.tiny, seed: 3)
            var settings = SegmentationTrainingSettings(steps: 4)
            settings.seed = 9
            let trainer = try SegmentationTrainer(model: model, settings: settings)
            // Defined values: the real step's ||v|| is then finite and positive, and it takes
            // the look-ahead passes the dry run (which reads ||v|| as 1) plans.
            func random(_ shape: Shape, stream: UInt64) throws -> Tensor {
                let tensor = try backend.makeTensor(shape: shape)
                try backend.fillRandom(tensor, .uniform(low: 0, high: 1), seed: 4, stream: stream)
                return tensor
            }
            let input = try random([2, 4, 8, 8, 8], stream: 0), targets = try random([2, 3, 8, 8, 8], stream: 1)
            let meta = (try random([1, 4, 8, 8, 8], stream: 2), try random([1, 3, 8, 8, 8], stream: 3))
            var row: [Int] = []
            for _ in 0..<3 {
                backend.counters.reset()
                try trainer.train(input: input, targets: targets, metaBatch: meta)
                row += [backend.counters.peakBytesInUse, backend.counters.allocations, backend.counters.bytesFromDevice,
                        backend.counters.kernelLaunches]
            }
            figures.append(row + [backend.peakReservedDeviceBytes])
        }
        XCTAssertEqual(figures[1], figures[0], "per step: peak live bytes, allocations, bytes read back, launches; then peak reserved")
        XCTAssertGreaterThan(figures[0][0], 0)
        XCTAssertGreaterThan(figures[0][1], 0, "the first step allocates")
    }

    /// A dry run plans sizes no real device buffer could hold, and holds none of them.
    func testDryRunAccountsForTensorsLargerThanTheDevice() throws {
        let device = try OpenCLDevice.all()[0]
        let plan = try OpenCLBackend(device: device, dryRun: true)
        let elements = min(Int(Int32.max), device.maxAllocationBytes / 4 + 1 << 20)
        var tensors: [Tensor] = []
        for _ in 0..<(device.globalMemoryBytes / (elements * 4) + 1) {
            tensors.append(try plan.makeTensor(shape: [elements]))
        }
        XCTAssertGreaterThan(plan.counters.bytesInUse, device.globalMemoryBytes, "more than the device holds, planned")
        XCTAssertGreaterThan(plan.reservedDeviceBytes, device.maxAllocationBytes)
        // A real pool refuses what it cannot hold (the limit stands in for the device: GPUs
        // allocate lazily and may accept a buffer larger than their free memory at first).
        XCTAssertThrowsError(try OpenCLBackend(device: device, memoryLimit: elements * 4 - 1).makeTensor(shape: [elements]),
                             "a real buffer over the pool's limit is refused")
    }
}
