"""render(): which files a plan yields and what each must say (DIGEST.md sections 1-4)."""

from __future__ import annotations

import re

import jinja2
import pytest
from ruamel.yaml import YAML

from rsdock.lint.knowledge import actions, platforms, runtimes
from rsdock.resources import templates_dir
from rsdock.wizard.generate import render as render_module
from rsdock.wizard.generate.plan import Image, Plan, PlanError, Triggers, WorkspaceFacts
from rsdock.wizard.generate.render import render
from rsdock.wizard.generate.templating import render_template
from tests.tools import parse_stages, stage, target_platform_runs

SERVER = Image("server", "bin", "server", "Dockerfile", "crates/server")
MIGRATE = Image("migrate", "bin", "server", "Dockerfile", "crates/server")
WEB = Image("web", "web", "web", "Dockerfile.web", "crates/web")


# A server linking OpenSSL: its debian-slim runtime installs libssl3 on the target platform.
OPENSSL = WorkspaceFacts(c_crates=(("server", (("openssl-sys", "server -> openssl-sys"),)),))


def plan(**changes) -> Plan:
    return Plan(images=(SERVER, WEB)).with_changes(**changes)


def workflow(p: Plan) -> dict:
    return YAML(typ="safe").load(render(p)[p.workflow])


def steps(p: Plan, job: str) -> list[dict]:
    return workflow(p)["jobs"][job]["steps"]


def step(p: Plan, job: str, uses_prefix: str) -> dict:
    return next(s for s in steps(p, job) if s.get("uses", "").startswith(uses_prefix))


# --- files -----------------------------------------------------------------------------------

def test_render_yields_one_dockerfile_for_the_binaries_one_per_web_app_and_the_workflow():
    files = render(Plan(images=(SERVER, MIGRATE, WEB), workflow=".github/workflows/images.yml"))
    assert sorted(files) == sorted(["Dockerfile", "Dockerfile.web", ".dockerignore",
                                    ".github/workflows/images.yml", ".github/dependabot.yml"])
    assert all(text.endswith("\n") and not text.endswith("\n\n") for text in files.values())
    finals = [(s.name, s.copies_from("builder")) for s in parse_stages(files["Dockerfile"])
              if s.copies_from("builder")]
    assert finals == [("server", ["/out/server"]), ("migrate", ["/out/migrate"])]


def test_images_naming_their_own_dockerfiles_keep_them():
    """An rsdock.toml of the one-Dockerfile-per-image shape still renders that shape."""
    own = Image("migrate", "bin", "server", "Dockerfile.migrate", "crates/server")
    files = render(Plan(images=(SERVER, own, WEB)))
    assert {"Dockerfile", "Dockerfile.migrate", "Dockerfile.web"} <= set(files)
    assert [s.name for s in parse_stages(files["Dockerfile.migrate"])][-1] == "migrate"
    assert "--bin server" not in files["Dockerfile.migrate"]


def test_a_final_stage_never_takes_a_shared_stage_name():
    odd = (Image("builder", "bin", "tools", "Dockerfile"), Image("2fa", "bin", "tools", "Dockerfile"))
    names = [s.name for s in parse_stages(render(Plan(images=odd))["Dockerfile"])]
    assert names[-2:] == ["image-builder", "image-2fa"] and names.count("builder") == 1


def test_an_invalid_plan_is_refused_with_every_problem():
    with pytest.raises(PlanError) as error:
        render(plan(runtime="distroless", platforms=("linux/386", "linux/riscv64")))
    assert len(error.value.problems) == 2


def test_templates_never_spell_platform_knowledge():
    spelled = {v for p in platforms.PLATFORMS
               for v in (p.gnu_triple, p.musl_triple, p.gcc_package, p.libc_package, p.linker)
               if v}
    for template in templates_dir().glob("*.j2"):
        text = template.read_text()
        assert not [v for v in spelled if v in text], template.name


