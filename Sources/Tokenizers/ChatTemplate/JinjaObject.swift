/// A Python dict with string keys, in insertion order.
struct JinjaObject {
    private(set) var keys: [String] = []
    private(set) var values: [JinjaRuntimeValue] = []

    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }

    subscript(key: String) -> JinjaRuntimeValue? {
        get { keys.firstIndex(of: key).map { values[$0] } }
        set {
            if let i = keys.firstIndex(of: key) {
                if let newValue { values[i] = newValue } else { keys.remove(at: i); values.remove(at: i) }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    var pairs: Zip2Sequence<[String], [JinjaRuntimeValue]> { zip(keys, values) }
}
