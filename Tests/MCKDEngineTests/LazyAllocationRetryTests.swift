import COpenCL
import MCKDEngine
import XCTest

/// Out-of-memory found at enqueue (lazily allocating drivers): spares go back, one retry.
final class LazyAllocationRetryTests: XCTestCase {
    /// Runs the retry over scripted statuses; returns the final status, the tries and the releases.
    private func replay(_ statuses: [cl_int]) -> (status: cl_int, tries: Int, releases: Int) {
        var tries = 0, releases = 0
        let status = LazyAllocationRetry.run({ defer { tries += 1 }; return statuses[tries] }, releasingSpares: { releases += 1 })
        return (status, tries, releases)
    }

    func testOutOfMemoryReleasesSparesAndRetriesOnce() {
        for exhausted in [CL_MEM_OBJECT_ALLOCATION_FAILURE, CL_OUT_OF_RESOURCES] {
            let recovered = replay([exhausted, CL_SUCCESS])
            XCTAssertEqual(recovered.status, CL_SUCCESS)
            XCTAssertEqual(recovered.tries, 2)
            XCTAssertEqual(recovered.releases, 1)
            let still = replay([exhausted, exhausted, CL_SUCCESS])
            XCTAssertEqual(still.status, exhausted, "a second failure is reported, not retried forever")
            XCTAssertEqual(still.tries, 2)
        }
    }

    func testOtherStatusesAreNotRetried() {
        for status in [CL_SUCCESS, CL_INVALID_VALUE, CL_INVALID_KERNEL_ARGS] {
            let outcome = replay([status, CL_SUCCESS])
            XCTAssertEqual(outcome.status, status)
            XCTAssertEqual(outcome.tries, 1)
            XCTAssertEqual(outcome.releases, 0)
        }
    }

    func testExhaustedMemoryMessageSaysWhatRanAndWhatToDo() {
        let message = "\(EngineError.deviceMemoryExhausted(work: "clEnqueueNDRangeKernel (kernel conv3d_forward)", inUseBytes: 3 << 30, device: "NVIDIA H200"))"
        XCTAssertTrue(message.contains("NVIDIA H200") && message.contains("conv3d_forward") && message.contains("3.0 GiB")
                      && message.contains("smaller crop or batch"), message)
    }
}
