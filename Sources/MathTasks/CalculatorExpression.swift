import Foundation

/// The arithmetic inside a GSM8K calculator annotation (`48/2` in `<<48/2=24>>`): numbers, `+ - * /`, parentheses
/// and unary signs, with the usual precedence (`*` and `/` before `+` and `-`, left to right). Python's `//` and
/// `**`, which a few annotations use, are not part of it.
public indirect enum CalculatorExpression: Equatable, Sendable {
    /// A literal as written (`0.50`, `12`) and its value.
    case number(Double, text: String)
    case negate(CalculatorExpression)
    case binary(CalculatorOperator, CalculatorExpression, CalculatorExpression)

    /// Parses the whole of `text`; nil when it is not such an expression (any other character, unbalanced
    /// parentheses, a missing operand).
    public static func parse(_ text: String) -> CalculatorExpression? {
        var parser = Parser(Array(text.unicodeScalars.filter { $0 != " " && $0 != "\t" }))
        guard let expression = parser.sum(), parser.atEnd else { return nil }
        return expression
    }

    /// The value, or nil on division by zero or a non-finite intermediate.
    public func evaluate() -> Double? {
        let value: Double?
        switch self {
        case .number(let v, _): value = v
        case .negate(let e): value = e.evaluate().map { -$0 }
        case .binary(let op, let l, let r):
            guard let a = l.evaluate(), let b = r.evaluate() else { return nil }
            value = op.apply(a, b)
        }
        return value.flatMap { $0.isFinite ? $0 : nil }
    }

    /// Every literal, left to right.
    public var numbers: [(value: Double, text: String)] {
        switch self {
        case .number(let v, let text): return [(v, text)]
        case .negate(let e): return e.numbers
        case .binary(_, let l, let r): return l.numbers + r.numbers
        }
    }

    /// Recursive descent over the expression's characters (spaces removed).
    private struct Parser {
        let scalars: [Unicode.Scalar]
        var i = 0
        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var atEnd: Bool { i == scalars.count }
        private var next: Unicode.Scalar? { i < scalars.count ? scalars[i] : nil }

        /// sum := product (('+' | '-') product)*
        mutating func sum() -> CalculatorExpression? { chain(of: [.add, .subtract]) { $0.product() } }

        /// product := unary (('*' | '/') unary)*
        mutating func product() -> CalculatorExpression? { chain(of: [.multiply, .divide]) { $0.unary() } }

        /// operand (op operand)*, left-associative, for the operators of one precedence level.
        private mutating func chain(of operators: [CalculatorOperator], operand: (inout Parser) -> CalculatorExpression?)
            -> CalculatorExpression? {
            guard var left = operand(&self) else { return nil }
            while let c = next, let op = CalculatorOperator(rawValue: Character(c)), operators.contains(op) {
                i += 1
                guard let right = operand(&self) else { return nil }
                left = .binary(op, left, right)
            }
            return left
        }

        /// unary := '-' unary | '+' unary | '(' sum ')' | number  (GSM8K writes `+30+46=76` at times)
        mutating func unary() -> CalculatorExpression? {
            guard let c = next else { return nil }
            if c == "+" {
                i += 1
                return unary()
            }
            if c == "-" {
                i += 1
                return unary().map { .negate($0) }
            }
            if c == "(" {
                i += 1
                guard let inner = sum(), next == ")" else { return nil }
                i += 1
                return inner
            }
            return number()
        }

        /// number := digits ('.' digits)? | '.' digits
        mutating func number() -> CalculatorExpression? {
            let start = i
            var sawDigit = false, sawPoint = false
            while let c = next {
                if ("0"..."9").contains(c) { sawDigit = true } else if c == ".", !sawPoint { sawPoint = true } else { break }
                i += 1
            }
            guard sawDigit else { return nil }
            let text = String(String.UnicodeScalarView(scalars[start..<i]))
            return Double(text).map { .number($0, text: text) }
        }
    }
}

/// The four operators of GSM8K's calculator.
public enum CalculatorOperator: Character, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"

    /// `+` and `*`: operands may be reordered and nested uses flattened without changing the value.
    public var isCommutative: Bool { self == .add || self == .multiply }

    public func apply(_ a: Double, _ b: Double) -> Double? {
        switch self {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return b == 0 ? nil : a / b
        }
    }
}
