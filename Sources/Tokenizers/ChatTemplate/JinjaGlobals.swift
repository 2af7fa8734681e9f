import Foundation

/// The global functions chat templates call: `raise_exception`, `range`, `namespace`, `dict`.
extension JinjaBuiltins {
    static let globals: [String: Value] = [
        "raise_exception": .function(JinjaFunction(name: "raise_exception") { args, _ in
            throw ChatTemplateError.raised(template: "", message: args.first.map(PythonFormatting.str) ?? "")
        }),
        "range": .function(JinjaFunction(name: "range") { args, _ in
            let ints = try args.map { a -> Int in
                guard case .int(let i) = a else { throw ChatTemplateError.runtime(line: 0, "range() needs integers") }
                return i
            }
            let (start, stop, step): (Int, Int, Int)
            switch ints.count {
            case 1: (start, stop, step) = (0, ints[0], 1)
            case 2: (start, stop, step) = (ints[0], ints[1], 1)
            case 3: (start, stop, step) = (ints[0], ints[1], ints[2])
            default: throw ChatTemplateError.runtime(line: 0, "range() takes 1 to 3 arguments")
            }
            guard step != 0 else { throw ChatTemplateError.runtime(line: 0, "range() step must not be zero") }
            guard (stop - start) / step < 100_000 else { throw ChatTemplateError.runtime(line: 0, "range() too large") }
            return .array(stride(from: start, to: stop, by: step).map { .int($0) })
        }),
        "namespace": .function(JinjaFunction(name: "namespace") { args, kwargs in
            let ns = JinjaNamespace()
            for a in args {
                guard case .object(let o) = a else { throw ChatTemplateError.runtime(line: 0, "namespace() takes a dict or keywords") }
                for (k, v) in o.pairs { ns.attributes[k] = v }
            }
            for (k, v) in kwargs { ns.attributes[k] = v }
            return .namespace(ns)
        }),
        "dict": .function(JinjaFunction(name: "dict") { args, kwargs in
            var o = JinjaObject()
            for a in args {
                guard case .object(let d) = a else { throw ChatTemplateError.runtime(line: 0, "dict() takes a dict or keywords") }
                for (k, v) in d.pairs { o[k] = v }
            }
            for (k, v) in kwargs { o[k] = v }
            return .object(o)
        }),
    ]
}
