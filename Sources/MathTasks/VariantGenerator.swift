import Foundation
import Retrieval
import Tensor

/// Perturbed variants of a solved GSM8K problem, made by rule as GSM-Symbolic makes them by template: the people
/// renamed consistently, the numbers the calculator chain uses replaced by others of similar magnitude, optionally an
/// irrelevant clause ("NoOp", Mirzadeh et al. 2024, https://arxiv.org/abs/2410.05229) or sentences of another
/// problem inserted (GSM-Symbolic's P2 adds clauses), and the answer recomputed through the chain. A variant and its
/// source are a positive pair; the problem that gave inserted sentences (the donor) is the variant's negative, since
/// the two now share text.
///
/// A variant is kept only when its chain re-evaluates cleanly with the new numbers: no division by zero, every step
/// that gave an integer still gives one (so does the `####` answer), no step changes sign, a step that gave a
/// decimal gives at most max(2, its shown decimals) decimals, and the rewritten question with the rewritten chain
/// gives back the source's skeleton (so no new number collides with another of the question or the chain).
/// Numbers the parser cannot tie to one meaning are never changed: words (`ten`), values also implied by a word of
/// the question (2 next to "half" or "twice", 60 next to "minutes", 100 next to "percent"…), 0 and 1, years,
/// ordinals and times; and a problem whose chain holds a constant that is no common unit (likely worked out in the
/// prose from the question's numbers, without an annotation) gives no variant. Deterministic: the draws for a problem come from its own stream of the seed
/// (`RandomGenerator(seed:stream:)` with the problem's line), whatever else is generated.
public struct VariantGenerator: Sendable {
    public struct Settings: Codable, Equatable, Sendable {
        public var enabled = true
        /// Variants made per problem (at most; fewer when draws keep failing).
        public var perProblem = 2
        /// Random draws tried per variant before giving up.
        public var attempts = 20
        /// New numbers lie within ±this fraction of the old (at least ±2 for single digits).
        public var numberRange = 0.5
        /// Rename the listed people (`PersonNames`) consistently.
        public var renamePeople = true
        /// Fraction of variants with an irrelevant clause inserted before the question sentence.
        public var distractorRate = 0.3
        /// Fraction of variants with one to `extraClauses` consecutive statements of a donor (another problem) inserted
        /// before the question sentence, its people renamed to the variant's. The donor's numbers stay as written: a
        /// draw whose numbers then collide with the chain's fails the skeleton check like any other.
        public var extraClauseRate = 0.5
        public var extraClauses = 2

        public init() {}

        enum CodingKeys: String, CodingKey {
            case enabled, perProblem = "per_problem", attempts, numberRange = "number_range"
            case renamePeople = "rename_people", distractorRate = "distractor_rate"
            case extraClauseRate = "extra_clause_rate", extraClauses = "extra_clauses"
        }

        /// Refuses settings that make no variants or no sense, naming the run-config key.
        public func validate(section: String = "variants") throws {
            func check(_ ok: Bool, _ key: String, _ reason: String) throws {
                if !ok { throw PairMiningError.invalidSetting("\(section).\(key)", reason) }
            }
            try check(perProblem >= 0, "per_problem", "must not be negative")
            try check(attempts > 0, "attempts", "must be positive")
            try check(numberRange > 0 && numberRange < 1, "number_range", "must be in (0, 1)")
            try check((0...1).contains(distractorRate), "distractor_rate", "must be in [0, 1]")
            try check((0...1).contains(extraClauseRate), "extra_clause_rate", "must be in [0, 1]")
            try check(extraClauses >= 1, "extra_clauses", "must be at least 1")
        }
    }

    /// A rewritten question and what was changed.
    public struct Variant: Equatable, Sendable {
        public var question: String
        /// The `####` answer recomputed through the chain.
        public var answer: String
        /// The chain with the new numbers (`52/2=26`).
        public var chain: [String]
        public var names: [MinedPair.NameChange]
        public var numbers: [MinedPair.NumberChange]
        public var distractor: String?
        /// Sentences of the donor inserted, and the donor's line.
        public var extraClause: String?
        public var donorLine: Int?
    }

