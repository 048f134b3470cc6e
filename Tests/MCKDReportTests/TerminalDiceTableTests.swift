import Foundation
import MCKDReport
import MCKDTraining
import XCTest

/// The terminal Dice table: aligned, coloured only where colour is wanted.
final class TerminalDiceTableTests: XCTestCase {
    // DiceTable's memberwise init is internal to MCKDTraining: build it as evaluation.json would hold it.
    let table = try! JSONDecoder().decode(DiceTable.self, from: Data("""
        {"modalityNames": ["FLAIR", "T1", "T1ce", "T2"], "caseCount": 2, "rows": [
          {"available": "FLAIR", "dice": [0.1, 0.25, 0.875]},
          {"available": "FLAIR+T1+T1ce+T2", "dice": [1, 0.5, 0.0625]}]}
        """.utf8))

    func testColourFollowsTTYTermAndNoColor() {
        XCTAssertTrue(TerminalDiceTable.colourEnabled(isTerminal: true, environment: ["TERM": "xterm-256color"]))
        XCTAssertFalse(TerminalDiceTable.colourEnabled(isTerminal: false, environment: ["TERM": "xterm-256color"]))
        XCTAssertFalse(TerminalDiceTable.colourEnabled(isTerminal: true, environment: ["TERM": "dumb"]))
        XCTAssertFalse(TerminalDiceTable.colourEnabled(isTerminal: true, environment: [:]))
        XCTAssertFalse(TerminalDiceTable.colourEnabled(isTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": "1"]))
        XCTAssertTrue(TerminalDiceTable.colourEnabled(isTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": ""]))
    }

    func testPlainTableAlignsColumnsAndColourChangesOnlyEscapes() throws {
        let plain = TerminalDiceTable.render(table, colour: false)
        let lines = plain.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4)
        XCTAssertFalse(plain.contains("\u{1B}"))
        XCTAssertEqual(Set(lines.map(\.count)).count, 1, "every line has the same width:\n\(plain)")
        // Numbers end in the same columns as their headers.
        let header = lines[0]
        for (region, value) in zip(["ET", "TC", "WT"], ["10.0", "25.0", "87.5"]) {
            XCTAssertEqual(header.range(of: region)!.upperBound.utf16Offset(in: header), lines[1].range(of: value)!.upperBound.utf16Offset(in: lines[1]))
        }
        XCTAssertTrue(lines[3].hasPrefix("mean"))
        XCTAssertTrue(lines[3].contains("55.0") && lines[3].contains("37.5") && lines[3].contains("46.9"))

        let coloured = TerminalDiceTable.render(table, colour: true)
        XCTAssertTrue(coloured.contains("\u{1B}[48;5;"))
        let stripped = coloured.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        XCTAssertEqual(stripped, plain)
    }

    func testAnsiCubeCodesOfPureColours() {
        XCTAssertEqual(TerminalDiceTable.ansiCode(RGB(0, 0, 0)), 16)
        XCTAssertEqual(TerminalDiceTable.ansiCode(RGB(255, 255, 255)), 231)
        XCTAssertEqual(TerminalDiceTable.ansiCode(RGB(255, 0, 0)), 196)
    }
}
