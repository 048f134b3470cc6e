import MCKDEngine
import XCTest

/// MCKD_TRACE_LAUNCHES: which values turn it on.
final class LaunchTraceTests: XCTestCase {
    func testTheVariableTurnsTracingOn() {
        XCTAssertFalse(LaunchTrace(environment: [:]).enabled)
        XCTAssertFalse(LaunchTrace(environment: ["MCKD_TRACE_LAUNCHES": ""]).enabled)
        XCTAssertFalse(LaunchTrace(environment: ["MCKD_TRACE_LAUNCHES": "0"]).enabled)
        XCTAssertTrue(LaunchTrace(environment: ["MCKD_TRACE_LAUNCHES": "1"]).enabled)
    }
}
