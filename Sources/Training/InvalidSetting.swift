/// A training setting outside what the trainer can run, named by its run-config key (`training.batch_size`).
public struct InvalidSetting: Error, CustomStringConvertible, Equatable {
    public let key: String
    public let reason: String

    public init(_ key: String, _ reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "\(key): \(reason)" }
}
