import MCKDEngine
import XCTest

/// The bandwidth probe is the yardstick of every memory row: it must do the work it is
/// credited with (its kernels' results are checked, and it throws otherwise).
final class DeviceProbeTests: XCTestCase {
    func testStreamProbesMoveWhatTheyCount() throws {
        let backend = try OpenCLBackend(device: try TestDevices.gpu().device, deviceClass: .cpu)
        let gbps = try backend.measureStreamBandwidth(quick: true)
        XCTAssertTrue(gbps.isFinite && gbps > 0, "\(gbps) GB/s")
    }
}
