import Dispatch

extension Backend {
    /// The fastest of `repeats` timed runs of `body` after one warm-up run (which
    /// also compiles kernels), each waited for on the device. Seconds.
    public func bestTime(repeats: Int, _ body: () throws -> Void) throws -> Double {
        try body()
        try synchronize()
        var best = Double.infinity
        for _ in 0..<max(1, repeats) { best = min(best, try elapsed(body)) }
        return best
    }

    /// One run of `body`, waited for on the device, without a warm-up. Seconds.
    public func elapsed(_ body: () throws -> Void) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        try synchronize()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
