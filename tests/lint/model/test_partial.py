"""Shapes: values known only in part."""

from __future__ import annotations

import pytest

from rsdock.lint.model.partial import HOLE, Shape


@pytest.mark.parametrize("text,pieces", [
    ("target/$(uname -m)-unknown-linux-gnu/release/x", ("target/", "-unknown-linux-gnu/release/x")),
    ("target/`uname -m`-x", ("target/", "-x")),
    ("a${B:-c}d$E", ("a", "d", "")),
    ("$(echo $(nested))/x", ("", "/x")),
    ("plain", ("plain",)),
    ("cost $", ("cost $",)),  # a lone dollar expands to itself
])
def test_shell_word_shapes(text, pieces):
    assert Shape.of_shell_word(text).pieces == pieces


@pytest.mark.parametrize("text,pieces", [
    ("platform-${{ env.PAIR }}", ("platform-", "")),
    ("${{ matrix.a }}-${{ matrix.b }}", ("", "-", "")),
    ("buildkit", ("buildkit",)),
])
def test_expression_text_shapes(text, pieces):
    assert Shape.of_expression_text(text).pieces == pieces


@pytest.mark.parametrize("a,b,equal", [
    (("platform-", ""), ("buildkit",), False),
    (("platform-", ""), ("platform-amd64",), True),
    (("", "-cache"), ("app-cache",), True),
    (("", "-cache"), ("app",), False),
    (("a-", ""), ("b-", ""), False),
    (("a-", ""), ("a-b-", ""), True),
    (("", ""), ("anything",), True),
    (("x-", "-amd64"), ("x-", "-arm64"), False),
])
def test_could_equal(a, b, equal):
    assert Shape(a).could_equal(Shape(b)) is equal
    assert Shape(b).could_equal(Shape(a)) is equal


def test_marked_keeps_the_holes_apart():
    shape = Shape.of_shell_word("target/$(uname -m)-unknown-linux-gnu/release")
    assert shape.marked() == f"target/{HOLE}-unknown-linux-gnu/release"
    assert shape.known is None and Shape.literal("x").known == "x"
