"""Real servers on loopback for tests: a `chroma run` server on a free port."""

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float, process: subprocess.Popen | None = None) -> None:
    """Poll `url` until it answers 200; fail early if the server process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@contextmanager
def chroma_server(path: Path, port: int | None = None):
    """A `chroma run` server persisting under `path`; yields its base URL."""
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if chroma is None:
        raise RuntimeError("the `chroma` command (from the chromadb package) is not installed")
    port = port or free_port()
    log = open(path.parent / f"chroma-{port}.log", "wb")
    process = subprocess.Popen(
        [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/api/v2/heartbeat", timeout=60, process=process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


NEWSQA = str(Path(sys.executable).parent / "newsqa")


FAKE_NEWSQA = [sys.executable, "-m", "tests.fake_cli"]  # the real command over the fake models of conftest


@contextmanager
def newsqa_server(home: Path, env: dict | None = None, port: int | None = None, timeout: float = 180,
                  host: str = "127.0.0.1", command: list[str] | None = None):
    """`newsqa serve` as a user runs it (or `command`, e.g. FAKE_NEWSQA), on a free port of `host`; yields the
    base URL it is reached at (for 0.0.0.0: this machine's own address beyond loopback, when it has one)."""
    import os

    port = port or free_port()
    full_env = {**os.environ, "NEWSQA_HOME": str(home), **(env or {})}
    home.parent.mkdir(parents=True, exist_ok=True)
    log = open(home.parent / f"newsqa-{port}.log", "wb")
    process = subprocess.Popen([*(command or [NEWSQA]), "serve", "--host", host, "--port", str(port)], env=full_env,
                               stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parent.parent)
    url = f"http://{outside_address() if host == '0.0.0.0' else host}:{port}"
    try:
        wait_for_http(f"{url}/healthz", timeout=timeout, process=process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def outside_address() -> str:
    """An IPv4 address of this machine that is not loopback (the one its default route leaves by), else 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.255.255.255", 9))  # a UDP connect sends no packet: it only picks the interface
            address = sock.getsockname()[0]
        except OSError:
            return "127.0.0.1"
    return address if not address.startswith("127.") and address != "0.0.0.0" else "127.0.0.1"


def run_newsqa(home: Path, *args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run one `newsqa` command with its own NEWSQA_HOME."""
    import os

    full_env = {**os.environ, "NEWSQA_HOME": str(home), **(env or {})}
    return subprocess.run([NEWSQA, *args], env=full_env, capture_output=True, text=True, timeout=timeout)
