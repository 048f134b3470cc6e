import Foundation
import MCKDEngine

/// The memory a BraTS training step needs, from two steps of the run's model and method on
/// a dry-run backend of an OpenCL device (every tensor counted at its full size, nothing
/// computed: milliseconds for any crop). A crop or batch that cannot fit is refused before
/// any data is loaded or generated, with the numbers, instead of failing mid-run or
/// aborting in an allocation.
public enum TrainingMemoryPlan {
    /// The high-water mark of live tensors, in bytes, over a step (and its meta step) of
    /// one micro-batch of `configuration`, as `device`'s buffer pool counts them.
    public static func stepBytes(_ configuration: BraTSRunConfiguration, on device: OpenCLDevice) throws -> Int {
        let backend = try OpenCLBackend(device: device, dryRun: true)
        let trainer = try SegmentationTrainer(model: try configuration.makeModel(backend: backend), settings: configuration.training)
        let modalities = configuration.architecture.modalities, crop = configuration.crop
        let samples = configuration.batchSize / (configuration.microBatches ?? 1)
        func batch(_ count: Int) throws -> (input: Tensor, targets: Tensor) {
            (try backend.makeTensor(shape: Shape([count, modalities] + crop)), try backend.makeTensor(shape: Shape([count, 3] + crop)))
        }
        let (input, targets) = try batch(samples)
        let metaBatches = configuration.training.meta == .off ? [] : [try batch(1)]
        for _ in 0..<2 { _ = try trainer.train(input: input, targets: targets, metaBatches: metaBatches) }
        return backend.counters.peakBytesInUse
    }

    /// Throws when a step of `configuration` needs more than `backend` has: the device's
    /// global memory, or for the CPU reference the host's (planned on the first OpenCL
    /// device; without one nothing is checked).
    public static func requireFit(_ configuration: BraTSRunConfiguration, on backend: any Backend) throws {
        let openCL = backend as? OpenCLBackend
        guard let device = try openCL?.device ?? OpenCLDevice.all().first else { return }
        let available = openCL.map { $0.device.globalMemoryBytes } ?? Int(clamping: ProcessInfo.processInfo.physicalMemory)
        let run = "--crop \(configuration.crop.map(String.init).joined(separator: ",")) --batch \(configuration.batchSize)"
        let needed: Int
        do {
            needed = try stepBytes(configuration, on: device)
        } catch EngineError.invalidArgument(let reason) {
            throw TrainingError.tooLarge("\(run): too large for the kernels (\(reason)); choose a smaller --crop or --batch")
        }
        guard needed > available else { return }
        throw TrainingError.tooLarge("\(run): a training step needs \(formatBytes(needed)) and \(backend.name) has "
                                     + "\(formatBytes(available)) (choose a smaller --crop or --batch)")
    }
}
