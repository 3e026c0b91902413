"""The Rust tokenizer and masker: comments and literals never look like code."""

import pytest

from rsdock.lint.model.rust_source import IDENT, STR, mask, tokens

TRICKY = r'''
// include_str!("comment")
/* outer /* include_str!("nested") */ still a comment */
fn f<'a>(x: &'a str) -> char { let c = '"'; let d = '\''; let e = '\u{1F600}'; let q = b'"';
  let s = "a \"quoted\" include_str!(\"string\")"; x / y;
  let r = r#"raw " include_str!("raw")"#; let b = b"("; let br = br##"a"#"##;
  include_str!("../docs/a.md") }
let r#type = 1; 'label: loop {}
let t = "multi
line"; after
'''


def test_tokens_skip_comments_and_read_literals():
    toks = tokens(TRICKY)
    strings = [t.value for t in toks if t.kind == STR]
    assert strings == ['a "quoted" include_str!("string")', 'raw " include_str!("raw")', "(",
                       'a"#', "../docs/a.md", "multi\nline"]
    idents = [t.value for t in toks if t.kind == IDENT]
    assert idents.count("include_str") == 1
    assert "type" in idents and "label" not in idents and "a" not in idents
    assert next(t for t in toks if t.value == "after").line == 10


def test_mask_keeps_offsets_and_hides_comments_and_literals():
    masked = mask(TRICKY)
    assert len(masked) == len(TRICKY) and masked.count("\n") == TRICKY.count("\n")
    assert masked.count("include_str") == 1
    assert "x / y" in masked and "fn f<'a>(x: &'a str)" in masked
    assert '"' not in masked


@pytest.mark.parametrize("source,expected", [
    ('let x = "unterminated', ["unterminated"]),
    ("/* never closed include_str!(\"x\")", []),
    ("let c = 'x'; include_str!(\"a\")", ["a"]),
    ("br\"\\\" include_str!(\"b\")", ["\\", "b"]),  # a raw string has no escapes
])
def test_edge_cases(source, expected):
    assert [t.value for t in tokens(source) if t.kind == STR] == expected
    assert len(mask(source)) == len(source)
