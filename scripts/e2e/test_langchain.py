"""LangChain's ChatOllama against Switchyard in front of a real llama-server."""
from langchain_ollama import ChatOllama


def test_invoke_and_stream(proxy):
    chat = ChatOllama(model="tiny", base_url=proxy, num_predict=4, temperature=0)
    message = chat.invoke("Say hello")
    assert message.content
    assert message.usage_metadata["output_tokens"] == 4
    pieces = [chunk.content for chunk in chat.stream("Say hello")]
    assert "".join(pieces)
