import MCKDData
import XCTest

final class ResamplerTests: XCTestCase {
    /// espeak-ng writes 22050 Hz and flite 16000 Hz; both must come down to 8 kHz intact.
    func testPreservesAToneFrequencyAndAmplitude() throws {
        for inputRate in [22050, 16000, 11025, 44100] {
            let tone = TestSupport.tone(frequency: 1000, rate: inputRate, seconds: 0.5)
            let output = try Resampler(inputRate: inputRate, outputRate: 8000).process(tone)
            XCTAssertEqual(output.count, Int((Double(tone.count) * 8000 / Double(inputRate)).rounded(.up)))
            // Ignore the filter's edge transients.
            let middle = Array(output[400..<(output.count - 400)])
            let at1000 = TestSupport.magnitude(of: middle, at: 1000, rate: 8000)
            XCTAssertEqual(at1000, 0.25, accuracy: 0.01, "amplitude at 1 kHz from \(inputRate) Hz")
            for other in [500.0, 1500, 2500] {
                XCTAssertLessThan(TestSupport.magnitude(of: middle, at: other, rate: 8000), 0.01, "leak at \(other) Hz from \(inputRate) Hz")
            }
        }
    }

    func testRemovesContentAboveTheNewNyquist() throws {
        // 6 kHz at 22050 Hz would alias to 2 kHz at 8 kHz without the low-pass.
        let tone = TestSupport.tone(frequency: 6000, rate: 22050, seconds: 0.5)
        let output = try Resampler(inputRate: 22050, outputRate: 8000).process(tone)
        let middle = Array(output[400..<(output.count - 400)])
        XCTAssertLessThan(TestSupport.magnitude(of: middle, at: 2000, rate: 8000), 0.002)
        let rms = (middle.map { Double($0 * $0) }.reduce(0, +) / Double(middle.count)).squareRoot()
        XCTAssertLessThan(rms, 0.01)
    }

    func testUpsamplingKeepsTheTone() throws {
        let tone = TestSupport.tone(frequency: 700, rate: 8000, seconds: 0.5)
        let output = try Resampler(inputRate: 8000, outputRate: 22050).process(tone)
        let middle = Array(output[1000..<(output.count - 1000)])
        XCTAssertEqual(TestSupport.magnitude(of: middle, at: 700, rate: 22050), 0.25, accuracy: 0.01)
    }

    func testRejectsNonPositiveRates() {
        XCTAssertThrowsError(try Resampler(inputRate: 0, outputRate: 8000))
    }
}
