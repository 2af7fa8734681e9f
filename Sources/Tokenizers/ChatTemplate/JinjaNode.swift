/// The parsed template: statements and expressions of the Jinja subset chat templates use.
indirect enum JinjaNode: Sendable {
    case text(String)
    case output(JinjaExpression)
    case ifBlock(branches: [(condition: JinjaExpression, body: [JinjaNode])], otherwise: [JinjaNode])
    case forLoop(targets: [String], iterable: JinjaExpression, filter: JinjaExpression?, body: [JinjaNode],
                 otherwise: [JinjaNode], line: Int)
    /// `{% set a = … %}`, `{% set a, b = … %}`.
    case set(targets: [String], value: JinjaExpression, line: Int)
    /// `{% set ns.attr = … %}`.
    case setAttribute(object: String, attribute: String, value: JinjaExpression, line: Int)
    /// `{% set a %}…{% endset %}`.
    case setBlock(target: String, body: [JinjaNode])
    case breakLoop(line: Int)
    case continueLoop(line: Int)
    /// transformers' `{% generation %}…{% endgeneration %}`: renders its body.
    case generation([JinjaNode])
}
