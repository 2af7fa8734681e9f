import Foundation

/// The chain of calculator operations of a GSM8K solution with its numbers abstracted: two problems with the same
/// skeleton are solved the same way, whatever their story, names and numbers.
///
/// Each operand of an annotation becomes, in this order of precedence:
/// - `#k`, a reference to step k, when it equals the result of an earlier step (the latest such step);
/// - `xk`, a variable, when it equals a number of the question (digits or a cardinal word); `xk%` when it equals a
///   percentage of the question divided by 100 (`0.25` for "25%"), and `xk/100` of such a percentage is `xk%` too;
/// - a constant otherwise, written as a number (`2` for "half", `60` minutes, `100`).
///
/// The canonical text is the steps joined by ` ; `: nested `+` and `*` are flattened and their operands sorted (by
/// their text with variables unnumbered), then variables are numbered by first use, and compound operands are
/// parenthesised. So `48/2=24`, `48+24=72` of "Natalia sold clips to 48 of her friends…" is `x1/2 ; #1+x1`, and so is
/// `24+48`.
public struct SolutionSkeleton: Equatable, Sendable {
    public indirect enum Term: Equatable, Sendable {
        case variable(Int)
        case percent(Int)
        case reference(Int)
        case constant(Double)
        case negate(Term)
        /// Two operands for `-` and `/`; two or more for `+` and `*` (flattened).
        case operation(CalculatorOperator, [Term])
    }

    /// One term per annotation, in solution order.
    public var steps: [Term]
    /// The question's value of variable k at index k − 1.
    public var variableValues: [Double]
    /// The stated result of each step.
    public var results: [Double]
    /// The step whose result is the `####` answer (the latest one), 1-based; nil when no step gives it.
    public var answerStep: Int?
    /// Operands that equal both an earlier result and a number of the question (taken as references): a variant
    /// cannot tell which one the solution meant.
    public var ambiguousOperands: Int
    /// The canonical text.
    public var text: String

    /// Builds the skeleton of `annotations` (as parsed from the solution of `question`); `finalAnswer` is the text
    /// after `####`.
    public init(question: String, annotations: [CalculatorAnnotation], finalAnswer: String?) {
        let numbers = QuestionNumber.find(in: question)
        var values: [Double] = []
        var percents = Set<Int>()
        for n in numbers {
            let index = values.firstIndex { Self.same($0, n.value) } ?? { values.append(n.value); return values.count - 1 }()
            if n.isPercent { percents.insert(index) }
        }
        var results: [Double] = []
        var ambiguous = 0
        var provisional: [Term] = []
        for annotation in annotations {
            func leaf(_ x: Double) -> Term {
                let question = values.firstIndex { Self.same($0, x) }
                if let k = results.lastIndex(where: { Self.same($0, x) }) {
                    if question != nil { ambiguous += 1 }
                    return .reference(k + 1)
                }
                if let question { return .variable(question) }
                if let p = percents.sorted().first(where: { Self.same(values[$0] / 100, x) }) { return .percent(p) }
                return .constant(x)
            }
            provisional.append(Self.canonical(Self.term(annotation.expression, leaf: leaf), percents: percents))
            results.append(annotation.result)
        }
        // Number variables by first use in the canonical order.
        var numbering: [Int: Int] = [:]
        func renumber(_ t: Term) -> Term {
            switch t {
            case .variable(let v), .percent(let v):
                let k = numbering[v] ?? { numbering[v] = numbering.count + 1; return numbering.count }()
                if case .percent = t { return .percent(k) }
                return .variable(k)
            case .negate(let inner): return .negate(renumber(inner))
            case .operation(let op, let operands): return .operation(op, operands.map(renumber))
            case .reference, .constant: return t
            }
        }
        steps = provisional.map(renumber)
        variableValues = [Double](repeating: 0, count: numbering.count)
        for (question, k) in numbering { variableValues[k - 1] = values[question] }
        self.results = results
        ambiguousOperands = ambiguous
        let answer = finalAnswer.flatMap { CalculatorAnnotation.number($0.replacingOccurrences(of: ",", with: "")) }
        answerStep = answer.flatMap { a in results.lastIndex { Self.same($0, a) }.map { $0 + 1 } }
        text = steps.map { Self.render($0, leaf: Self.symbol) }.joined(separator: " ; ")
    }

    /// No annotation at all.
    public var isEmpty: Bool { steps.isEmpty }

    /// A single step with a single operation (`x1*x2`): the skeleton of very many unrelated problems.
    public var isTrivial: Bool {
        guard steps.count == 1, case .operation(_, let operands) = steps[0] else { return steps.count == 1 }
        return operands.count == 2 && operands.allSatisfy { if case .operation = $0 { return false }; return true }
    }

    /// The canonical text with variables, percentages and constants all written `n` (references kept): skeletons that
    /// differ only in which operands are variables and which constants (the parser's likeliest confusion: `7` days
    /// stated in the question or not) have the same shape.
    public var shape: String {
        steps.map { step in
            Self.render(step) { leaf in if case .reference(let k) = leaf { return "#\(k)" }; return "n" }
        }.joined(separator: " ; ")
    }

