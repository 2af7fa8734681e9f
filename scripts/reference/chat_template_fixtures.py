#!/usr/bin/env python3
"""Writes Tests/Fixtures/chat_templates.json: transformers' apply_chat_template(..., tokenize=False) outputs for the
chat templates of SmolLM2-135M-Instruct and Qwen2.5-Coder-0.5B-Instruct on fixture conversations, and for small
synthetic templates that exercise the Jinja features chat templates rely on (whitespace control, trim/lstrip blocks,
loops, scoping, filters, tests, tojson, errors), all rendered by transformers' own Jinja environment.

Run from the repository root with the peer venv (see scripts/reference/bpe_fixtures.py, which also exports the
tokenizer files this reads from models/<name>/):
    ~/.cache/exemplar-peers/venv/bin/python scripts/reference/chat_template_fixtures.py

Sections:
  models[name]  template source, special tokens map, and cases: messages (+ tools) as JSON text (so ints and floats
                stay apart, as Python sees them), add_generation_prompt, the
                rendered text, and its token ids (apply_chat_template(tokenize=True), checked equal to encoding the
                text without special tokens)
  synthetic     template, messages, extra variables, and the rendered text or the error transformers raises
"""
import argparse
import json
from pathlib import Path

from transformers import AutoTokenizer
from reference_inputs import FETCH_DECODERS, require

ROOT = Path(__file__).resolve().parents[2]
MODELS = ["SmolLM2-135M-Instruct", "Qwen2.5-Coder-0.5B-Instruct"]

QUESTION = ("Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. "
            "How many clips did Natalia sell altogether in April and May?")
ANSWER = "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether.\n#### 72"

TOOLS = [
    {"type": "function", "function": {
        "name": "calculator", "description": "Evaluate an arithmetic expression — exactly (ü, 数学).",
        "parameters": {"type": "object", "properties": {
            "expression": {"type": "string", "description": "e.g. \"48/2\""},
            "precision": {"type": "integer", "minimum": 0, "maximum": 10, "default": 2},
            "scale": {"type": "number", "default": 0.5, "examples": [1e-05, 1e16, 123456.0]},
            "exact": {"type": "boolean", "default": True}, "unit": {"type": ["string", "null"], "default": None}},
            "required": ["expression"]}}},
    {"type": "function", "function": {"name": "lookup", "description": "Look up a fact\twith a tab\nand a newline.",
                                      "parameters": {"type": "object", "properties": {}}}},
]

CONVERSATIONS = {
    "system_user": [{"role": "system", "content": "You are a careful math tutor."},
                    {"role": "user", "content": QUESTION}],
    "user_only": [{"role": "user", "content": QUESTION}],
    "multi_turn": [{"role": "system", "content": "Answer briefly."},
                   {"role": "user", "content": QUESTION},
                   {"role": "assistant", "content": ANSWER},
                   {"role": "user", "content": "And in June, if she sold 10 more than in May?"}],
    "multi_turn_no_system": [{"role": "user", "content": "What is 2 + 3?"},
                             {"role": "assistant", "content": "2 + 3 = 5."},
                             {"role": "user", "content": "Times 4?"},
                             {"role": "assistant", "content": "5 × 4 = 20."}],
    "unicode_and_specials": [{"role": "user", "content": "  Café 🤖 数学\n\tline two\r\n<|im_end|> typed <|im_start|>  "},
                             {"role": "assistant", "content": ""}],
    "system_later": [{"role": "user", "content": "Hi"}, {"role": "system", "content": "Late system message."},
                     {"role": "user", "content": "Again"}],
}

QWEN_TOOL_CONVERSATIONS = {
    "tools_user": ([{"role": "user", "content": "What is 48/2?"}], TOOLS),
    "tools_system": ([{"role": "system", "content": "Use tools."}, {"role": "user", "content": "What is 48/2?"}], TOOLS),
    "tool_calls": ([
        {"role": "user", "content": "What is 48/2 and 3*4?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"type": "function", "function": {"name": "calculator", "arguments": {"expression": "48/2", "precision": 0}}},
            {"type": "function", "function": {"name": "calculator", "arguments": {"expression": "3*4"}}}]},
        {"role": "tool", "content": "24"},
        {"role": "tool", "content": "12"},
        {"role": "assistant", "content": "48/2 = 24 and 3*4 = 12."},
        {"role": "user", "content": "Thanks"}], TOOLS),
    "tool_call_with_content": ([
        {"role": "user", "content": "Look it up"},
        {"role": "assistant", "content": "Let me check.", "tool_calls": [
            {"name": "lookup", "arguments": "{\"q\": \"x\"}"}]},
        {"role": "tool", "content": "found"}], None),
}

