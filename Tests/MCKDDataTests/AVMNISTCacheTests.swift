import Foundation
import MCKDData
import XCTest

final class AVMNISTCacheTests: XCTestCase {
    func testBuilderReadsRawFolderAndCacheRoundTrips() throws {
        let folder = try TestSupport.temporaryDirectory(for: self)
        let raw = try TinyAVMNISTFixture.writeRaw(at: folder)
        let cache = try AVMNISTCacheBuilder.build(rawDirectory: raw.path)
        XCTAssertEqual(cache.images.count, 10 * TinyAVMNISTFixture.imagesPerClass)
        XCTAssertEqual(cache.images.pixels.count, cache.images.count * 784)
        XCTAssertEqual(cache.clips.filter { $0.origin == .synthetic }.count, 30)
        XCTAssertEqual(cache.clips.filter { $0.origin == .real }.count, 20)
        // First CSV line is digit 0, image 0.
        XCTAssertEqual(cache.images.labels[0], 0)
        XCTAssertEqual(cache.images.pixels[100], TinyAVMNISTFixture.pixel(label: 0, index: 0, p: 100))

        for clip in cache.clips {
            // Silence trimmed (0.1 s each side plus tone) and peak-normalised.
            XCTAssertEqual(clip.samples.map(abs).max() ?? 0, AVMNISTCacheBuilder.peakLevel, accuracy: 1e-4)
            XCTAssertLessThan(clip.samples.count, 8000 * 9 / 10, "\(clip.source) was not trimmed")
        }
        // The 22050 Hz clip of digit 3 keeps its tone frequency at 8 kHz.
        let clip = try XCTUnwrap(cache.clips.first { $0.label == 3 && $0.source == "voice0" })
        let expected = TinyAVMNISTFixture.frequency(label: 3, variant: 0)
        let middle = Array(clip.samples[800..<(clip.samples.count - 800)])
        XCTAssertGreaterThan(TestSupport.magnitude(of: middle, at: expected, rate: 8000), 0.4)
        XCTAssertLessThan(TestSupport.magnitude(of: middle, at: expected + 150, rate: 8000), 0.02)

        let path = folder.appendingPathComponent("avmnist.bin").path
        try cache.write(to: path)
        let loaded = try AVMNISTCache.load(path: path)
        XCTAssertEqual(loaded.images, cache.images)
        XCTAssertEqual(loaded.clips, cache.clips)
    }

    func testGzipAndPlainCSVReadTheSame() throws {
        let folder = try TestSupport.temporaryDirectory(for: self)
        let raw = try TinyAVMNISTFixture.writeRaw(at: folder)
        let plain = raw.appendingPathComponent("mnist_5k.csv").path
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", "-k", plain]
        try gzip.run()
        gzip.waitUntilExit()
        XCTAssertEqual(gzip.terminationStatus, 0, "gzip is needed for this test")
        XCTAssertEqual(try MNISTCSVReader.read(path: plain + ".gz"), try MNISTCSVReader.read(path: plain))
    }

    func testErrorsNameTheFileAndTheFix() throws {
        let folder = try TestSupport.temporaryDirectory(for: self)
        let missing = folder.appendingPathComponent("avmnist.bin").path
        XCTAssertThrowsError(try AVMNISTDataset(cachePath: missing)) { error in
            XCTAssertTrue("\(error)".contains("scripts/setup-avmnist"), "\(error)")
            XCTAssertTrue("\(error)".contains(missing), "\(error)")
        }
        let garbage = folder.appendingPathComponent("garbage.bin").path
        try Data("not a cache at all, but long enough for a header".utf8).write(to: URL(fileURLWithPath: garbage))
        XCTAssertThrowsError(try AVMNISTCache.load(path: garbage)) { error in
            XCTAssertTrue("\(error)".contains("magic"), "\(error)")
        }
        let badCSV = folder.appendingPathComponent("bad.csv").path
        try "1,2,3\n".write(toFile: badCSV, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try MNISTCSVReader.read(path: badCSV)) { error in
            XCTAssertTrue("\(error)".contains("line 1 has 3 columns"), "\(error)")
        }
        XCTAssertThrowsError(try AVMNISTCacheBuilder.build(rawDirectory: folder.path)) { error in
            XCTAssertTrue("\(error)".contains("mnist_5k.csv"), "\(error)")
        }
    }

    func testTruncatedCacheIsReportedNotCrashed() throws {
        let folder = try TestSupport.temporaryDirectory(for: self)
        let path = folder.appendingPathComponent("avmnist.bin").path
        try TinyAVMNISTFixture.load().write(to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 10).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try AVMNISTCache.load(path: path)) { error in
            XCTAssertTrue("\(error)".contains("ends inside"), "\(error)")
        }
    }

    func testCacheFolderFollowsMCKDCacheVariable() {
        XCTAssertEqual(AVMNISTCache.defaultFile(environment: ["MCKD_CACHE": "/data/c", "HOME": "/home/u"]).path, "/data/c/avmnist/avmnist.bin")
        XCTAssertEqual(AVMNISTCache.defaultDirectory(environment: ["HOME": "/home/u"]).path, "/home/u/.cache/mckd/avmnist")
    }
}
