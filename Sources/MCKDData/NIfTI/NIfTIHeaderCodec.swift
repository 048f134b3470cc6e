/// Converts NIfTI-1/-2 headers between bytes and `NIfTIHeader`, validating as it reads.
enum NIfTIHeaderCodec {
    static let nifti1Size = 348
    static let nifti2Size = 540
    /// "n+2\0\r\n\032\n": the NIfTI-2 single-file magic.
    static let nifti2Magic: [UInt8] = [0x6E, 0x2B, 0x32, 0x00, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Parses the header at the start of `bytes` (the whole decompressed file).
    /// Returns the header and whether the file is big-endian.
    static func decode(_ bytes: [UInt8], file: String) throws -> (NIfTIHeader, bigEndian: Bool) {
        guard bytes.count >= 4 else {
            throw NIfTIError(.truncatedHeader, file: file, "file has \(bytes.count) bytes, too short for a NIfTI header")
        }
        // sizeof_hdr is 348 (NIfTI-1) or 540 (NIfTI-2); reading it in the wrong
        // byte order gives neither, which is how the byte order is detected.
        let little = EndianByteReader(bytes: bytes, bigEndian: false).int32(0)
        let big = EndianByteReader(bytes: bytes, bigEndian: true).int32(0)
        let bigEndian: Bool
        let size: Int
        switch (little, big) {
        case (348, _), (540, _): bigEndian = false; size = Int(little)
        case (_, 348), (_, 540): bigEndian = true; size = Int(big)
        default:
            throw NIfTIError(.badHeaderSize, file: file,
                             "sizeof_hdr is \(little) (little-endian) / \(big) (big-endian); expected 348 (NIfTI-1) or 540 (NIfTI-2) - not a NIfTI file?")
        }
        guard bytes.count >= size else {
            throw NIfTIError(.truncatedHeader, file: file, "header is truncated: \(bytes.count) of \(size) bytes present")
        }
        let reader = EndianByteReader(bytes: bytes, bigEndian: bigEndian)
        var header = size == nifti1Size ? try decodeVersion1(reader, file: file) : try decodeVersion2(reader, file: file)
        guard header.voxOffset >= size else {
            throw NIfTIError(.impossibleDimensions, file: file, "vox_offset \(header.voxOffset) lies inside the \(size)-byte header")
        }
        if header.pixdim[0] == 0 { header.pixdim[0] = 1 }  // qfac 0 means 1 (NIfTI standard)
        return (header, bigEndian)
    }

    private static func decodeVersion1(_ r: EndianByteReader, file: String) throws -> NIfTIHeader {
        let magic = Array(r.bytes[344..<348])
        if magic == [0x6E, 0x69, 0x31, 0x00] {  // "ni1": header and data in separate .hdr/.img files
            throw NIfTIError(.badMagic, file: file, "magic is 'ni1' (two-file .hdr/.img NIfTI), which is not supported; convert to .nii")
        }
        guard magic == [0x6E, 0x2B, 0x31, 0x00] else {
            throw NIfTIError(.badMagic, file: file, "bad NIfTI-1 magic \(magic) (expected 'n+1')")
        }
        var h = NIfTIHeader()
        h.version = .nifti1
        let dims = (0..<8).map { Int(r.int16(40 + 2 * $0)) }
        h.shape = try validatedShape(dims, file: file)
        h.datatype = try datatype(code: Int(r.int16(70)), file: file)
        h.intentP1 = Double(r.float32(56)); h.intentP2 = Double(r.float32(60)); h.intentP3 = Double(r.float32(64))
        h.intentCode = Int(r.int16(68))
        h.sliceStart = Int(r.int16(74))
        h.pixdim = (0..<8).map { Double(r.float32(76 + 4 * $0)) }
        let offset = Double(r.float32(108))
        guard offset.isFinite, offset >= 0, offset < 1e12 else {
            throw NIfTIError(.impossibleDimensions, file: file, "vox_offset \(offset) is not a valid byte offset")
        }
        h.voxOffset = Int(offset)
        h.sclSlope = Double(r.float32(112)); h.sclInter = Double(r.float32(116))
        h.sliceEnd = Int(r.int16(120))
        h.sliceCode = Int(r.bytes[122])
        h.xyztUnits = Int(r.bytes[123])
        h.calMax = Double(r.float32(124)); h.calMin = Double(r.float32(128))
        h.sliceDuration = Double(r.float32(132)); h.toffset = Double(r.float32(136))
        h.dimInfo = r.bytes[39]
        h.descrip = r.string(148, length: 80)
        h.auxFile = r.string(228, length: 24)
        h.qformCode = Int(r.int16(252)); h.sformCode = Int(r.int16(254))
        h.quaternB = Double(r.float32(256)); h.quaternC = Double(r.float32(260)); h.quaternD = Double(r.float32(264))
        h.qoffsetX = Double(r.float32(268)); h.qoffsetY = Double(r.float32(272)); h.qoffsetZ = Double(r.float32(276))
        h.srowX = (0..<4).map { Double(r.float32(280 + 4 * $0)) }
        h.srowY = (0..<4).map { Double(r.float32(296 + 4 * $0)) }
        h.srowZ = (0..<4).map { Double(r.float32(312 + 4 * $0)) }
        h.intentName = r.string(328, length: 16)
        return h
    }

    private static func decodeVersion2(_ r: EndianByteReader, file: String) throws -> NIfTIHeader {
        let magic = Array(r.bytes[4..<12])
        guard magic == nifti2Magic else {
            throw NIfTIError(.badMagic, file: file, "bad NIfTI-2 magic \(magic) (expected 'n+2\\0\\r\\n\\032\\n')")
        }
        var h = NIfTIHeader()
        h.version = .nifti2
        let dims = (0..<8).map { r.int64(16 + 8 * $0) }
        guard dims.allSatisfy({ $0 >= Int64(Int.min) && $0 <= Int64(Int.max) }) else {
            throw NIfTIError(.impossibleDimensions, file: file, "dims \(dims) do not fit this platform")
        }
        h.shape = try validatedShape(dims.map { Int($0) }, file: file)
        h.datatype = try datatype(code: Int(r.int16(12)), file: file)
        h.intentP1 = r.float64(80); h.intentP2 = r.float64(88); h.intentP3 = r.float64(96)
        h.pixdim = (0..<8).map { r.float64(104 + 8 * $0) }
        let offset = r.int64(168)
        guard offset >= 0, offset < 1 << 40 else {
            throw NIfTIError(.impossibleDimensions, file: file, "vox_offset \(offset) is not a valid byte offset")
        }
        h.voxOffset = Int(offset)
        h.sclSlope = r.float64(176); h.sclInter = r.float64(184)
        h.calMax = r.float64(192); h.calMin = r.float64(200)
        h.sliceDuration = r.float64(208); h.toffset = r.float64(216)
        h.sliceStart = Int(clamping: r.int64(224)); h.sliceEnd = Int(clamping: r.int64(232))
        h.descrip = r.string(240, length: 80)
        h.auxFile = r.string(320, length: 24)
        h.qformCode = Int(r.int32(344)); h.sformCode = Int(r.int32(348))
        h.quaternB = r.float64(352); h.quaternC = r.float64(360); h.quaternD = r.float64(368)
        h.qoffsetX = r.float64(376); h.qoffsetY = r.float64(384); h.qoffsetZ = r.float64(392)
        h.srowX = (0..<4).map { r.float64(400 + 8 * $0) }
        h.srowY = (0..<4).map { r.float64(432 + 8 * $0) }
        h.srowZ = (0..<4).map { r.float64(464 + 8 * $0) }
        h.sliceCode = Int(r.int32(496))
        h.xyztUnits = Int(r.int32(500))
        h.intentCode = Int(r.int32(504))
        h.intentName = r.string(508, length: 16)
        h.dimInfo = r.bytes[524]
        return h
    }

    /// Checks dim[0] in 1...7, every used extent >= 1, and that the voxel count
    /// (times 8 bytes, the largest voxel) does not overflow.
    static func validatedShape(_ dims: [Int], file: String) throws -> [Int] {
        let rank = dims[0]
        guard (1...7).contains(rank) else {
            throw NIfTIError(.impossibleDimensions, file: file, "dim[0] is \(rank); it must be 1...7 (dims: \(dims))")
        }
        let shape = Array(dims[1...rank])
        if let bad = shape.firstIndex(where: { $0 < 1 }) {
            throw NIfTIError(.impossibleDimensions, file: file, "dim[\(bad + 1)] is \(shape[bad]); every extent must be at least 1 (dims: \(dims))")
        }
        var bytes = 8
        for extent in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: extent)
            guard !overflow else {
                throw NIfTIError(.impossibleDimensions, file: file, "dims \(shape) describe more voxels than can be addressed (size overflow)")
            }
            bytes = product
        }
        return shape
    }

    private static func datatype(code: Int, file: String) throws -> NIfTIDataType {
        guard let code16 = Int16(exactly: code), let type = NIfTIDataType(rawValue: code16) else {
            throw NIfTIError(.unsupportedDatatype, file: file,
                             "datatype code \(code) is not supported (supported: uint8, int8, int16, uint16, int32, uint32, int64, float32, float64)")
        }
        return type
    }

    /// Serialises `header` little-endian, followed by the 4-byte extension flag
    /// (all zero: no extensions), so the result is `header.headerSize + 4` bytes.
    static func encode(_ h: NIfTIHeader) -> [UInt8] {
        var w = LittleEndianByteWriter(count: h.headerSize + 4)
        var dims = [Int](repeating: 1, count: 8)
        dims[0] = h.shape.count
        for (k, extent) in h.shape.enumerated() { dims[k + 1] = extent }
        if h.version == .nifti1 {
            w.put(Int32(nifti1Size), at: 0)
            w.put(h.dimInfo, at: 39)
            for k in 0..<8 { w.put(Int16(clamping: dims[k]), at: 40 + 2 * k) }
            w.putFloat32(Float(h.intentP1), at: 56); w.putFloat32(Float(h.intentP2), at: 60); w.putFloat32(Float(h.intentP3), at: 64)
            w.put(Int16(clamping: h.intentCode), at: 68)
            w.put(h.datatype.rawValue, at: 70)
            w.put(h.datatype.bitsPerVoxel, at: 72)
            w.put(Int16(clamping: h.sliceStart), at: 74)
            for k in 0..<8 { w.putFloat32(Float(h.pixdim[k]), at: 76 + 4 * k) }
            w.putFloat32(Float(h.voxOffset), at: 108)
            w.putFloat32(Float(h.sclSlope), at: 112); w.putFloat32(Float(h.sclInter), at: 116)
            w.put(Int16(clamping: h.sliceEnd), at: 120)
            w.put(UInt8(clamping: h.sliceCode), at: 122)
            w.put(UInt8(clamping: h.xyztUnits), at: 123)
            w.putFloat32(Float(h.calMax), at: 124); w.putFloat32(Float(h.calMin), at: 128)
            w.putFloat32(Float(h.sliceDuration), at: 132); w.putFloat32(Float(h.toffset), at: 136)
            w.putString(h.descrip, at: 148, length: 80)
            w.putString(h.auxFile, at: 228, length: 24)
            w.put(Int16(clamping: h.qformCode), at: 252); w.put(Int16(clamping: h.sformCode), at: 254)
            w.putFloat32(Float(h.quaternB), at: 256); w.putFloat32(Float(h.quaternC), at: 260); w.putFloat32(Float(h.quaternD), at: 264)
            w.putFloat32(Float(h.qoffsetX), at: 268); w.putFloat32(Float(h.qoffsetY), at: 272); w.putFloat32(Float(h.qoffsetZ), at: 276)
            for k in 0..<4 {
                w.putFloat32(Float(h.srowX[k]), at: 280 + 4 * k)
                w.putFloat32(Float(h.srowY[k]), at: 296 + 4 * k)
                w.putFloat32(Float(h.srowZ[k]), at: 312 + 4 * k)
            }
            w.putString(h.intentName, at: 328, length: 16)
            w.putBytes([0x6E, 0x2B, 0x31, 0x00], at: 344)
        } else {
            w.put(Int32(nifti2Size), at: 0)
            w.putBytes(nifti2Magic, at: 4)
            w.put(h.datatype.rawValue, at: 12)
            w.put(h.datatype.bitsPerVoxel, at: 14)
            for k in 0..<8 { w.put(Int64(dims[k]), at: 16 + 8 * k) }
            w.putFloat64(h.intentP1, at: 80); w.putFloat64(h.intentP2, at: 88); w.putFloat64(h.intentP3, at: 96)
            for k in 0..<8 { w.putFloat64(h.pixdim[k], at: 104 + 8 * k) }
            w.put(Int64(h.voxOffset), at: 168)
            w.putFloat64(h.sclSlope, at: 176); w.putFloat64(h.sclInter, at: 184)
            w.putFloat64(h.calMax, at: 192); w.putFloat64(h.calMin, at: 200)
            w.putFloat64(h.sliceDuration, at: 208); w.putFloat64(h.toffset, at: 216)
            w.put(Int64(h.sliceStart), at: 224); w.put(Int64(h.sliceEnd), at: 232)
            w.putString(h.descrip, at: 240, length: 80)
            w.putString(h.auxFile, at: 320, length: 24)
            w.put(Int32(clamping: h.qformCode), at: 344); w.put(Int32(clamping: h.sformCode), at: 348)
            w.putFloat64(h.quaternB, at: 352); w.putFloat64(h.quaternC, at: 360); w.putFloat64(h.quaternD, at: 368)
            w.putFloat64(h.qoffsetX, at: 376); w.putFloat64(h.qoffsetY, at: 384); w.putFloat64(h.qoffsetZ, at: 392)
            for k in 0..<4 {
                w.putFloat64(h.srowX[k], at: 400 + 8 * k)
                w.putFloat64(h.srowY[k], at: 432 + 8 * k)
                w.putFloat64(h.srowZ[k], at: 464 + 8 * k)
            }
            w.put(Int32(clamping: h.sliceCode), at: 496)
            w.put(Int32(clamping: h.xyztUnits), at: 500)
            w.put(Int32(clamping: h.intentCode), at: 504)
            w.putString(h.intentName, at: 508, length: 16)
            w.put(h.dimInfo, at: 524)
        }
        return w.bytes
    }
}

