import COpenCL
import Foundation

/// `MCKD_TRACE_LAUNCHES=1`: every kernel launch waits for the queue before and after
/// and prints its name, global size and wall time to standard error, to find where a
/// row's or a step's time goes (a convolution's padded copy and weight packing beside
/// its kernel, for example). It serialises the queue, so traced times run a little
/// above untraced ones; off, it costs one branch per launch.
public struct LaunchTrace {
    public static let variable = "MCKD_TRACE_LAUNCHES"
    public let enabled: Bool

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        enabled = environment[Self.variable].map { !$0.isEmpty && $0 != "0" } ?? false
    }

    /// Runs `enqueue` (one kernel launch), timed when tracing.
    func launch(_ name: String, global: [Int], on queue: cl_command_queue, _ enqueue: () throws -> Void) rethrows {
        guard enabled else { return try enqueue() }
        clFinish(queue)
        let start = DispatchTime.now().uptimeNanoseconds
        try enqueue()
        clFinish(queue)
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        let line = "launch \(name) global \(global.map(String.init).joined(separator: "x")): \(String(format: "%.3f", milliseconds)) ms\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
