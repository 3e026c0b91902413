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
    # RS422 follows the parts of a reference (tests/lint/model/test_workflow_values.py has the
    # tracer's own cases): argoproj/argo-workflows' release.yaml assigns `name:tag` in the loop
    # that signs it; a commit SHA as the tag; metadata-action's tags through a step's env and
    # through a job's outputs; a matrix entry with `:latest`; `$GITHUB_ENV` from an earlier step.
    ("RS422", True, _workflow('      - run: |\n          for target in a b; do\n            '
                              'image_name="${docker_org}/${target}:${tag}"\n            cosign '
                              'sign -y --key env://COSIGN_PRIVATE_KEY quay.io/$image_name\n'
                              '          done\n')),
    ("RS422", True, _workflow("      - run: cosign sign --yes ${{ env.IMAGE }}:${{ github.sha }}"
                              "\n")),
    ("RS422", True, _workflow("      - id: meta\n        uses: docker/metadata-action@v6\n      "
                              "- env:\n          IMAGE: ${{ steps.meta.outputs.tags }}\n        "
                              "run: cosign sign --yes \"$IMAGE\"\n")),
    ("RS422", True, _workflow("      - id: meta\n        uses: docker/metadata-action@v6\n",
                              jobs="    outputs:\n      image: ${{ steps.meta.outputs.tags }}\n"
                              "  sign:\n    needs: image\n    runs-on: ubuntu-24.04\n    steps:"
                              "\n      - run: cosign sign --yes ${{ needs.image.outputs.image }}"
                              "\n")),
    ("RS422", True, _workflow("      - run: cosign sign --yes ${{ matrix.image }}:latest\n")),
    ("RS422", True, _workflow('      - run: echo "IMAGE=ghcr.io/acme/app:${GITHUB_SHA}" >> '
                              '"$GITHUB_ENV"\n      - run: cosign sign --yes "$IMAGE"\n')),
    ("RS422", True, _workflow('      - run: |\n          URL="ghcr.io/acme/app:${TAG}"\n     '
                              '     echo "IMAGE=${URL}" >> "$GITHUB_ENV"\n      - run: cosign sign'
                              ' --yes "$IMAGE"\n')),
    # A boolean option is not followed by its value (kubewarden/policy-server signs with
    # `--new-bundle-format=false`; written without `=`, the next word is the image).
    ("RS422", True, _workflow("      - run: cosign sign --yes --new-bundle-format acme/app:v1\n")),
    # ... and stays quiet where a part pins the digest, or a branch may have.
    ("RS422", False, _workflow("      - id: build\n        uses: docker/build-push-action@v7\n",
                               jobs="    outputs:\n      ref: acme/app@${{ steps.build.outputs"
                               ".digest }}\n  sign:\n    needs: image\n    runs-on: ubuntu-24.04"
                               "\n    steps:\n      - run: cosign sign --yes ${{ needs.image."
                               "outputs.ref }}\n")),
    ("RS422", False, _workflow('      - id: meta\n        run: echo "tags=acme/app@$D" >> '
                               '"$GITHUB_OUTPUT"\n      - run: cosign sign --yes ${{ steps.meta.'
                               'outputs.tags }}\n')),
    ("RS422", False, _workflow('      - run: echo "IMAGE=ghcr.io/acme/app@${DIGEST}" >> '
                               '"$GITHUB_ENV"\n      - run: cosign sign --yes "$IMAGE"\n')),
    ("RS422", False, _workflow("      - run: |\n          if [ -n \"$X\" ]; then R=acme/app:1; "
                               "else R=acme/app@sha256:1; fi\n          cosign sign --yes $R\n")),
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
