/// Piecewise-linear colour maps between evenly spaced anchors.
public struct ColourMap: Sendable {
    public let name: String
    public let anchors: [RGB]

    public init(name: String, anchors: [RGB]) {
        precondition(anchors.count >= 2, "a colour map needs two anchors")
        self.name = name
        self.anchors = anchors
    }

    /// The colour at t in [0, 1] (clamped; NaN gives the first anchor).
    public func colour(at t: Double) -> RGB {
        guard t.isFinite else { return anchors[0] }
        let position = min(1, max(0, t)) * Double(anchors.count - 1)
        let lower = min(Int(position), anchors.count - 2)
        return anchors[lower].mixed(with: anchors[lower + 1], position - Double(lower))
    }

    /// Sequential, perceptually ordered, readable in grey-scale print: viridis
    /// (matplotlib's anchors at t = 0, 0.1, ..., 1).
    public static let viridis = ColourMap(name: "viridis", anchors: [
        "#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c",
        "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725",
    ].map(RGB.init(hex:)))

    /// Diverging, white at 0.5: red below (worse), blue above (better); ColorBrewer RdBu.
    public static let redBlue = ColourMap(name: "RdBu", anchors: [
        "#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7", "#d1e5f0", "#92c5de", "#4393c3", "#2166ac",
    ].map(RGB.init(hex:)))

    /// Black to white, for MRI slices and digits.
    public static let grey = ColourMap(name: "grey", anchors: [RGB(0, 0, 0), RGB(255, 255, 255)])

    /// Light to dark blue for counts (confusion matrices): zero stays near white.
    public static let blues = ColourMap(name: "Blues", anchors: [
        "#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b",
    ].map(RGB.init(hex:)))

    /// Distinct series colours (Okabe-Ito, safe for colour-blind readers).
    public static let series: [RGB] = [
        "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
    ].map(RGB.init(hex:))
}
