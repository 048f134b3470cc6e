import Foundation

/// Human-readable description of a built dataset: counts per digit and split,
/// modality masks, and which audio is real and which synthetic.
public enum AVMNISTSummary {
    /// A multi-line report for `mckd avmnist-info`.
    public static func report(dataset: AVMNISTDataset, cache: AVMNISTCache) -> String {
        var lines = [String]()
        let realClips = cache.clips.filter { $0.origin == .real }
        let syntheticClips = cache.clips.filter { $0.origin == .synthetic }
        lines.append("cache: \(cache.images.count) MNIST images, \(syntheticClips.count) synthetic clips, \(realClips.count) real recordings (8 kHz)")
        lines.append("seed \(dataset.configuration.seed), audio rate \(dataset.configuration.audioRate), visual rate \(dataset.configuration.visualRate)")
        lines.append("")
        lines.append("split  total" + (0...9).map { "   \($0)" }.joined() + "   real-audio  synthetic-audio  image-present  audio-present")
        for split in [dataset.train, dataset.test] {
            let perDigit = (0...9).map { digit in split.samples.filter { $0.label == digit }.count }
            let real = split.samples.filter { $0.audioOrigin == .real }.count
            let images = split.samples.filter(\.imagePresent).count
            let audio = split.samples.filter(\.audioPresent).count
            lines.append(split.kind.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0) + pad("\(split.count)", 7) + perDigit.map { pad("\($0)", 4) }.joined()
                         + pad("\(real)", 13) + pad("\(split.count - real)", 17) + pad("\(images)", 15) + pad("\(audio)", 15))
        }
        lines.append("")
        lines.append("training audio is synthetic speech; test audio is real human recordings.")
        let voices = Set(syntheticClips.map { voiceName($0.source) }).sorted()
        lines.append("synthetic voices (\(voices.count)): " + voices.joined(separator: ", "))
        let speakers = Set(realClips.map(\.source)).sorted()
        lines.append("real speakers (\(speakers.count)): " + speakers.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    /// "espeak-ng_en-us+f2_s150_p50" -> "espeak-ng_en-us+f2" (speed and pitch settings dropped).
    private static func voiceName(_ source: String) -> String {
        source.split(separator: "_").filter { part in
            !(part.count > 1 && (part.first == "s" || part.first == "p" || part.first == "d") && part.dropFirst().allSatisfy { $0.isNumber || $0 == "." })
        }.joined(separator: "_")
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }
}
