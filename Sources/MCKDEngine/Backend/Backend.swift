/// Elementwise operations of two tensors of the same shape.
public enum BinaryOp: String, CaseIterable, Sendable {
    case add, sub, mul
}

/// Reductions along an axis or over a whole tensor.
public enum ReductionOp: String, CaseIterable, Sendable {
    case sum, mean
}

/// Distributions of the seeded counter-based random fill.
public enum RandomDistribution: Sendable, Equatable {
    /// Uniform on [low, high).
    case uniform(low: Float, high: Float)
    /// Normal with the given mean and standard deviation.
    case normal(mean: Float, standardDeviation: Float)
}

/// The primitive operations every backend provides. Everything above this seam
/// (layers, models, training) is written once against it.
///
/// Tensors passed to a backend must have been created by that backend. Every call
/// may throw: a device can run out of memory or fail a launch, and the error says which.
public protocol Backend: AnyObject, ConvolutionOps, NormalizationOps, ActivationOps, PoolingOps, ResamplingOps, LayoutOps,
    LossOps, DistillationOps, OptimizerOps, LinearOps {
    /// A human-readable name, e.g. "cpu (reference)" or the OpenCL device name.
    var name: String { get }
    /// Kernel launches and host<->device traffic since creation (or the last reset).
    var counters: BackendCounters { get }

    /// A tensor with unspecified contents.
    func makeTensor(shape: Shape) throws -> Tensor
    /// A tensor holding `values` (row-major); `values.count` must equal `shape.count`.
    func upload(_ values: [Float], shape: Shape) throws -> Tensor
    /// Copies the tensor's values to the host.
    func download(_ tensor: Tensor) throws -> [Float]
    /// Copies the tensor's values into `destination`, whose count must match.
    func download(_ tensor: Tensor, into destination: inout [Float]) throws
    /// Waits until all queued work has finished.
    func synchronize() throws

    func fill(_ tensor: Tensor, with value: Float) throws
    func copy(_ source: Tensor, to destination: Tensor) throws
    /// out = a (op) b, elementwise.
    func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, into out: Tensor) throws
    /// out = alpha * x.
    func scale(_ x: Tensor, by alpha: Float, into out: Tensor) throws
    /// y += alpha * x.
    func axpy(alpha: Float, x: Tensor, y: Tensor) throws
    /// Reduces `x` along `axis`; `out` has x's shape with that axis collapsed to 1.
    /// Deterministic: a fixed summation order, no atomics.
    func reduce(_ op: ReductionOp, _ x: Tensor, axis: Int, into out: Tensor) throws
    /// Reduces all of `x` into the one-element tensor `out` (which stays on the device).
    func reduceAll(_ op: ReductionOp, _ x: Tensor, into out: Tensor) throws
    /// C = alpha * op(A) * op(B) + beta * C on row-major matrices, possibly strided-batched.
    func gemm(_ descriptor: GEMMDescriptor, a: Tensor, b: Tensor, c: Tensor) throws
    /// Fills the tensor from the counter-based generator: element i depends only on
    /// (seed, stream, i), so every backend produces the same bits.
    func fillRandom(_ tensor: Tensor, _ distribution: RandomDistribution, seed: UInt64, stream: UInt64) throws
}

extension Backend {
    /// A tensor filled with `value`.
    public func full(_ shape: Shape, value: Float) throws -> Tensor {
        let tensor = try makeTensor(shape: shape)
        try fill(tensor, with: value)
        return tensor
    }

    /// The single value of a one-element tensor (a logged scalar: one small download).
    public func scalar(_ tensor: Tensor) throws -> Float {
        guard tensor.count == 1 else {
            throw EngineError.shapeMismatch("scalar() needs a one-element tensor, got \(tensor.shape)")
        }
        return try download(tensor)[0]
    }
}
