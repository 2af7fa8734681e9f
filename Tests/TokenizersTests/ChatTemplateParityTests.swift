import Foundation
import Tokenizers
import XCTest

/// Chat templates against transformers' `apply_chat_template(..., tokenize=False)` in Tests/Fixtures/chat_templates.json
/// (scripts/reference/chat_template_fixtures.py): the two models' own templates on fixture conversations, and small
/// templates exercising the Jinja features templates use.
final class ChatTemplateParityTests: XCTestCase {
    static let fixture = packageRoot.appendingPathComponent("Tests/Fixtures/chat_templates.json")

    func fixtureJSON() throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: Self.fixture.path) else {
            throw MissingResource(description: "\(Self.fixture.path) is missing: run scripts/reference/chat_template_fixtures.py")
        }
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func testModelTemplates() throws {
        let models = try fixtureJSON()["models"] as! [String: [String: Any]]
        XCTAssertEqual(Set(models.keys), Set(BPEResources.models))
        for (model, section) in models.sorted(by: { $0.key < $1.key }) {
            let config = try TokenizerConfig.load(directory: BPEResources.directory(model))
            let template = try config.chatTemplate()
            XCTAssertEqual(template.source, section["chat_template"] as! String, "\(model): template source")
            XCTAssertEqual(config.specialTokens, section["special_tokens"] as! [String: String], "\(model): special tokens")
            let tok = try BPEResources.tokenizer(model)
            let cases = section["cases"] as! [[String: Any]]
            XCTAssertGreaterThanOrEqual(cases.count, 12)
            for c in cases {
                let messages = try JinjaValue(json: c["messages_json"] as! String)
                guard case .array(let list) = messages else { return XCTFail("messages must be a list") }
                var tools: [JinjaValue]?
                if case .array(let t) = try JinjaValue(json: c["tools_json"] as! String) { tools = t }
                let label = "\(model) \(c["name"]!) generation prompt \(c["add_generation_prompt"]!)"
                let text = try template.render(messages: list, addGenerationPrompt: c["add_generation_prompt"] as! Bool, tools: tools)
                XCTAssertEqual(scalars(text), scalars(c["expected"] as! String), label)
                if text != c["expected"] as! String { print("GOT:\n\(text)\nEXPECTED:\n\(c["expected"] as! String)") }
                XCTAssertEqual(try tok.encode(text).ids, int32s(c["ids"]), "\(label): ids of the rendered prompt")
            }
        }
    }

    func testSyntheticTemplates() throws {
        let f = try fixtureJSON()
        let special = f["synthetic_special_tokens"] as! [String: String]
        let cases = f["synthetic"] as! [[String: Any]]
        XCTAssertGreaterThan(cases.count, 40)
        for c in cases {
            let label = "\(c["name"]!) (generation prompt \(c["add_generation_prompt"]!))"
            guard case .array(let messages) = try JinjaValue(json: c["messages_json"] as! String),
                  case .object(let extraPairs) = try JinjaValue(json: c["extra_json"] as! String) else {
                return XCTFail("\(label): bad fixture")
            }
            var extra: [String: JinjaValue] = [:]
            for (k, v) in extraPairs { extra[k] = v }
            var tools: [JinjaValue]?
            if case .array(let t)? = extra.removeValue(forKey: "tools") { tools = t }
            do {
                let template = try ChatTemplate(source: c["template"] as! String, name: "synthetic:\(c["name"]!)", specialTokens: special)
                let text = try template.render(messages: messages, addGenerationPrompt: c["add_generation_prompt"] as! Bool,
                                               tools: tools, extra: extra)
                if let expected = c["expected"] as? String {
                    XCTAssertEqual(scalars(text), scalars(expected), label)
                    if text != expected { print("GOT:      \(text.debugDescription)\nEXPECTED: \(expected.debugDescription)") }
                } else {
                    XCTFail("\(label): rendered \(text.debugDescription), transformers raised \(c["error"]!): \(c["message"]!)")
                }
            } catch let error as ChatTemplateError {
                guard let kind = c["error"] as? String else { XCTFail("\(label): unexpected error \(error)"); continue }
                switch (kind, error) {
                case ("TemplateError", .raised(_, let message)):
                    XCTAssertEqual(message, c["message"] as! String, label)
                case ("UndefinedError", .runtime(_, _, let message)):
                    XCTAssertTrue(message.contains("undefined"), "\(label): \(message)")
                default:
                    XCTFail("\(label): expected \(kind), got \(error)")
                }
            }
        }
    }
}
