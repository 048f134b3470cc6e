import Foundation
import MCKDEngine
import XCTest

/// Reading the result files CLBlast's tuners write.
final class CLBlastTunerResultTests: XCTestCase {
    func testReadsBestParametersWithoutPrecision() throws {
        // Trimmed from a clblast_tuner_xgemm run on PoCL (clblast_xgemm_1_32.json).
        let json = """
            {"kernel_family": "xgemm_1", "precision": "32", "best_kernel": "Xgemm", "best_time": "0.23",
             "best_parameters": "GEMMK=0 KREG=1 KWG=32 KWI=2 MDIMA=8 MDIMC=8 MWG=64 NDIMB=8 NDIMC=8 NWG=64 PRECISION=32 SA=1 SB=1 STRM=0 STRN=0 VWM=4 VWN=4",
             "results": []}
            """
        let result = try CLBlastTunerResult(json: Data(json.utf8), source: "fixture")
        XCTAssertEqual(result.bestMilliseconds, 0.23)
        XCTAssertEqual(result.parameters.count, 16)
        XCTAssertEqual(result.parameters["MWG"], 64)
        XCTAssertEqual(result.parameters["VWN"], 4)
        XCTAssertNil(result.parameters["PRECISION"])
    }

    func testUnfinishedOrMalformedOutputIsAClearError() {
        let cases = ["[1, 2]", #"{"best_time": "1.0"}"#, #"{"best_time": "1.0", "best_parameters": "MWG=sixty"}"#]
        for json in cases {
            XCTAssertThrowsError(try CLBlastTunerResult(json: Data(json.utf8), source: "broken.json"), json) { error in
                XCTAssertTrue("\(error)".contains("broken.json"), "\(error)")
            }
        }
    }

    func testReadsAVerifiedTableRowAndSkipsOthers() {
        let names = "GEMMK MWG NWG KWG MDIMC NDIMC MDIMA NDIMB KWI VWM VWN STRM STRN SA SB KREG".split(separator: " ").map(String.init)
        // Rows as clblast_tuner_xgemm prints them (colour codes already removed).
        let row = "|    4 |   578 |    0   16   16   32    8    8    8    8    2    1    2    0    0    1    1    1 |       8       8 |"
            + "     512     512 |   OK   2318 ms |   1151.64 ms |    1.9 |     results match |"
        let result = CLBlastTunerResult(tableRow: row, parameterNames: names)
        XCTAssertEqual(result?.bestMilliseconds, 1151.64)
        XCTAssertEqual(result?.parameters.count, 16)
        XCTAssertEqual(result?.parameters["VWN"], 2)
        XCTAssertEqual(result?.parameters["SA"], 1)
        XCTAssertNil(CLBlastTunerResult(tableRow: row.replacingOccurrences(of: "results match", with: "error"), parameterNames: names),
                     "an unverified result is not used")
        XCTAssertNil(CLBlastTunerResult(tableRow: "|  ref |     - |  - |", parameterNames: names))
        XCTAssertNil(CLBlastTunerResult(tableRow: row, parameterNames: Array(names.dropLast())), "values must match the names")
    }
}
