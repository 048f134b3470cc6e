import Foundation

/// Maps data values to pixels along one axis and chooses readable ticks; linear or
/// log10 (losses span decades).
public struct AxisScale {
    public let domain: ClosedRange<Double>
    public let pixels: ClosedRange<Double>
    public let logarithmic: Bool
    /// Pixels grow downwards for y axes.
    public let inverted: Bool

    /// A scale over `domain` (positive when logarithmic), widened to whole tick steps.
    public init(domain: ClosedRange<Double>, pixels: ClosedRange<Double>, logarithmic: Bool, inverted: Bool, nice: Bool = true) throws {
        guard domain.lowerBound.isFinite, domain.upperBound.isFinite else { throw ReportError.invalidChart("axis range \(domain) is not finite") }
        guard !logarithmic || domain.lowerBound > 0 else { throw ReportError.invalidChart("a log axis needs positive values, got \(domain)") }
        var low = domain.lowerBound, high = domain.upperBound
        if high - low <= 0 {   // one value: give it room
            let pad = logarithmic ? low * 0.5 : max(abs(low) * 0.1, 1e-3)
            low -= pad
            high += logarithmic ? high : pad
        }
        if nice {
            if logarithmic {
                low = pow(10, floor(log10(low)))
                high = pow(10, ceil(log10(high)))
            } else {
                let step = Self.niceStep((high - low) / 5)
                low = floor(low / step) * step
                high = ceil(high / step) * step
            }
        }
        self.domain = low...high
        self.pixels = pixels
        self.logarithmic = logarithmic
        self.inverted = inverted
    }

    func unit(_ value: Double) -> Double {
        logarithmic ? (log10(value) - log10(domain.lowerBound)) / (log10(domain.upperBound) - log10(domain.lowerBound))
            : (value - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
    }

    /// The pixel coordinate of `value`.
    public func pixel(_ value: Double) -> Double {
        let t = unit(value)
        return inverted ? pixels.upperBound - t * (pixels.upperBound - pixels.lowerBound)
            : pixels.lowerBound + t * (pixels.upperBound - pixels.lowerBound)
    }

    /// 1, 2 or 5 times a power of ten, at least `rough`.
    public static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let power = pow(10, floor(log10(rough)))
        for multiple in [1.0, 2, 5, 10] where multiple * power >= rough * 0.999 { return multiple * power }
        return 10 * power
    }

    /// Tick values with their labels.
    public func ticks() -> [(value: Double, label: String)] {
        if logarithmic {
            let first = Int(floor(log10(domain.lowerBound))), last = Int(ceil(log10(domain.upperBound)))
            let decades = last - first
            // Few decades: 1, 2, 5 per decade; many: every decade (or every other).
            let multiples: [Double] = decades <= 2 ? [1, 2, 5] : [1]
            let stride = max(1, decades / 6)
            var result: [(Double, String)] = []
            for exponent in Swift.stride(from: first, through: last, by: stride) {
                for multiple in multiples {
                    let value = multiple * pow(10, Double(exponent))
                    if value >= domain.lowerBound * 0.999 && value <= domain.upperBound * 1.001 {
                        result.append((value, Self.label(value, step: value)))
                    }
                }
            }
            return result
        }
        let step = Self.niceStep((domain.upperBound - domain.lowerBound) / 5)
        var result: [(Double, String)] = []
        var value = (domain.lowerBound / step).rounded(.up) * step
        while value <= domain.upperBound + step * 1e-6 {
            result.append((abs(value) < step * 1e-9 ? 0 : value, Self.label(value, step: step)))
            value += step
        }
        return result
    }

    /// A label with as many decimals as the step needs; scientific for tiny or huge values.
    public static func label(_ value: Double, step: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e5 || magnitude < 1e-3 { return String(format: "%.0e", value).replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e") }
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        return String(format: "%.\(decimals)f", value)
    }
}
