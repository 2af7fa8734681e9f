/// What went wrong while loading an evaluation task or searching. File errors name the file and, where there is
/// one, the 1-based line, so the user can open the file at the bad record.
public enum RetrievalError: Error, CustomStringConvertible, Equatable {
    /// A data file is missing, unreadable or malformed.
    case file(path: String, line: Int?, reason: String)
    /// Vectors of the wrong size were handed to a searcher.
    case dimensionMismatch(expected: Int, got: Int)
    /// Vectors that cannot be ranked (NaN or infinite values).
    case nonFiniteVector(what: String, row: Int)
    /// Any other invalid request (e.g. an unknown task name).
    case invalid(String)

    public var description: String {
        switch self {
        case let .file(path, line, reason): return line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)"
        case let .dimensionMismatch(expected, got): return "vectors have \(got) dimensions, the searcher holds \(expected)"
        case let .nonFiniteVector(what, row): return "\(what) vector \(row) has NaN or infinite values"
        case let .invalid(reason): return reason
        }
    }
}
