import Foundation

/// A NIfTI-1 or NIfTI-2 image in memory: the header and the voxel values after
/// scaling (`scl_slope`/`scl_inter` applied), in file order (i fastest, then j, k, ...).
///
/// Values are held as `Float`: enough for MRI intensities and labels; integer
/// data beyond 2^24 and float64 data lose precision.
public struct NIfTIImage: Sendable {
    /// Header fields; `header.shape` is the shape of `voxels`.
    public var header: NIfTIHeader
    /// Voxel values after scaling, `header.voxelCount` of them.
    public var voxels: [Float]

    /// Shape of the data (dim[1...dim[0]]).
    public var shape: [Int] { header.shape }

    /// Creates an image from values in file order. `shape` must multiply to `voxels.count`.
    /// The header gets the given datatype and version, voxel sizes 1 (or `voxelSizes`),
    /// and no orientation codes until `header.setAffine` is called.
    public init(shape: [Int], voxels: [Float], datatype: NIfTIDataType = .float32,
                version: NIfTIHeader.Version = .nifti1, voxelSizes: [Double]? = nil) throws {
        var header = NIfTIHeader()
        header.version = version
        header.datatype = datatype
        header.voxOffset = header.headerSize + 4
        var dims = [shape.count] + shape
        dims += [Int](repeating: 1, count: max(0, 8 - dims.count))
        header.shape = try NIfTIHeaderCodec.validatedShape(dims, file: "<new image>")
        if let voxelSizes {
            for (k, size) in voxelSizes.prefix(7).enumerated() { header.pixdim[k + 1] = size }
        }
        self.header = header
        self.voxels = voxels
        guard voxels.count == header.voxelCount else {
            throw NIfTIError(.sizeMismatch, file: "<new image>",
                             "shape \(shape) holds \(header.voxelCount) voxels but \(voxels.count) values were given")
        }
    }

    /// Creates an image from a header and values; the counts must agree.
    public init(header: NIfTIHeader, voxels: [Float]) throws {
        guard voxels.count == header.voxelCount else {
            throw NIfTIError(.sizeMismatch, file: "<new image>",
                             "header shape \(header.shape) holds \(header.voxelCount) voxels but \(voxels.count) values were given")
        }
        self.header = header
        self.voxels = voxels
    }