SYNTHETIC = [
    # whitespace control, trim_blocks / lstrip_blocks, trailing newline
    ("ws_trim", "{% for m in messages %}\n  {{ m.content }}\n{% endfor %}\n", {}),
    ("ws_dash", "a  {%- if true -%}  b  {%- endif -%}  c {{- ' d ' -}} e\n\n", {}),
    ("ws_plus", "x\n  {%+ if true %}y{% endif +%}\nz", {}),
    ("ws_lstrip_inline", "a {% if true %}b{% endif %} c\n    {% if true %}\n    d\n    {% endif %}\nend\n", {}),
    ("ws_comment", "a\n  {# a comment #}\nb {#- tight -#} c\n{# last #}", {}),
    ("ws_var_dash", "[ {{- 'x' -}} ]\n{{ 'y' }}\n  {{- 'z' }}", {}),
    ("crlf", "line1\r\n{% if true %}\r\nline2\r\n{% endif %}\rline3\r\n", {}),
    # expressions and formatting
    ("numbers", "{{ 1 }} {{ 1.0 }} {{ 2.5e-5 }} {{ 1e16 }} {{ 123456789012345.0 }} {{ 10/4 }} {{ 7//2 }} {{ -7//2 }} "
                "{{ -7 % 3 }} {{ 7 % -3 }} {{ 2**10 }} {{ 2**-1 }} {{ 1 + 2.0 }} {{ -(3) }} {{ 0.1 + 0.2 }}", {}),
    ("strings", "{{ 'a' ~ 1 ~ none ~ true }} {{ 'ab' * 3 }} {{ \"it's\" }} {{ 'say \"hi\"' }} {{ 'x' + 'y' }} "
                "{{ 'tab\\there' }} {{ 'uni\\u00e9' }} {{ 'adj' 'acent' }}", {}),
    ("repr", "{{ [1, 'a', none, true, 2.5, {'k': [1, 2]}] }} {{ {'a': \"it's\"} }} {{ ('t', 1) }} {{ [] }} {{ {} }}", {}),
    ("compare", "{{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 'a' in 'cat' }} "
                "{{ 'x' not in ['x'] }} {{ 'k' in {'k': 1} }} {{ none == none }} {{ 1 != 2 and not false or 0 }}", {}),
    ("logic_values", "{{ 0 or 'x' }} {{ '' and 'y' }} {{ [] or none }} {{ 'a' if 1 > 2 else 'b' }} "
                     "{{ 'c' if false }}|", {}),
    ("subscripts", "{{ messages[0]['role'] }} {{ messages[-1].content }} {{ messages[0].content[0:5] }} "
                   "{{ messages[0].content[::-1][:3] }} {{ messages[5] }}|{{ messages[0].missing }}|{{ [1,2,3][1:] }} "
                   "{{ 'abc'[1] }} {{ 'abcdef'[-2:] }} {{ 'abcdef'[::2] }}", {}),
    # loops
    ("loop_vars", "{% for m in messages %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.length }}"
                  "{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}"
                  "{{ loop.previtem.role if loop.previtem is defined else '-' }} {% endfor %}", {}),
    ("loop_else_filter", "{% for m in messages if m.role == 'user' %}{{ m.content[:3] }},{% else %}none{% endfor %}"
                         "|{% for x in [] %}x{% else %}empty{% endfor %}|{% for k, v in {'a': 1, 'b': 2}.items() %}"
                         "{{ k }}={{ v }};{% endfor %}|{% for k in {'z': 1, 'y': 2} %}{{ k }}{% endfor %}", {}),
    ("loop_control", "{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i > 4 %}{% break %}"
                     "{% endif %}{{ i }}{% endfor %}|{% for i in range(1, 10, 3) %}{{ i }}{% endfor %}"
                     "|{% for a in [1, 2] %}{% for b in 'xy' %}{{ a }}{{ b }}{{ loop.cycle('+', '-') }}{% endfor %}"
                     "{{ loop.index }}{% endfor %}", {}),
    ("scoping", "{% set count = 0 %}{% for i in range(3) %}{% set count = count + 1 %}{{ count }}{% endfor %}|{{ count }}"
                "|{% set ns = namespace(n=0, seen=false) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}"
                "{% endfor %}{{ ns.n }} {{ ns.seen }}|{% if true %}{% set y = 'set in if' %}{% endif %}{{ y }}"
                "|{% set a, b = [1, 2] %}{{ a }}{{ b }}|{% set block %}captured {{ a }}{% endset %}{{ block }}", {}),
    # filters and tests
    ("filters_text", "{{ '  pad  ' | trim }}|{{ 'xxhixx' | trim('x') }}|{{ 'Hello' | upper }} {{ 'Hello' | lower }} "
                     "{{ 'hello world' | title }} {{ 'hELLO' | capitalize }} {{ 'a-b-c' | replace('-', '+') }} "
                     "{{ 'a-b-c' | replace('-', '', 1) }} {{ 'abc' | length }} {{ 'one two  three' | wordcount }} "
                     "{{ '<b>&\"' | e }} {{ 42 | string }} {{ 'ab' | list }} {{ 'abc' | reverse }}", {}),
    ("filters_lists", "{{ [3, 1, 2] | sort }} {{ ['b', 'A', 'c'] | sort }} {{ [3, 1, 2] | sort(reverse=true) }} "
                      "{{ [1, 2, 3] | first }} {{ [1, 2, 3] | last }} {{ [1, 2, 3] | length }} {{ [1, 2] | join(', ') }} "
                      "{{ messages | map(attribute='role') | join('/') }} {{ messages | selectattr('role', 'equalto', "
                      "'user') | list | length }} {{ messages | rejectattr('role', 'eq', 'user') | map(attribute='role')"
                      " | list }} {{ [1, 2, 3, 4] | select('odd') | list }} {{ [1, 2, 2, 1] | unique | list }} "
                      "{{ [1, 5, 3] | max }} {{ [1, 5, 3] | min }} {{ [1, 2, 3] | sum }} {{ [-1.5] | map('abs') | list }}"
                      " {{ {'b': 1, 'a': 2} | items | list }} {{ none | default('dflt') }} {{ missing | default('d') }}"
                      " {{ '' | default('e', true) }} {{ '42' | int + 1 }} {{ '2.5' | float }} {{ 2.567 | round(2) }}"
                      " {{ 'x' | int }} {{ 3.7 | int }}", {}),
    ("filters_indent", "{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(4, true) }}", {}),
    ("tests", "{{ x is defined }} {{ missing is undefined }} {{ none is none }} {{ 3 is odd }} {{ 4 is even }} "
              "{{ 9 is divisibleby 3 }} {{ 'a' is string }} {{ 1 is number }} {{ 1.5 is float }} {{ 1 is integer }} "
              "{{ {} is mapping }} {{ [] is iterable }} {{ 'x' is in 'xy' }} {{ true is sameas true }} "
              "{{ x is not none }} {{ 'ab' is lower }} {{ missing is defined and missing.attr }}", {"x": 1}),
    ("string_methods", "{{ '  x '.strip() }}|{{ 'xxy'.lstrip('x') }}|{{ 'a,b,,c'.split(',') }} {{ 'a b  c'.split() }} "
                       "{{ 'a,b,c'.split(',', 1) }} {{ 'abc'.startswith('ab') }} {{ 'abc'.endswith(('x', 'c')) }} "
                       "{{ 'Ab'.upper() }}{{ 'Ab'.lower() }} {{ 'a-b'.replace('-', '_') }} {{ '-'.join(['a', 'b']) }} "
                       "{{ 'hello'.find('l') }} {{ 'hello'.count('l') }} {{ 'abc'.title() }} {{ '12'.isdigit() }}", {}),
    ("dict_methods", "{% set d = {'a': 1, 'b': [2]} %}{{ d.keys() | list }} {{ d.values() | list }} {{ d.get('a') }} "
                     "{{ d.get('z', 'none') }} {{ d.get('z') }} {{ d['b'][0] }} {{ d.b }} {{ dict(x=1, y='z') }}", {}),
    ("tojson", "{{ tools | tojson }}\n{{ tools[0] | tojson(indent=2) }}\n{{ {'b': 1, 'a': [true, none, 1.5, 'é\"\\n']} "
               "| tojson(sort_keys=true) }}\n{{ 'é' | tojson(ensure_ascii=true) }} {{ [] | tojson }} {{ {} | tojson(indent=2) }}"
               " {{ 1e-7 | tojson }} {{ 100.0 | tojson }}", {"tools": TOOLS}),
    ("variables", "{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|{{ tools }}|{{ documents }}|"
                  "{{ custom }}|{{ messages | length }}", {"custom": {"k": [1, "two"]}}),
    ("messages_none_dropped", "{% for m in messages %}{{ m.role }}:{{ m.content is defined }}:{{ m | length }};{% endfor %}",
     {}),
    # errors
    ("raise", "{% if messages[0].role != 'system' %}{{ raise_exception('System message required!') }}{% endif %}", {}),
    ("undefined_attribute", "{{ missing.attr }}", {}),
    ("undefined_concat", "{{ 'a' + missing }}", {}),
]

