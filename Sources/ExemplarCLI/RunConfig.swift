import Foundation
import Yams

/// A run config: a Codable struct read from YAML, every field of which can be overridden on the command line with
/// `--set key=value` (nested keys joined by dots, values in YAML syntax: `--set recall.count=200`,
/// `--set factory=IVF256,PQ32`). Keys that are not fields are errors, in the file and in `--set`, so a typo never
/// silently falls back to a default.
///
/// The known keys are those of `init()` encoded (`RunConfigNodeEncoder`, which keeps nil optionals as `null`), so
/// every field needs a default there; an optional's `null` means "unset" (`--set training.max_steps=null`).
protocol RunConfig: Codable {
    /// Every field at its default value.
    init()
}

extension RunConfig {
    /// Defaults, then the YAML file at `path` (if any), then each `--set` override in order.
    static func load(path: String?, overrides: [String]) throws -> Self {
        var merged = try RunConfigTree(Self())
        if let path {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw RunConfigError(description: "\(path): cannot read the config file")
            }
            let node: Node?
            do { node = try Yams.compose(yaml: text) } catch {
                throw RunConfigError(description: "\(path): invalid YAML: \(error)")
            }
            if let node { try merged.merge(node, from: path) }
        }
        for override in overrides {
            guard let equals = override.firstIndex(of: "="), equals != override.startIndex else {
                throw RunConfigError(description: "--set \(override): expected key=value")
            }
            let keys = override[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let text = String(override[override.index(after: equals)...])
            let value: Node
            do { value = try Yams.compose(yaml: text) ?? Node("") } catch {
                throw RunConfigError(description: "--set \(override): invalid YAML value: \(error)")
            }
            let nested = keys.reversed().reduce(value) { inner, key in Node.mapping(Node.Mapping([(Node(key), inner)])) }
            try merged.merge(nested, from: "--set \(override)")
        }
        return try merged.decode(Self.self)
    }
}

/// The YAML tree of a config being assembled, with where each value came from (for error messages).
struct RunConfigTree {
    private(set) var root: Node
    private var origins: [String: String] = [:]

    init<T: Encodable>(_ defaults: T) throws {
        root = try RunConfigNodeEncoder.encode(defaults)
    }

    /// Lays `overlay` over the tree: mappings merge key by key, anything else replaces. A key the defaults do not
    /// have is an error naming `source`.
    mutating func merge(_ overlay: Node, from source: String) throws {
        root = try merge(root, overlay, path: [], source: source)
    }

    private mutating func merge(_ base: Node, _ overlay: Node, path: [String], source: String) throws -> Node {
        let here = path.isEmpty ? "the top level" : "'\(path.joined(separator: "."))'"
        guard case .mapping(let baseMapping) = base else {
            if case .mapping(let overlayMapping) = overlay, case .scalar = base, let key = overlayMapping.keys.first?.string {
                throw RunConfigError(description: "\(source): \(here) is a single value; it has no key '\(key)'")
            }
            origins[path.joined(separator: ".")] = source
            return overlay
        }
        guard case .mapping(let overlayMapping) = overlay else {
            throw RunConfigError(description: "\(source): \(here) must be a mapping with keys \(Self.keys(baseMapping))")
        }
        var pairs = baseMapping.map { ($0.key, $0.value) }
        for (key, value) in overlayMapping {
            guard let name = key.string, let i = pairs.firstIndex(where: { $0.0.string == name }) else {
                let full = (path + [key.string ?? "\(key)"]).joined(separator: ".")
                throw RunConfigError(description: "\(source): unknown key '\(full)' (known keys of \(here): \(Self.keys(baseMapping)))")
            }
            pairs[i].1 = try merge(pairs[i].1, value, path: path + [name], source: source)
        }
        return .mapping(Node.Mapping(pairs))
    }

    private static func keys(_ mapping: Node.Mapping) -> String {
        mapping.keys.compactMap(\.string).joined(separator: ", ")
    }

    /// Decodes the assembled tree; a value of the wrong type is reported with the key and where it was set.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try YAMLDecoder().decode(type, from: try Yams.serialize(node: root))
        } catch let error as DecodingError {
            let (path, reason): ([CodingKey], String)
            switch error {
            case .typeMismatch(let type, let context): (path, reason) = (context.codingPath, "expected \(type)")
            case .valueNotFound(let type, let context): (path, reason) = (context.codingPath, "expected \(type)")
            case .keyNotFound(let key, let context): (path, reason) = (context.codingPath + [key], "missing")
            case .dataCorrupted(let context): (path, reason) = (context.codingPath, context.debugDescription)
            @unknown default: (path, reason) = ([], "\(error)")
            }
            let key = path.map(\.stringValue).joined(separator: ".")
            let source = origins[key].map { "\($0): " } ?? ""
            throw RunConfigError(description: "\(source)key '\(key)': \(reason)")
        }
    }
}
