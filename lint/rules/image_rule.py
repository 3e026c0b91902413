"""The base of the rules about what an image runs (RS301-RS304, RS306, RS308, RS309).

Which stages become images and whether an image is a production one are decided once, in
``lint/analysis/images.py`` (from the publication model, ``lint/analysis/publication.py``); a rule
on this base only says what is wrong with one image stage.
"""

from __future__ import annotations

from typing import ClassVar, Iterable

from rsdock.lint.analysis import images
from rsdock.lint.model.dockerfile import Dockerfile, Stage
from rsdock.lint.model.findings import Finding
from rsdock.lint.rules.rule import Context, DockerfileRule


class ImageStageRule(DockerfileRule):
    """A Dockerfile rule called once per image stage: each ``target:`` a build names, and the
    last stage when a build names none or nothing builds the file.

    Attributes:
        production_only: judge only production images: a devcontainer, toolchain, test or
            helper image (``images.is_production``) is skipped. False for a rule that holds
            for any image (a glibc mismatch breaks a test image too).
    """

    production_only: ClassVar[bool] = True

    def check(self, file: Dockerfile, ctx: Context) -> Iterable[Finding]:
        """Every image stage's findings (none for a non-production image when
        ``production_only``)."""
        if self.production_only and not images.is_production(ctx, file):
            return []
        return [finding for stage in images.image_stages(ctx, file)
                for finding in self.check_stage(file, ctx, stage)]

    def check_stage(self, file: Dockerfile, ctx: Context, stage: Stage) -> Iterable[Finding]:
        """The findings for one image stage of ``file``."""
        raise NotImplementedError
