"""Images: POST /v1/images/generations through the openai SDK (Grok's generated images and xAI's
images endpoint passed through; url and b64_json), ``AsyncClient().images`` / ``Client().images``,
the images capability, the size cap; and image input: chat ``image_url`` parts uploaded to
grok.com and attached, refused (400 naming the provider) where they cannot be honoured."""

from __future__ import annotations

import base64

import openai
import pytest

from g4f.client import AsyncClient, Client
from g4f.errors import BadRequestError
from g4f.testing.openai_replica import PNG, OpenAIReplica

from ..replicas.grok import JPEG
from .upstreams import XAI_KEY, replica_in_thread

PROMPT = "a lighthouse at dusk"
#: A real (tiny) PNG as a data URI, as chat clients send pasted images.
IMAGE = "data:image/png;base64," + base64.b64encode(PNG).decode()


async def test_grok_images_as_urls(api, grok_upstream):
    _, client = await api()
    images = await client.images.generate(model="grok-2-image", prompt=PROMPT, n=2)
    assert len(images.data) == 2 and images.created > 0
    assert all("/assets/users/u-1/generated/" in image.url for image in images.data)
    payload = grok_upstream.requests[-1].payload
    assert payload["toolOverrides"] == {"imageGen": True} and payload["imageGenerationCount"] == 2
    assert payload["message"] == PROMPT
    assert images.model_extra["provider"] == "Grok"


async def test_grok_images_as_base64_fetched_with_the_logins_cookies(api, grok_upstream):
    _, client = await api()
    images = await client.images.generate(model="grok-2-image", prompt=PROMPT, response_format="b64_json")
    [image] = images.data
    assert base64.b64decode(image.b64_json) == JPEG and image.url is None
    assert grok_upstream.asset_cookies[-1]["sso"] == grok_upstream.sso


async def test_an_image_past_the_size_cap_is_refused(api, grok_upstream, monkeypatch):
    from g4f.Provider.template import _images

    monkeypatch.setattr(_images, "MAX_IMAGE_BYTES", len(JPEG) - 1)
    _, client = await api()
    with pytest.raises(openai.InternalServerError) as caught:
        await client.images.generate(model="grok-2-image", prompt=PROMPT, response_format="b64_json")
    assert caught.value.status_code == 502 and "larger than the limit" in caught.value.message


@pytest.mark.parametrize("response_format", ["url", "b64_json"])
async def test_an_openai_compatible_images_endpoint_is_passed_through(api, xai_upstream, response_format):
    _, client = await api()
    images = await client.images.generate(model="grok-2-image", prompt=PROMPT, n=2, size="1024x1024",
                                          response_format=response_format, extra_body={"provider": "xAI"})
    assert len(images.data) == 2
    assert all(image.revised_prompt == f"A picture of {PROMPT}" for image in images.data)
    if response_format == "url":
        assert all(image.url.startswith(f"{xai_upstream.url}/generated/") for image in images.data)
    else:
        assert all(base64.b64decode(image.b64_json) == PNG for image in images.data)
    sent = xai_upstream.last_request
    assert sent.path == "/v1/images/generations" and sent.headers["Authorization"] == f"Bearer {XAI_KEY}"
    assert sent.body == {"model": "grok-2-image-1212", "prompt": PROMPT, "n": 2, "size": "1024x1024",
                         "response_format": response_format}


async def test_upstream_errors_of_a_pass_through_as_the_sdks_exceptions(api, xai_upstream):
    from g4f.testing.openai_replica import Fault

    _, client = await api()
    xai_upstream.faults.append(Fault.rate_limit(retry_after=30, path="/images/generations"))
    with pytest.raises(openai.RateLimitError) as caught:
        await client.images.generate(model="grok-2-image", prompt=PROMPT, extra_body={"provider": "xAI"})
    assert caught.value.response.headers["retry-after"] == "30"
    xai_upstream.faults.append(Fault(kind="http", status=401, path="/images/generations"))
    with pytest.raises(openai.AuthenticationError):
        await client.images.generate(model="grok-2-image", prompt=PROMPT, extra_body={"provider": "xAI"})


async def test_python_async_client_pass_through(xai_upstream):
    images = await AsyncClient(provider="xAI").images.generate(prompt=PROMPT, model="grok-2-image")
    assert images.data[0].url.startswith(f"{xai_upstream.url}/generated/")


async def test_a_provider_without_images_is_refused_by_name(api, groq_upstream):
    _, client = await api()
    with pytest.raises(openai.BadRequestError) as caught:
        await client.images.generate(model="llama-3.3-70b-versatile", prompt=PROMPT, extra_body={"provider": "Groq"})
    assert "Groq does not generate images" in caught.value.message and caught.value.body["param"] == "provider"
    with pytest.raises(openai.BadRequestError) as no_images:
        await client.images.generate(model="llama-3.3-70b-versatile", prompt=PROMPT)
    assert "do not generate images" in no_images.value.message


@pytest.mark.parametrize(("body", "param"), [
    ({"model": "grok-2-image", "prompt": PROMPT, "size": "1024x1024"}, "size"),  # grok.com picks its sizes
    ({"model": "grok-2-image", "prompt": PROMPT, "n": 11}, "n"),
    ({"model": "grok-2-image", "prompt": PROMPT, "response_format": "jpeg"}, "response_format"),
    ({"model": "grok-2-image"}, "prompt"),
])
async def test_refused_image_requests(api, grok_upstream, body, param):
    import aiohttp

    server, _ = await api()
    async with aiohttp.ClientSession() as session, session.post(f"{server.url}/v1/images/generations",
                                                                json=body) as response:
        assert response.status == 400
        assert (await response.json())["error"]["param"] == param


