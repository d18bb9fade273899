"""llama.cpp as Ollama: Switchyard starts a real llama-server per model on demand (`command:` in
the config file), as `ollama run` expects: cold start through the official ollama client,
/api/ps, keep_alive 0, swapping under max_loaded 1, one start for concurrent cold requests, and
no llama-server left behind when Switchyard stops — by SIGTERM, or killed outright."""
import concurrent.futures
import os
import signal
import time

import ollama
import openai
import pytest

import servers


def children(pid):
    """The pids whose parent is `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(condition, seconds=15):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.05)


def write_config(scratch, name, max_loaded=1):
    llama = servers.llama_server_binary()
    common = "--host 127.0.0.1 --port ${PORT} -c 2048 --kv-unified -np 4 -t 1 --no-webui"
    config = f"{scratch}/{name}.yaml"
    with open(config, "w") as file:
        file.write(f"""\
max_loaded: {max_loaded}
keep_alive: 5m
upstreams:
  - name: tiny
    command: "{llama} -m '{servers.tiny_model(scratch)}' --alias tiny {common}"
    models: [tiny]
  - name: tools
    command: "{llama} -m '{servers.tiny_model(scratch, 'tools')}' --alias tiny-tools {common}"
    models: [tiny-tools]
    start_timeout: 60s
""")
    return config


@pytest.fixture(scope="module")
def on_demand(scratch):
    config = write_config(scratch, "on-demand")
    args = ["--config", config, "--state-dir", f"{scratch}/state-on-demand"]
    with servers.switchyard(None, scratch, name="switchyard-on-demand", extra_args=args) as (url, proc):
        yield url, proc


def running(url):
    return sorted(model.model for model in ollama.Client(host=url).ps().models)


def test_models_are_listed_before_anything_runs_and_start_on_first_use(on_demand):
    url, proc = on_demand
    client = ollama.Client(host=url)
    assert {model.model for model in client.list().models} == {"tiny:latest", "tiny-tools:latest"}
    assert running(url) == [] and children(proc.process.pid) == []
    reply = client.chat(model="tiny", messages=[{"role": "user", "content": "Say hello"}], options={"num_predict": 4})
    assert reply.done and reply.message.content is not None
    loaded = client.ps().models
    assert [model.model for model in loaded] == ["tiny:latest"]
    assert loaded[0].expires_at is not None
    assert loaded[0].context_length == 2048, "learned from the running llama-server's /props"
    assert len(children(proc.process.pid)) == 1, "one llama-server"


def test_max_loaded_one_swaps_models_and_keep_alive_zero_unloads(on_demand):
    url, proc = on_demand
    client = ollama.Client(host=url)
    client.chat(model="tiny", messages=[{"role": "user", "content": "hi"}], options={"num_predict": 2})
    first = children(proc.process.pid)
    stream = openai.OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0).chat.completions.create(
        model="tiny-tools", messages=[{"role": "user", "content": "hi"}], max_tokens=3, stream=True)
    assert [chunk for chunk in stream]
    assert running(url) == ["tiny-tools:latest"], "max_loaded: 1 stopped tiny for tiny-tools"
    assert "tools" in client.show("tiny-tools").capabilities, "its chat template takes tools, as llama-server said"
    assert not any(alive(pid) for pid in first)
    unloaded = client.generate(model="tiny-tools", prompt="", keep_alive=0)
    assert unloaded.done_reason == "unload"
    assert running(url) == []
    wait_for(lambda: children(proc.process.pid) == [])


def test_concurrent_cold_requests_start_one_process(on_demand, scratch):
    url, proc = on_demand
    client = ollama.Client(host=url)
    client.generate(model="tiny", prompt="", keep_alive=0)
    client.generate(model="tiny-tools", prompt="", keep_alive=0)
    wait_for(lambda: children(proc.process.pid) == [])
    starts_before = proc.output().count("starting a model process")

    def ask(_):
        return client.chat(model="tiny", messages=[{"role": "user", "content": "hi"}], options={"num_predict": 2}).done

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        assert all(pool.map(ask, range(4)))
    assert proc.output().count("starting a model process") == starts_before + 1
    assert len(children(proc.process.pid)) == 1


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_no_llama_server_outlives_switchyard(scratch, how):
    config = write_config(scratch, f"on-demand-{how.name}", max_loaded=2)
    args = ["--config", config, "--state-dir", f"{scratch}/state-{how.name}"]
    with servers.switchyard(None, scratch, name=f"switchyard-on-demand-{how.name}", extra_args=args) as (url, proc):
        client = ollama.Client(host=url)
        for model in ("tiny", "tiny-tools"):
            client.chat(model=model, messages=[{"role": "user", "content": "hi"}], options={"num_predict": 2})
        started = children(proc.process.pid)
        assert len(started) == 2
        proc.process.send_signal(how)
        proc.process.wait(timeout=30)
        # SIGTERM: Switchyard stops them; SIGKILL: the kernel does (their parent-death signal).
        wait_for(lambda: not any(alive(pid) for pid in started))