def test_the_environment_is_strict_and_leaves_github_expressions_alone(tmp_path):
    with pytest.raises(jinja2.UndefinedError):
        render_template("labels.j2", image=SERVER)
    text = render(plan())[".github/workflows/docker.yml"]
    assert "${{ github.event_name != 'pull_request' }}" in text
    assert "enable={{is_default_branch}}" in text


# --- bin Dockerfile --------------------------------------------------------------------------

def test_dockerfile_starts_with_the_syntax_line_and_pins_rust_and_cargo_chef():
    text = render(plan(rust_version="1.90"))["Dockerfile"]
    assert text.startswith("# syntax=docker/dockerfile:1\n")
    chef = stage(text, "chef")
    assert (chef.base, chef.platform) == ("rust:1.90-slim-bookworm", "$BUILDPLATFORM")
    assert chef.runs() == [f"cargo install cargo-chef --locked --version {render_module.CHEF_VERSION}"]
    assert stage(text, "planner").base == "chef" and stage(text, "builder").base == "chef"
    assert "cargo chef prepare --recipe-path recipe.json" in stage(text, "planner").runs()


@pytest.mark.parametrize("runtime, libc", [("debian-slim", "gnu"), ("distroless", "gnu"),
                                           ("alpine", "musl"), ("scratch", "musl")])
def test_case_maps_exactly_the_plan_platforms_to_the_runtime_libc_triple(runtime, libc):
    chosen = ("linux/arm64", "linux/amd64")
    builder = stage(render(plan(runtime=runtime, platforms=chosen))["Dockerfile"], "builder")
    script = builder.runs()[0]
    arms = re.findall(r"(\S+)\) triple=(\S+) linker=(\S+)\s+linker_var=(\S+)", script)
    expected = [(p.name, p.triple(libc), p.linker, platforms.linker_env_var(p.triple(libc)))
                for p in platforms.PLATFORMS if p.name in chosen]
    assert arms == expected
    assert re.search(r"\*\) echo \"unsupported TARGETPLATFORM .*>&2; +exit 1 ;;", script)
    assert 'apt-get install -y --no-install-recommends "$@"' in script
    assert "rm -rf /var/lib/apt/lists/*" in script
    assert 'rustup target add "$triple"' in script


def test_cook_and_build_share_target_profile_bin_and_sourced_linker_settings():
    builder = stage(render(plan())["Dockerfile"], "builder")
    cook, build = builder.runs()[1:]
    args = '--release --locked --target "$TARGET_TRIPLE" --bin server'
    env = f". {render_module.ENV_FILE}"
    assert cook.startswith(env) and build.startswith(env)
    assert f"cargo chef cook {args} --recipe-path recipe.json" in cook
    assert f"cargo build {args}" in build
    assert 'cp "target/$TARGET_TRIPLE/release/server" /out/server' in build
    kinds = [c.cmd + " " + " ".join(c.value) for c in builder.instructions]
    assert kinds.index("COPY /app/recipe.json recipe.json") < kinds.index("COPY . .")


def test_musl_builds_explain_the_gnu_linker():
    text = render(plan(runtime="alpine"))["Dockerfile"]
    assert "musl triples link with the gnu cross gcc" in text
    assert "musl" not in render(plan())["Dockerfile"]


@pytest.mark.parametrize("runtime, debian, base, entry", [
    ("debian-slim", "bookworm", "debian:bookworm-slim", "/usr/bin/tini"),
    ("debian-slim", "trixie", "debian:trixie-slim", "/usr/bin/tini"),
    ("distroless", "bookworm", "gcr.io/distroless/cc-debian12:nonroot", "/usr/bin/tini"),
    ("distroless", "trixie", "gcr.io/distroless/cc-debian13:nonroot", "/usr/bin/tini"),
    ("alpine", "bookworm", f"alpine:{runtimes.ALPINE_VERSION}", "/sbin/tini"),
    ("scratch", "bookworm", "scratch", "/usr/bin/tini"),
])
def test_runtime_base_entrypoint_and_non_root_user(runtime, debian, base, entry):
    text = render(plan(runtime=runtime, debian=debian))["Dockerfile"]
    runtime_stage = parse_stages(text)[-1]
    assert (runtime_stage.name, runtime_stage.base, runtime_stage.platform) == ("server", base, "")
    assert runtime_stage.copies_from("builder") == ["/out/server"]
    commands = {c.cmd: c for c in runtime_stage.instructions}
    assert commands["ENTRYPOINT"].json
    assert list(commands["ENTRYPOINT"].value) == [entry, "--", "/usr/local/bin/server"]
    user = commands["USER"].value[0]
    assert user.split(":")[0] not in ("root", "0")
    labels = " ".join(commands["LABEL"].value)
    for key in ("source", "title", "description", "licenses"):
        assert f"org.opencontainers.image.{key}" in labels


