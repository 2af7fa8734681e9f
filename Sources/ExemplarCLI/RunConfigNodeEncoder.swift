import Yams

/// Encodes a run config's defaults into a YAML node tree, as `YAMLEncoder` would, except that a nil optional becomes
/// `null` instead of disappearing: every field is then a known key that the file and `--set` may set, so a library
/// settings type with optional fields (`max_steps: null` = all epochs) decodes straight from its config section.
struct RunConfigNodeEncoder {
    static func encode<T: Encodable>(_ value: T) throws -> Node {
        let slot = Slot()
        try slot.store(value)
        return slot.node
    }

    /// One value of the tree under construction; containers fill it in place.
    fileprivate final class Slot {
        enum Content { case null, scalar(Node), mapping([(String, Slot)]), sequence([Slot]) }
        var content = Content.null

        var node: Node {
            switch content {
            case .null: return Node("null", Tag(.null))
            case .scalar(let node): return node
            case .mapping(let pairs): return .mapping(Node.Mapping(pairs.map { (Node($0.0), $0.1.node) }))
            case .sequence(let items): return .sequence(Node.Sequence(items.map(\.node)))
            }
        }

        func store<T: Encodable>(_ value: T) throws {
            if let scalar = value as? YAMLEncodable { content = .scalar(scalar.box()) } else { try value.encode(to: SlotEncoder(slot: self)) }
        }

        func child(_ key: String) -> Slot {
            let slot = Slot()
            if case .mapping(var pairs) = content { pairs.append((key, slot)); content = .mapping(pairs) }
            return slot
        }

        func appendItem() -> Slot {
            let slot = Slot()
            if case .sequence(var items) = content { items.append(slot); content = .sequence(items) }
            return slot
        }
    }

    fileprivate struct SlotEncoder: Encoder {
        let slot: Slot
        var codingPath: [CodingKey] = []
        var userInfo: [CodingUserInfoKey: Any] = [:]

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if case .mapping = slot.content {} else { slot.content = .mapping([]) }
            return KeyedEncodingContainer(Keyed<Key>(slot: slot))
        }

        func unkeyedContainer() -> UnkeyedEncodingContainer {
            if case .sequence = slot.content {} else { slot.content = .sequence([]) }
            return Unkeyed(slot: slot)
        }

        func singleValueContainer() -> SingleValueEncodingContainer { Single(slot: slot) }
    }

    fileprivate struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let slot: Slot
        var codingPath: [CodingKey] = []

        mutating func encodeNil(forKey key: Key) throws { _ = slot.child(key.stringValue) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try slot.child(key.stringValue).store(value) }
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        // The generic `encode` above witnesses every primitive `encode` requirement; `encodeIfPresent` has defaults
        // per primitive type that skip nil — the behaviour this encoder exists to change — so each is overridden.
        mutating func encodeIfPresent(_ v: Bool?, forKey k: Key) throws { try encode(v, k) }
        mutating func encodeIfPresent(_ v: String?, forKey k: Key) throws { try encode(v, k) }
        mutating func encodeIfPresent(_ v: Double?, forKey k: Key) throws { try encode(v, k) }
        mutating func encodeIfPresent(_ v: Float?, forKey k: Key) throws { try encode(v, k) }
        mutating func encodeIfPresent(_ v: Int?, forKey k: Key) throws { try encode(v, k) }
        mutating func encodeIfPresent(_ v: Int8?, forKey k: Key) throws { try encode(v, k) }
        mutating func encodeIfPresent(_ v: Int16?, forKey k: Key) throws { try encode(v, k) }
        mutating func encodeIfPresent(_ v: Int32?, forKey k: Key) throws { try encode(v, k) }
        mutating func encodeIfPresent(_ v: Int64?, forKey k: Key) throws { try encode(v, k) }
        mutating func encodeIfPresent(_ v: UInt?, forKey k: Key) throws { try encode(v, k) }
        mutating func encodeIfPresent(_ v: UInt8?, forKey k: Key) throws { try encode(v, k) }
        mutating func encodeIfPresent(_ v: UInt16?, forKey k: Key) throws { try encode(v, k) }
        mutating func encodeIfPresent(_ v: UInt32?, forKey k: Key) throws { try encode(v, k) }
        mutating func encodeIfPresent(_ v: UInt64?, forKey k: Key) throws { try encode(v, k) }

        private mutating func encode<T: Encodable>(_ value: T?, _ key: Key) throws {
            if let value { try slot.child(key.stringValue).store(value) } else { try encodeNil(forKey: key) }
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey> {
            SlotEncoder(slot: slot.child(key.stringValue)).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
            SlotEncoder(slot: slot.child(key.stringValue)).unkeyedContainer()
        }

        mutating func superEncoder() -> Encoder { SlotEncoder(slot: slot.child("super")) }
        mutating func superEncoder(forKey key: Key) -> Encoder { SlotEncoder(slot: slot.child(key.stringValue)) }
    }

    fileprivate struct Unkeyed: UnkeyedEncodingContainer {
        let slot: Slot
        var codingPath: [CodingKey] = []
        var count: Int {
            if case .sequence(let items) = slot.content { return items.count }
            return 0
        }

        mutating func encodeNil() throws { _ = slot.appendItem() }
        mutating func encode<T: Encodable>(_ value: T) throws { try slot.appendItem().store(value) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            SlotEncoder(slot: slot.appendItem()).container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer { SlotEncoder(slot: slot.appendItem()).unkeyedContainer() }
        mutating func superEncoder() -> Encoder { SlotEncoder(slot: slot.appendItem()) }
    }

    fileprivate struct Single: SingleValueEncodingContainer {
        let slot: Slot
        var codingPath: [CodingKey] = []

        mutating func encodeNil() throws { slot.content = .null }
        mutating func encode<T: Encodable>(_ value: T) throws { try slot.store(value) }
    }
}
