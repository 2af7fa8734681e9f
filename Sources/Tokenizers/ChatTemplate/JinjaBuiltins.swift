import Foundation

/// Jinja's operators, attribute and item lookup, filters, tests and global functions, for the values chat templates
/// handle, with Python's semantics. Filters and tests not listed in `filterNames` / `testNames` are rejected when
/// the template is parsed; unknown methods and functions when they are called.
///
/// One file per job: JinjaGlobals (global functions), JinjaLookup (iteration, attributes, items, slices),
/// JinjaMethods (dict, list and string methods), JinjaOperators, JinjaFilters, JinjaTestPredicates (`is` tests).
enum JinjaBuiltins {
    typealias Value = JinjaRuntimeValue
    typealias KeywordArguments = [(name: String, value: Value)]

    /// Builtins throw with line 0 (they do not know where they were called); the interpreter puts the call's line in.
    static func located(_ error: ChatTemplateError, line: Int) -> ChatTemplateError {
        switch error {
        case .runtime(let t, 0, let m): return .runtime(template: t, line: line, message: m)
        case .unsupported(let t, 0, let c): return .unsupported(template: t, line: line, construct: c)
        default: return error
        }
    }
}