@pytest.mark.parametrize("runtime, tini", [
    ("debian-slim", "/tini/root/usr/bin/tini"), ("alpine", "/tini/root/usr/bin/tini-static"),
    ("distroless", "/tini/root/usr/bin/tini-static"), ("scratch", "/tini/root/usr/bin/tini-static"),
])
def test_no_runtime_runs_commands_on_the_target(runtime, tini):
    text = render(plan(runtime=runtime))["Dockerfile"]
    assert target_platform_runs(text) == []
    assert stage(text, "tini").platform == "$BUILDPLATFORM"
    assert parse_stages(text)[-1].copies_from("tini")[0] == tini


def test_debian_slim_prepares_certificates_and_the_user_on_the_build_machine():
    text = render(plan())["Dockerfile"]
    runtime = parse_stages(text)[-1]
    assert runtime.copies_from("tini") == ["/tini/root/usr/bin/tini", "/etc/ssl/certs",
                                           "/usr/share/ca-certificates", "/tini/etc/passwd"]
    tini = " ".join(stage(text, "tini").runs())
    assert "apt-get install -y --no-install-recommends ca-certificates" in tini
    assert 'echo "app:x:10001:10001:app:/nonexistent:/usr/sbin/nologin" >> /tini/etc/passwd' in tini


def test_alpine_writes_its_own_passwd_on_the_build_machine():
    text = render(plan(runtime="alpine"))["Dockerfile"]
    users = stage(text, "users")
    assert users.platform == "$BUILDPLATFORM" and users.base.startswith("alpine:")
    assert parse_stages(text)[-1].copies_from("users") == ["/users/passwd"]


def test_a_debian_slim_image_linking_a_c_library_unpacks_it_on_the_build_machine():
    """No RUN on the target even with a C library: the tini stage downloads libssl3 for the
    target architecture and registers it in a copy of the target base's dpkg status."""
    p = plan(workspace=OPENSSL)
    text = render(p)["Dockerfile"]
    assert target_platform_runs(text) == []
    final = parse_stages(text)[-1]
    assert final.runs() == [] and "/tini/libs/" in final.copies_from("tini")
    tini = stage(text, "tini")
    assert tini.platform == "$BUILDPLATFORM"
    assert '"libssl3:$arch"' in tini.runs()[0]
    assert "/var/lib/dpkg/status" in tini.copies_from("runtime-base")
    base = stage(text, "runtime-base")
    assert (base.base, base.platform, base.instructions[1:]) == ("debian:bookworm-slim", "", [])
    assert "setup-qemu-action" not in render(p)[p.workflow]


def test_scratch_gets_the_ca_bundle_and_distroless_does_not_need_it():
    scratch = render(plan(runtime="scratch"))["Dockerfile"]
    assert "/etc/ssl/certs/ca-certificates.crt" in parse_stages(scratch)[-1].copies_from("tini")
    assert "ca-certificates" in stage(scratch, "tini").runs()[0]
    distroless = render(plan(runtime="distroless"))["Dockerfile"]
    assert "ca-certificates" not in stage(distroless, "tini").runs()[0]


def test_tini_stage_uses_trixie_when_a_platform_has_no_bookworm_packages():
    text = render(plan(runtime="scratch", platforms=("linux/amd64", "linux/riscv64")))["Dockerfile"]
    assert stage(text, "tini").base == "debian:trixie-slim"
    assert "linux/riscv64) arch=riscv64 ;;" in stage(text, "tini").runs()[0]


