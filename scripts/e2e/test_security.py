"""Official clients passing credentials to an authenticated Switchyard, and browsers' rules."""
import base64
import json
import urllib.error
import urllib.request

import ollama
import openai
import pytest


def test_openai_sdk_api_key_is_the_bearer_token(secured_proxy):
    client = openai.OpenAI(base_url=secured_proxy + "/v1", api_key="e2e-token", max_retries=0)
    assert client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi"}], max_tokens=2).choices
    wrong = openai.OpenAI(base_url=secured_proxy + "/v1", api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        wrong.models.list()


def test_ollama_client_with_bearer_or_basic_headers(secured_proxy):
    bearer = ollama.Client(host=secured_proxy, headers={"Authorization": "Bearer e2e-token"})
    assert [m.model for m in bearer.list().models] == ["tiny:latest"]
    basic = ollama.Client(host=secured_proxy, headers={"Authorization": "Basic " + base64.b64encode(b"ada:lovelace").decode()})
    assert basic.chat(model="tiny", messages=[{"role": "user", "content": "hi"}], options={"num_predict": 2}).done
    with pytest.raises(ollama.ResponseError) as error:
        ollama.Client(host=secured_proxy).list()
    assert error.value.status_code == 401


def test_health_probe_stays_open(secured_proxy):
    with urllib.request.urlopen(secured_proxy + "/") as response:
        assert response.read() == b"Ollama is running"


def test_browser_preflight_and_foreign_origin(proxy):
    preflight = urllib.request.Request(proxy + "/api/chat", method="OPTIONS", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"})
    with urllib.request.urlopen(preflight) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    foreign = urllib.request.Request(proxy + "/api/tags", headers={"Origin": "https://evil.example"})
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(foreign)
    assert error.value.code == 403


def test_dns_rebinding_host_is_refused(proxy):
    rebinding = urllib.request.Request(proxy + "/api/tags", headers={"Host": "attacker.example"})
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(rebinding)
    assert error.value.code == 403


def test_metrics_are_scrapable(proxy):
    ollama.Client(host=proxy).chat(model="tiny", messages=[{"role": "user", "content": "hi"}], options={"num_predict": 2})
    with urllib.request.urlopen(proxy + "/metrics") as response:
        text = response.read().decode()
    assert 'switchyard_requests_total{route="/api/chat",status="200",model="tiny"}' in text
    assert "switchyard_tokens_total" in text
