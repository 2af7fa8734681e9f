import Foundation
import Hummingbird

/// The methods each route path answers, filled from the router once its routes are added, so an unknown method on a
/// known path is told apart from an unknown path: 405 with `Allow` (RFC 9110 §15.5.6) rather than 404.
final class RouteMethods: @unchecked Sendable {
    private let lock = NSLock()
    private var methods: [String: [HTTPRequest.Method]] = [:]

    func record<Context>(_ router: Router<Context>) {
        let table = Dictionary(grouping: router.routes, by: { $0.path.description }).mapValues { $0.map(\.method) }
        lock.withLock { methods = table }
    }

    /// The methods `path` answers (empty when no route has that path).
    func allowed(_ path: String) -> [HTTPRequest.Method] {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        return lock.withLock { methods[trimmed] ?? [] }
    }
}
