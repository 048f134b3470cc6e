import Foundation
import MCKDData
import XCTest

final class WAVTests: XCTestCase {
    func testRoundTripsEveryEncodingAndMixesStereoToMono() throws {
        let left = TestSupport.tone(frequency: 440, rate: 16000, seconds: 0.05, amplitude: 0.6)
        let right = left.map { -0.5 * $0 }
        var stereo = [Float]()
        for i in left.indices { stereo += [left[i], right[i]] }
        let encodings: [(WAVWriter.Encoding, Float)] = [(.pcm8, 1.0 / 64), (.pcm16, 1e-4), (.pcm32, 1e-6), (.float32, 1e-7)]
        for (encoding, tolerance) in encodings {
            let data = try WAVWriter.encode(samples: stereo, sampleRate: 16000, channels: 2, encoding: encoding)
            let audio = try WAVReader.decodeMono(data)
            XCTAssertEqual(audio.sampleRate, 16000)
            XCTAssertEqual(audio.samples.count, left.count, "\(encoding)")
            for i in left.indices {
                XCTAssertEqual(audio.samples[i], 0.5 * (left[i] + right[i]), accuracy: tolerance, "\(encoding) sample \(i)")
            }
        }
    }

    func testReadsAFileWrittenToDisk() throws {
        let folder = try TestSupport.temporaryDirectory(for: self)
        let path = folder.appendingPathComponent("tone.wav").path
        let tone = TestSupport.tone(frequency: 300, rate: 8000, seconds: 0.1)
        try WAVWriter.write(path: path, samples: tone, sampleRate: 8000)
        let audio = try WAVReader.readMono(path: path)
        XCTAssertEqual(audio.samples.count, tone.count)
        XCTAssertEqual(audio.duration, 0.1, accuracy: 1e-9)
    }

    func testBadFilesGiveErrorsNamingTheProblem() throws {
        func message(_ bytes: [UInt8]) -> String {
            do {
                _ = try WAVReader.decodeMono(Data(bytes), path: "clip.wav")
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(message([1, 2, 3]).contains("shorter than a RIFF header"))
        XCTAssertTrue(message(Array("RIFX\0\0\0\0WAVE".utf8)).contains("RIFF"))
        XCTAssertTrue(message(Array("RIFF\0\0\0\0AVI ".utf8)).contains("WAVE"))
        XCTAssertTrue(message(Array("RIFF\0\0\0\0WAVE".utf8)).contains("fmt"))
        // A 12-bit format tag the reader does not decode.
        var unsupported = [UInt8](try WAVWriter.encode(samples: [0, 0], sampleRate: 8000))
        unsupported[34] = 12
        XCTAssertTrue(message(unsupported).contains("unsupported"), message(unsupported))
        XCTAssertTrue(message(unsupported).contains("clip.wav"))
        XCTAssertThrowsError(try WAVReader.readMono(path: "/nonexistent/clip.wav")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/clip.wav"))
        }
    }
}
