import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Open MPI's C API, loaded at run time with dlopen (docs/distributed.md says why: one
/// binary for both, nothing new to build or install for a single-process user). Only the
/// calls mckd makes; handles (communicator, datatype, op) are the addresses of Open MPI's
/// predefined objects, which is what its mpi.h macros expand to (libmpi.so.40 is Open
/// MPI's soname; MPICH's differs, so another MPI cannot be picked up by mistake).
final class MPILibrary {
    typealias Handle = UnsafeMutableRawPointer
    static let soname = "libmpi.so.40"
    /// MPI_THREAD_MULTIPLE in Open MPI: the collective watchdog calls MPI_Abort from its own thread.
    static let threadMultiple: Int32 = 3

    let initThread: @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?, Int32, UnsafeMutablePointer<Int32>) -> Int32
    let finalize: @convention(c) () -> Int32
    let commRank: @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
    let commSize: @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
    let allToAll: @convention(c) (UnsafeRawPointer, Int32, Handle, UnsafeMutableRawPointer, Int32, Handle, Handle) -> Int32
    let allGather: @convention(c) (UnsafeRawPointer, Int32, Handle, UnsafeMutableRawPointer, Int32, Handle, Handle) -> Int32
    let allReduce: @convention(c) (UnsafeRawPointer, UnsafeMutableRawPointer, Int32, Handle, Handle, Handle) -> Int32
    let broadcast: @convention(c) (UnsafeMutableRawPointer, Int32, Handle, Int32, Handle) -> Int32
    let barrier: @convention(c) (Handle) -> Int32
    let abort: @convention(c) (Handle, Int32) -> Int32
    let world: Handle
    let float: Handle
    let byte: Handle
    let sum: Handle

    /// Loads libmpi.so.40 (or `path`); the error says what to install.
    init(path: String = soname) throws {
        // RTLD_GLOBAL: Open MPI's own plugins (dlopened by libmpi) resolve its symbols globally.
        guard let library = dlopen(path, RTLD_NOW | RTLD_GLOBAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw DistributedError.mpiUnavailable("cannot load \(path) (\(reason)); install Open MPI 4 (Debian: apt-get install openmpi-bin)")
        }
        func symbol<T>(_ name: String, as type: T.Type) throws -> T {
            guard let address = dlsym(library, name) else {
                throw DistributedError.mpiUnavailable("\(path) has no symbol \(name): not Open MPI 4?")
            }
            return unsafeBitCast(address, to: type)
        }
        func object(_ name: String) throws -> Handle {
            guard let address = dlsym(library, name) else {
                throw DistributedError.mpiUnavailable("\(path) has no symbol \(name): not Open MPI 4?")
            }
            return address
        }
        initThread = try symbol("MPI_Init_thread", as: type(of: initThread))
        finalize = try symbol("MPI_Finalize", as: type(of: finalize))
        commRank = try symbol("MPI_Comm_rank", as: type(of: commRank))
        commSize = try symbol("MPI_Comm_size", as: type(of: commSize))
        allToAll = try symbol("MPI_Alltoall", as: type(of: allToAll))
        allGather = try symbol("MPI_Allgather", as: type(of: allGather))
        allReduce = try symbol("MPI_Allreduce", as: type(of: allReduce))
        broadcast = try symbol("MPI_Bcast", as: type(of: broadcast))
        barrier = try symbol("MPI_Barrier", as: type(of: barrier))
        abort = try symbol("MPI_Abort", as: type(of: abort))
        world = try object("ompi_mpi_comm_world")
        float = try object("ompi_mpi_float")
        byte = try object("ompi_mpi_byte")
        sum = try object("ompi_mpi_op_sum")
    }
}
