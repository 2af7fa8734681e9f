#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only, unmapped when the last holder goes away. `GGUFFile`, its string arrays and its
/// tensor views all hold it, so a view stays valid after the `GGUFFile` object itself is gone.
final class GGUFMapping: @unchecked Sendable {
    let path: String
    let bytes: UnsafeRawBufferPointer

    /// Maps `path`; an empty file gets an empty buffer (mmap refuses length 0).
    init(path: String) throws(GGUFError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw Self.ioError(IOFailure("open", path)) }
        defer { close(fd) }
        var status = stat()
        if fstat(fd, &status) != 0 { throw Self.ioError(IOFailure("stat", path)) }
        if (status.st_mode & S_IFMT) != S_IFREG {
            throw .io(path: path, operation: "open", message: "not a regular file")
        }
        let size = Int(status.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            throw Self.ioError(IOFailure("mmap", path))
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    private static func ioError(_ failure: IOFailure) -> GGUFError {
        .io(path: failure.path, operation: failure.operation, message: failure.message)
    }
}
