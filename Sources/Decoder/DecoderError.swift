/// Errors from loading or running a decoder; `description` is one line naming the file at fault.
public enum DecoderError: Error, CustomStringConvertible, Equatable {
    case missingFile(String)
    case invalidFile(path: String, reason: String)
    case weightMismatch(path: String, tensor: String, reason: String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .missingFile(let path): return "\(path): file not found"
        case .invalidFile(let path, let reason): return "\(path): \(reason)"
        case .weightMismatch(let path, let tensor, let reason): return "\(path): tensor \(tensor): \(reason)"
        case .unsupported(let what): return "unsupported decoder configuration: \(what)"
        }
    }
}
