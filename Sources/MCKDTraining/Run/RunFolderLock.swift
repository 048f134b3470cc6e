import Foundation

/// An exclusive lock on a run folder (`flock` on RUN_DIR/.lock, which holds the owner's
/// pid), held while a training runs in it: a second trainer on the same folder fails at
/// once, naming the first one's pid, instead of mixing two runs' configuration, metrics
/// and checkpoints. The kernel drops the lock when the process ends, however it ends, so
/// a killed run never leaves the folder locked.
public final class RunFolderLock {
    private let descriptor: Int32

    /// Takes the lock on `folder` (created when missing) or throws.
    public init(folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(".lock").path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw TrainingError.unusableRunFolder("\(path): cannot open the run folder's lock file (\(String(cString: strerror(errno)))); check the folder's permissions")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            throw TrainingError.unusableRunFolder("\(folder.path): another mckd train is running in this folder"
                                                  + (holder.isEmpty ? "" : " (pid \(holder))") + "; wait for it or choose another --out")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
