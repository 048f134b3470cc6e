import MCKDData
import XCTest

final class FFTTests: XCTestCase {
    func testMatchesDirectDFTForSeveralSizes() throws {
        for size in [1, 2, 8, 64, 512] {
            let fft = try FFT(size: size)
            let inputRe = TestSupport.noise(count: size, seed: UInt64(size))
            let inputIm = TestSupport.noise(count: size, seed: UInt64(size) + 99)
            var re = inputRe, im = inputIm
            fft.forward(real: &re, imag: &im)
            var worst = 0.0
            for k in 0..<size {
                var sumRe = 0.0, sumIm = 0.0
                for n in 0..<size {
                    let angle = -2 * Double.pi * Double(k * n) / Double(size)
                    sumRe += Double(inputRe[n]) * cos(angle) - Double(inputIm[n]) * sin(angle)
                    sumIm += Double(inputRe[n]) * sin(angle) + Double(inputIm[n]) * cos(angle)
                }
                worst = max(worst, abs(sumRe - Double(re[k])), abs(sumIm - Double(im[k])))
            }
            XCTAssertLessThan(worst, 1e-4 * Double(size).squareRoot() + 1e-5, "FFT of size \(size) differs from the DFT by \(worst)")
        }
    }

    func testPureTonePeaksAtItsBin() throws {
        let size = 1024, rate = 8000
        let bin = 37
        let frequency = Double(bin) * Double(rate) / Double(size)
        let tone = TestSupport.tone(frequency: frequency, rate: rate, seconds: Double(size) / Double(rate))
        let power = try FFT(size: size).powerSpectrum(of: Array(tone.prefix(size)))
        XCTAssertEqual(power.count, size / 2 + 1)
        let peak = power.indices.max { power[$0] < power[$1] }
        XCTAssertEqual(peak, bin)
        // A bin-centred sine of amplitude A has |X| = A * N / 2.
        XCTAssertEqual(Double(power[bin]).squareRoot(), 0.5 * Double(size) / 2, accuracy: 0.5)
    }

    func testRejectsSizesThatAreNotPowersOfTwo() {
        XCTAssertThrowsError(try FFT(size: 12))
        XCTAssertThrowsError(try FFT(size: 0))
    }
}
