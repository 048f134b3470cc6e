import Foundation

/// One status line for long external work: rewritten in place on a terminal, a
/// plain line every few seconds otherwise (logs stay short).
final class ProgressLine {
    private let isTerminal = isatty(fileno(stdout)) != 0
    private var lastPlainLine = Date.distantPast

    func show(_ text: String) {
        if isTerminal {
            print("\r\u{1B}[K" + text, terminator: "")
            fflush(stdout)
        } else if Date().timeIntervalSince(lastPlainLine) > 10 {
            print(text)
            fflush(stdout)
            lastPlainLine = Date()
        }
    }

    func finish(_ text: String) {
        print((isTerminal ? "\r\u{1B}[K" : "") + text)
        fflush(stdout)
    }
}
