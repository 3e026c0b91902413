"""The linter: file models, the research knowledge, rules, reporters and fixes."""