def test_apt_ignores_carry_a_reason_on_the_line_above():
    for runtime in ("debian-slim", "scratch"):
        for text in render(plan(runtime=runtime)).values():
            lines = text.splitlines()
            for number, line in enumerate(lines):
                if line.startswith("# hadolint ignore="):
                    assert lines[number - 1].startswith("# ") and "pin" in lines[number - 1]


# --- web Dockerfile --------------------------------------------------------------------------

def test_web_image_builds_wasm_once_and_serves_it_without_running_anything_on_the_target():
    text = render(plan())["Dockerfile.web"]
    chef = stage(text, "chef")
    assert chef.platform == "$BUILDPLATFORM"
    builder = stage(text, "builder")
    assert builder.base == "chef"
    tools = builder.runs()[0]
    assert "rustup target add wasm32-unknown-unknown" in tools
    assert f"cargo install trunk --locked --version {render_module.TRUNK_VERSION}" in tools
    assert "--target wasm32-unknown-unknown --package web" in builder.runs()[1]
    workdirs = [c.value[0] for c in builder.instructions if c.cmd == "WORKDIR"]
    assert workdirs == ["/app/crates/web"]
    assert builder.runs()[2] == "trunk build --release --dist /out/www"
    runtime_stage = parse_stages(text)[-1]
    assert runtime_stage.base == f"busybox:{render_module.BUSYBOX_VERSION}"
    assert runtime_stage.runs() == []
    assert runtime_stage.copies_from("builder") == ["/out/www"]
    assert "--bin" not in text


# --- .dockerignore ---------------------------------------------------------------------------

def test_dockerignore_excludes_build_output_vcs_and_docs_but_nothing_the_build_reads():
    text = render(plan())[".dockerignore"]
    patterns = [line for line in text.splitlines() if line and not line.startswith("#")]
    for needed in ("target/", ".git/", "docs/", "crates/web/dist/", ".rsdock/"):
        assert needed in patterns
    assert not [p for p in patterns if "#" in p]
    for read in ("Cargo.toml", "Cargo.lock", "crates/", "src/", "*.rs", "*"):
        assert read not in patterns
    assert "dist/" not in render(Plan(images=(SERVER,)))[".dockerignore"]


def test_dockerignore_keeps_rsdocks_own_files_out_of_copy_dot():
    """An edit to a generated file (a label, a runtime package) must not change ``COPY . .``:
    in the context it recompiled every image, and the lab built each workspace once per
    runtime because only the Dockerfile and rsdock.toml differed."""
    from rsdock.lint.model.dockerignore import parse_dockerignore
    files = render(plan())
    ignore = parse_dockerignore(".dockerignore", files[".dockerignore"])
    written = [name for name in files if not name.startswith(".github/")] + ["rsdock.toml"]
    assert len([n for n in written if n.startswith("Dockerfile")]) > 1
    for name in written:
        assert ignore.excludes(name), name
    for read in ("Cargo.toml", "Cargo.lock", "crates/server/src/main.rs", "Dockerfile-notes/x",
                 "crates/server/Dockerfile"):
        assert not ignore.excludes(read), read


# --- workflow --------------------------------------------------------------------------------

def test_workflow_triggers_follow_the_plan():
    on = workflow(plan(triggers=Triggers(branches=("main", "release"), tags=True,
                                         pull_requests=True)))["on"]
    assert on["push"] == {"branches": ["main", "release"], "tags": ["v*"]}
    assert "pull_request" in on
    on = workflow(plan(triggers=Triggers(branches=(), tags=True, pull_requests=False)))["on"]
    assert on == {"push": {"tags": ["v*"]}}


def test_semver_tags_only_when_tags_trigger():
    assert "type=semver" in step(plan(), "server", "docker/metadata-action")["with"]["tags"]
    no_tags = plan(triggers=Triggers(tags=False))
    assert "type=semver" not in step(no_tags, "server", "docker/metadata-action")["with"]["tags"]


