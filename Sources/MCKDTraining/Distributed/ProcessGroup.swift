import Foundation

/// How this process was started: alone, or as one rank of an `mpirun` job (Open MPI's
/// launcher sets OMPI_COMM_WORLD_SIZE; PMI_SIZE/PMIX_RANK for other launchers of Open MPI).
public enum ProcessGroup {
    /// The rank count the launcher announces in the environment; nil when not under a launcher.
    public static var launchedSize: Int? {
        let environment = ProcessInfo.processInfo.environment
        if let size = environment["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init) ?? environment["PMI_SIZE"].flatMap(Int.init) { return size }
        return environment["PMIX_RANK"] != nil ? 1 : nil
    }

    /// This process's rank as the launcher announces it (before MPI is loaded); 0 alone.
    public static var launchedRank: Int {
        let environment = ProcessInfo.processInfo.environment
        return (environment["OMPI_COMM_WORLD_RANK"] ?? environment["PMIX_RANK"] ?? environment["PMI_RANK"]).flatMap(Int.init) ?? 0
    }

    /// This rank's index among the ranks on its node (for --device auto); 0 alone.
    public static var localRank: Int {
        ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_RANK"].flatMap(Int.init) ?? 0
    }

    /// The communicator of this process: MPI's world under a launcher, else a single
    /// process. Under a launcher without a loadable Open MPI it throws (N independent
    /// jobs writing one run folder would be silently wrong). MCKD_MPI_LIBRARY names
    /// another libmpi.so.40 to load.
    public static func join(collectiveTimeout: TimeInterval) throws -> any Communicator {
        guard let launched = launchedSize else { return SingleProcess() }
        let library: MPILibrary
        do {
            library = try MPILibrary(path: ProcessInfo.processInfo.environment["MCKD_MPI_LIBRARY"] ?? MPILibrary.soname)
        } catch {
            throw DistributedError.mpiUnavailable("started by mpirun as one of \(launched) processes, but \(error); "
                                                  + "refusing to run \(launched) independent trainings into one run folder")
        }
        return try MPICommunicator(library: library, collectiveTimeout: collectiveTimeout)
    }
}
