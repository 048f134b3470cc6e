import Foundation
import XCTest

/// `mckd train` as a hostile but fair user drives it: nonsense values are refused before
/// any work, each naming its option; what cannot fit is one error line.
extension CommandLineTests {
    func testNonsenseOptionValuesAreRefusedBeforeAnyWork() throws {
        let folder = try TestSupport.temporaryDirectory(for: self)
        let run = folder.appendingPathComponent("run")
        let refused: [([String], String)] = [
            (["--lr=-1"], "--lr"), (["--lr", "nan"], "--lr"), (["--lr", "inf"], "--lr"),
            (["--kd-weight=-1"], "--kd-weight"), (["--kd-weight", "nan"], "--kd-weight"),
            (["--warmup-all-modalities", "nan"], "--warmup-all-modalities"), (["--warmup-all-modalities", "1e300"], "--warmup-all-modalities"),
            (["--warmup-all-modalities", "2"], "--warmup-all-modalities"),
            (["--checkpoint-every", "0"], "--checkpoint-every"), (["--meta-every", "0"], "--meta-every"),
            (["--meta-val-size", "0"], "--meta-val-size"), (["--collective-timeout", "nan"], "--collective-timeout"), (["--collective-timeout", "1e300"], "--collective-timeout"),
            (["--stop-after", "400"], "--stop-after"), (["--channels", "8,16,x"], "--channels"), (["--channels", "8,,16"], "--channels"),
            (["--crop", "16,,16,16"], "--crop"), (["--crop", "16,16"], "--crop"), (["--force", "--resume"], "--force"),
            (["--case-cache-mib=-1"], "--case-cache-mib"), (["--case-cache-mib", "1048577"], "--case-cache-mib"),
            (["--case-cache-mib", "x"], "--case-cache-mib"), (["--task", "avmnist", "--case-cache-mib", "64"], "--case-cache-mib"),
        ]
        for (arguments, option) in refused {
            let result = try mckd(["train", "--device", "cpu", "--out", run.path] + arguments)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.output)")
            let error = result.output.split(separator: "\n").first { $0.hasPrefix("Error:") } ?? ""
            XCTAssertTrue(error.contains(option), "\(arguments) must be refused naming \(option): \(result.output)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: run.path), "\(arguments): refused before any work")
        }
        XCTAssertEqual(try mckd(["self-check", "--size", "0"]).status, 64)
    }

    /// PoCL hides its devices when it cannot make its kernel cache under HOME: the error
    /// names that cause and its fix, and the fix works.
    func testAnUnusablePoCLCacheIsNamedAsTheCause() throws {
        let folder = try TestSupport.temporaryDirectory(for: self)
        let file = folder.appendingPathComponent("not-a-home")
        try Data("x".utf8).write(to: file)
        // PoCL reads XDG_CACHE_HOME before HOME (and aborts on an empty POCL_CACHE_DIR, so that stays unset).
        let broken = ["HOME": file.path, "XDG_CACHE_HOME": file.appendingPathComponent("cache").path]
        let result = try mckd(["self-check", "--size", "32"], environment: broken)
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.output.contains("PoCL cannot create its kernel cache \(file.path)/cache/pocl (Not a directory)")
                      && result.output.contains("set POCL_CACHE_DIR"), result.output)
        // Listing the devices compiles nothing (a fresh cache would make self-check compile CLBlast's kernels).
        let fixed = try mckd(["devices"], environment: broken.merging(["POCL_CACHE_DIR": folder.appendingPathComponent("pocl").path]) { $1 })
        XCTAssertEqual(fixed.status, 0, fixed.output)
        XCTAssertTrue(fixed.output.contains("gpu0"), fixed.output)
    }

    func testAnUnusableRunFolderIsOneReadableLine() throws {
        let file = try TestSupport.temporaryDirectory(for: self).appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        let result = try mckd(["train", "--device", "cpu", "--out", file.appendingPathComponent("run").path])
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.output.contains("mckd: error: \(file.path)/run: Not a directory\n"), result.output)
        XCTAssertFalse(result.output.contains("Domain="), "no NSError dump: \(result.output)")
    }

    /// Crops too large for the kernels are refused by the memory plan before the data is
    /// read, and crops larger than the cases when the data is read: each one line, no trap.
    func testCropsThatCannotFitAreOneLineErrors() throws {
        let folder = try TestSupport.temporaryDirectory(for: self)
        let data = folder.appendingPathComponent("data")
        XCTAssertEqual(try mckd(["synth", "--out", data.path, "--cases", "6", "--size", "16,16,16", "--seed", "1"]).status, 0)
        let cases: [([String], String)] = [
            (["--crop", "2048,2048,2048"], "--crop 2048,2048,2048 --batch 2: too large"),
            (["--crop", "32,32,32"], "is smaller than the crop 32,32,32"),
        ]
        for (arguments, expected) in cases {
            let result = try mckd(["train", "--device", "cpu", "--data", data.path, "--channels", "2,4", "--steps", "1", "--test-size", "1", "--meta-val-size", "1",
                                   "--out", folder.appendingPathComponent("run").path] + arguments)
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.output)")
            let errors = result.output.split(separator: "\n").filter { $0.hasPrefix("mckd: error:") }
            XCTAssertEqual(errors.count, 1, result.output)
            XCTAssertTrue(errors.first?.contains(expected) == true, "\(arguments): \(result.output)")
        }
    }
}
