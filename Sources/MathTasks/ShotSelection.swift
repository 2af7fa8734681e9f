/// Where the few-shot examples of a question come from.
public enum ShotSelection: String, Codable, CaseIterable, Sendable {
    /// The first K train problems, the same for every question (lm-evaluation-harness's fixed context).
    case fixed
    /// K train problems drawn per question from a seeded generator.
    case random
    /// The K solved problems of an index nearest to the question.
    case retrieved
}