@pytest.mark.parametrize("registry, packages", [("dockerhub", False), ("ghcr", True)])
def test_permissions_are_least_privilege(registry, packages):
    doc = workflow(plan(registry=registry))
    assert doc["permissions"] == {"contents": "read"}
    job = doc["jobs"]["server"]
    assert ("permissions" in job) == packages
    if packages:
        assert job["permissions"] == {"contents": "read", "packages": "write"}


@pytest.mark.parametrize("registry, username, password", [
    ("dockerhub", "${{ secrets.DOCKERHUB_USERNAME }}", "${{ secrets.DOCKERHUB_TOKEN }}"),
    ("ghcr", "${{ github.actor }}", "${{ secrets.GITHUB_TOKEN }}"),
])
def test_login_uses_token_secrets_and_is_skipped_for_pull_requests(registry, username, password):
    login = step(plan(registry=registry), "server", "docker/login-action")
    assert login["if"] == "github.event_name != 'pull_request'"
    assert (login["with"]["username"], login["with"]["password"]) == (username, password)


def test_checkout_does_not_persist_credentials_and_build_push_is_configured():
    p = plan(platforms=("linux/amd64", "linux/arm/v7"))
    assert step(p, "server", "actions/checkout")["with"] == {"persist-credentials": False}
    build = step(p, "web", "docker/build-push-action")["with"]
    assert build["file"] == "Dockerfile.web"
    assert build["platforms"] == "linux/amd64,linux/arm/v7"
    assert build["push"] == "${{ github.event_name != 'pull_request' }}"
    assert "build-args" not in build


@pytest.mark.parametrize("runtime, chosen, facts", [
    ("debian-slim", ("linux/amd64", "linux/arm64"), OPENSSL),
    ("debian-slim", ("linux/amd64", "linux/arm64", "linux/arm/v7"), None),
    ("alpine", ("linux/arm64",), None),
    ("distroless", ("linux/amd64", "linux/arm64"), OPENSSL),
    ("scratch", ("linux/amd64", "linux/arm64"), None),
])
@pytest.mark.parametrize("strategy", ["cross", "native"])
def test_no_shape_sets_up_qemu(runtime, chosen, facts, strategy):
    p = plan(runtime=runtime, platforms=chosen, strategy=strategy,
             **({"workspace": facts} if facts else {}))
    for image in (SERVER, WEB):
        uses = [s.get("uses", "") for s in steps(p, image.name)]
        assert not any(u.startswith("docker/setup-qemu-action@") for u in uses)
        assert any(u.startswith("docker/setup-buildx-action@") for u in uses)


def test_cache_backends():
    gha = step(plan(cache="gha"), "web", "docker/build-push-action")["with"]
    assert (gha["cache-from"], gha["cache-to"]) == ("type=gha,scope=web",
                                                    "type=gha,scope=web,mode=max")
    reg = step(plan(cache="registry"), "server", "docker/build-push-action")["with"]
    assert reg["cache-from"] == "type=registry,ref=${{ steps.image.outputs.name }}:buildcache"
    assert "github.event_name != 'pull_request'" in reg["cache-to"]
    assert "ref={0}:buildcache,mode=max" in reg["cache-to"]
    inline = step(plan(cache="inline"), "server", "docker/build-push-action")["with"]
    assert inline["cache-to"] == "type=inline"
    local_steps = steps(plan(cache="local"), "server")
    names = [s["name"] for s in local_steps]
    assert names.index("Restore the build cache") < names.index("Build and push") \
        < names.index("Rotate the build cache") < names.index("Save the build cache")
    local = next(s for s in local_steps if s["name"] == "Build and push")["with"]
    assert local["cache-to"].endswith("buildx-cache-server-new,mode=max")


# Actions lint suggests upgrades for but the generator never needs: QEMU (rsdock's images build
# without emulation) and AWS credentials (RS410's fix for configure-aws-credentials@v1).
LINT_ONLY_ACTIONS = frozenset({"docker/setup-qemu-action", "aws-actions/configure-aws-credentials"})


