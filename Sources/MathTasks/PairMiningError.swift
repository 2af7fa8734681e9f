/// Mining settings or input that cannot be used; `description` is one line.
public enum PairMiningError: Error, CustomStringConvertible, Equatable {
    /// A setting out of range, named by its run-config key (`variants.per_problem`).
    case invalidSetting(String, String)
    /// Nothing left to mine from (every problem held out, or an empty file).
    case noProblems(String)

    public var description: String {
        switch self {
        case let .invalidSetting(key, reason): return "\(key): \(reason)"
        case let .noProblems(reason): return reason
        }
    }
}
