import Foundation

/// CPU time (user + system) of the whole process, every thread included. Beside wall time it tells how many cores a
/// phase kept busy, which makes speed figures on a shared machine comparable: other load stretches wall time but
/// hardly the CPU seconds a fixed amount of work needs.
public enum ProcessCPUTime {
    public static func seconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)   // Glibc imports the `who` constants as an enum
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
