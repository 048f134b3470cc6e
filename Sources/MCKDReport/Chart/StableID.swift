/// Element ids derived from text with FNV-1a, so the same report is written byte for
/// byte the same in every process (Swift's `hashValue` is seeded per process).
enum StableID {
    static func of(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash & 0xFFFF_FFFF, radix: 16)
    }
}
