import MCKDData
import XCTest

final class SilenceTrimmerTests: XCTestCase {
    func testCutsSilenceAroundTheWordAndKeepsAMargin() {
        let rate = 8000
        let word = TestSupport.tone(frequency: 500, rate: rate, seconds: 0.4)
        let quietNoise = TestSupport.noise(count: 2000, seed: 3).map { $0 * 1e-4 }  // -74 dB below the tone
        let clip = MonoAudio(samples: quietNoise + word + quietNoise, sampleRate: rate)
        let trimmed = SilenceTrimmer.trim(clip)
        // 0.4 s of tone plus a 20 ms margin each side, to within one 10 ms block.
        XCTAssertEqual(trimmed.samples.count, word.count + 2 * 160, accuracy: 2 * 80)
        XCTAssertEqual(trimmed.sampleRate, rate)
        let silent = MonoAudio(samples: [Float](repeating: 0, count: 100), sampleRate: rate)
        XCTAssertEqual(SilenceTrimmer.trim(silent), silent)
    }
}
