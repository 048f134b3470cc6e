import Foundation
import MCKDEngine
import XCTest

/// The CLBlast parameters shipped for PoCL variants: used on a fresh machine (no
/// `mckd tune` file), complete enough that CLBlast accepts them, and never over a file.
final class CLBlastShippedTuningTests: XCTestCase {
    func testAFreshMachineUsesTheShippedParametersOfItsVariant() throws {
        let device = try TestDevices.gpu().device
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("mckd-shipped-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: empty) }
        let tuning = try CLBlastTuning.stored(for: device, environment: ["MCKD_CACHE": empty.path])
        guard device.platformName == "Portable Computing Language", device.name.hasPrefix("pthread-skylake-avx512") else {
            XCTAssertNil(tuning?.shippedVariant, "no shipped entry for \(device.name)")
            return
        }
        let shipped = try XCTUnwrap(tuning, "pthread-skylake-avx512 has shipped parameters")
        XCTAssertEqual(shipped.shippedVariant, "pthread-skylake-avx512")
        XCTAssertEqual(Set(shipped.kernels.keys), ["Xgemm", "XgemmDirect", "Copy", "Pad", "Transpose", "Padtranspose"])
        XCTAssertTrue(shipped.source(for: device).contains("shipped for PoCL pthread-skylake-avx512"))
        // CLBlast refuses an incomplete set (CLBlastMissingOverrideParameter): these apply.
        try shipped.apply(to: device)

        // A file `mckd tune` wrote wins over the shipped parameters.
        let written = CLBlastTuning(deviceName: device.name, driverVersion: device.driverVersion,
                                    kernels: shipped.kernels, bestMilliseconds: ["Xgemm": 1])
        _ = try written.write(for: device, environment: ["MCKD_CACHE": empty.path])
        XCTAssertNil(try CLBlastTuning.stored(for: device, environment: ["MCKD_CACHE": empty.path])?.shippedVariant)
    }
}