    /// Why a problem gave no variant.
    public enum Rejection: String, Error, CaseIterable, Codable, Sendable {
        case noAnnotations = "no_annotations"
        /// Some annotation was skipped: the chain is incomplete.
        case malformedAnnotation = "malformed_annotation"
        /// A step's stated result is rounded: a new chain cannot be rounded the same way.
        case roundedStep = "rounded_step"
        case answerNotInChain = "answer_not_in_chain"
        /// An operand equals both an earlier result and a number of the question.
        case ambiguousNumber = "ambiguous_number"
        /// A constant that is no common unit (`unitConstants`): most likely worked out from the question's numbers in
        /// the prose without an annotation (`18+5=23 years`), so it would not follow the new numbers.
        case unexplainedConstant = "unexplained_constant"
        /// No number of the chain may be changed.
        case nothingToChange = "nothing_to_change"
        /// Every draw failed the checks.
        case noCleanDraw = "no_clean_draw"
    }

    public var settings: Settings
    public var seed: UInt64

    public init(settings: Settings, seed: UInt64) {
        self.settings = settings
        self.seed = seed
    }

    /// Up to `settings.perProblem` distinct variants of `problem`, or why there can be none. `donors` are the
    /// problems extra clauses may come from (the problem itself and copies of its question are never used).
    public func variants(of problem: AnalyzedProblem, donors: [GSM8KProblem] = []) -> Result<[Variant], Rejection> {
        let skeleton = problem.skeleton
        guard !problem.annotations.isEmpty else { return .failure(.noAnnotations) }
        guard problem.malformed.isEmpty else { return .failure(.malformedAnnotation) }
        guard problem.annotations.allSatisfy(\.isExact) else { return .failure(.roundedStep) }
        guard let answerStep = skeleton.answerStep else { return .failure(.answerNotInChain) }
        guard skeleton.ambiguousOperands == 0 else { return .failure(.ambiguousNumber) }
        guard skeleton.constants.allSatisfy({ c in Self.unitConstants.contains { SolutionSkeleton.same($0, c) } }) else {
            return .failure(.unexplainedConstant)
        }

        let question = problem.problem.question
        let numbers = QuestionNumber.find(in: question)
        let lowered = question.lowercased()
        // Variables whose every occurrence in the question is digits we may rewrite.
        let changeable = skeleton.variableValues.indices.filter { k in
            let v = skeleton.variableValues[k]
            let occurrences = numbers.filter { SolutionSkeleton.same($0.value, v) }
            return v > 1 && !occurrences.isEmpty && occurrences.allSatisfy(\.isRewritable)
                && !(Self.impliedBy[v] ?? []).contains { lowered.contains($0) }
        }
        guard !changeable.isEmpty else { return .failure(.nothingToChange) }

        let people = settings.renamePeople ? PersonNames.find(in: question) : []
        var generator = RandomGenerator(seed: seed, stream: UInt64(problem.problem.line))
        var made: [Variant] = []
        for _ in 0..<settings.perProblem {
            for _ in 0..<settings.attempts {
                guard let variant = draw(problem, numbers: numbers, changeable: changeable, people: people,
                                         answerStep: answerStep, donors: donors, generator: &generator) else { continue }
                if variant.question != question, !made.contains(where: { $0.question == variant.question }) {
                    made.append(variant)
                    break
                }
            }
        }
        return made.isEmpty ? .failure(.noCleanDraw) : .success(made)
    }

