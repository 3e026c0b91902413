"""Shared Dockerfile facts: one finding per line when platforms repeat a problem."""

from rsdock.lint.analysis.dockerfacts import merge_by_line, unique
from rsdock.lint.model.findings import Edit, Finding, Fix, Severity

FIX = Fix("x", (Edit(0, 0, "x"),))


def finding(line, message, fix=None):
    return Finding("Dockerfile", line, 0, "RS205", Severity.ERROR, message, fix)


def test_merge_by_line_keeps_the_first_and_counts_the_rest():
    merged = merge_by_line([finding(3, "for arm64", FIX), finding(3, "for riscv64"),
                            finding(3, "for arm64"), finding(5, "for s390x")])
    assert merged == [finding(3, "for arm64 (and 1 more like it on this line)"),
                      finding(5, "for s390x")]
    assert merged[0].fix == FIX  # the first finding's fix survives the merge


def test_unique_drops_the_same_line_and_message():
    assert list(unique([finding(3, "a"), finding(3, "a"), finding(4, "a")])) == [
        finding(3, "a"), finding(4, "a")]
