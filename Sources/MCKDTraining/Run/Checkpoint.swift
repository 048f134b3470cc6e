import CZlib
import Foundation

/// A training checkpoint: named float tensors (parameters, optimiser states,
/// theta_w) plus string metadata (configuration, step, generator positions).
///
/// File layout, little-endian:
///   "MCKDCKPT" | format version (UInt32) | header length (UInt64) | header JSON |
///   tensor data (float32, in header order) | CRC-32 of everything before it (UInt32)
/// Written to a temporary file, flushed and renamed, so a crash mid-write leaves
/// the previous checkpoint intact.
public struct Checkpoint: Equatable {
    public struct Entry: Codable, Equatable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]

        public init(name: String, shape: [Int], values: [Float]) {
            self.name = name
            self.shape = shape
            self.values = values
        }

        private enum CodingKeys: String, CodingKey { case name, shape }
        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            shape = try container.decode([Int].self, forKey: .shape)
            values = []
        }
    }

    public static let formatVersion: UInt32 = 1
    static let magic = Array("MCKDCKPT".utf8)

    public var step: Int
    public var metadata: [String: String]
    public var tensors: [Entry]

    public init(step: Int, metadata: [String: String] = [:], tensors: [Entry] = []) {
        self.step = step
        self.metadata = metadata
        self.tensors = tensors
    }

    /// The tensor called `name`, or a clear error naming what the checkpoint holds.
    public func tensor(_ name: String, file: String = "checkpoint") throws -> Entry {
        guard let entry = tensors.first(where: { $0.name == name }) else {
            throw CheckpointError.incompatible(file: file, reason: "no tensor '\(name)' (it holds \(tensors.count) tensors)")
        }
        return entry
    }

    private struct Header: Codable {
        var step: Int
        var metadata: [String: String]
        var tensors: [Entry]
    }

    // MARK: Writing

    /// Writes atomically: a temporary file beside `url`, fsync, then rename.
    public func write(to url: URL) throws {
        let bytes = try encoded(file: url.path)
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).partial")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CheckpointError.io(file: temporary.path, reason: "cannot create the temporary file")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.write(contentsOf: Data(bytes))
            try handle.synchronize()
            try handle.close()
            guard rename(temporary.path, url.path) == 0 else {
                throw CheckpointError.io(file: url.path, reason: "rename failed: \(String(cString: strerror(errno)))")
            }
            // The rename is durable only once the folder's entry is on disk too.
            let folder = open(directory.path, O_RDONLY | O_DIRECTORY)
            if folder >= 0 {
                fsync(folder)
                close(folder)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if error is CheckpointError { throw error }
            throw CheckpointError.io(file: url.path, reason: FileErrorReason.plain(error)
                                     + " (the checkpoint there before is kept; fix this, then continue with --resume)")
        }
    }

    /// Removes the temporary files (`.checkpoint.PID.partial`) of writes that a killed
    /// process left in `folder`; call it only while holding the folder's lock.
    static func removeStaleTemporaryFiles(in folder: URL) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path)
        where name.hasPrefix(".checkpoint.") && name.hasSuffix(".partial") {
            try FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    /// The file's bytes (what `write` writes; `decode` reads them back).
    public func encoded(file: String = "checkpoint") throws -> [UInt8] {
        for entry in tensors where entry.values.count != entry.shape.reduce(1, *) {
            throw CheckpointError.incompatible(file: file, reason: "tensor '\(entry.name)' has \(entry.values.count) values for shape \(entry.shape)")
        }
        var bytes = Self.magic
        appendLittleEndian(Self.formatVersion, to: &bytes)
        // Sorted keys: the same checkpoint gives the same bytes in every process (a
        // dictionary's order changes with each process's hashing seed).
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let header = try encoder.encode(Header(step: step, metadata: metadata, tensors: tensors))
        appendLittleEndian(UInt64(header.count), to: &bytes)
        bytes += header
        for entry in tensors {
            for value in entry.values { appendLittleEndian(value.bitPattern, to: &bytes) }
        }
        appendLittleEndian(Self.crc32(bytes), to: &bytes)
        return bytes
    }

    // MARK: Reading

    /// Reads and verifies a checkpoint; a truncated, corrupted or foreign file is a
    /// clear error naming the file and what is wrong.
    public static func read(from url: URL) throws -> Checkpoint {
        try decode(try bytes(of: url), file: url.path)
    }

    /// A checkpoint file's bytes, unchecked (rank 0 reads them for every rank).
    public static func bytes(of url: URL) throws -> [UInt8] {
        do {
            return Array(try Data(contentsOf: url))
        } catch {
            throw CheckpointError.io(file: url.path, reason: "cannot read (\(error.localizedDescription))")
        }
    }

    /// Verifies and decodes a checkpoint file's bytes; `file` names it in errors.
    public static func decode(_ data: [UInt8], file: String) throws -> Checkpoint {
        guard data.count >= magic.count + 4 + 8 + 4, Array(data[0..<magic.count]) == magic else {
            throw CheckpointError.corrupt(file: file, reason: "not an mckd checkpoint (bad magic or too short)")
        }
        let version: UInt32 = readLittleEndian(data, at: magic.count)
        guard version == formatVersion else {
            throw CheckpointError.incompatible(file: file, reason: "format version \(version); this mckd reads version \(formatVersion)")
        }
        let stored: UInt32 = readLittleEndian(data, at: data.count - 4)
        guard stored == crc32(data[0..<(data.count - 4)]) else {
            throw CheckpointError.corrupt(file: file, reason: "checksum mismatch (truncated or damaged file)")
        }
        let storedLength: UInt64 = readLittleEndian(data, at: magic.count + 4)
        let headerStart = magic.count + 12
        guard let headerLength = Int(exactly: storedLength), headerLength <= data.count - headerStart - 4 else {
            throw CheckpointError.corrupt(file: file, reason: "header length \(storedLength) exceeds the file")
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(data[headerStart..<(headerStart + headerLength)]))
        } catch {
            throw CheckpointError.corrupt(file: file, reason: "unreadable header (\(error))")
        }
        guard header.step >= 0 else { throw CheckpointError.corrupt(file: file, reason: "step \(header.step) is negative") }
        var offset = headerStart + headerLength
        var tensors: [Entry] = []
        for var entry in header.tensors {
            // Checked product: a damaged shape such as [2^40, 2^40] must not overflow.
            let count = entry.shape.reduce(Int?(1)) { product, side in
                guard let product, side >= 1 else { return nil }
                let (result, overflow) = product.multipliedReportingOverflow(by: side)
                return overflow ? nil : result
            }
            guard let count, count <= (data.count - 4 - offset) / 4 else {
                throw CheckpointError.corrupt(file: file, reason: "tensor '\(entry.name)' of shape \(entry.shape) runs past the end of the file")
            }
            entry.values = (0..<count).map { Float(bitPattern: readLittleEndian(data, at: offset + 4 * $0)) }
            offset += 4 * count
            tensors.append(entry)
        }
        guard offset == data.count - 4 else {
            throw CheckpointError.corrupt(file: file, reason: "\(data.count - 4 - offset) unexplained bytes after the tensors")
        }
        return Checkpoint(step: header.step, metadata: header.metadata, tensors: tensors)
    }

    static func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        Array(bytes).withUnsafeBufferPointer { buffer in
            UInt32(CZlib.crc32(0, buffer.baseAddress, uInt(buffer.count)))
        }
    }
}

/// Why a checkpoint could not be written or used.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case io(file: String, reason: String)
    case corrupt(file: String, reason: String)
    case incompatible(file: String, reason: String)

    public var description: String {
        switch self {
        case let .io(file, reason): return "checkpoint \(file): \(reason)"
        case let .corrupt(file, reason): return "checkpoint \(file) is corrupt: \(reason)"
        case let .incompatible(file, reason): return "checkpoint \(file) does not fit this run: \(reason)"
        }
    }
}

private func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
}

private func readLittleEndian<T: FixedWidthInteger>(_ bytes: [UInt8], at offset: Int) -> T {
    var value: T = 0
    for index in (0..<MemoryLayout<T>.size).reversed() {
        value = value << 8 | T(bytes[offset + index])
    }
    return value
}
