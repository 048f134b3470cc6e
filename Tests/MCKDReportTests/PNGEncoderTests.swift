import Foundation
import MCKDReport
import XCTest

/// mckd's PNGs, decoded by Pillow: sizes, modes and pixel values at known points.
final class PNGEncoderTests: XCTestCase {
    func testCRC32MatchesTheStandardCheckValue() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([UInt8]()), 0)
        // Continuing over two halves equals one pass.
        let bytes = Array("IEND and more bytes".utf8)
        XCTAssertEqual(CRC32.checksum(bytes[8...], continuing: CRC32.checksum(bytes[..<8])), CRC32.checksum(bytes))
    }

    func testRGBImageDecodesWithPillowToTheSamePixels() throws {
        // A 37 x 23 image (odd sizes catch row-stride errors) with a distinct value per pixel.
        let (width, height) = (37, 23)
        var image = try RasterImage(width: width, height: height)
        for y in 0..<height { for x in 0..<width { image.set(x: x, y: y, RGB(UInt8(x * 6), UInt8(y * 11), UInt8((x + y) % 256))) } }
        let file = try ReportTestSupport.temporaryDirectory(for: self).appendingPathComponent("rgb.png")
        try PNGEncoder.encode(image).write(to: file)
        let points = [(0, 0), (36, 0), (0, 22), (36, 22), (17, 9)]
        let probe = try ReportTestSupport.probePNG(file, points: points)
        XCTAssertEqual(probe.format, "PNG")
        XCTAssertEqual(probe.mode, "RGB")
        XCTAssertEqual([probe.width, probe.height], [width, height])
        for ((x, y), pixel) in zip(points, probe.pixels) {
            XCTAssertEqual(pixel, [x * 6, y * 11, (x + y) % 256], "pixel (\(x), \(y))")
        }
    }

    func testRGBAImageKeepsAlphaAndUpscalingRepeatsPixels() throws {
        var pixels = [UInt8]()
        for y in 0..<2 { for x in 0..<3 { pixels += [UInt8(100 + x), UInt8(50 * y), 7, UInt8(60 * (x + y) + 10)] } }
        let small = try RasterImage(width: 3, height: 2, channels: 4, pixels: pixels)
        let big = try small.upscaled(by: 5)
        let file = try ReportTestSupport.temporaryDirectory(for: self).appendingPathComponent("rgba.png")
        try PNGEncoder.encode(big).write(to: file)
        let probe = try ReportTestSupport.probePNG(file, points: [(0, 0), (4, 4), (5, 0), (14, 9), (10, 5)])
        XCTAssertEqual(probe.mode, "RGBA")
        XCTAssertEqual([probe.width, probe.height], [15, 10])
        XCTAssertEqual(probe.pixels, [[100, 0, 7, 10], [100, 0, 7, 10], [101, 0, 7, 70], [102, 50, 7, 190], [102, 50, 7, 190]])
    }

    func testColourMappedGridHasTheMapsEndColours() throws {
        let image = try RasterImage.mapping([0, 1, 0.5, -3], width: 2, height: 2, range: 0...1, colourMap: .viridis)
        let file = try ReportTestSupport.temporaryDirectory(for: self).appendingPathComponent("map.png")
        try PNGEncoder.encode(image).write(to: file)
        let probe = try ReportTestSupport.probePNG(file, points: [(0, 0), (1, 0), (0, 1), (1, 1)])
        XCTAssertEqual(probe.pixels[0], [0x44, 0x01, 0x54])   // viridis(0)
        XCTAssertEqual(probe.pixels[1], [0xfd, 0xe7, 0x25])   // viridis(1)
        XCTAssertEqual(probe.pixels[2], [0x21, 0x91, 0x8c])   // viridis(0.5), an anchor
        XCTAssertEqual(probe.pixels[3], [0x44, 0x01, 0x54])   // clamped below
    }

    func testBadImagesAreErrorsNotCrashes() {
        XCTAssertThrowsError(try RasterImage(width: 0, height: 3))
        XCTAssertThrowsError(try RasterImage(width: 2, height: 2, channels: 2))
        XCTAssertThrowsError(try RasterImage(width: 2, height: 2, channels: 3, pixels: [1, 2, 3]))
        XCTAssertThrowsError(try RasterImage.mapping([1, 2, 3], width: 2, height: 2, range: 0...1, colourMap: .grey))
        XCTAssertThrowsError(try SliceOverlay.grid([]))
    }

    func testPNGStartsWithTheSignatureAndEndsWithIEND() throws {
        let data = try PNGEncoder.encode(try RasterImage(width: 1, height: 1, fill: [1, 2, 3]))
        XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertEqual(Array(data.suffix(12)), [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
    }
}