    /// Reads a `.nii` or `.nii.gz` file (gzip is detected from the content).
    public static func read(from url: URL) throws -> NIfTIImage {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw NIfTIError(.unreadableFile, file: url.path, "cannot read file: \(error.localizedDescription)")
        }
        return try decode(data, file: url.path)
    }

    /// The most voxel-data bytes a file may declare (2 GiB by default; a BraTS volume is
    /// 36 MB): a bigger declaration is refused before anything is inflated or allocated.
    public static var maximumDataBytes = 2 << 30

    /// Bytes past the declared voxel data that a gzip file's stream is still inflated
    /// for: enough to reach the end of an ordinary file and check its CRC, far too few
    /// for a bomb's tail.
    static let trailingBytesChecked = 1 << 20

    /// Decodes a whole NIfTI file held in memory; `file` names it in errors. A gzip file
    /// is inflated in steps: the header first, then exactly the bytes it declares, then
    /// at most `trailingBytesChecked` more (so an ordinary file's checksum is verified),
    /// so a small file cannot make the reader inflate gigabytes it will never use.
    public static func decode(_ data: Data, file: String) throws -> NIfTIImage {
        let inflater = Gzip.looksCompressed(data) ? try GzipInflater(data, file: file) : nil
        var bytes = try inflater?.read(upTo: NIfTIHeader.largestHeaderSize) ?? [UInt8](data)
        let (header, bigEndian) = try NIfTIHeaderCodec.decode(bytes, file: file)
        let count = header.voxelCount
        let (dataBytes, sizeOverflow) = count.multipliedReportingOverflow(by: header.datatype.byteSize)
        guard !sizeOverflow, dataBytes <= maximumDataBytes else {
            throw NIfTIError(.impossibleDimensions, file: file,
                             "shape \(header.shape) of \(header.datatype.name) declares more voxel data than this reader's limit of \(maximumDataBytes >> 20) MiB")
        }
        let (needed, overflow) = header.voxOffset.addingReportingOverflow(dataBytes)
        if let inflater, !overflow {
            if needed > bytes.count { bytes += try inflater.read(upTo: needed - bytes.count) }
            _ = try inflater.read(upTo: trailingBytesChecked)
        }
        guard !overflow, bytes.count >= needed else {
            throw NIfTIError(.truncatedData, file: file,
                             "voxel data is truncated: shape \(header.shape) of \(header.datatype.name) needs \(dataBytes) bytes from offset \(header.voxOffset), but the file has \(max(0, bytes.count - header.voxOffset))")
        }
        // As nibabel: a slope of 0 or non-finite means no scaling, but a valid slope with
        // a NaN or infinite intercept is an error, not an intercept of 0.
        if header.hasScaling && !header.sclInter.isFinite {
            throw NIfTIError(.valueOutOfRange, file: file, "scl_slope is \(header.sclSlope) but scl_inter is \(header.sclInter): the scaling is invalid")
        }
        let scaling = header.hasScaling ? (header.sclSlope, header.sclInter) : nil
        let voxels = NIfTIVoxelCodec.decode(bytes, offset: header.voxOffset, count: count, type: header.datatype,
                                            bigEndian: bigEndian, scaling: scaling, as: Float.self)
        return NIfTIImage(validHeader: header, voxels: voxels)
    }

    private init(validHeader: NIfTIHeader, voxels: [Float]) {
        self.header = validHeader
        self.voxels = voxels
    }

    /// Serialises the image as an uncompressed NIfTI file (little-endian, no extensions).
    public func encoded(file: String = "<memory>") throws -> Data {
        guard voxels.count == header.voxelCount else {
            throw NIfTIError(.sizeMismatch, file: file,
                             "header shape \(header.shape) holds \(header.voxelCount) voxels but the image has \(voxels.count) values")
        }
        guard header.pixdim.count == 8, [header.srowX, header.srowY, header.srowZ].allSatisfy({ $0.count == 4 }) else {
            throw NIfTIError(.sizeMismatch, file: file, "header needs 8 pixdim values and 4 values per sform row")
        }
        _ = try NIfTIHeaderCodec.validatedShape([header.shape.count] + header.shape + [Int](repeating: 1, count: max(0, 7 - header.shape.count)),
                                                file: file)
        if header.version == .nifti1, let big = header.shape.first(where: { $0 > Int(Int16.max) }) {
            throw NIfTIError(.impossibleDimensions, file: file, "extent \(big) does not fit NIfTI-1 (max 32767); write NIfTI-2")
        }
        var header = self.header
        header.voxOffset = header.headerSize + 4  // header, then the empty extension flag
        let scaling = header.hasScaling ? (header.sclSlope, header.sclInter.isFinite ? header.sclInter : 0) : nil
        var data = Data(NIfTIHeaderCodec.encode(header))
        data.append(contentsOf: try NIfTIVoxelCodec.encode(voxels, type: header.datatype, scaling: scaling, file: file))
        return data
    }

    /// Writes the image; a path ending in `.gz` is gzip-compressed. The file is
    /// written to a temporary name beside the target and renamed into place, so
    /// readers never see a half-written file.
    public func write(to url: URL, compressionLevel: Int32 = 6) throws {
        var data = try encoded(file: url.path)
        if url.pathExtension == "gz" { data = try Gzip.compress(data, level: compressionLevel, file: url.path) }
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
        do {
            try data.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw NIfTIError(.writeFailed, file: url.path, "cannot move the finished file into place: \(reason)")
            }
        } catch let error as NIfTIError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw NIfTIError(.writeFailed, file: url.path, "cannot write: \(error.localizedDescription)")
        }
    }
}
