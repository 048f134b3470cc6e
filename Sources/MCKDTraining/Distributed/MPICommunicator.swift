import Foundation

/// MPI_COMM_WORLD through the run-time loaded Open MPI, every collective under the
/// watchdog. Counts travel as Int32 (MPI's int): large buffers go in pieces.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    private let mpi: MPILibrary
    private var watchdog: CollectiveWatchdog!
    /// The most elements one MPI call moves (well below Int32.max).
    static let pieceLimit = 1 << 28

    /// MPI_Init_thread and the world's rank and size.
    /// - Parameter collectiveTimeout: seconds one collective may wait before the job is aborted.
    init(library: MPILibrary, collectiveTimeout: TimeInterval) throws {
        mpi = library
        var provided: Int32 = 0
        try Self.check("MPI_Init_thread", mpi.initThread(nil, nil, MPILibrary.threadMultiple, &provided))
        var rank: Int32 = 0, size: Int32 = 0
        try Self.check("MPI_Comm_rank", mpi.commRank(mpi.world, &rank))
        try Self.check("MPI_Comm_size", mpi.commSize(mpi.world, &size))
        self.rank = Int(rank)
        self.size = Int(size)
        let world = mpi.world, abortCall = mpi.abort, label = "rank \(rank)"
        watchdog = CollectiveWatchdog(timeout: collectiveTimeout) { message in
            FileHandle.standardError.write(Data("mckd: error (\(label)): \(message)\n".utf8))
            _ = abortCall(world, 3)
        }
    }

    /// What the run is doing, named when a collective times out.
    public var context: String {
        get { watchdog.context }
        set { watchdog.context = newValue }
    }

    private static func check(_ call: String, _ code: Int32) throws {
        guard code == 0 else { throw DistributedError.callFailed(call: call, code: code) }
    }

    public func allToAll(_ values: [Float], chunk: Int, name: String) throws -> [Float] {
        precondition(values.count == chunk * size)
        guard chunk <= Self.pieceLimit else {
            // Pieces of each chunk, one all-to-all each, reassembled in chunk order.
            var result = [Float](repeating: 0, count: values.count)
            var start = 0
            while start < chunk {
                let length = min(Self.pieceLimit, chunk - start)
                var piece: [Float] = []
                piece.reserveCapacity(length * size)
                for r in 0..<size { piece += values[(r * chunk + start)..<(r * chunk + start + length)] }
                let received = try allToAll(piece, chunk: length, name: name)
                for r in 0..<size { result.replaceSubrange((r * chunk + start)..<(r * chunk + start + length), with: received[(r * length)..<((r + 1) * length)]) }
                start += length
            }
            return result
        }
        var received = [Float](repeating: 0, count: values.count)
        try watchdog.watch(name) {
            try values.withUnsafeBytes { send in
                try received.withUnsafeMutableBytes { receive in
                    try Self.check("MPI_Alltoall (\(name))", mpi.allToAll(send.baseAddress!, Int32(chunk), mpi.float,
                                                                          receive.baseAddress!, Int32(chunk), mpi.float, mpi.world))
                }
            }
        }
        return received
    }

    public func allGather(_ values: [Float], name: String) throws -> [Float] {
        try gather(values, datatype: mpi.float, name: name)
    }

    public func allGather(bytes: [UInt8], name: String) throws -> [UInt8] {
        try gather(bytes, datatype: mpi.byte, name: name)
    }

    private func gather<Element: Numeric>(_ values: [Element], datatype: MPILibrary.Handle, name: String) throws -> [Element] {
        var result = [Element](repeating: 0, count: values.count * size)
        if values.count <= Self.pieceLimit {
            // One call straight into the result: rank r's values land at r * count.
            try values.withUnsafeBytes { send in
                try result.withUnsafeMutableBytes { try allGather(send, count: values.count, datatype: datatype, into: $0, name: name) }
            }
            return result
        }
        var start = 0
        repeat {
            let length = min(Self.pieceLimit, values.count - start)
            var received = [Element](repeating: 0, count: length * size)
            try values[start..<(start + length)].withUnsafeBytes { send in
                try received.withUnsafeMutableBytes { try allGather(send, count: length, datatype: datatype, into: $0, name: name) }
            }
            for r in 0..<size {
                let offset = r * values.count + start
                result.replaceSubrange(offset..<(offset + length), with: received[(r * length)..<((r + 1) * length)])
            }
            start += length
        } while start < values.count
        return result
    }

    /// MPI_Allgather of `count` elements from `send` into `receive` (count x size), watched.
    private func allGather(_ send: UnsafeRawBufferPointer, count: Int, datatype: MPILibrary.Handle, into receive: UnsafeMutableRawBufferPointer,
                           name: String) throws {
        try watchdog.watch(name) {
            try Self.check("MPI_Allgather (\(name))", mpi.allGather(send.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, Int32(count), datatype,
                                                                    receive.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 1)!, Int32(count), datatype, mpi.world))
        }
    }

    public func allReduceSum(_ values: [Float], name: String) throws -> [Float] {
        var result = values
        var start = 0
        while start < values.count {
            let length = min(Self.pieceLimit, values.count - start)
            try watchdog.watch(name) {
                try values.withUnsafeBytes { send in
                    try result.withUnsafeMutableBytes { receive in
                        try Self.check("MPI_Allreduce (\(name))", mpi.allReduce(send.baseAddress! + start * 4, receive.baseAddress! + start * 4,
                                                                                Int32(length), mpi.float, mpi.sum, mpi.world))
                    }
                }
            }
            start += length
        }
        return result
    }

    public func broadcast(bytes: [UInt8], name: String) throws -> [UInt8] {
        var count = UInt64(bytes.count)
        try watchdog.watch(name) {
            try withUnsafeMutableBytes(of: &count) { try Self.check("MPI_Bcast (\(name))", mpi.broadcast($0.baseAddress!, 8, mpi.byte, 0, mpi.world)) }
        }
        var result = rank == 0 ? bytes : [UInt8](repeating: 0, count: Int(count))
        var start = 0
        while start < result.count {
            let length = min(Self.pieceLimit, result.count - start)
            try watchdog.watch(name) {
                try result.withUnsafeMutableBytes { buffer in
                    try Self.check("MPI_Bcast (\(name))", mpi.broadcast(buffer.baseAddress! + start, Int32(length), mpi.byte, 0, mpi.world))
                }
            }
            start += length
        }
        return result
    }

    public func barrier(name: String, watched: Bool) throws {
        let call = { try Self.check("MPI_Barrier (\(name))", self.mpi.barrier(self.mpi.world)) }
        if watched { try watchdog.watch(name, call) } else { try call() }
    }

    public func abort(code: Int32) -> Never {
        _ = mpi.abort(mpi.world, code)
        exit(code)
    }

    /// MPI_Finalize after the last collective (a clean end of every rank).
    public func finish() {
        _ = mpi.finalize()
    }
}
