/// An sRGB colour with 8-bit components.
public struct RGB: Equatable, Hashable, Sendable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// From "#rrggbb" (used for the colour-map anchors below); malformed text gives black.
    public init(hex: String) {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        let value = UInt32(digits, radix: 16) ?? 0
        self.init(UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF))
    }

    /// "#rrggbb" for SVG and CSS.
    public var hex: String {
        "#" + [red, green, blue].map { String($0, radix: 16).leftPadded(to: 2, with: "0") }.joined()
    }

    /// Relative luminance (Rec. 709 weights on gamma-encoded values; enough to choose
    /// between dark and light text on a cell).
    public var luminance: Double { (0.2126 * Double(red) + 0.7152 * Double(green) + 0.0722 * Double(blue)) / 255 }

    /// Black or white, whichever reads better on this colour.
    public var contrastingText: RGB { luminance > 0.55 ? RGB(0x11, 0x11, 0x11) : RGB(0xFF, 0xFF, 0xFF) }

    /// Linear mix: t = 0 gives self, t = 1 gives `other`.
    public func mixed(with other: RGB, _ t: Double) -> RGB {
        let t = min(1, max(0, t))
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + (Double(b) - Double(a)) * t).rounded()) }
        return RGB(mix(red, other.red), mix(green, other.green), mix(blue, other.blue))
    }
}

extension String {
    func leftPadded(to length: Int, with pad: Character) -> String {
        count >= length ? self : String(repeating: pad, count: length - count) + self
    }
}
