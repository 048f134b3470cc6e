/// The reference backend: every op is the obvious loop nest, readable beside the
/// maths, and the oracle the OpenCL kernels are tested against. Generic over the
/// float type so gradient checks can run the same code in Double.
///
/// Ops reach this class through `any Backend`, whose witnesses are generic; each op
/// carries `@_specialize` for Float and Double so those calls still run specialised
/// loops (unspecialised generic arithmetic measured 10x slower).
public final class CPUBackend<Scalar: ReferenceScalar>: Backend {
    public let counters = BackendCounters()

    public init() {}

    public var name: String { "cpu (reference, \(Scalar.self))" }

    // MARK: Tensors and transfers

    public func makeTensor(shape: Shape) throws -> Tensor {
        Tensor(shape: shape, backend: self, storage: CPUStorage<Scalar>(count: shape.count, counters: counters))
    }

    public func upload(_ values: [Float], shape: Shape) throws -> Tensor {
        try uploadScalars(values.map { Scalar($0) }, shape: shape)
    }

    /// A tensor from values in this backend's own precision (Double for gradient checks).
    public func uploadScalars(_ values: [Scalar], shape: Shape) throws -> Tensor {
        guard values.count == shape.count else {
            throw EngineError.shapeMismatch("\(values.count) values given for a tensor of shape \(shape) (\(shape.count) elements)")
        }
        let tensor = try makeTensor(shape: shape)
        _ = try storage(tensor).buffer.update(fromContentsOf: values)
        counters.bytesToDevice += values.count * MemoryLayout<Scalar>.stride
        return tensor
    }

    public func download(_ tensor: Tensor) throws -> [Float] {
        try values(tensor).map { Float($0) }
    }

    public func download(_ tensor: Tensor, into destination: inout [Float]) throws {
        guard destination.count == tensor.count else {
            throw EngineError.shapeMismatch("reading \(tensor) (\(tensor.count) elements) into an array of \(destination.count)")
        }
        destination = try download(tensor)
    }

    /// The tensor's values in this backend's own precision.
    public func values(_ tensor: Tensor) throws -> [Scalar] {
        let buffer = try storage(tensor).buffer
        counters.bytesFromDevice += buffer.count * MemoryLayout<Scalar>.stride
        return Array(buffer)
    }

    public func synchronize() throws {}

    /// The host buffer behind a tensor of this backend.
    func storage(_ tensor: Tensor) throws -> CPUStorage<Scalar> {
        guard tensor.backend === self, let storage = tensor.storage as? CPUStorage<Scalar> else {
            throw EngineError.foreignTensor("\(tensor) was given to \(name)")
        }
        return storage
    }

    func buffer(_ tensor: Tensor) throws -> UnsafeMutableBufferPointer<Scalar> {
        try storage(tensor).buffer
    }
}
