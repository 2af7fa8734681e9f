import Foundation
import GRDB
import Tensor
#if canImport(Glibc)
import Glibc
#endif

/// Builds index NAME (documents → vectors → FAISS file + SQLite database) and swaps it in for the previous build of
/// the same name so that a crash or a kill at any moment leaves a usable index; see `IndexFiles` for the protocol.
public final class VectorIndexBuilder {
    public let embedder: TextEmbedder
    /// Called after each step; a test throws here to simulate a build interrupted at that point.
    public var afterStep: ((IndexBuildStep) throws -> Void)?
    /// Progress of the embed and add phases: (phase, done, total).
    public var progress: ((IndexBuildPhase, Int, Int) -> Void)?
    /// Time source for `created_at`.
    public var now: () -> Date = Date.init

    public init(embedder: TextEmbedder) {
        self.embedder = embedder
    }

    public func build(name: String, in directory: URL, documents: [CorpusDocument], options: IndexBuildOptions) throws -> IndexBuildReport {
        let files = try IndexFiles(directory: directory, name: name)
        guard !documents.isEmpty else { throw VectorIndexError.emptyCorpus(corpus: options.corpus) }
        var seen = Set<Int64>()
        if let duplicate = documents.first(where: { !seen.insert($0.id).inserted }) {
            throw VectorIndexError.duplicateDocumentID(corpus: options.corpus, id: duplicate.id)
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let lock = try BuildLock(path: files.lockPath, name: name)
        defer { lock.release() }
        let buildID = IndexFiles.newBuildID()
        // Files to delete if the build fails before the commit.
        var ownFiles: [String] = []
        defer { for file in ownFiles { unlink(file) } }
        let start = DispatchTime.now().uptimeNanoseconds
        func seconds(since t: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9 }

        // The FAISS index first: a bad factory string fails before minutes of embedding.
        let n = documents.count, d = embedder.dimension
        let index = try FaissIndex(dimension: d, factory: options.factory, metric: options.metric)

        // Embed.
        let texts = documents.map { $0.text(embedding: options.embedded) }
        progress?(.embed, 0, n)
        let vectors = try embedder.embed(texts) { [progress] in progress?(.embed, $0, n) }
        guard vectors.shape == [n, d], embedder.fingerprint.dimension == d else {
            throw VectorIndexError.vectorShape(expected: "[\(n), \(d)]", got: vectors.shape)
        }
        let embedSeconds = seconds(since: start)
        try afterStep?(.embedded)

        // FAISS: train when the factory needs it, add in batches, write.
        let faissStart = DispatchTime.now().uptimeNanoseconds
        let ids = documents.map(\.id)
        if !index.isTrained { try index.train(vectors) }
        progress?(.add, 0, n)
        try withExtendedLifetime(vectors) {
            var done = 0
            while done < n {
                let count = min(max(options.addBatchSize, 1), n - done)
                try index.add(vectors.data + done * d, ids: Array(ids[done..<(done + count)]))
                done += count
                progress?(.add, done, n)
            }
        }
        if let efSearch = options.efSearch { try index.setEfSearch(efSearch) }
        if let nprobe = options.nprobe { try index.setNprobe(nprobe) }
        let faissSeconds = seconds(since: faissStart)
        let faissName = files.faissFileName(buildID: buildID), faissPath = files.path(faissName)
        let faissTemporary = files.temporaryPath(buildID: buildID, "faiss")
        ownFiles.append(faissTemporary)
        try index.write(to: faissTemporary)
        try Self.rename(faissTemporary, faissPath)
        ownFiles.append(faissPath)
        try afterStep?(.faissWritten)

        // The database, complete and closed under its temporary name.
        let faissBytes = try Self.fileSize(faissPath)
        let metadata = IndexMetadata(
            buildID: buildID, faissFile: faissName, faissFileSize: faissBytes, encoder: embedder.fingerprint,
            modelPath: options.modelPath, factory: options.factory, metric: options.metric, dimension: d,
            documentCount: n, embedded: options.embedded, corpus: options.corpus,
            faissVersion: FaissIndex.libraryVersion,
            createdAt: Self.asStored(now()))
        let databaseTemporary = files.temporaryPath(buildID: buildID, "sqlite")
        ownFiles.append(databaseTemporary)
        let store = try CorpusStore.create(at: databaseTemporary)
        do {
            try store.insert(documents)
            try store.setMetadata(metadata)
            try store.close()
        } catch {
            try? store.close()
            throw error
        }
        try afterStep?(.databaseWritten)

        // Commit: from here on `open` finds the new build.
        try Self.rename(databaseTemporary, files.databasePath)
        Self.syncDirectory(directory.path)
        ownFiles.removeAll()
        try afterStep?(.committed)

        let linkTemporary = files.temporaryPath(buildID: buildID, "link")
        unlink(linkTemporary)
        if symlink(faissName, linkTemporary) != 0 {
            throw VectorIndexError.fileSystem(path: linkTemporary, reason: "cannot create symbolic link: \(String(cString: strerror(errno)))")
        }
        try Self.rename(linkTemporary, files.faissLinkPath)
        Self.syncDirectory(directory.path)
        try afterStep?(.linked)

        for file in try files.staleFiles(currentBuildID: buildID) { unlink(file) }
        try afterStep?(.cleanedUp)

        return IndexBuildReport(
            metadata: metadata, databasePath: files.databasePath, faissPath: faissPath,
            databaseBytes: try Self.fileSize(files.databasePath), faissBytes: faissBytes, index: index, vectors: vectors,
            ids: ids, embedSeconds: embedSeconds, faissSeconds: faissSeconds, totalSeconds: seconds(since: start))
    }

    /// The date as the database will give it back (GRDB keeps milliseconds), so the report equals what `open` reads.
    private static func asStored(_ date: Date) -> Date { Date.fromDatabaseValue(date.databaseValue) ?? date }

    private static func rename(_ from: String, _ to: String) throws {
        if Glibc.rename(from, to) != 0 {
            throw VectorIndexError.fileSystem(path: to, reason: "cannot rename \(from) to it: \(String(cString: strerror(errno)))")
        }
    }

    private static func fileSize(_ path: String) throws -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw VectorIndexError.fileSystem(path: path, reason: "cannot stat: \(String(cString: strerror(errno)))")
        }
        return Int64(info.st_size)
    }

    /// fsync on the directory makes renames durable (best effort: some file systems refuse it).
    private static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
