/// An SFT data set that does not fit the settings; `description` names the file and the example.
public struct SFTDataError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension SFTExample {
    /// Fits `examples` to `maxLength` tokens: with `.truncate` a longer example keeps its prompt and the head of its
    /// completion (as TRL truncates prompt + completion), with `.refuse` it is an error naming `source` and its index
    /// (`lines[i]`, 1-based, when given). An example whose prompt alone reaches `maxLength` has nothing to learn and
    /// is an error either way. Returns the fitted examples and how many were truncated.
    public static func fit(_ examples: [SFTExample], maxLength: Int, overlong: SFTTrainingSettings.Overlong,
                           source: String, lines: [Int]? = nil) throws -> (examples: [SFTExample], truncated: Int) {
        var truncated = 0
        let fitted = try examples.enumerated().map { i, example -> SFTExample in
            let line = lines.map { "line \($0[i])" } ?? "example \(i + 1)"
            guard !example.prompt.isEmpty, !example.completion.isEmpty else {
                throw SFTDataError("\(source): \(line): an empty prompt or completion")
            }
            guard example.count > maxLength else { return example }
            guard example.prompt.count < maxLength else {
                throw SFTDataError("\(source): \(line): the prompt alone has \(example.prompt.count) tokens, "
                                   + "max_length is \(maxLength): nothing of the completion would be learned")
            }
            if overlong == .refuse {
                throw SFTDataError("\(source): \(line): \(example.count) tokens, more than max_length \(maxLength) "
                                   + "(training.overlong is refuse; set it to truncate, or raise max_length)")
            }
            truncated += 1
            return SFTExample(prompt: example.prompt, completion: Array(example.completion.prefix(maxLength - example.prompt.count)))
        }
        return (fitted, truncated)
    }
}
