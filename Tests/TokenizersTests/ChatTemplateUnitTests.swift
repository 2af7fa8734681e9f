import Foundation
import Tokenizers
import XCTest

/// Chat-template behaviour that needs no fixture: errors that name the construct, file and line; loading from a
/// model directory; values in and out.
final class ChatTemplateUnitTests: XCTestCase {
    func render(_ source: String, _ messages: [JinjaValue] = [["role": "user", "content": "hi"]],
                extra: [String: JinjaValue] = [:]) throws -> String {
        try ChatTemplate(source: source, name: "t.jinja").render(messages: messages, extra: extra)
    }

    func expectUnsupported(_ source: String, _ construct: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try render(source), file: file, line: line) { error in
            guard case .unsupported(let t, _, let c)? = error as? ChatTemplateError else {
                return XCTFail("expected unsupported, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(t, "t.jinja", file: file, line: line)
            XCTAssertTrue(c.contains(construct), "\(c) should name \(construct)", file: file, line: line)
        }
    }

    func testUnsupportedConstructsAreNamed() {
        expectUnsupported("{% macro m() %}x{% endmacro %}", "macro")
        expectUnsupported("{% include 'x' %}", "include")
        expectUnsupported("{% filter upper %}x{% endfilter %}", "filter")
        expectUnsupported("{{ 'x' | center(9) }}", "center")
        expectUnsupported("{% if x is escaped %}{% endif %}", "escaped")
        expectUnsupported("{{ strftime_now('%Y') }}", "strftime_now")
        expectUnsupported("{{ 'a'.format(1) }}", "format")
        expectUnsupported("{% for x in y recursive %}{% endfor %}", "recursive")
        expectUnsupported("{{ '%d' % 3 }}", "printf")
        expectUnsupported("{% set xs = [1] %}{{ xs.append(2) }}", "append")
        XCTAssertThrowsError(try render("{% raw %}{{x}}{% endraw %}"))
    }

    func testSyntaxErrorsNameTheLine() {
        XCTAssertThrowsError(try render("line1\n{% if x %}\nno end")) { error in
            guard case .syntax(let t, _, let message)? = error as? ChatTemplateError else { return XCTFail("\(error)") }
            XCTAssertEqual(t, "t.jinja")
            XCTAssertTrue(message.contains("endif"), message)
        }
        XCTAssertThrowsError(try render("a\nb\n{{ 1 + }}")) { error in
            guard case .syntax(_, 3, _)? = error as? ChatTemplateError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try render("{{ 'unterminated }}"))
        XCTAssertThrowsError(try render("{% endfor %}"))
    }

    func testRaiseExceptionAndRuntimeErrors() {
        XCTAssertThrowsError(try render("{{ raise_exception('Only user and assistant roles are supported!') }}")) { error in
            XCTAssertEqual(error as? ChatTemplateError, .raised(template: "t.jinja", message: "Only user and assistant roles are supported!"))
            XCTAssertEqual("\(error)", "t.jinja: chat template raised an exception: Only user and assistant roles are supported!")
        }
        XCTAssertThrowsError(try render("\n{{ nothing.here }}")) { error in
            guard case .runtime(_, 2, let m)? = error as? ChatTemplateError else { return XCTFail("\(error)") }
            XCTAssertTrue(m.contains("nothing"), m)
        }
        XCTAssertThrowsError(try render("{{ 1 + 'a' }}"))
        XCTAssertThrowsError(try render("{{ 1 / 0 }}"))
    }

    func testRenderingBasics() throws {
        let t = try ChatTemplate(source: "{{ bos_token }}{% for m in messages %}[{{ m.role }}:{{ m['content'] | trim }}]"
                                 + "{% endfor %}{% if add_generation_prompt %}>{% endif %}{{ extra_var | default('-') }}",
                                 specialTokens: ["bos_token": "<s>"])
        let messages: [JinjaValue] = [["role": "system", "content": " be brief "], ["role": "user", "content": "7*8?", "name": nil]]
        XCTAssertEqual(try t.render(messages: messages), "<s>[system:be brief][user:7*8?]-")
        XCTAssertEqual(try t.render(messages: messages, addGenerationPrompt: true, extra: ["extra_var": 3]), "<s>[system:be brief][user:7*8?]>3")
        XCTAssertEqual(try JinjaValue(json: #"{"b": 1.0, "a": [1, 2.5e3, null, true, "\u00e9"]}"#),
                       .object([(key: "b", value: .double(1)), (key: "a", value: [1, 2500.0, nil, true, "é"])]))
    }

    func testModelDirectoryWithoutTemplate() throws {
        let dir = try temporaryDirectory(self)
        try #"{"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "pad_token": null}"#
            .write(to: dir.appendingPathComponent("tokenizer_config.json"), atomically: true, encoding: .utf8)
        let config = try TokenizerConfig.load(directory: dir)
        XCTAssertEqual(config.specialTokens, ["bos_token": "<s>", "eos_token": "</s>"])
        XCTAssertThrowsError(try config.chatTemplate()) { error in
            guard case .missingTemplate(let path, _)? = error as? ChatTemplateError else { return XCTFail("\(error)") }
            XCTAssertTrue(path.hasSuffix("tokenizer_config.json"))
        }
        try "{{ messages[0].content }}!".write(to: dir.appendingPathComponent("chat_template.jinja"), atomically: true, encoding: .utf8)
        let template = try TokenizerConfig.load(directory: dir).chatTemplate()
        XCTAssertEqual(try template.render(messages: [["role": "user", "content": "hey"]]), "hey!")
        XCTAssertTrue(template.name.hasSuffix("chat_template.jinja"))
    }

    func testNamedTemplates() throws {
        let dir = try temporaryDirectory(self)
        try #"{"chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"}]}"#
            .write(to: dir.appendingPathComponent("tokenizer_config.json"), atomically: true, encoding: .utf8)
        let config = try TokenizerConfig.load(directory: dir)
        XCTAssertEqual(try config.chatTemplate().render(messages: []), "D")
        XCTAssertEqual(try config.chatTemplate(forTools: true).render(messages: []), "T")
        XCTAssertThrowsError(try config.chatTemplate(named: "rag"))
    }
}