async def test_python_async_client(grok_upstream):
    images = await AsyncClient().images.generate(prompt=PROMPT, model="grok-2-image", response_format="b64_json")
    assert base64.b64decode(images.data[0].b64_json) == JPEG and images.provider == "Grok"
    assert images.to_dict()["data"][0].keys() == {"b64_json"}


async def test_images_elsewhere_are_not_fetched_for_b64(api):
    from g4f.providers.response import ImageResponse

    from ..client.scripted import registered, scripted

    painter = scripted("Painter", [ImageResponse("http://127.0.0.1:9/internal.png")], supports_images=True,
                       url="https://painter.example")
    _, client = await api()
    with registered(painter):
        images = await client.images.generate(prompt=PROMPT, extra_body={"provider": "Painter"})
        assert images.data[0].url == "http://127.0.0.1:9/internal.png"
        with pytest.raises(openai.InternalServerError) as caught:
            await client.images.generate(prompt=PROMPT, response_format="b64_json", extra_body={"provider": "Painter"})
    assert "not on Painter's own hosts" in caught.value.message


def test_python_sync_client():
    def replica() -> OpenAIReplica:
        return OpenAIReplica(api_key=XAI_KEY, models=["grok-2-image-1212"])

    with replica_in_thread(replica) as upstream:
        images = Client(provider="xAI", api_key=XAI_KEY, base_url=upstream.base_url).images.generate(
            prompt=PROMPT, response_format="b64_json")
    assert base64.b64decode(images.data[0].b64_json) == PNG and images.provider == "xAI"
    with pytest.raises(BadRequestError, match="prompt"):
        Client(provider="xAI").images.generate(prompt="")


# -- image input ---------------------------------------------------------------------------------
def _look(url: str, text: str = "What is in this picture?") -> list[dict]:
    return [{"role": "user", "content": [{"type": "text", "text": text},
                                         {"type": "image_url", "image_url": {"url": url}}]}]


async def test_chat_images_are_uploaded_to_grok(api, grok_upstream):
    _, client = await api()
    completion = await client.chat.completions.create(model="grok-3", messages=_look(IMAGE),
                                                      extra_body={"provider": "Grok"})
    answer = completion.choices[0].message.content
    assert answer == f"You said: What is in this picture?. I see 1 image: image/png, {len(PNG)} bytes."
    [(mime, data)] = grok_upstream.uploads.values()
    assert (mime, data) == ("image/png", PNG)
    assert grok_upstream.requests[-1].payload["fileAttachments"] == list(grok_upstream.uploads)


async def test_responses_input_images_are_uploaded_to_grok(api, grok_upstream):
    _, client = await api()
    response = await client.responses.create(model="grok-3", extra_body={"provider": "Grok"}, input=[
        {"role": "user", "content": [{"type": "input_text", "text": "Look"},
                                     {"type": "input_image", "image_url": IMAGE}]}])
    assert response.output_text.endswith(f"I see 1 image: image/png, {len(PNG)} bytes.")


async def test_an_image_grok_cannot_take_is_refused(api, grok_upstream):
    _, client = await api()
    with pytest.raises(openai.BadRequestError) as caught:
        await client.chat.completions.create(model="grok-3", messages=_look("https://example.org/cat.png"),
                                             extra_body={"provider": "Grok"})
    assert "Grok takes images inline as data: URIs" in caught.value.message
    assert not grok_upstream.requests and not grok_upstream.uploads  # nothing was sent


async def test_a_provider_without_vision_refuses_images(api, groq_upstream):
    _, client = await api()
    with pytest.raises(openai.BadRequestError) as caught:
        await client.chat.completions.create(model="llama-3.3-70b-versatile", messages=_look(IMAGE),
                                             extra_body={"provider": "Groq"})
    assert "does not accept image input" in caught.value.message
    assert not groq_upstream.requests


# -- the objects -----------------------------------------------------------------------------------
def test_images_response_validates_as_the_sdks_model_and_takes_gpt4free_arguments():
    from openai.types import ImagesResponse as SdkImagesResponse

    from g4f.client import Image, ImagesResponse

    images = ImagesResponse(1700000000, [Image(url="https://x.test/a.png", revised_prompt="A lighthouse"),
                                         Image(b64_json="aGk=")], "Grok", "grok-2-image")
    data = images.to_dict()
    parsed = SdkImagesResponse.model_validate(data)
    assert parsed.data[0].url == "https://x.test/a.png" and parsed.data[1].b64_json == "aGk="
    assert data["data"][1] == {"b64_json": "aGk="} and (data["provider"], data["model"]) == ("Grok", "grok-2-image")
    built = ImagesResponse.model_construct(data=[Image.model_construct("https://x.test/a.png")], provider="Grok")
    assert built.created > 0 and built.data[0].url == "https://x.test/a.png" and built.model is None
    assert ImagesResponse.model_construct([Image.model_construct(b64_json="aGk=")], 5).to_dict() == {
        "created": 5, "data": [{"b64_json": "aGk="}]}
