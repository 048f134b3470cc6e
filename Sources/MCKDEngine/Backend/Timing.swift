import Dispatch

extension Backend {
    /// The fastest of `repeats` timed runs of `body` after one warm-up run (which
    /// also compiles kernels), each waited for on the device. Seconds.
    public func bestTime(repeats: Int, _ body: () throws -> Void) throws -> Double {
        try body()
        try synchronize()
        var best = Double.infinity
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            try synchronize()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }
}
