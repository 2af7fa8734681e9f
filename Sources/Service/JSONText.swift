import Foundation
import Hummingbird
import JSONCore

/// Writing JSON replies byte by byte (strings through JSONCore's writer): the embeddings reply is mostly numbers,
/// and its floats must print exactly as `exemplar embed` prints them.
enum JSONText {
    static func appendString(_ text: String, to out: inout [UInt8]) { JSONWriter.appendString(text, to: &out) }

    static func appendOptionalString(_ text: String?, to out: inout [UInt8]) {
        if let text { appendString(text, to: &out) } else { out += Array("null".utf8) }
    }

    /// The shortest decimal that reads back as the same Float (Swift's description, as `exemplar embed` writes).
    static func appendFloat(_ value: Float, to out: inout [UInt8]) { out += Array(value.description.utf8) }

    /// A Foundation JSON object (dictionaries, arrays, strings, numbers, NSNull) as compact JSON with sorted keys and
    /// unescaped slashes: the replies that are not mostly floats.
    static func serialized(_ object: Any, pretty: Bool = false) -> [UInt8] {
        let options: JSONSerialization.WritingOptions = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
                                                               : [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: options)) ?? Data())
    }

    /// A 200 reply with a JSON body.
    static func response(_ body: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
