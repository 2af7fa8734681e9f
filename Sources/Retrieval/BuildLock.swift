import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive flock on `.NAME.lock` for the length of a build; the kernel drops it if the process dies.
final class BuildLock {
    private var descriptor: Int32

    init(path: String, name: String) throws {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw VectorIndexError.fileSystem(path: path, reason: "cannot create lock file: \(String(cString: strerror(errno)))")
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            close(descriptor)
            descriptor = -1
            throw VectorIndexError.buildInProgress(name: name, lockPath: path)
        }
    }

    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
