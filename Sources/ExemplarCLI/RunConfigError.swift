/// A run config that cannot be used, naming the file or the `--set` argument responsible.
struct RunConfigError: Error, CustomStringConvertible {
    let description: String
}