    /// One random rewrite, or nil when it fails a check.
    private func draw(_ problem: AnalyzedProblem, numbers: [QuestionNumber], changeable: [Int], people: [String],
                      answerStep: Int, donors: [GSM8KProblem], generator: inout RandomGenerator) -> Variant? {
        let skeleton = problem.skeleton
        var values = skeleton.variableValues
        for k in changeable {
            let percent = numbers.contains { SolutionSkeleton.same($0.value, values[k]) && $0.isPercent }
            let decimals = numbers.filter { SolutionSkeleton.same($0.value, values[k]) }.map(\.decimals).max() ?? 0
            guard let new = newValue(near: values[k], decimals: decimals, percent: percent, generator: &generator) else { return nil }
            values[k] = new
        }
        guard let results = skeleton.evaluate(variables: values),
              zip(results, zip(skeleton.results, problem.annotations)).allSatisfy({ new, old in
                  Self.isClean(new, replacing: old.0, shown: old.1.resultText)
              }) else { return nil }

        // Names: each listed person gets another listed name of the same list, not already in the question.
        var renamed: [String: String] = [:]
        var names: [MinedPair.NameChange] = []
        let present = Set(PersonNames.find(in: problem.problem.question))
        for person in people {
            let female = PersonNames.isFemale(Substring(person)) ?? true
            let pool = (female ? PersonNames.female : PersonNames.male).filter { !present.contains($0) && !renamed.values.contains($0) }
            guard !pool.isEmpty else { continue }
            let new = pool.randomElement(using: &generator)!
            renamed[person] = new
            names.append(MinedPair.NameChange(from: person, to: new))
        }

        // Numbers: every occurrence of a changed value, in the style it was written.
        var text = problem.problem.question
        var changes: [MinedPair.NumberChange] = []
        let original = skeleton.variableValues
        for n in numbers.reversed() {
            guard let k = changeable.first(where: { SolutionSkeleton.same(original[$0], n.value) }) else { continue }
            text.replaceSubrange(n.range, with: Self.write(values[k], like: n))
        }
        for k in changeable {
            let written = numbers.first { SolutionSkeleton.same($0.value, original[k]) }!
            changes.append(MinedPair.NumberChange(variable: "x\(k + 1)", from: written.text, to: Self.write(values[k], like: written)))
        }
        text = PersonNames.replacingWords(in: text, renamed)

        var distractor: String?
        if settings.distractorRate > 0, Double(generator.nextFloat()) < settings.distractorRate {
            let exclude = present.union(renamed.values)
            let who = (PersonNames.female + PersonNames.male).filter { !exclude.contains($0) }
            let template = Self.distractors.randomElement(using: &generator)!
            let clause = template.replacingOccurrences(of: "{name}", with: who.randomElement(using: &generator)!)
                .replacingOccurrences(of: "{n}", with: String(Int.random(in: 2...20, using: &generator)))
            text = Self.insert(clause, beforeLastSentenceOf: text)
            distractor = clause
        }

        var extra: (clause: String, donor: Int)?
        if settings.extraClauseRate > 0, !donors.isEmpty, Double(generator.nextFloat()) < settings.extraClauseRate {
            let cast = people.map { renamed[$0] ?? $0 }
            extra = extraClause(for: problem.problem, cast: cast, avoiding: present.union(cast), donors: donors, generator: &generator)
            if let extra { text = Self.insert(extra.clause, beforeLastSentenceOf: text) }
        }

        // The rewritten question and chain must give back the source's skeleton.
        let chain = skeleton.instantiate(variables: values, results: results)
        let answer = SolutionSkeleton.format(results[answerStep - 1])
        let reparsed = CalculatorAnnotation.parse(solution: chain.map { "<<\($0)>>" }.joined(separator: "\n"))
        let check = SolutionSkeleton(question: text, annotations: reparsed.annotations, finalAnswer: answer)
        guard reparsed.malformed.isEmpty, check.text == skeleton.text, check.answerStep == answerStep else { return nil }
        return Variant(question: text, answer: answer, chain: chain, names: names, numbers: changes, distractor: distractor,
                       extraClause: extra?.clause, donorLine: extra?.donor)
    }

