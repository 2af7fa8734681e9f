/// What of each document is embedded: the question alone (match new questions to solved ones) or the question with
/// its solution (match on the method too).
public enum EmbeddedFields: String, Codable, CaseIterable, Sendable {
    case question
    case questionAndSolution = "question+solution"
}
