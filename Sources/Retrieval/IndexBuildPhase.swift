/// Long-running parts of a build, reported through `VectorIndexBuilder.progress` with (done, total).
public enum IndexBuildPhase: String, Sendable {
    case embed
    case add
}