    /// One to `extraClauses` statements in a row (among the donor's sentences that are neither its last nor hold a
    /// question mark) of a random donor,
    /// its people renamed to the variant's `cast` in order (cyclically), or to names not in `avoiding` when the
    /// variant has none; nil when three donors in a row have no statement.
    private func extraClause(for source: GSM8KProblem, cast: [String], avoiding: Set<String>, donors: [GSM8KProblem],
                             generator: inout RandomGenerator) -> (clause: String, donor: Int)? {
        for _ in 0..<3 {
            let donor = donors.randomElement(using: &generator)!
            guard donor.line != source.line, donor.question != source.question else { continue }
            let statements = Array(Self.sentences(of: donor.question).dropLast())
                .filter { !$0.contains("?") && $0.split(separator: " ").count >= 3 }
            guard !statements.isEmpty else { continue }
            let first = Int.random(in: 0..<statements.count, using: &generator)
            let count = Int.random(in: 1...settings.extraClauses, using: &generator)
            var clause = statements[first..<min(first + count, statements.count)].joined(separator: " ")
            var map: [String: String] = [:]
            var fresh = (PersonNames.female + PersonNames.male).filter { !avoiding.contains($0) }
            for (k, person) in PersonNames.find(in: clause).enumerated() {
                if cast.isEmpty {
                    guard let pick = fresh.indices.randomElement(using: &generator) else { break }
                    map[person] = fresh.remove(at: pick)
                } else {
                    map[person] = cast[k % cast.count]
                }
            }
            clause = PersonNames.replacingWords(in: clause, map)
            return (clause, donor.line)
        }
        return nil
    }

    /// A new value near `v`: integers stay integers, multiples of 10ⁿ stay multiples of 10ⁿ where the range allows,
    /// decimals stay decimals with their written decimals (a 5 in the last place keeps the step 5), percentages stay
    /// ≤ 100.
    private func newValue(near v: Double, decimals: Int, percent: Bool, generator: inout RandomGenerator) -> Double? {
        var lo = v * (1 - settings.numberRange), hi = v * (1 + settings.numberRange)
        if v < 10 { lo = min(lo, v - 2); hi = max(hi, v + 2) }
        if percent, v <= 100 { hi = min(hi, 100) }
        var steps: [Double] = []
        let isInteger = v == v.rounded()
        if isInteger {
            lo = max(lo, 2)
            var step = 1.0
            while (v / (step * 10)) == (v / (step * 10)).rounded(), step * 10 < v { step *= 10 }
            while step >= 1 { steps.append(step); step /= 10 }
        } else {
            let unit = pow(10, -Double(max(decimals, 1)))
            let last = (v / unit).rounded()
            if last.truncatingRemainder(dividingBy: 10) == 5 { steps.append(5 * unit) }
            steps.append(unit)
            lo = max(lo, unit)
        }
        for step in steps {
            let first = (lo / step).rounded(.up), last = (hi / step).rounded(.down)
            guard last >= first else { continue }
            let candidates = stride(from: first, through: last, by: 1).map { $0 * step }
                .filter { !SolutionSkeleton.same($0, v) && (isInteger || $0 != $0.rounded()) }
            if let pick = candidates.randomElement(using: &generator) { return pick }
        }
        return nil
    }

    /// A step's new value against its old one.
    private static func isClean(_ new: Double, replacing old: Double, shown: String) -> Bool {
        guard new.isFinite, (old >= 0) == (new >= 0), (old > 0) == (new > 0) else { return false }
        if old == old.rounded() { return abs(new - new.rounded()) <= 1e-6 * max(1, abs(new)) }
        let shownDecimals = shown.firstIndex(of: ".").map { shown.distance(from: $0, to: shown.endIndex) - 1 } ?? 0
        let scale = pow(10, Double(max(2, shownDecimals)))
        return abs(new * scale - (new * scale).rounded()) <= 1e-6 * max(1, abs(new * scale))
    }

