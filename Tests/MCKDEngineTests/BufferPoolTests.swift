import MCKDEngine
import XCTest

/// The OpenCL backend's buffer pool: reuse across steps, reuse of larger spare
/// buffers, and a memory limit it keeps by giving spare buffers back.
final class BufferPoolTests: XCTestCase {
    func testBufferPoolReusesMemory() throws {
        let gpu = try OpenCLBackend(device: try TestDevices.gpu().device)   // its own pool: no other test's spare buffers
        func step() throws {
            let a = try gpu.makeTensor(shape: [3, 1000]), b = try gpu.makeTensor(shape: [3, 1000])
            try gpu.fill(a, with: 1)
            try gpu.binary(.add, a, a, into: b)
        }
        try step()
        gpu.counters.reset()
        let inUse = gpu.counters.bytesInUse
        try step()
        try step()
        XCTAssertEqual(gpu.counters.allocations, 0, "a repeated step must reuse pooled buffers")
        XCTAssertEqual(gpu.counters.bytesInUse, inUse)
        XCTAssertEqual(gpu.counters.peakBytesInUse, inUse + 2 * 12_032, "two 12000-byte tensors, rounded to 256-byte buckets")
    }

    func testASmallerTensorReusesASpareBufferUpToTwiceItsSize() throws {
        let gpu = try OpenCLBackend(device: try TestDevices.gpu().device)
        _ = try gpu.makeTensor(shape: [2, 1000])   // 8000 bytes, back in the pool at once
        gpu.counters.reset()
        let half = try gpu.makeTensor(shape: [1, 1000])
        XCTAssertEqual(gpu.counters.allocations, 0, "a 4000-byte tensor takes the spare 8192-byte buffer")
        XCTAssertEqual(gpu.counters.bytesInUse, 8192, "and counts the whole buffer as in use")
        _ = half
        _ = try gpu.makeTensor(shape: [900])
        XCTAssertEqual(gpu.counters.allocations, 1, "a buffer over twice the size (8192 for 3600 bytes) is left for a larger tensor")
    }

    func testAMemoryLimitGivesSpareBuffersBackAndThenRefusesClearly() throws {
        let limit = 64 << 10
        let gpu = try OpenCLBackend(device: try TestDevices.gpu().device, memoryLimit: limit)
        do { _ = try gpu.makeTensor(shape: [8 << 10]) }   // 32 KiB, spare afterwards
        XCTAssertEqual(gpu.reservedDeviceBytes, 32 << 10)
        let kept = try gpu.makeTensor(shape: [10 << 10])   // 40 KiB: only fits once the spare goes
        XCTAssertEqual(gpu.reservedDeviceBytes, 40 << 10, "the 32 KiB spare was given back to make room")
        XCTAssertEqual(gpu.peakReservedDeviceBytes, 40 << 10, "the pool never held more than its limit")
        XCTAssertThrowsError(try gpu.makeTensor(shape: [10 << 10])) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("out of device memory") && message.contains("64.0 KiB"), message)
        }
        try gpu.fill(kept, with: 2)
        XCTAssertEqual(try gpu.download(kept).first, 2, "a refused allocation leaves the live tensors intact")
    }
}
