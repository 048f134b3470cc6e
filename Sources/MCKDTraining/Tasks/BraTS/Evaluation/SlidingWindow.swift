/// Tile origins that cover a volume with tiles of a fixed size overlapping by about
/// `overlap` of a tile (method.md section 6: the training crop, overlap 1/3); the last
/// tile on each axis is aligned to the volume's end.
public enum SlidingWindow {
    public static func origins(extent: Int, tile: Int, overlap: Double = 1.0 / 3.0) -> [Int] {
        guard extent > tile else { return [0] }
        let stride = max(1, Int((Double(tile) * (1 - overlap)).rounded(.down)))
        var origins = Array(Swift.stride(from: 0, to: extent - tile, by: stride))
        origins.append(extent - tile)
        return origins
    }

    /// Every tile origin (d, h, w) for a volume [D, H, W].
    public static func tiles(volume: [Int], tile: [Int], overlap: Double = 1.0 / 3.0) -> [[Int]] {
        let perAxis = (0..<3).map { origins(extent: volume[$0], tile: tile[$0], overlap: overlap) }
        return perAxis[0].flatMap { d in perAxis[1].flatMap { h in perAxis[2].map { w in [d, h, w] } } }
    }
}
