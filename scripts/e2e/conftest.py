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
