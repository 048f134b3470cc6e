// Turns the OpenCL sources in Kernels/ into one Swift file of string constants.
// Usage: KernelEmbedder OUTPUT.swift INPUT.cl...
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write("usage: KernelEmbedder OUTPUT.swift INPUT.cl...\n".data(using: .utf8)!)
    exit(2)
}
let outputPath = arguments[1]
var entries: [(name: String, text: String)] = []
for path in arguments.dropFirst(2).sorted() {
    let url = URL(fileURLWithPath: path)
    let text = try String(contentsOf: url, encoding: .utf8)
    entries.append((url.deletingPathExtension().lastPathComponent, text))
}

// A raw-string delimiter longer than any run of '#' in the sources.
func delimiter(for text: String) -> String {
    var longest = 0, current = 0
    for character in text {
        current = character == "#" ? current + 1 : 0
        longest = max(longest, current)
    }
    return String(repeating: "#", count: longest + 1)
}

var swift = "// Generated from Kernels/*.cl by KernelEmbedder. Do not edit.\n\n"
swift += "enum EmbeddedKernels {\n    static let sources: [String: String] = [\n"
for entry in entries {
    let hashes = delimiter(for: entry.text)
    swift += "        \"\(entry.name)\": \(hashes)\"\"\"\n\(entry.text)\n\"\"\"\(hashes),\n"
}
swift += "    ]\n}\n"
try swift.write(toFile: outputPath, atomically: true, encoding: .utf8)
