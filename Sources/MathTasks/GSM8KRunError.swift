/// An evaluation run directory that cannot be used as it is; `description` is one line naming the file.
public struct GSM8KRunError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