    /// `value` written as `like` was: thousands separators, decimals.
    static func write(_ value: Double, like n: QuestionNumber) -> String {
        var digits = n.decimals > 0 ? String(format: "%.\(n.decimals)f", value) : SolutionSkeleton.format(value)
        guard n.isGrouped else { return digits }
        let point = digits.firstIndex(of: ".") ?? digits.endIndex
        var whole = String(digits[..<point])
        let fraction = digits[point...]
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole.removeLast(3)
        }
        digits = whole + grouped + fraction
        return digits
    }

    /// `clause` placed before the last sentence of `text` (the question), or first when there is one sentence.
    static func insert(_ clause: String, beforeLastSentenceOf text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let boundary = sentenceStarts(in: trimmed).last else { return clause + " " + trimmed }
        return String(trimmed[..<boundary]) + clause + " " + trimmed[boundary...]
    }

    /// The sentences of `text`, split where `.`, `?` or `!` is followed by a space, without surrounding spaces.
    static func sentences(of text: String) -> [String] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let starts = [trimmed.startIndex] + sentenceStarts(in: trimmed) + [trimmed.endIndex]
        return zip(starts, starts.dropFirst()).map { String(trimmed[$0..<$1]).trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    /// Where each sentence after the first begins in `text`.
    private static func sentenceStarts(in text: String) -> [String.Index] {
        var starts: [String.Index] = []
        var i = text.startIndex
        while i < text.endIndex {
            let next = text.index(after: i)
            if ".?!".contains(text[i]), next < text.endIndex, text[next] == " " {
                let start = text[next...].firstIndex { $0 != " " } ?? text.endIndex
                if start < text.endIndex { starts.append(start) }
            }
            i = next
        }
        return starts
    }

    /// The constants a chain may hold for a variant: small counts and common units (a dozen, hours, weeks, minutes,
    /// percent, days of a year, grams per kilogram) and the fractions "half", "quarter", "tenth", "percent" and "one
    /// and a half". Any other constant is taken for an unannotated step (`unexplained_constant`).
    static let unitConstants: [Double] = Array(0...12).map(Double.init) + [24, 30, 31, 52, 60, 100, 365, 1000]
        + [0.5, 0.25, 0.75, 1.5, 0.2, 0.1, 0.01]

    /// Words of a question that make a value also a likely constant of the solution (2 "twice", 4 sides of a
    /// "square"): such values are not changed.
    static let impliedBy: [Double: [String]] = [
        2: ["half", "twice", "double", "pair", "both", "twin", "leg", "bicycle"],
        3: ["triple", "thrice", "third", "triangle", "tricycle"],
        4: ["quarter", "fourth", "square", "rectangle", "leg", "wheel"],
        5: ["fifth", "pentagon"],
        6: ["hexagon"],
        8: ["octagon", "spider"],
        7: ["week"],
        10: ["tenth", "decade"],
        12: ["dozen", "month", "year", "inch", "foot", "feet"],
        24: ["hour", "day"],
        30: ["month"],
        52: ["week", "year"],
        60: ["minute", "hour", "second"],
        100: ["%", "percent", "cent", "hundred"],
        1000: ["thousand", "kilo", "milli", "liter", "litre"],
        365: ["year", "day"],
    ]

    /// Irrelevant clauses ({name}: a person not in the question, {n}: 2–20), in the manner of GSM-NoOp.
    static let distractors = [
        "{name}, a friend, had done something similar {n} years ago.",
        "The weather forecast said it would rain {n} days later.",
        "{name} mentioned that the nearest park is {n} miles away.",
        "There were {n} birds sitting on a fence nearby.",
        "{name} had read about this in a magazine {n} weeks earlier.",
        "A neighbor named {name} has {n} cousins in another town.",
        "The radio had been playing music for {n} minutes.",
        "{name}'s favorite number is {n}.",
        "The building across the street has {n} floors.",
        "{name} once owned {n} goldfish.",
    ]
}
