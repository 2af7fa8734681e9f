/// The points of a build after which `VectorIndexBuilder.afterStep` is called, in order. Before `committed` the
/// previous index is the one `open` finds; from `committed` on, the new one.
public enum IndexBuildStep: String, CaseIterable, Sendable {
    /// Every document embedded.
    case embedded
    /// `NAME.<buildID>.faiss` complete on disk (not yet referenced).
    case faissWritten
    /// The new database complete under its temporary name.
    case databaseWritten
    /// The new database renamed to `NAME.sqlite`.
    case committed
    /// `NAME.faiss` points to the new FAISS file.
    case linked
    /// Files of earlier builds removed.
    case cleanedUp
}
