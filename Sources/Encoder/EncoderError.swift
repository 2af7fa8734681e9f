/// Errors from loading or running an encoder; `description` is a one-line message naming the file at fault.
public enum EncoderError: Error, CustomStringConvertible, Equatable {
    case missingFile(String)
    case invalidFile(path: String, reason: String)
    case weightMismatch(path: String, tensor: String, reason: String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .missingFile(let path): return "\(path): file not found"
        case .invalidFile(let path, let reason): return "\(path): \(reason)"
        case .weightMismatch(let path, let tensor, let reason): return "\(path): tensor \(tensor): \(reason)"
        case .unsupported(let what): return "unsupported encoder configuration: \(what)"
        }
    }
}
