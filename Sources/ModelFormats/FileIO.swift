#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if _endian(big)
#error("ModelFormats reads and writes little-endian tensor data in place; big-endian hosts are not supported")
#endif

/// A failed system call, turned into each format's own error type by the caller.
public struct IOFailure: Error, CustomStringConvertible {
    public let operation: String
    public let path: String
    public let code: Int32

    public var description: String { "\(path): \(operation) failed: \(message)" }

    init(_ operation: String, _ path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    var message: String { String(cString: strerror(code)) }

    /// The operation, mentioning the temporary file when that is where it failed, for errors that name `target`.
    func operation(target: String) -> String {
        path == target ? operation : "\(operation) (temporary file \(path))"
    }
}

/// Writes a file under a temporary name in the target's directory and renames it over the target only once every
/// byte is on disk (fsync), so a crash or an error never leaves a half-written file under the final name. Dropping
/// the object without `commit()` removes the temporary file.
public final class AtomicFileOutput {
    public let path: String
    public let temporaryPath: String
    private var descriptor: Int32
    private var committed = false

    public init(path: String) throws(IOFailure) {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var attempt = 0
        while true {
            let candidate = "\(directory).\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                temporaryPath = candidate
                descriptor = fd
                return
            }
            let code = errno
            attempt += 1
            if code != EEXIST || attempt > 16 { throw IOFailure("create", candidate, code: code) }
        }
    }

    deinit { discard() }

    /// Appends `bytes` at the current end of the file.
    func write(_ bytes: UnsafeRawBufferPointer) throws(IOFailure) {
        var done = 0
        while done < bytes.count {
            let n = posixWrite(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw IOFailure("write", temporaryPath)
            }
            done += n
        }
    }

    public func write(_ bytes: [UInt8]) throws(IOFailure) {
        let failure: IOFailure? = bytes.withUnsafeBytes { buffer in
            do throws(IOFailure) { try write(buffer) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Overwrites bytes at `offset` without moving the append position (used to finalise a header).
    func write(_ bytes: [UInt8], at offset: Int) throws(IOFailure) {
        let failure: IOFailure? = bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = pwrite(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    return IOFailure("write", temporaryPath)
                }
                done += n
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// fsync, close, rename over the target, then fsync the directory so the rename itself is durable.
    public func commit() throws(IOFailure) {
        precondition(!committed && descriptor >= 0, "AtomicFileOutput committed twice")
        if fsync(descriptor) != 0 { throw IOFailure("fsync", temporaryPath) }
        let fd = descriptor
        descriptor = -1
        if close(fd) != 0 { throw IOFailure("close", temporaryPath) }
        if rename(temporaryPath, path) != 0 { throw IOFailure("rename to final name", path) }
        committed = true
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            _ = fsync(dirfd)  // best effort: some file systems refuse fsync on directories
            close(dirfd)
        }
    }

    /// Closes and removes the temporary file unless it was committed.
    public func discard() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        if !committed {
            unlink(temporaryPath)
            committed = true
        }
    }
}

/// `write(2)`, reachable from inside types that have their own `write` methods.
private func posixWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(fd, bytes, count) }

/// Reads a whole regular file.
func readWholeFile(_ path: String) throws(IOFailure) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw IOFailure("open", path) }
    defer { close(fd) }
    var info = stat()
    if fstat(fd, &info) != 0 { throw IOFailure("stat", path) }
    if (info.st_mode & S_IFMT) != S_IFREG { throw IOFailure("open (not a regular file)", path, code: EISDIR) }
    let size = Int(info.st_size)
    var bytes = [UInt8](repeating: 0, count: size)
    var done = 0
    let failure: IOFailure? = bytes.withUnsafeMutableBytes { buffer in
        while done < size {
            let n = read(fd, buffer.baseAddress! + done, size - done)
            if n < 0 {
                if errno == EINTR { continue }
                return IOFailure("read", path)
            }
            if n == 0 { break }
            done += n
        }
        return nil
    }
    if let failure { throw failure }
    if done < size { bytes.removeSubrange(done...) }
    return bytes
}
