import Foundation

/// Builds GGUF files byte by byte for the validation tests, including broken ones: every field can be given any
/// value, and the header counts can be overridden to disagree with what follows.
struct GGUFBuilder {
    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    var tensorCount: UInt64?
    var keyCount: UInt64?
    /// The padding the writer inserts before the data section (what `general.alignment` says, if set).
    var alignment = 32
    private(set) var keys: [[UInt8]] = []
    private(set) var infos: [[UInt8]] = []
    var data: [UInt8] = []

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    static func string(_ text: String) -> [UInt8] { string(bytes: Array(text.utf8)) }

    static func string(bytes: [UInt8]) -> [UInt8] { le(UInt64(bytes.count)) + bytes }

    /// A key with a raw type tag and an already encoded value.
    mutating func key(_ name: String, type: UInt32, _ payload: [UInt8]) {
        keys.append(Self.string(name) + Self.le(type) + payload)
    }

    mutating func key(rawName: [UInt8], type: UInt32, _ payload: [UInt8]) {
        keys.append(Self.string(bytes: rawName) + Self.le(type) + payload)
    }

    mutating func uint32(_ name: String, _ value: UInt32) { key(name, type: 4, Self.le(value)) }

    mutating func string(_ name: String, _ value: String) { key(name, type: 8, Self.string(value)) }

    /// An array key: element type, count, and the encoded elements.
    mutating func array(_ name: String, elementType: UInt32, count: UInt64, _ elements: [UInt8]) {
        key(name, type: 9, Self.le(elementType) + Self.le(count) + elements)
    }

    mutating func tensor(_ name: String, type: UInt32, ne: [UInt64], offset: UInt64, dimensionCount: UInt32? = nil) {
        tensor(rawName: Array(name.utf8), type: type, ne: ne, offset: offset, dimensionCount: dimensionCount)
    }

    mutating func tensor(rawName: [UInt8], type: UInt32, ne: [UInt64], offset: UInt64, dimensionCount: UInt32? = nil) {
        var info = Self.string(bytes: rawName) + Self.le(dimensionCount ?? UInt32(ne.count))
        for size in ne { info += Self.le(size) }
        infos.append(info + Self.le(type) + Self.le(offset))
    }

    /// Bytes before the data section.
    var headerBytes: [UInt8] {
        var bytes = magic + Self.le(version)
        bytes += Self.le(tensorCount ?? UInt64(infos.count)) + Self.le(keyCount ?? UInt64(keys.count))
        for key in keys { bytes += key }
        for info in infos { bytes += info }
        return bytes
    }

    var dataStart: Int { (headerBytes.count + alignment - 1) / alignment * alignment }

    func bytes() -> [UInt8] {
        var bytes = headerBytes
        bytes += [UInt8](repeating: 0, count: dataStart - bytes.count)
        return bytes + data
    }
}
