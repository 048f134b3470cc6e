import Foundation
import MCKDData
import XCTest

final class MFCCTests: XCTestCase {
    func testShapeAndZeroPaddingOfShortClips() throws {
        let extractor = try MFCCExtractor()
        // 0.3 s gives 1 + 2400 / 400 = 7 frames; the remaining 13 stay zero.
        let clip = TestSupport.tone(frequency: 440, rate: 8000, seconds: 0.3)
        let mfcc = extractor.compute(clip)
        XCTAssertEqual(mfcc.count, 20 * 20)
        for coefficient in 0..<20 {
            for frame in 7..<20 { XCTAssertEqual(mfcc[coefficient * 20 + frame], 0) }
        }
        XCTAssertNotEqual(mfcc[0], 0)
        // A 1.2 s clip is truncated to 20 frames, none of them padding.
        let long = extractor.compute(TestSupport.tone(frequency: 440, rate: 8000, seconds: 1.2))
        XCTAssertNotEqual(long[19], 0)
    }

    func testMelFiltersCoverTheSpectrumAndPeakInOrder() throws {
        let bank = try MelFilterbank(sampleRate: 8000, fftSize: 1024, bandCount: 40)
        var previousPeak = -1
        for band in 0..<40 {
            let weights = (0..<bank.binCount).map { bank.weight(band: band, bin: $0) }
            let peak = weights.indices.max { weights[$0] < weights[$1] }!
            XCTAssertGreaterThan(weights[peak], 0, "band \(band) is empty")
            XCTAssertGreaterThanOrEqual(peak, previousPeak)
            previousPeak = peak
        }
        XCTAssertEqual(MelFilterbank.melToHz(MelFilterbank.hzToMel(2500)), 2500, accuracy: 1e-6)
        XCTAssertEqual(MelFilterbank.hzToMel(1000), 15, accuracy: 1e-9)
    }

    /// The Swift MFCCs of one clip equal an independent numpy implementation of
    /// the same documented parameters (scripts/mfcc_reference.py).
    func testMatchesIndependentNumpyReference() throws {
        let folder = try TestSupport.temporaryDirectory(for: self)
        let wavPath = folder.appendingPathComponent("clip.wav").path
        let outputPath = folder.appendingPathComponent("reference.txt").path
        // A gliding tone with noise and a silent tail: exercises every band and the dB floor.
        let rate = 8000
        var clip = (0..<6000).map { n -> Float in
            let t = Double(n) / Double(rate)
            return Float(0.4 * sin(2 * Double.pi * (200 * t + 1500 * t * t)))
        }
        let noise = TestSupport.noise(count: clip.count, seed: 7)
        for i in clip.indices { clip[i] += 0.02 * noise[i] }
        clip += [Float](repeating: 0, count: 1200)
        try WAVWriter.write(path: wavPath, samples: clip, sampleRate: rate)
        let quantised = try WAVReader.readMono(path: wavPath)

        let script = TestSupport.repositoryRoot.appendingPathComponent("scripts/mfcc_reference.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, wavPath, outputPath]
        let errors = Pipe()
        process.standardError = errors
        do {
            try process.run()
        } catch {
            XCTFail("cannot start python3 for the MFCC reference (\(error)); install python3 and numpy")
            return
        }
        process.waitUntilExit()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            XCTFail("scripts/mfcc_reference.py failed (status \(process.terminationStatus)); it needs python3 with numpy: \(errorText)")
            return
        }
        let reference = try String(contentsOfFile: outputPath, encoding: .utf8)
            .split(whereSeparator: \.isNewline)
            .map { $0.split(separator: " ").compactMap { Double($0) } }
        XCTAssertEqual(reference.count, 20)
        XCTAssertEqual(reference.first?.count, 20)

        let swift = try MFCCExtractor().compute(quantised.samples)
        var worst = 0.0
        for k in 0..<20 {
            for t in 0..<20 {
                worst = max(worst, abs(Double(swift[k * 20 + t]) - reference[k][t]))
            }
        }
        // Coefficients span hundreds of units; float32 versus float64 differs by about 1e-4 here, while
        // a one-sample change of the window length already moves them by 0.1.
        XCTAssertLessThan(worst, 0.01, "largest difference to the numpy reference: \(worst)")
        XCTAssertGreaterThan(reference.joined().map(abs).max() ?? 0, 10, "reference looks degenerate")
    }
}
