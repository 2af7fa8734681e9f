/// A callable: positional and keyword arguments in, a value out.
struct JinjaFunction {
    let name: String
    let body: (_ args: [JinjaRuntimeValue], _ kwargs: [(name: String, value: JinjaRuntimeValue)]) throws -> JinjaRuntimeValue
}
