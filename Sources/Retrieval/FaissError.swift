/// A failure inside FAISS (its exception message, returned by the CFaiss shim) or around its files.
public struct FaissError: Error, CustomStringConvertible, Equatable {
    /// What Exemplar was doing: "create", "search", "read"…
    public let operation: String
    /// The index file involved, if any.
    public let path: String?
    public let message: String

    public init(operation: String, path: String? = nil, message: String) {
        self.operation = operation
        self.path = path
        self.message = message
    }

    public var description: String {
        (path.map { "\($0): " } ?? "") + "FAISS \(operation) failed: \(message)"
    }
}
