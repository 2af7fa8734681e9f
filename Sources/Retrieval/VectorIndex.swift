import Foundation
import Tensor

/// A built index opened for searching: FAISS vectors + the SQLite documents and metadata of the same build.
///
/// `open` checks that the pair belongs together before anything is searched: the database names the FAISS file of
/// its build, whose size, vector count and dimension must match what the database recorded, and (when an encoder is
/// given) that the encoder makes the same vectors as the one the index was built with.
public final class VectorIndex {
    public let files: IndexFiles
    public let metadata: IndexMetadata
    public let faiss: FaissIndex
    public let store: CorpusStore

    public var name: String { files.name }
    public var databasePath: String { files.databasePath }
    public var faissPath: String { files.path(metadata.faissFile) }
    public var count: Int { faiss.count }
    public var dimension: Int { faiss.dimension }

    private init(files: IndexFiles, metadata: IndexMetadata, faiss: FaissIndex, store: CorpusStore) {
        self.files = files
        self.metadata = metadata
        self.faiss = faiss
        self.store = store
    }

    /// Opens `directory/NAME.sqlite` and the FAISS file it names. With `encoder`, also requires that fingerprint to
    /// be compatible with the index's.
    public static func open(_ name: String, in directory: URL, encoder: EncoderFingerprint? = nil) throws -> VectorIndex {
        let files = try IndexFiles(directory: directory, name: name)
        do {
            return try open(files, encoder: encoder)
        } catch VectorIndexError.faissFileMissing {
            // A rebuild may have committed and removed the FAISS file named by the database read a moment ago:
            // then NAME.sqlite now names the new build's file, so try once more.
            return try open(files, encoder: encoder)
        }
    }

    private static func open(_ files: IndexFiles, encoder: EncoderFingerprint?) throws -> VectorIndex {
        let name = files.name
        let databasePath = files.databasePath
        guard FileManager.default.fileExists(atPath: databasePath) else {
            throw VectorIndexError.notFound(name: name, databasePath: databasePath)
        }
        let store = try CorpusStore.open(at: databasePath)
        guard let metadata = try store.metadata() else {
            throw VectorIndexError.missingMetadata(name: name, databasePath: databasePath)
        }
        if let encoder, !metadata.encoder.isCompatible(with: encoder) {
            throw VectorIndexError.encoderMismatch(name: name, databasePath: databasePath, index: metadata.encoder, encoder: encoder)
        }
        let faissPath = files.path(metadata.faissFile)
        let attributes = try? FileManager.default.attributesOfItem(atPath: faissPath)
        guard let size = (attributes?[.size] as? NSNumber)?.int64Value else {
            throw VectorIndexError.faissFileMissing(name: name, faissPath: faissPath, databasePath: databasePath)
        }
        guard size == metadata.faissFileSize else {
            throw VectorIndexError.faissFileSize(name: name, faissPath: faissPath, expected: metadata.faissFileSize, actual: size)
        }
        let faiss = try FaissIndex.read(path: faissPath)
        guard faiss.hasIDMap else { throw VectorIndexError.notIDMapped(name: name, faissPath: faissPath) }
        let documents = try store.documentCount()
        guard faiss.count == documents, documents == metadata.documentCount else {
            throw VectorIndexError.countMismatch(name: name, faissPath: faissPath, vectors: faiss.count,
                                                 databasePath: databasePath, documents: documents, recorded: metadata.documentCount)
        }
        guard faiss.dimension == metadata.encoder.dimension, faiss.dimension == metadata.dimension else {
            throw VectorIndexError.dimensionMismatch(name: name, faissPath: faissPath, faissDimension: faiss.dimension,
                                                     fingerprintDimension: metadata.encoder.dimension)
        }
        return VectorIndex(files: files, metadata: metadata, faiss: faiss, store: store)
    }

    /// The k nearest documents of each row of the (Q, d) `queries`: ids and scores row-major (Q, k), −1 for missing.
    public func search(_ queries: Tensor, k: Int) throws -> SearchResults {
        guard queries.shape.count == 2, queries.columns == dimension else {
            throw VectorIndexError.vectorShape(expected: "[Q, \(dimension)]", got: queries.shape)
        }
        return try faiss.search(queries, k: k)
    }

    /// Throws unless vectors of the encoder `fingerprint` describes are comparable with the stored ones.
    public func requireEncoder(_ fingerprint: EncoderFingerprint) throws {
        guard metadata.encoder.isCompatible(with: fingerprint) else {
            throw VectorIndexError.encoderMismatch(name: name, databasePath: databasePath, index: metadata.encoder,
                                                   encoder: fingerprint)
        }
    }

    /// Embeds `texts` with `encoder` (which must match the index's fingerprint) and searches.
    public func search(_ texts: [String], encoder: TextEmbedder, k: Int) throws -> SearchResults {
        try requireEncoder(encoder.fingerprint)
        return try search(try encoder.embed(texts, progress: nil), k: k)
    }

    /// The documents found for query `q`, best first, with their scores.
    public func hits(_ results: SearchResults, query q: Int) throws -> [(document: CorpusDocument, score: Float)] {
        let hits = results.hits(forQuery: q)
        let documents = try store.documents(ids: hits.map(\.id))
        return try hits.map { hit in
            guard let document = documents[hit.id] else {
                throw CorpusStoreError(path: databasePath, reason: "no document with id \(hit.id), which \(faissPath) returned")
            }
            return (document, hit.score)
        }
    }
}
