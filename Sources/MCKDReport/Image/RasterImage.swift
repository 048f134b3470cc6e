/// An 8-bit RGB or RGBA image in memory, rows top to bottom, what the PNG encoder writes.
public struct RasterImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// 3 (RGB) or 4 (RGBA).
    public let channels: Int
    /// width * height * channels bytes, row-major.
    public var pixels: [UInt8]

    /// A blank image filled with `fill` (its count must equal `channels`).
    public init(width: Int, height: Int, channels: Int = 3, fill: [UInt8]? = nil) throws {
        guard width > 0, height > 0 else { throw ReportError.invalidImage("image size \(width)x\(height) must be positive") }
        guard channels == 3 || channels == 4 else { throw ReportError.invalidImage("\(channels) channels: only RGB (3) and RGBA (4) are written") }
        let fill = fill ?? [UInt8](repeating: channels == 4 ? 255 : 0, count: channels)
        guard fill.count == channels else { throw ReportError.invalidImage("fill colour has \(fill.count) components, the image \(channels)") }
        self.width = width
        self.height = height
        self.channels = channels
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        for offset in stride(from: 0, to: pixels.count, by: channels) {
            for c in 0..<channels { pixels[offset + c] = fill[c] }
        }
        self.pixels = pixels
    }

    /// Wraps existing pixel bytes; their count must be width * height * channels.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0, channels == 3 || channels == 4 else {
            throw ReportError.invalidImage("image \(width)x\(height)x\(channels): positive size and 3 or 4 channels needed")
        }
        guard pixels.count == width * height * channels else {
            throw ReportError.invalidImage("\(pixels.count) bytes for a \(width)x\(height)x\(channels) image (\(width * height * channels) expected)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Sets one pixel (RGB; alpha, if any, becomes opaque). Out-of-range points are ignored.
    public mutating func set(x: Int, y: Int, _ colour: RGB) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let offset = (y * width + x) * channels
        pixels[offset] = colour.red
        pixels[offset + 1] = colour.green
        pixels[offset + 2] = colour.blue
        if channels == 4 { pixels[offset + 3] = 255 }
    }

    /// The RGB of one pixel.
    public func colour(x: Int, y: Int) -> RGB {
        let offset = (y * width + x) * channels
        return RGB(pixels[offset], pixels[offset + 1], pixels[offset + 2])
    }

    /// Each pixel repeated `factor` times in both directions (crisp, no smoothing:
    /// voxels and digits stay visibly voxels).
    public func upscaled(by factor: Int) throws -> RasterImage {
        guard factor >= 1 else { throw ReportError.invalidImage("upscale factor \(factor) must be at least 1") }
        var result = try RasterImage(width: width * factor, height: height * factor, channels: channels)
        for y in 0..<result.height {
            for x in 0..<result.width {
                let source = ((y / factor) * width + x / factor) * channels
                let target = (y * result.width + x) * channels
                for c in 0..<channels { result.pixels[target + c] = pixels[source + c] }
            }
        }
        return result
    }

    /// A grey-scale or colour-mapped image of a row-major `width x height` grid of
    /// values, mapping `range` onto the colour map (values outside are clamped).
    public static func mapping(_ values: [Float], width: Int, height: Int, range: ClosedRange<Float>,
                               colourMap: ColourMap) throws -> RasterImage {
        guard values.count == width * height else {
            throw ReportError.invalidImage("\(values.count) values for a \(width)x\(height) grid")
        }
        var image = try RasterImage(width: width, height: height)
        let span = max(range.upperBound - range.lowerBound, .leastNormalMagnitude)
        for y in 0..<height {
            for x in 0..<width {
                let value = values[y * width + x]
                let t = value.isFinite ? Double((value - range.lowerBound) / span) : 0
                image.set(x: x, y: y, colourMap.colour(at: t))
            }
        }
        return image
    }
}
