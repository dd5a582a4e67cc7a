"""The chat beyond loopback: asking is open to all, adding articles and feeds needs the login, and no client
library (or hand-made HTTP call) writes without it. Real servers bound to 0.0.0.0, reached at this machine's
own address; the fake models of conftest, so each starts in seconds."""

import json
import subprocess
import uuid

import httpx
import pytest
from gradio_client import Client

from .conftest import ROOT
from .servers import FAKE_NEWSQA, newsqa_server

TOKEN = "ui-access-token"
WRITE_PANELS = {"upload", "ingest", "feed-url", "follow", "unfollow"}


def seeded_home(tmp_path_factory, name: str):
    home = tmp_path_factory.mktemp(name) / "home"
    done = subprocess.run([*FAKE_NEWSQA, "ingest", "seeds"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=_env(NEWSQA_HOME=str(home)))
    assert done.returncode == 0, done.stderr
    return home


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    """A server on every interface with an API token: the login's password."""
    home = seeded_home(tmp_path_factory, "public")
    with newsqa_server(home, env={"NEWSQA_API_TOKEN": TOKEN}, host="0.0.0.0", command=FAKE_NEWSQA) as url:
        yield url


def elem_ids(config: dict) -> set[str]:
    return {c["props"]["elem_id"] for c in config["components"] if c.get("props", {}).get("elem_id")}


def stored(url: str) -> tuple[int, list]:
    """How many articles the store holds and which feeds it follows."""
    return httpx.get(f"{url}/v1/articles").json()["total"], httpx.get(f"{url}/v1/feeds").json()["feeds"]


def gradio_call(http: httpx.Client, base: str, elem_id: str, data: list) -> list:
    """Click the button `elem_id` of the Gradio page at `base` the way the page does (queue/join, then the event
    stream): the output values. Raises httpx.HTTPStatusError when the server refuses."""
    config = http.get(f"{base}/config").raise_for_status().json()
    component = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id)
    fn_index = next(d["id"] for d in config["dependencies"] if [component, "click"] in d["targets"])
    session = uuid.uuid4().hex
    http.post(f"{base}/gradio_api/queue/join", json={"data": data, "fn_index": fn_index, "session_hash": session,
                                                     "trigger_id": component, "event_data": None}).raise_for_status()
    with http.stream("GET", f"{base}/gradio_api/queue/data", params={"session_hash": session}, timeout=120) as events:
        for line in events.iter_lines():
            message = json.loads(line[5:]) if line.startswith("data:") else {}
            if message.get("msg") == "process_completed":
                assert message["success"], message
                return message["output"]["data"]
    raise AssertionError("the event stream ended without a result")


def test_the_public_page_asks_but_has_no_panel_that_writes(public):
    config = httpx.get(f"{public}/config").json()
    assert "question" in elem_ids(config) and "admin-link" in elem_ids(config)
    assert not WRITE_PANELS & elem_ids(config)
    client = Client(public, verbose=False)
    endpoints = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert "/ask" in endpoints and not {"/upload", "/follow", "/unfollow"} & endpoints
    with pytest.raises(ValueError, match="Cannot find a function with `api_name`: /upload"):
        client.predict([], api_name="/upload")
    assert client.predict("How many prisoners were recaptured?", api_name="/ask")  # reading stays open


def test_without_the_login_nothing_writes(public, tmp_path):
    before = stored(public)
    assert before[0] == 1 and before[1] == []
    with pytest.raises(ValueError, match="login"):  # gradio_client is refused the write page
        Client(f"{public}/admin/", verbose=False)
    assert httpx.get(f"{public}/admin/config").status_code == 401
    for base, refused in ((public, 403), (f"{public}/admin", 401)):  # neither page stores an anonymous file
        sent = httpx.post(f"{base}/gradio_api/upload", files={"files": ("zoo.txt", b"Zoo\n\nA zebra was born.")})
        assert sent.status_code == refused, sent.text
    for fn_index in range(40):  # every event of the write page, called by hand
        joined = httpx.post(f"{public}/admin/gradio_api/queue/join",
                            json={"data": ["https://example.com/rss.xml"], "fn_index": fn_index, "session_hash": "x"})
        assert joined.status_code == 401
    with pytest.raises(httpx.HTTPStatusError):
        gradio_call(httpx.Client(), f"{public}/admin", "follow", ["https://example.com/rss.xml"])
    assert stored(public) == before


