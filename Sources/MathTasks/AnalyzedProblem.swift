import Retrieval

/// A GSM8K problem with its solution's calculator chain parsed: what every miner works from.
public struct AnalyzedProblem: Equatable, Sendable {
    public var problem: GSM8KProblem
    /// The annotations that parsed, in solution order.
    public var annotations: [CalculatorAnnotation]
    /// Why the others were skipped.
    public var malformed: [CalculatorAnnotation.Malformed]
    public var skeleton: SolutionSkeleton

    public init(_ problem: GSM8KProblem) {
        self.problem = problem
        (annotations, malformed) = CalculatorAnnotation.parse(solution: problem.answer)
        skeleton = SolutionSkeleton(question: problem.question, annotations: annotations,
                                    finalAnswer: GSM8KFinalAnswer.extract(from: problem.answer))
    }

    /// A skeleton made from every annotation of the solution (at least one, none skipped): only such skeletons are
    /// compared, since a chain with a step missing may match or miss another by accident.
    public var hasCompleteSkeleton: Bool { !annotations.isEmpty && malformed.isEmpty }
}
