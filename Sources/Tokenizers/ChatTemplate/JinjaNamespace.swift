/// `namespace(...)`: attributes assignable from inside loops (`{% set ns.found = true %}`).
final class JinjaNamespace {
    var attributes = JinjaObject()
}
