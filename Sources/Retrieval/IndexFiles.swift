import Foundation

/// The files of index NAME in its directory, and how a build replaces them.
///
/// - `NAME.sqlite`: documents and metadata. Its metadata names the FAISS file of the same build; renaming a complete
///   database over this name is the one atomic step that switches an index from one build to the next.
/// - `NAME.<buildID>.faiss`: the FAISS index of build `buildID`, written (under a temporary name, then renamed)
///   before the database that refers to it. `open` goes by the database's reference, never by directory listing.
/// - `NAME.faiss`: a relative symbolic link to the current build's FAISS file, for `faiss.read_index` and other tools;
///   updated after the commit, so it can lag behind a build killed at that moment (`open` does not use it).
/// - `.NAME.lock`: held (flock) during a build, so two builds of one name do not interleave.
/// - `.NAME.<buildID>.*`: work in progress (and SQLite's journal beside it); files of killed builds are removed by the
///   next successful build.
///
/// A kill at any point leaves either the previous `NAME.sqlite` with its FAISS file (the old one is deleted only after
/// the new database is in place) or the new pair.
public struct IndexFiles {
    public let directory: URL
    public let name: String

    public init(directory: URL, name: String) throws {
        guard Self.isValidName(name) else { throw VectorIndexError.invalidName(name) }
        self.directory = directory
        self.name = name
    }

    /// Letters, digits, '-' and '_' (no dots, so `NAME.<buildID>.faiss` parses back unambiguously).
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "_" }
            && !name.hasPrefix("-")
    }

    public var databasePath: String { path("\(name).sqlite") }
    public var faissLinkPath: String { path("\(name).faiss") }
    public var lockPath: String { path(".\(name).lock") }

    /// File name (no directory) of a build's FAISS index.
    public func faissFileName(buildID: String) -> String { "\(name).\(buildID).faiss" }

    /// A hidden work file of build `buildID`, e.g. `.NAME.<buildID>.sqlite.tmp`.
    public func temporaryPath(buildID: String, _ suffix: String) -> String { path(".\(name).\(buildID).\(suffix).tmp") }

    public func path(_ fileName: String) -> String { directory.appendingPathComponent(fileName).path }

    /// A random 16-hex-digit build id.
    public static func newBuildID() -> String {
        let s = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// FAISS files of other builds and temporary files of any build of this index (call while holding the lock).
    public func staleFiles(currentBuildID: String) throws -> [String] {
        let keep = faissFileName(buildID: currentBuildID)
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { file in
            if file == keep { return false }
            if file.hasPrefix(".\(name).") { return path(file) != lockPath }
            guard file.hasPrefix("\(name).") && file.hasSuffix(".faiss") else { return false }
            let middle = file.dropFirst(name.count + 1).dropLast(".faiss".count)
            return middle.count == 16 && middle.allSatisfy(\.isHexDigit)
        }.sorted().map(path)
    }
}