    /// Every constant operand, in step order.
    public var constants: [Double] {
        func collect(_ t: Term) -> [Double] {
            switch t {
            case .constant(let c): return [c]
            case .negate(let inner): return collect(inner)
            case .operation(_, let operands): return operands.flatMap(collect)
            case .variable, .percent, .reference: return []
            }
        }
        return steps.flatMap(collect)
    }

    // MARK: - Evaluation

    /// Each step's value with other variable values (index k − 1 for `xk`); nil on division by zero or a
    /// non-finite value.
    public func evaluate(variables: [Double]) -> [Double]? {
        var out: [Double] = []
        for step in steps {
            guard let v = Self.evaluate(step, variables: variables, results: out), v.isFinite else { return nil }
            out.append(v)
        }
        return out
    }

    private static func evaluate(_ t: Term, variables: [Double], results: [Double]) -> Double? {
        switch t {
        case .variable(let k): return variables[k - 1]
        case .percent(let k): return variables[k - 1] / 100
        case .reference(let k): return results[k - 1]
        case .constant(let c): return c
        case .negate(let inner): return evaluate(inner, variables: variables, results: results).map { -$0 }
        case .operation(let op, let operands):
            guard var value = evaluate(operands[0], variables: variables, results: results) else { return nil }
            for operand in operands.dropFirst() {
                guard let b = evaluate(operand, variables: variables, results: results), let next = op.apply(value, b) else { return nil }
                value = next
            }
            return value
        }
    }

    /// The annotations (`expression=result`, without `<<>>`) of the chain with these variable values and step results,
    /// in canonical operand order: `x1/2 ; #1+x1` with x1 = 52 is `52/2=26`, `26+52=78`.
    public func instantiate(variables: [Double], results: [Double]) -> [String] {
        zip(steps, results).map { step, result in
            Self.render(step) { leaf in
                switch leaf {
                case .variable(let k): return Self.format(variables[k - 1])
                case .percent(let k): return "(\(Self.format(variables[k - 1]))/100)"
                case .reference(let k): return Self.format(results[k - 1])
                case .constant(let c): return Self.format(c)
                default: return ""
                }
            } + "=" + Self.format(result)
        }
    }

    // MARK: - Construction

    private static func term(_ e: CalculatorExpression, leaf: (Double) -> Term) -> Term {
        switch e {
        case .number(let v, _): return leaf(v)
        case .negate(let inner): return .negate(term(inner, leaf: leaf))
        case .binary(let op, let l, let r): return .operation(op, [term(l, leaf: leaf), term(r, leaf: leaf)])
        }
    }

    /// Bottom up: `x/100` of a percentage becomes `x%`, nested `+`/`*` are flattened and their operands sorted by
    /// their text with variables unnumbered (stable, so equal texts keep the solution's order).
    private static func canonical(_ t: Term, percents: Set<Int>) -> Term {
        switch t {
        case .negate(let inner): return .negate(canonical(inner, percents: percents))
        case .operation(let op, let operands):
            let inner = operands.map { canonical($0, percents: percents) }
            if op == .divide, case .variable(let v) = inner[0], percents.contains(v), case .constant(100) = inner[1] {
                return .percent(v)
            }
            guard op.isCommutative else { return .operation(op, inner) }
            var flat: [Term] = []
            for operand in inner {
                if case .operation(op, let nested) = operand { flat += nested } else { flat.append(operand) }
            }
            let keyed = flat.map { (render($0, leaf: unnumbered), $0) }
            return .operation(op, keyed.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1))
        default: return t
        }
    }

    // MARK: - Text

    private static func symbol(_ leaf: Term) -> String {
        switch leaf {
        case .variable(let k): return "x\(k)"
        case .percent(let k): return "x\(k)%"
        case .reference(let k): return "#\(k)"
        case .constant(let c): return format(c)
        default: return ""
        }
    }

    private static func unnumbered(_ leaf: Term) -> String {
        switch leaf {
        case .variable: return "x"
        case .percent: return "x%"
        default: return symbol(leaf)
        }
    }

    /// Operators between operands; compound operands in parentheses.
    private static func render(_ t: Term, leaf: (Term) -> String) -> String {
        func operand(_ t: Term) -> String {
            switch t {
            case .operation, .negate(.operation): return "(" + render(t, leaf: leaf) + ")"
            default: return render(t, leaf: leaf)
            }
        }
        switch t {
        case .negate(let inner): return "-" + operand(inner)
        case .operation(let op, let operands): return operands.map(operand).joined(separator: String(op.rawValue))
        default: return leaf(t)
        }
    }

    /// A value as the calculator writes it: integers without a decimal point, others with up to 6 decimals.
    public static func format(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        var s = String(format: "%.6f", x)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// Equal up to floating-point noise.
    static func same(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(a), abs(b)) }
}
