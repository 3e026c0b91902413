"""The image-stage rule base: one place decides which stages are images and which images are
production ones (lint/analysis/images.py); the runtime rules only judge a stage."""

from __future__ import annotations

import pytest

from rsdock.lint.analysis import images
from rsdock.lint.rules.image_rule import ImageStageRule
from rsdock.lint.rules.rule import all_rules
from tests.lint.rules.harness import catches, catches_not

IMAGE_RULES = sorted(r for r, cls in all_rules().items() if issubclass(cls, ImageStageRule))


def test_the_runtime_rules_are_image_stage_rules():
    assert {"RS301", "RS302", "RS303", "RS304", "RS306", "RS308", "RS309"} <= set(IMAGE_RULES)
    for rule_id in IMAGE_RULES:
        assert "check" not in vars(all_rules()[rule_id]), f"{rule_id} loops over stages itself"


@pytest.mark.parametrize("rule_id", IMAGE_RULES)
def test_the_production_decision_is_the_base_class(rule_id, monkeypatch):
    rule = all_rules()[rule_id]
    fails = rule.docs().fails
    catches(rule_id, fails)
    monkeypatch.setattr(images, "is_production", lambda ctx, model: False)
    if rule.production_only:
        catches_not(rule_id, fails)
    else:
        catches(rule_id, fails)


def test_each_image_stage_a_build_names_is_judged():
    # one Dockerfile, two images (compose targets): both final stages run as root
    files = {
        "Dockerfile": "FROM debian:bookworm-slim AS api\nCOPY api /api\nENTRYPOINT [\"/api\"]\n"
                      "FROM debian:bookworm-slim AS worker\nCOPY worker /w\nENTRYPOINT [\"/w\"]\n",
        "compose.yaml": "services:\n  api:\n    image: acme/api\n    build:\n      context: .\n"
                        "      target: api\n  worker:\n    image: acme/worker\n    build:\n"
                        "      context: .\n      target: worker\n",
    }
    found = catches("RS306", files)
    assert sorted({f.line for f in found}) == [1, 4]