def test_actions_are_pinned_by_sha_with_version_comment_or_by_major_tag():
    # The artifact actions pass the native strategy's digests to its merge job.
    text = render(plan(cache="local", strategy="native", platforms=("linux/amd64", "linux/arm/v7"),
                       workspace=OPENSSL))[".github/workflows/docker.yml"]
    # The signing actions: one per signing choice.
    text += render(plan(signing="attest"))[".github/workflows/docker.yml"]
    for action in actions.ACTIONS.values():
        if action.repo in LINT_ONLY_ACTIONS:  # lint knows them; rsdock never writes them
            assert action.repo not in text
            continue
        assert f"{action.sha} # v{action.version}" in text
    tagged = render(plan(pin_actions="tag"))[".github/workflows/docker.yml"]
    assert "actions/checkout@v7\n" in tagged and "@" + actions.ACTIONS["actions/checkout"].sha \
        not in tagged


def test_image_names_default_per_registry_and_honour_an_explicit_image():
    env = steps(plan(registry="ghcr"), "server")[1]["env"]
    assert env["IMAGE"] == "ghcr.io/${{ github.repository_owner }}/server"
    named = Plan(images=(Image("server", "bin", "server", "Dockerfile", image="acme/api"),))
    assert steps(named, "server")[1]["env"]["IMAGE"] == "acme/api"


def test_job_ids_are_valid_even_for_names_starting_with_a_digit():
    p = Plan(images=(Image("2fa", "bin", "auth", "Dockerfile"),))
    assert list(workflow(p)["jobs"]) == ["image-2fa", "image-2fa-sign"]


@pytest.mark.parametrize("value, expected", [
    ("main", "main"), ("release/*", '"release/*"'), ("on", '"on"'), ("1.0", '"1.0"'),
    ("docs/Dockerfile", "docs/Dockerfile"), ("a: b", '"a: b"'),
])
def test_yaml_filter_quotes_only_what_yaml_would_misread(value, expected):
    from rsdock.wizard.generate.templating import environment

    assert environment().filters["yaml"](value) == expected


def test_odd_branch_names_and_image_references_survive_the_yaml():
    p = plan(triggers=Triggers(branches=("on", "release/*", "1.0")),
             images=(Image("server", "bin", "server", "Dockerfile", image="${{ vars.IMAGE }}"),))
    doc = workflow(p)
    assert doc["on"]["push"]["branches"] == ["on", "release/*", "1.0"]
    assert steps(p, "server")[1]["env"]["IMAGE"] == "${{ vars.IMAGE }}"


def test_a_web_app_at_the_workspace_root_builds_in_app():
    root_web = Image("site", "web", "site", "Dockerfile.site", ".")
    text = render(Plan(images=(root_web,)))["Dockerfile.site"]
    assert [c.value[0] for c in stage(text, "builder").instructions if c.cmd == "WORKDIR"] == ["/app"]
    assert "dist/" in render(Plan(images=(root_web,)))[".dockerignore"].splitlines()


def test_docs_stay_in_the_context_when_a_package_lives_there():
    site = Image("site", "web", "site", "Dockerfile.site", "docs/site")
    patterns = render(Plan(images=(SERVER, site)))[".dockerignore"].splitlines()
    assert "docs/" not in patterns and "docs/site/dist/" in patterns


PQ_AND_SSL = WorkspaceFacts(c_crates=(("server", (("openssl-sys", "server -> openssl-sys"),
                                                  ("pq-sys", "server -> diesel -> pq-sys"))),))


def test_distroless_unpacks_libpq5_with_every_dependency_distroless_cc_lacks():
    tini = stage(render(plan(runtime="distroless", workspace=PQ_AND_SSL))["Dockerfile"],
                 "tini").runs()[0]
    for package in ("libpq5", "libgssapi-krb5-2", "libldap-2.5-0", "libkrb5-3", "libsasl2-2"):
        assert f'"{package}:$arch"' in tini and re.search(rf"unpack /tini/libs[^&]* {package}\b",
                                                          tini)
    assert '"libssl3:$arch"' not in tini and '"libc6:$arch"' not in tini  # distroless has them
    # Recorded the way distroless records its own packages (scanners read status.d).
    assert '> "$root/var/lib/dpkg/status.d/$name"' in tini


