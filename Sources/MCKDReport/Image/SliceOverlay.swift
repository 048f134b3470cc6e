import MCKDData

/// Axial BraTS slices in grey with tumour labels outlined in the usual BraTS colours:
/// oedema (label 2) green, necrosis / non-enhancing core (label 1) red, enhancing
/// tumour (label 4) yellow. Each label's region is outlined on its own inner edge, so
/// where two labels touch both colours show side by side (nested-region outlines would
/// hide the core under the enhancing rim that surrounds it).
public enum SliceOverlay {
    public struct Region {
        public let name: String
        public let labels: Set<UInt8>
        public let colour: RGB
    }

    public static let regions = [
        Region(name: "oedema (label 2; with 1 and 4 the whole tumour, WT)", labels: [2], colour: RGB(0x2E, 0xE6, 0x4B)),
        Region(name: "necrosis / non-enhancing core (label 1; with 4 the tumour core, TC)", labels: [1], colour: RGB(0xFF, 0x2A, 0x2A)),
        Region(name: "enhancing tumour (label 4, ET)", labels: [4], colour: RGB(0xFF, 0xE6, 0x19)),
    ]

    /// The axial (D) index with the most tumour voxels; the middle slice when there is none.
    public static func largestTumourSlice(labels: [UInt8], shape: [Int]) -> Int {
        let (d, plane) = (shape[0], shape[1] * shape[2])
        var best = d / 2, bestArea = 0
        for z in 0..<d {
            var area = 0
            for v in (z * plane)..<((z + 1) * plane) where labels[v] != 0 { area += 1 }
            if area > bestArea { (best, bestArea) = (z, area) }
        }
        return best
    }

    /// A pixel scale that makes a slice about 220-256 pixels wide (1 for full-size BraTS).
    public static func scale(for shape: [Int]) -> Int { max(1, 240 / max(shape[1], shape[2])) }

    /// One modality's axial slice `z`, windowed to its brain voxels' 1st-99th percentile,
    /// upscaled by `scale`, with `labels` (a whole D x H x W label volume) outlined.
    /// Rows are flipped so anterior (NIfTI +y) is at the top, as viewers show it.
    /// `dimmed` darkens the slice (a modality the prediction did not see).
    public static func panel(_ volume: BraTSVolume, modality: Int, slice z: Int, labels: [UInt8]?, scale: Int,
                             dimmed: Bool = false) throws -> RasterImage {
        let (d, h, w) = (volume.shape[0], volume.shape[1], volume.shape[2])
        guard (0..<d).contains(z), (0..<BraTSModality.allCases.count).contains(modality) else {
            throw ReportError.invalidImage("slice \(z) / modality \(modality) outside the volume \(volume.shape)")
        }
        let base = (modality * d + z) * h * w
        let plane = (0..<(h * w)).map { k -> Float in volume.image[base + (h - 1 - k / w) * w + k % w] }
        let brain = plane.filter { $0 != 0 }.sorted()
        let low = brain.isEmpty ? 0 : brain[brain.count / 100], high = brain.isEmpty ? 1 : brain[(brain.count * 99) / 100]
        var image = try RasterImage(width: w, height: h)
        for y in 0..<h {
            for x in 0..<w {
                let value = plane[y * w + x]
                let t = value == 0 ? 0 : Double((value - low) / max(high - low, 1e-6))
                var grey = ColourMap.grey.colour(at: t)
                if dimmed { grey = grey.mixed(with: RGB(0, 0, 0), 0.6) }
                image.set(x: x, y: y, grey)
            }
        }
        image = try image.upscaled(by: scale)
        guard let labels else { return image }
        guard labels.count == volume.voxelCount else {
            throw ReportError.invalidImage("\(labels.count) labels for a volume of \(volume.voxelCount) voxels")
        }
        let slice = (0..<(h * w)).map { k in labels[(z * h + (h - 1 - k / w)) * w + k % w] }
        for region in regions { outline(&image, slice: slice, width: w, height: h, scale: scale, region: region) }
        return image
    }

    /// Colours the pixels of the upscaled image that lie inside the region and next to
    /// (8-neighbourhood) a pixel outside it: a thin line on the region's inner edge.
    static func outline(_ image: inout RasterImage, slice: [UInt8], width w: Int, height h: Int, scale: Int, region: Region) {
        func inside(_ x: Int, _ y: Int) -> Bool {
            guard x >= 0, y >= 0, x < w * scale, y < h * scale else { return false }
            return region.labels.contains(slice[(y / scale) * w + x / scale])
        }
        let thickness = scale >= 3 ? 1 : 0   // at scale 1-2 a 1-pixel rim is already most of a voxel
        for y in 0..<(h * scale) {
            for x in 0..<(w * scale) where inside(x, y) {
                var edge = false
                for dy in -1...1 { for dx in -1...1 where !inside(x + dx, y + dy) { edge = true } }
                if !edge && thickness > 0 {
                    for dy in -2...2 { for dx in -2...2 where !inside(x + dx, y + dy) { edge = true } }
                }
                if edge { image.set(x: x, y: y, region.colour) }
            }
        }
    }

    /// Panels laid out in a grid (rows x columns, `gap` pixels of dark grey between
    /// them) as one image, for `mckd predict --png`.
    public static func grid(_ panels: [[RasterImage]], gap: Int = 4) throws -> RasterImage {
        guard let first = panels.first?.first else { throw ReportError.invalidImage("no panels to lay out") }
        let columns = panels.map(\.count).max()!
        let (pw, ph) = (first.width, first.height)
        var result = try RasterImage(width: columns * pw + (columns + 1) * gap, height: panels.count * ph + (panels.count + 1) * gap,
                                     fill: [40, 40, 40])
        for (row, line) in panels.enumerated() {
            for (column, panel) in line.enumerated() {
                guard panel.width == pw, panel.height == ph else { throw ReportError.invalidImage("panels differ in size") }
                let (ox, oy) = (gap + column * (pw + gap), gap + row * (ph + gap))
                for y in 0..<ph { for x in 0..<pw { result.set(x: ox + x, y: oy + y, panel.colour(x: x, y: y)) } }
            }
        }
        return result
    }
}
