/// Errors from loading a model, an adapter or a checkpoint (encoder and decoder alike); `description` is one line
/// naming the file at fault and the problem.
public enum ModelLoadingError: Error, CustomStringConvertible, Equatable {
    case missingFile(String)
    case invalidFile(path: String, reason: String)
    case weightMismatch(path: String, tensor: String, reason: String)
    /// A configuration this implementation does not run (another architecture, a RoPE variant, …).
    case unsupported(String)

    public var description: String {
        switch self {
        case .missingFile(let path): return "\(path): file not found"
        case .invalidFile(let path, let reason): return "\(path): \(reason)"
        case .weightMismatch(let path, let tensor, let reason): return "\(path): tensor \(tensor): \(reason)"
        case .unsupported(let what): return "unsupported model configuration: \(what)"
        }
    }
}