def test_debian_slim_unpacks_libpq5_with_the_dependencies_the_slim_image_lacks():
    """apt never runs on the target, so nothing would bring libpq5's own dependencies: the
    closure is unpacked, minus what debian:bookworm-slim ships (libc6, libcom-err2...)."""
    text = render(plan(runtime="debian-slim", workspace=PQ_AND_SSL))["Dockerfile"]
    tini = stage(text, "tini").runs()[0]
    for package in ("libpq5", "libgssapi-krb5-2", "libldap-2.5-0", "libkrb5-3", "libsasl2-2",
                    "libssl3"):
        assert f'"{package}:$arch"' in tini and re.search(rf"unpack /tini/libs[^&]* {package}\b",
                                                          tini)
    for package in ("libc6", "libcom-err2", "libgnutls30", "libdb5.3"):
        assert f'"{package}:$arch"' not in tini
    assert all("apt-get install" not in r for r in stage(text, "server").runs())


# A server embedding Python (pyo3 with auto-initialize): pyo3-ffi links libpython3.X.
PYO3 = WorkspaceFacts(c_crates=(("server", (("pyo3-ffi", "server -> pyo3 -> pyo3-ffi"),)),))


@pytest.mark.parametrize("runtime,debian,python", [("debian-slim", "bookworm", "3.11"),
                                                  ("debian-slim", "trixie", "3.13"),
                                                  ("distroless", "bookworm", "3.11")])
def test_an_image_embedding_python_links_and_ships_the_runtime_releases_libpython(
        runtime, debian, python):
    """The builder links the libpython of the runtime's release, fetched for the target on the
    build machine; pyo3-build-config runs no interpreter (PYO3_NO_PYTHON and PYO3_CROSS_*);
    the image gets libpython with its Depends closure, unpacked, nothing run on the target."""
    text = render(plan(workspace=PYO3, runtime=runtime, debian=debian))["Dockerfile"]
    assert target_platform_runs(text) == []
    py = stage(text, "python-target")
    assert (py.base, py.platform) == (f"debian:{debian}-slim", "$BUILDPLATFORM")
    run = py.runs()[0]
    assert f'apt-get download "libpython{python}:$arch"' in run
    assert "linux/arm/v7) arch=armhf multiarch=arm-linux-gnueabihf ;;" in run
    assert f"ln -s libpython{python}.so.1.0 /python/libpython{python}.so" in run
    assert re.search(rf"implementation=CPython version={python} shared=true\s+"
                     rf"lib_name=python{python} lib_dir=/usr/local/lib/rsdock-python "
                     r"> /python/pyo3-config.txt", run)
    builder = stage(text, "builder")
    assert builder.copies_from("python-target") == ["/python"]
    assert "COPY --from=python-target /python /usr/local/lib/rsdock-python" in text
    setup = builder.runs()[0]
    assert 'PYO3_CONFIG_FILE "/usr/local/lib/rsdock-python/pyo3-config.txt"' in setup
    assert "libexpat1-dev:arm64 zlib1g-dev:arm64" in setup
    assert "python3" not in setup.split("libexpat1-dev")[0] and " pkg-config" not in setup
    tini = stage(text, "tini").runs()[0]
    assert f'"libpython{python}:$arch"' in tini and f'"libpython{python}-stdlib:$arch"' in tini
    if runtime == "distroless":  # no apt there: the whole closure, zlib and expat included
        assert '"zlib1g:$arch"' in tini and '"libexpat1:$arch"' in tini
    # libreadline8 depends on readline-common, Architecture: all: no `:$arch` to select
    assert '"readline-common" ' in tini and "readline-common:" not in tini


def test_a_build_without_python_has_no_python_stage():
    text = render(plan(workspace=OPENSSL))["Dockerfile"]
    assert "python-target" not in text and "PYO3" not in text
