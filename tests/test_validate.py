"""rsdock.validate: Docker's image reference grammar, as every edge checks it."""

import pytest

from rsdock.validate import image_registry_host, image_repository_problem


@pytest.mark.parametrize("ref", [
    "server", "acme/server", "ghcr.io/acme/server", "localhost:5000/team/api",
    "registry.example.com:443/a/b/c", "a_b", "a__b", "a.b", "a--b", "docker.io/library/rust",
    "${{ env.IMAGE }}", "ghcr.io/${{ github.repository_owner }}/api",
    "${{ secrets.DOCKERHUB_USERNAME }}/server",
])
def test_valid_repositories_pass(ref):
    assert image_repository_problem(ref) == ""


@pytest.mark.parametrize(("ref", "message"), [
    ("Bad_Name:UPPER", "'Bad_Name' in 'Bad_Name:UPPER' has uppercase letters; image names are "
                       "lowercase ('bad_name')"),
    ("acme/Server", "'Server' in 'acme/Server' has uppercase letters"),
    ("ghcr.io/acme/server:1.0", "has a tag (':1.0')"),
    ("acme/server@sha256:abc", "has a tag ('@sha256:abc')"),
    ("a___b", "'a___b' in 'a___b' is not a valid name component"),
    ("-server", "is not a valid name component"),
    ("acme//server", "has an empty path component"),
    ("acme/server/", "has an empty path component"),
    ("my server", "contains a space"),
    ("", "is empty"),
    ("-bad.host/acme/x", "registry host '-bad.host' of '-bad.host/acme/x' is not a host name"),
    ("a" * 256, "longer than Docker's 255 characters"),
])
def test_invalid_repositories_say_what_is_wrong(ref, message):
    assert message in image_repository_problem(ref)


def test_a_tag_is_checked_when_allowed():
    assert image_repository_problem("acme/server:1.0", tag_allowed=True) == ""
    assert "is not a valid tag" in image_repository_problem("acme/server:-x", tag_allowed=True)


# The registry host Docker pushes a reference to.
@pytest.mark.parametrize("ref, host", [
    ("acme/api", "docker.io"),
    ("api", "docker.io"),
    ("docker.io/acme/api", "docker.io"),
    ("index.docker.io/acme/api", "docker.io"),
    ("ghcr.io/acme/api", "ghcr.io"),
    ("GHCR.io/acme/api", "ghcr.io"),
    ("localhost:5000/api", "localhost:5000"),
    ("localhost/api", "localhost"),
    ("quay.io/acme/api:1.0", "quay.io"),
    ("${{ secrets.DOCKERHUB_USERNAME }}/api", "docker.io"),
    ("ghcr.io/${{ github.repository_owner }}/api", "ghcr.io"),
])
def test_registry_host(ref, host):
    assert image_registry_host(ref) == host
