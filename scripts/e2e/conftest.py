"""Session fixtures: a real llama-server (chat) and a second one with --embeddings, each
behind its own Switchyard, all on free loopback ports and stopped at the end."""
import contextlib
import os

import pytest

import servers


@pytest.fixture(scope="session")
def scratch():
    return servers.scratch_dir()


@pytest.fixture(scope="session")
def model(scratch):
    return servers.tiny_model(scratch)


@pytest.fixture(scope="session")
def llama(model, scratch):
    with servers.llama_server(model, scratch, alias="tiny") as url:
        yield url


@pytest.fixture(scope="session")
def proxy(llama, scratch):
    """Switchyard's base URL, in front of the chat llama-server (given with /v1, as users do)."""
    with servers.switchyard(llama + "/v1", scratch) as (url, _):
        yield url


@pytest.fixture(scope="session")
def embed_proxy(model, scratch):
    with contextlib.ExitStack() as stack:
        upstream = stack.enter_context(servers.llama_server(model, scratch, alias="tiny-embed", embeddings=True))
        url, _ = stack.enter_context(servers.switchyard(upstream, scratch, name="switchyard-embed"))
        yield url


@pytest.fixture(scope="session")
def ollama_chain(proxy, scratch):
    """Switchyard configured for an Ollama upstream, whose upstream is the Ollama surface of the
    Switchyard in front of the real llama-server (no real Ollama can run here)."""
    with servers.switchyard(proxy, scratch, name="switchyard-outer", extra_args=["--upstream-dialect", "ollama"]) as (url, _):
        yield url


@pytest.fixture(scope="session")
def ollama_chain_embed(embed_proxy, scratch):
    with servers.switchyard(embed_proxy, scratch, name="switchyard-outer-embed", extra_args=["--upstream-dialect", "auto"]) as (url, _):
        yield url


@pytest.fixture(scope="session")
def secured_proxy(llama, scratch):
    """Switchyard demanding credentials: a Bearer token (from the environment, as recommended)
    and a Basic user."""
    env = {**os.environ, "SWITCHYARD_AUTH_TOKENS": "e2e-token"}
    with servers.switchyard(llama, scratch, name="switchyard-secured", env=env,
                            extra_args=["--auth-basic", "ada:lovelace"]) as (url, _):
        yield url


@pytest.fixture(scope="session")
def tools_proxy(scratch):
    """Switchyard in front of llama-server serving the tool-calling model, whose template and
    /props tell llama-server (and so Switchyard) that it takes tools."""
    with contextlib.ExitStack() as stack:
        upstream = stack.enter_context(servers.llama_server(servers.tiny_model(scratch, "tools"), scratch, alias="tiny-tools"))
        url, _ = stack.enter_context(servers.switchyard(upstream, scratch, name="switchyard-tools"))
        yield url


@pytest.fixture(scope="session")
def tools_chain(tools_proxy, scratch):
    """An OpenAI client's path to tools over an Ollama upstream: Switchyard (ollama dialect) in
    front of the Ollama surface of the Switchyard in front of the tool-calling llama-server."""
    with servers.switchyard(tools_proxy, scratch, name="switchyard-tools-outer",
                            extra_args=["--upstream-dialect", "ollama"]) as (url, _):
        yield url


@pytest.fixture(scope="session")
def think_proxy(scratch):
    """Switchyard in front of llama-server serving the model that reasons before answering."""
    with contextlib.ExitStack() as stack:
        upstream = stack.enter_context(servers.llama_server(servers.tiny_model(scratch, "think"), scratch, alias="tiny-think"))
        url, _ = stack.enter_context(servers.switchyard(upstream, scratch, name="switchyard-think"))
        yield url
