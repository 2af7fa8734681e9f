/// Why an index could not be built or opened; every case names the index and the file concerned.
public enum VectorIndexError: Error, CustomStringConvertible {
    case invalidName(String)
    case notFound(name: String, databasePath: String)
    case missingMetadata(name: String, databasePath: String)
    case faissFileMissing(name: String, faissPath: String, databasePath: String)
    case faissFileSize(name: String, faissPath: String, expected: Int64, actual: Int64)
    case notIDMapped(name: String, faissPath: String)
    case countMismatch(name: String, faissPath: String, vectors: Int, databasePath: String, documents: Int, recorded: Int)
    case dimensionMismatch(name: String, faissPath: String, faissDimension: Int, fingerprintDimension: Int)
    case encoderMismatch(name: String, databasePath: String, index: EncoderFingerprint, encoder: EncoderFingerprint)
    case emptyCorpus(corpus: String)
    case duplicateDocumentID(corpus: String, id: Int64)
    case buildInProgress(name: String, lockPath: String)
    case vectorShape(expected: String, got: [Int])
    case fileSystem(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidName(let name):
            return "invalid index name '\(name)': use letters, digits, '-' and '_' (it becomes NAME.sqlite and NAME.faiss)"
        case .notFound(let name, let path):
            return "no index '\(name)': \(path) not found (build it with `exemplar index build`)"
        case .missingMetadata(let name, let path):
            return "index '\(name)': \(path) has no index metadata (not written by `exemplar index build`?)"
        case .faissFileMissing(let name, let faiss, let database):
            return "index '\(name)': FAISS file \(faiss) named by \(database) is missing; rebuild the index"
        case .faissFileSize(let name, let faiss, let expected, let actual):
            return "index '\(name)': FAISS file \(faiss) is \(actual) bytes, the build wrote \(expected) (corrupt or replaced); rebuild the index"
        case .notIDMapped(let name, let faiss):
            return "index '\(name)': \(faiss) is not an ID-mapped FAISS index (its ids would not be document ids)"
        case .countMismatch(let name, let faiss, let vectors, let database, let documents, let recorded):
            return "index '\(name)': \(faiss) holds \(vectors) vectors but \(database) has \(documents) documents "
                + "(\(recorded) recorded at build time); the two files do not belong together, rebuild the index"
        case .dimensionMismatch(let name, let faiss, let faissDimension, let fingerprintDimension):
            return "index '\(name)': \(faiss) has \(faissDimension)-dimensional vectors but its encoder makes \(fingerprintDimension)"
        case .encoderMismatch(let name, let database, let index, let encoder):
            return "index '\(name)' (\(database)) was built with encoder \(index), but the encoder given is \(encoder): "
                + "its vectors would not be comparable; use the index's model or rebuild the index"
        case .emptyCorpus(let corpus):
            return "\(corpus): the corpus has no documents, nothing to index"
        case .duplicateDocumentID(let corpus, let id):
            return "\(corpus): document id \(id) appears more than once (ids are FAISS ids and must be unique)"
        case .buildInProgress(let name, let lock):
            return "index '\(name)': another build holds \(lock)"
        case .vectorShape(let expected, let got):
            return "expected vectors of shape \(expected), got \(got)"
        case .fileSystem(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
