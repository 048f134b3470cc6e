import Foundation

/// Aborts the job when one collective waits longer than `timeout` (a rank that hangs or
/// died without the runtime noticing), naming the collective and the training step,
/// instead of letting every other rank wait forever.
final class CollectiveWatchdog {
    let timeout: TimeInterval
    private let lock = NSLock()
    private var current: (name: String, started: Date)?
    /// What the run is doing ("step 12"), for the message.
    var context = "start-up"
    private let onTimeout: (String) -> Void

    init(timeout: TimeInterval, onTimeout: @escaping (String) -> Void) {
        self.timeout = timeout
        self.onTimeout = onTimeout
        let thread = Thread { [weak self] in
            while let watchdog = self {
                watchdog.check()
                Thread.sleep(forTimeInterval: min(1, max(0.05, watchdog.timeout / 10)))
            }
        }
        thread.start()
    }

    /// Runs one collective under the watch.
    func watch<Result>(_ name: String, _ body: () throws -> Result) rethrows -> Result {
        lock.lock(); current = (name, Date()); lock.unlock()
        defer { lock.lock(); current = nil; lock.unlock() }
        return try body()
    }

    private func check() {
        lock.lock(); let running = current; let context = self.context; lock.unlock()
        guard let running, Date().timeIntervalSince(running.started) > timeout else { return }
        onTimeout("collective \(running.name) at \(context) waited longer than --collective-timeout \(Int(timeout)) s; aborting every rank")
    }
}
