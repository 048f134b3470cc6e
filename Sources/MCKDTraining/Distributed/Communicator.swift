import Foundation

/// The collectives data-parallel training uses, over ranks 0..<size. Every rank calls
/// each collective in the same order; `name` says which one for the timeout message.
public protocol Communicator: AnyObject {
    var rank: Int { get }
    var size: Int { get }
    /// Rank r receives chunk r (`chunk` floats) of every rank's `values` [size * chunk],
    /// in rank order: [size * chunk].
    func allToAll(_ values: [Float], chunk: Int, name: String) throws -> [Float]
    /// Every rank's `values` (the same count on all), in rank order.
    func allGather(_ values: [Float], name: String) throws -> [Float]
    func allGather(bytes: [UInt8], name: String) throws -> [UInt8]
    /// MPI_Allreduce's sum: fast, but its order of additions is the library's (not bitwise).
    func allReduceSum(_ values: [Float], name: String) throws -> [Float]
    /// Rank 0's bytes on every rank (others pass anything; the length comes with them).
    func broadcast(bytes: [UInt8], name: String) throws -> [UInt8]
    /// Waits for every rank; `watched: false` exempts it from the collective timeout
    /// (the others wait while rank 0 prepares data).
    func barrier(name: String, watched: Bool) throws
    /// What the run is doing ("step 12"), named when a collective times out.
    var context: String { get set }
    /// Ends every rank of the job with `code` (never returns).
    func abort(code: Int32) -> Never
}

extension Communicator {
    public var isRoot: Bool { rank == 0 }
    public func barrier(name: String) throws { try barrier(name: name, watched: true) }
}

/// The one process of a run started without mpirun: every collective is the identity.
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allToAll(_ values: [Float], chunk: Int, name: String) throws -> [Float] { values }
    public func allGather(_ values: [Float], name: String) throws -> [Float] { values }
    public func allGather(bytes: [UInt8], name: String) throws -> [UInt8] { bytes }
    public func allReduceSum(_ values: [Float], name: String) throws -> [Float] { values }
    public func broadcast(bytes: [UInt8], name: String) throws -> [UInt8] { bytes }
    public func barrier(name: String, watched: Bool) throws {}
    public var context = ""
    public func abort(code: Int32) -> Never { exit(code) }
}