SYNTHETIC_MESSAGES = [{"role": "user", "content": "Hello, world! How are you?"},
                      {"role": "assistant", "content": "Fine.", "tool_calls": None},
                      {"role": "user", "content": "Bye"}]


def render(tok, messages, **kwargs):
    try:
        return {"expected": tok.apply_chat_template(messages, tokenize=False, **kwargs)}
    except Exception as e:  # the error transformers/Jinja raises, for the Swift side to match in kind
        return {"error": type(e).__name__, "message": str(e)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path, default=ROOT / "models")
    ap.add_argument("--out", type=Path, default=ROOT / "Tests" / "Fixtures" / "chat_templates.json")
    args = ap.parse_args()

    import transformers
    fixture = {"generator": "scripts/reference/chat_template_fixtures.py", "transformers_version": transformers.__version__,
               "models": {}, "synthetic": []}
    for name in MODELS:
        require(args.models / name / "tokenizer_config.json", FETCH_DECODERS)
    qwen = None
    for name in MODELS:
        tok = AutoTokenizer.from_pretrained(str(args.models / name))
        config = json.loads((args.models / name / "tokenizer_config.json").read_text())
        cases = []
        conversations = [(k, v, None) for k, v in CONVERSATIONS.items()]
        if name.startswith("Qwen"):
            qwen = tok
            conversations += [(k, m, t) for k, (m, t) in QWEN_TOOL_CONVERSATIONS.items()]
        for key, messages, tools in conversations:
            for gen in [False, True]:
                text = tok.apply_chat_template(messages, tools=tools, tokenize=False, add_generation_prompt=gen)
                ids = tok.apply_chat_template(messages, tools=tools, tokenize=True, add_generation_prompt=gen,
                                              return_dict=False)
                if isinstance(ids, dict) or hasattr(ids, "input_ids"):
                    ids = ids["input_ids"]
                assert ids == tok(text, add_special_tokens=False)["input_ids"], (name, key)
                cases.append({"name": key, "messages_json": json.dumps(messages, ensure_ascii=False),
                              "tools_json": json.dumps(tools, ensure_ascii=False), "add_generation_prompt": gen,
                              "expected": text, "ids": ids})
        fixture["models"][name] = {"chat_template": config["chat_template"], "special_tokens": tok.special_tokens_map,
                                   "cases": cases}
        print(f"{name}: {len(cases)} cases")

    for key, template, extra in SYNTHETIC:
        for gen in [False, True]:
            r = render(qwen, SYNTHETIC_MESSAGES, chat_template=template, add_generation_prompt=gen, **extra)
            fixture["synthetic"].append({"name": key, "template": template,
                                         "messages_json": json.dumps(SYNTHETIC_MESSAGES, ensure_ascii=False),
                                         "extra_json": json.dumps(extra, ensure_ascii=False),
                                         "add_generation_prompt": gen, **r})
    fixture["synthetic_special_tokens"] = qwen.special_tokens_map
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {args.out}: {len(fixture['synthetic'])} synthetic cases")


if __name__ == "__main__":
    main()
