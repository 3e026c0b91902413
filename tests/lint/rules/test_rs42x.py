"""The supply-chain rules (RS420-RS425) on the shapes their docstrings do not show: one case a
line, the rule expected to fire or not."""

from __future__ import annotations

import pytest

from tests.lint.rules.harness import catches, catches_not

BUILD = """\
      - uses: docker/build-push-action@v7
        with:
          push: true
          tags: acme/app:amd64
"""


def _workflow(steps: str, *, on: str = "push", top: str = "", jobs: str = "") -> str:
    return (f"on: {on}\n{top}jobs:\n  image:\n    runs-on: ubuntu-24.04\n    steps:\n"
            f"{steps}{jobs}")


CASES = [
    # RS420: one platform selected: the attestation entries are left out.
    ("RS420", False, _workflow(BUILD + "      - run: |\n          docker buildx imagetools "
                               "inspect acme/app --raw | jq -r '.manifests[] | select(.platform"
                               ".architecture == \"amd64\") | .digest'\n")),
    # RS420: no build in the workflow attaches attestations (provenance off): nothing to skip.
    ("RS420", False, _workflow(BUILD.replace("push: true", "push: true\n          provenance: "
                                             "false") + "      - run: docker manifest inspect "
                               "acme/app | jq -r '.manifests[].digest'\n")),
    # RS421: imagetools create over platform manifests picked out of the legs' indexes.
    ("RS421", True, _workflow(BUILD + "      - run: |\n          d=$(docker buildx imagetools "
                              "inspect acme/app:amd64 --raw | jq -r '.manifests[] | select("
                              ".platform.architecture == \"amd64\") | .digest')\n          "
                              "docker buildx imagetools create -t acme/app acme/app@$d\n")),
    # RS422: a tag spelled out with variables; a digest built in the script; a substitution.
    ("RS422", True, _workflow('      - run: cosign sign --yes "$IMAGE:$VERSION"\n')),
    ("RS422", False, _workflow('      - run: echo "$TAGS" | xargs -I {} cosign sign --yes '
                               '{}@${DIGEST}\n')),
    ("RS422", False, _workflow("      - run: cosign sign --yes $(jq -r '.tags[] + \"@\" + "
                               "$d' meta.json)\n")),
    ("RS422", False, _workflow("      - run: cosign sign-blob --yes --bundle x.bundle x\n")),
    # RS423: a job using an action that may need the token (a cloud login) is not judged.
    ("RS423", False, _workflow("      - uses: aws-actions/configure-aws-credentials@v4\n",
                               top="permissions:\n  id-token: write\n",
                               jobs="  sign:\n    runs-on: ubuntu-24.04\n    steps:\n      - "
                               "run: cosign sign --yes \"acme/app@$D\"\n")),
    # RS423: a workflow that signs nothing uses its token for something else.
    ("RS423", False, _workflow("      - run: cargo build\n",
                               top="permissions:\n  id-token: write\n")),
    # RS424: a reproducible build keeps its index rebuildable; ECR feeds Lambda.
    ("RS424", False, _workflow(BUILD.replace("push: true", "push: true\n          file: "
                                             "Dockerfile.reproducible\n          provenance: "
                                             "false"))),
    ("RS424", False, _workflow(BUILD.replace("acme/app:amd64", "1.dkr.ecr.eu-west-1.amazonaws"
                                             ".com/app:1").replace("push: true", "push: true\n"
                                             "          provenance: false"))),
    ("RS424", True, _workflow("      - run: docker buildx build --provenance=false --push -t "
                              "acme/app .\n")),
    ("RS424", False, _workflow(BUILD.replace("push: true", "push: false\n          sbom: "
                                             "false"))),
    # RS425: guarded by the job it needs (the job graph), or the workflow has no pull_request.
    ("RS425", False, _workflow(BUILD, on="[push, pull_request]",
                               jobs="  gate:\n    if: github.event_name == 'push'\n    runs-on:"
                               " ubuntu-24.04\n    steps:\n      - run: 'true'\n  sign:\n    "
                               "needs: gate\n    runs-on: ubuntu-24.04\n    steps:\n      - "
                               "uses: actions/attest-build-provenance@v4\n")),
    ("RS425", True, _workflow(BUILD + "      - uses: actions/attest-build-provenance@v4\n",
                              on="[push, pull_request]")),
]


@pytest.mark.parametrize("rule, fires, text", CASES, ids=lambda v: v if isinstance(v, str)
                         and v.startswith("RS") else None)
def test_case(rule, fires, text):
    files = {".github/workflows/docker.yml": text, "Dockerfile": "FROM scratch\n"}
    if fires:
        catches(rule, files)
    else:
        catches_not(rule, files)
