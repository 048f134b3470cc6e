import MCKDEngine
import XCTest

/// Device selection, error messages, transfer counters and the buffer pool.
final class DeviceRuntimeTests: XCTestCase {
    func testDeviceNames() throws {
        XCTAssertTrue(try makeBackend(device: "cpu") is CPUBackend<Float>)
        let devices = try OpenCLDevice.all()
        XCTAssertFalse(devices.isEmpty)
        XCTAssertEqual(devices.map(\.handle), (0..<devices.count).map { "gpu\($0)" })
        XCTAssertEqual(devices.map(\.kind), devices.map(\.kind).sorted(), "GPUs first, then accelerators, then CPUs")
        XCTAssertTrue(try makeBackend(device: "gpu0") is OpenCLBackend)
    }

    func testUnknownDeviceListsWhatExists() {
        for name in ["gpu99", "tpu0", "gpu-1", ""] {
            XCTAssertThrowsError(try makeBackend(device: name)) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("cpu") && message.contains("gpu0"), message)
            }
        }
    }

    func testKernelSyntaxErrorReportsTheBuildLog() throws {
        let gpu = try TestDevices.gpu()
        let broken = "__kernel void broken(__global float* x) { x[0] = undeclared_name + ; }"
        XCTAssertThrowsError(try gpu.buildKernel("broken", source: broken, label: "broken_test")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("broken_test"), message)
            XCTAssertTrue(message.contains("undeclared_name"), "the compiler's log should reach the message: \(message)")
        }
        // A missing kernel in a valid program is a named error too.
        XCTAssertThrowsError(try gpu.buildKernel("absent", source: "__kernel void present(__global float* x) {}", label: "ok")) { error in
            XCTAssertTrue("\(error)".contains("CL_INVALID_KERNEL_NAME"), "\(error)")
        }
    }

    func testReadingIntoTheWrongSizeIsAnError() throws {
        for backend in [CPUBackend<Float>() as any Backend, try TestDevices.gpu()] {
            let t = try backend.upload([1, 2, 3], shape: [3])
            var tooSmall = [Float](repeating: 0, count: 2)
            XCTAssertThrowsError(try backend.download(t, into: &tooSmall)) { error in
                XCTAssertTrue("\(error)".contains("3 elements"), "\(error)")
            }
            XCTAssertThrowsError(try backend.upload([1, 2], shape: [3]))
            XCTAssertThrowsError(try backend.scalar(t))
        }
    }

    func testTensorsFromAnotherBackendAreRefused() throws {
        let cpu = CPUBackend<Float>(), gpu = try TestDevices.gpu()
        let onCPU = try cpu.makeTensor(shape: [4]), onGPU = try gpu.makeTensor(shape: [4])
        XCTAssertThrowsError(try gpu.copy(onCPU, to: onGPU)) { error in
            XCTAssertTrue("\(error)".contains("another backend"), "\(error)")
        }
        XCTAssertThrowsError(try cpu.copy(onGPU, to: onCPU))
    }

    func testCountersSeeTransfersAndLaunches() throws {
        let gpu = try TestDevices.gpu()
        gpu.counters.reset()
        let x = try gpu.upload(testValues(1000), shape: [10, 100])
        let y = try gpu.makeTensor(shape: [10, 100])
        try gpu.scale(x, by: 3, into: y)
        try gpu.axpy(alpha: 2, x: x, y: y)
        let sum = try gpu.makeTensor(shape: [1])
        try gpu.reduceAll(.sum, y, into: sum)
        _ = try gpu.scalar(sum)
        XCTAssertEqual(gpu.counters.bytesToDevice, 4000)
        XCTAssertEqual(gpu.counters.bytesFromDevice, 4)
        XCTAssertEqual(gpu.counters.kernelLaunches, 3)
    }

    func testImpossibleAllocationIsAClearError() throws {
        let gpu = try TestDevices.gpu()
        func assertOutOfMemory(_ make: @autoclosure () throws -> Tensor, _ label: String) {
            XCTAssertThrowsError(try make(), label) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("out of device memory") && message.contains(gpu.device.name), message)
            }
        }
        // A pool limited to 1 MiB refuses 2 MiB on any device, however large.
        assertOutOfMemory(try OpenCLBackend(device: gpu.device, memoryLimit: 1 << 20).makeTensor(shape: [1 << 19]), "over the limit")
        // Beyond the device's largest allocation, where the kernels' 32-bit indexing can
        // address it (PoCL's 8 GiB allocations cannot be; GPUs' smaller ones can).
        let beyondDevice = gpu.device.maxAllocationBytes / 4 + 1024
        if beyondDevice <= Int(Int32.max) { assertOutOfMemory(try gpu.makeTensor(shape: [beyondDevice]), "over the device's maximum allocation") }
        XCTAssertThrowsError(try gpu.makeTensor(shape: [Int(Int32.max) + 1])) { error in
            XCTAssertTrue("\(error)".contains("32-bit indexing"), "\(error)")
        }
    }
}
