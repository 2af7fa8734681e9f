import Foundation
import GRDB

/// What an index is: which build, which FAISS file, the encoder that made its vectors and how. Stored as the single
/// row of the `index_metadata` table of `NAME.sqlite` (the fingerprint as JSON text, `created_at` as UTC text), so
/// `sqlite3` shows it.
public struct IndexMetadata: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "index_metadata"

    /// Random hex id of the build that wrote this database; also part of the FAISS file's name.
    public var buildID: String
    /// The FAISS file of this build, relative to the database's directory (`NAME.<buildID>.faiss`).
    public var faissFile: String
    /// Its size in bytes, checked on open so a truncated file is caught before FAISS reads it.
    public var faissFileSize: Int64
    public var encoder: EncoderFingerprint
    /// The model directory the index was built with: the default encoder for searching it.
    public var modelPath: String
    public var factory: String
    public var metric: DistanceMetric
    public var dimension: Int
    public var documentCount: Int
    public var embedded: EmbeddedFields
    /// The corpus file the documents were read from (informational).
    public var corpus: String
    public var faissVersion: String
    public var createdAt: Date

    public init(buildID: String, faissFile: String, faissFileSize: Int64, encoder: EncoderFingerprint, modelPath: String,
                factory: String, metric: DistanceMetric, dimension: Int, documentCount: Int, embedded: EmbeddedFields,
                corpus: String, faissVersion: String, createdAt: Date) {
        self.buildID = buildID
        self.faissFile = faissFile
        self.faissFileSize = faissFileSize
        self.encoder = encoder
        self.modelPath = modelPath
        self.factory = factory
        self.metric = metric
        self.dimension = dimension
        self.documentCount = documentCount
        self.embedded = embedded
        self.corpus = corpus
        self.faissVersion = faissVersion
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case buildID = "build_id"
        case faissFile = "faiss_file"
        case faissFileSize = "faiss_file_size"
        case encoder = "encoder_fingerprint"
        case modelPath = "model_path"
        case factory, metric, dimension
        case documentCount = "document_count"
        case embedded, corpus
        case faissVersion = "faiss_version"
        case createdAt = "created_at"
    }
}
