"""The switchyard command line, as a user meets it."""
import os
import socket
import subprocess

import servers


def run(*args, env=None, timeout=30):
    return subprocess.run([servers.switchyard_binary(), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_version_and_help():
    assert run("--version").stdout.strip().count(".") == 2
    help_text = run("serve", "--help").stdout
    for flag in ("--listen", "--upstream", "--upstream-dialect", "SWITCHYARD_UPSTREAM_API_KEY", "OLLAMA_HOST"):
        assert flag in help_text


def test_a_bad_flag_fails_clearly():
    result = run("serve", "--no-such-flag")
    assert result.returncode != 0 and "--no-such-flag" in result.stderr
    result = run("serve", "--upstream-dialect", "grpc")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == ["switchyard: error: invalid upstream dialect 'grpc': expected openai, ollama or auto"]


def test_an_address_in_use_fails_with_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--listen", f"127.0.0.1:{port}")
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert errors == [f"switchyard: error: cannot serve on 127.0.0.1:{port}: address already in use"]


def test_ollama_host_sets_the_listen_address(llama, scratch):
    port = servers.free_port()
    env = {**os.environ, "OLLAMA_HOST": f"127.0.0.1:{port}", "SWITCHYARD_UPSTREAM": llama}
    env.pop("SWITCHYARD_LISTEN", None)
    proc = servers.Process("switchyard-ollama-host", [servers.switchyard_binary(), "serve"], scratch, env=env)
    try:
        servers.wait_until_ready(f"http://127.0.0.1:{port}/api/version", proc.process)
    finally:
        proc.stop()