def test_with_the_login_the_write_page_adds_articles(public, tmp_path):
    with pytest.raises(ValueError, match="login"):
        Client(f"{public}/admin/", auth=("reader", "not the token"), verbose=False)
    Client(f"{public}/admin/", auth=("reader", TOKEN), verbose=False)  # the right password is let in
    http = httpx.Client()
    assert http.post(f"{public}/admin/login", data={"username": "reader", "password": TOKEN}).status_code == 200
    assert WRITE_PANELS <= elem_ids(http.get(f"{public}/admin/config").json())
    upload = http.post(f"{public}/admin/gradio_api/upload",
                       files={"files": ("zoo.txt", b"Zoo welcomes zebra\n\nThe city zoo welcomed a zebra named Stripe.")})
    path = upload.raise_for_status().json()[0]
    status, _ = gradio_call(http, f"{public}/admin", "ingest",
                            [[{"path": path, "orig_name": "zoo.txt", "meta": {"_type": "gradio.FileData"}}]])
    assert status.startswith("Added 1,")
    assert stored(public)[0] == 2


def test_a_private_deployment_needs_the_login_to_ask(tmp_path_factory):
    home = seeded_home(tmp_path_factory, "private")
    env = {"NEWSQA_UI_AUTH": "all", "NEWSQA_UI_PASSWORD": "chat-password", "NEWSQA_API_TOKEN": TOKEN}
    with newsqa_server(home, env=env, host="0.0.0.0", command=FAKE_NEWSQA) as url:
        assert httpx.get(f"{url}/config").status_code == 401
        with pytest.raises(ValueError, match="login"):
            Client(url, verbose=False)
        with pytest.raises(ValueError, match="login"):  # the UI password is set: the API token is not it
            Client(url, auth=("reader", TOKEN), verbose=False)
        client = Client(url, auth=("reader", "chat-password"), verbose=False)
        assert client.predict("How many prisoners were recaptured?", api_name="/ask")
        # the HTTP API is private too, reading included; the health check stays open for monitors
        assert httpx.get(f"{url}/healthz").status_code == 200
        for path in ("/v1/articles", "/v1/feeds", "/docs", "/openapi.json"):
            assert httpx.get(f"{url}{path}").status_code == 401, path
        asked = httpx.post(f"{url}/v1/ask", json={"question": "How many prisoners were recaptured?"})
        assert asked.status_code == 401 and asked.json()["error"]["type"] == "unauthorized"
        bearer = {"Authorization": "Bearer chat-password"}
        assert httpx.get(f"{url}/v1/articles", headers=bearer).json()["total"] == 1


def test_a_private_deployment_without_a_password_does_not_start(tmp_path):
    done = subprocess.run([*FAKE_NEWSQA, "serve", "--host", "0.0.0.0"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=_env(NEWSQA_HOME=str(tmp_path / "home"), NEWSQA_UI_AUTH="all"))
    assert done.returncode == 1
    assert "NEWSQA_UI_AUTH=all needs a login password" in done.stderr and "Traceback" not in done.stderr


def _env(**extra) -> dict:
    import os

    return {**os.environ, **extra}


def test_on_loopback_a_password_puts_writing_behind_the_login(tmp_path_factory):
    """Behind a reverse proxy the server listens on loopback, yet strangers reach it: a password set means a login."""
    home = seeded_home(tmp_path_factory, "proxied")
    with newsqa_server(home, env={"NEWSQA_UI_PASSWORD": "chat-password"}, command=FAKE_NEWSQA) as url:
        assert not WRITE_PANELS & elem_ids(httpx.get(f"{url}/config").json())
        assert httpx.get(f"{url}/admin/config").status_code == 401
        http = httpx.Client()
        assert http.post(f"{url}/admin/login", data={"username": "me", "password": "chat-password"}).status_code == 200
        assert WRITE_PANELS <= elem_ids(http.get(f"{url}/admin/config").json())
