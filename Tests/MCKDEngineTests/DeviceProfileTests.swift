import MCKDEngine
import XCTest

/// The device class (kernel family) and its override, and the vector width read from the device.
final class DeviceProfileTests: XCTestCase {
    func testClassFollowsTheDeviceTypeUnlessForced() throws {
        let device = try TestDevices.gpu().device
        let detected = DeviceClass(detectedFrom: device.kind)
        XCTAssertEqual(try DeviceProfile(device: device, environment: [:]).deviceClass, detected)
        XCTAssertEqual(DeviceClass(detectedFrom: .cpu), .cpu)
        XCTAssertEqual(DeviceClass(detectedFrom: .gpu), .gpu)
        for forced in DeviceClass.allCases {
            let byOption = try DeviceProfile(device: device, forced: forced, environment: ["MCKD_DEVICE_CLASS": "cpu"])
            XCTAssertEqual(byOption.deviceClass, forced, "the option wins over the environment")
            XCTAssertEqual(byOption.classSource, "option")
            let byEnvironment = try DeviceProfile(device: device, environment: ["MCKD_DEVICE_CLASS": forced.rawValue.uppercased()])
            XCTAssertEqual(byEnvironment.deviceClass, forced)
            XCTAssertEqual(byEnvironment.classSource, "MCKD_DEVICE_CLASS")
        }
        XCTAssertEqual(try DeviceProfile(device: device, environment: ["MCKD_DEVICE_CLASS": ""]).deviceClass, detected, "empty means unset")
    }

    func testAMistypedClassIsAnError() throws {
        let device = try TestDevices.gpu().device
        XCTAssertThrowsError(try DeviceProfile(device: device, environment: ["MCKD_DEVICE_CLASS": "gpu0"])) { error in
            XCTAssertTrue("\(error)".contains("MCKD_DEVICE_CLASS=gpu0") && "\(error)".contains("cpu or gpu"), "\(error)")
        }
    }

    func testForcedClassReachesTheBackend() throws {
        let device = try TestDevices.gpu().device
        for forced in DeviceClass.allCases {
            let backend = try OpenCLBackend(device: device, deviceClass: forced)
            XCTAssertEqual(backend.deviceClass, forced)
            XCTAssertEqual(backend.vectorizedRandomFills, forced == .cpu)
            XCTAssertTrue(backend.name.hasSuffix("\(forced) kernels"), backend.name)
        }
    }

    func testVectorWidthIsTheNativeWidthWithinOpenCLVectors() throws {
        let profile = try DeviceProfile(device: try TestDevices.gpu().device, environment: [:])
        XCTAssertTrue([4, 8, 16].contains(profile.vectorWidth))
        XCTAssertLessThanOrEqual(profile.vectorWidth, max(4, profile.nativeFloatVectorWidth))
    }

    /// MCKD_VECTOR_WIDTH forces the width (the AVX2 kernels on an AVX-512 machine); any
    /// other value than 4, 8 or 16 is an error.
    func testVectorWidthCanBeForced() throws {
        let device = try TestDevices.gpu().device
        for width in [4, 8, 16] {
            XCTAssertEqual(try DeviceProfile(device: device, environment: ["MCKD_VECTOR_WIDTH": "\(width)"]).vectorWidth, width)
        }
        XCTAssertThrowsError(try DeviceProfile(device: device, environment: ["MCKD_VECTOR_WIDTH": "12"])) {
            XCTAssertTrue("\($0)".contains("MCKD_VECTOR_WIDTH=12"), "\($0)")
        }
    }
}
