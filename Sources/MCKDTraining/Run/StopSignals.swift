import Dispatch
import Foundation

/// Ctrl-C (SIGINT) and SIGTERM, caught so that a training stops at the end of its current
/// step with a checkpoint instead of losing the steps since the last one. A second signal
/// ends the process at once. Signals arrive through a dispatch source, so nothing runs in
/// a signal handler.
public final class StopSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    private var sources: [DispatchSourceSignal] = []

    /// Starts catching SIGINT and SIGTERM in this process.
    public init() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)   // the dispatch source sees it; the default action would end the process
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.receive(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// The first signal received, if any.
    public var requested: Int32? { lock.withLock { received } }

    private func receive(_ number: Int32) {
        let first = lock.withLock {
            defer { received = received ?? number }
            return received == nil
        }
        guard first else { _exit(128 + number) }
        FileHandle.standardError.write(Data("\n\(Self.name(number)): stopping after this step with a checkpoint (again to quit now)\n".utf8))
    }

    static func name(_ number: Int32) -> String { number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : "signal \(number)" }

    deinit {
        for source in sources { source.cancel() }
        for number in [SIGINT, SIGTERM] { signal(number, SIG_DFL) }
    }
}
