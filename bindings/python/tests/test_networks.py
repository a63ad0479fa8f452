"""Real networks from Python, with real parts (scripts/net-fixture.sh): the platform's
self-signed certificate made by ``openssl req -x509`` given as ``verify=`` or pinned, the pin
learned with ``server_pin``, a company CA in ``SSL_CERT_FILE``, tinyproxy (with Basic
credentials) and microsocks as proxies set explicitly and taken from the environment — for
``Client``, ``AsyncClient`` and ``dcimanager.compat`` alike. Each proxy's own log proves the
traffic went through it."""

from __future__ import annotations

import asyncio
import os
import pathlib
import subprocess
import sys
import tempfile
import warnings
from typing import Dict, Iterator

import pytest

import dcimanager
from dcimanager import compat

from conftest import REQUESTS_ENVIRONMENT, ROOT

#: What the process's environment may hold that would change the outcome: trust store and
#: proxies. Cleared for each test (children get their own).
CLEARED = (*REQUESTS_ENVIRONMENT, "SSL_CERT_FILE", "SSL_CERT_DIR")


@pytest.fixture(scope="module")
def net() -> Iterator[Dict[str, str]]:
    """The parts, started once for this module: DCI_NET_* (see scripts/net-fixture.sh)."""
    with tempfile.TemporaryDirectory(prefix="dci-net-") as tmp:
        work = os.path.join(tmp, "net")
        script = str(ROOT / "scripts" / "net-fixture.sh")
        subprocess.run([script, "start", work], check=True, stdout=subprocess.DEVNULL)
        try:
            env = dict(
                line.split("=", 1)
                for line in pathlib.Path(work, "env").read_text().splitlines()
                if "=" in line
            )
            yield env
        finally:
            subprocess.run([script, "stop", work], check=False)


@pytest.fixture(autouse=True)
def neutral_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


def port(url: str) -> str:
    return url.rsplit(":", 1)[1]


def log(net: Dict[str, str], name: str) -> str:
    return pathlib.Path(net[name]).read_text()


# -- the platform's self-signed certificate ------------------------------------------------


def test_self_signed_certificate_as_verify_and_refused_without(net: Dict[str, str]) -> None:
    c = dcimanager.Client(net["DCI_NET_URL"], verify=net["DCI_NET_CERT"], proxy="")
    assert c.login("admin@example.com", "secret").id == "3"
    assert c.whoami()["email"] == "admin@example.com"
    refused = dcimanager.Client(net["DCI_NET_URL"], proxy="", retries=0)
    with pytest.raises(dcimanager.TLSError) as info:
        refused.login("admin@example.com", "secret")
    e = info.value
    assert e.tls_pin == net["DCI_NET_PIN"]
    assert e.phase == "tls" and e.request_sent is False
    assert "127.0.0.1" in str(e) and "CA:TRUE" in str(e) and net["DCI_NET_PIN"] in str(e)


def test_pins_learned_with_server_pin(net: Dict[str, str]) -> None:
    url = net["DCI_NET_URL"]
    pin = dcimanager.server_pin(url, proxy="")
    assert pin == net["DCI_NET_PIN"]  # what openssl's recipe gives
    c = dcimanager.Client(url, verify=False, pinned_pubkey=pin, proxy="")
    c.login("admin@example.com", "secret")
    wrong = dcimanager.Client(url, verify=False, pinned_pubkey=net["DCI_NET_OTHER_PIN"], proxy="")
    with pytest.raises(dcimanager.TLSError) as info:
        wrong.login("admin@example.com", "secret")
    assert "matches none of the pinned keys" in str(info.value)
    assert info.value.tls_pin == pin
    # Verification on: the certificate must verify as well as match.
    with pytest.raises(dcimanager.TLSError):
        dcimanager.Client(url, pinned_pubkey=pin, proxy="", retries=0).whoami()
    both = dcimanager.Client(url, verify=net["DCI_NET_CERT"], pinned_pubkey=pin, proxy="")
    both.login("admin@example.com", "secret")
    with pytest.raises(dcimanager.InvalidArgumentError) as bad:
        dcimanager.Client(url, pinned_pubkey="sha256//short")
    assert bad.value.argument == "pinned_pubkey"
    with pytest.raises(dcimanager.InvalidArgumentError) as bad:
        dcimanager.server_pin("http://127.0.0.1:1")
    assert bad.value.argument == "url"


def test_async_client_pins_and_proxies(net: Dict[str, str]) -> None:
    async def main() -> None:
        async with dcimanager.AsyncClient(
            net["DCI_NET_URL"],
            verify=False,
            pinned_pubkey=net["DCI_NET_PIN"],
            proxy=net["DCI_NET_AUTH_PROXY"],
        ) as c:
            assert c.proxy == net["DCI_NET_AUTH_PROXY_BARE"]
            await c.login("admin@example.com", "secret")
            assert (await c.whoami())["email"] == "admin@example.com"

    asyncio.run(main())
    assert f"CONNECT 127.0.0.1:{port(net['DCI_NET_URL'])} HTTP/1.1" in log(net, "DCI_NET_AUTH_PROXY_LOG")


# -- the system's trust store ---------------------------------------------------------------


def test_company_ca_in_ssl_cert_file(net: Dict[str, str]) -> None:
    # The store is read once per process: a child process of its own.
    code = (
        "import dcimanager, sys\n"
        "c = dcimanager.Client(sys.argv[1], proxy='')\n"
        "print(c.login('admin@example.com', 'secret').id)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    for var, value in (
        ("SSL_CERT_FILE", os.path.join(net["DCI_NET_CERTS"], "ca.pem")),
        ("SSL_CERT_DIR", os.path.join(net["DCI_NET_CERTS"], "certdir")),
    ):
        out = subprocess.run(
            [sys.executable, "-c", code, net["DCI_NET_LEAF_URL"]],
            env={**env, var: value},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0 and out.stdout.strip() == "3", out.stderr


# -- proxies ----------------------------------------------------------------------------------


def test_explicit_proxies_and_their_failures(net: Dict[str, str]) -> None:
    url, cert = net["DCI_NET_URL"], net["DCI_NET_CERT"]
    c = dcimanager.Client(url, verify=cert, proxy=net["DCI_NET_AUTH_PROXY"])
    assert c.proxy == net["DCI_NET_AUTH_PROXY_BARE"]
    assert "proxy-pass" not in repr(c)
    c.login("admin@example.com", "secret")
    assert f"CONNECT 127.0.0.1:{port(url)} HTTP/1.1" in log(net, "DCI_NET_AUTH_PROXY_LOG")
    socks = dcimanager.Client(net["DCI_NET_HOST_URL"], verify=cert, proxy=net["DCI_NET_SOCKS_PROXY"])
    socks.login("admin@example.com", "secret")
    assert f"connected to localhost:{port(url)}" in log(net, "DCI_NET_SOCKS_PROXY_LOG")
    with pytest.raises(dcimanager.ConnectionError) as info:
        dcimanager.Client(url, verify=cert, proxy=net["DCI_NET_AUTH_PROXY_BARE"]).whoami()
    e = info.value
    assert e.phase == "connect" and e.attempts <= 1
    assert net["DCI_NET_AUTH_PROXY_BARE"] in str(e) and "requires credentials" in str(e)
    # A dead proxy the bypass list sends around.
    direct = dcimanager.Client(url, verify=cert, proxy="http://127.0.0.1:1", no_proxy="127.0.0.1")
    assert direct.proxy is None
    direct.login("admin@example.com", "secret")


def test_proxy_from_the_environment(net: Dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    url, cert = net["DCI_NET_URL"], net["DCI_NET_CERT"]
    monkeypatch.setenv("https_proxy", net["DCI_NET_HTTP_PROXY"])
    c = dcimanager.Client(url, verify=cert)
    assert c.proxy == net["DCI_NET_HTTP_PROXY"]
    c.login("admin@example.com", "secret")
    assert f"CONNECT 127.0.0.1:{port(url)} HTTP/1.1" in log(net, "DCI_NET_HTTP_PROXY_LOG")
    assert dcimanager.server_pin(url) == net["DCI_NET_PIN"]  # through the proxy too
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    assert dcimanager.Client(url, verify=cert).proxy is None
    monkeypatch.delenv("https_proxy")
    monkeypatch.setenv("ALL_PROXY", net["DCI_NET_SOCKS_PROXY"])
    monkeypatch.delenv("NO_PROXY")
    s = dcimanager.Client(net["DCI_NET_HOST_URL"], verify=cert)
    assert (s.proxy or "").startswith("socks5h://127.0.0.1:")
    s.login("admin@example.com", "secret")


# -- compat ---------------------------------------------------------------------------------


def token_for(net: Dict[str, str]) -> str:
    c = dcimanager.Client(net["DCI_NET_URL"], verify=net["DCI_NET_CERT"], proxy="")
    return c.login("admin@example.com", "secret").token


def test_compat_self_signed_pins_and_proxies(net: Dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    url = net["DCI_NET_URL"] + "/api/auth/v4/whoami"
    token = token_for(net)
    headers = {"x-xsrf-token": token, "isp-box-instance": "true"}
    s = compat.Session()
    # verify= the self-signed certificate, as requests accepts it.
    assert s.get(url, headers=headers, verify=net["DCI_NET_CERT"]).json()["email"] == "admin@example.com"
    with pytest.raises(compat.SSLError):
        s.get(url, headers=headers)
    # A pin with verify=False: no InsecureRequestWarning, and a wrong pin fails.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = s.get(url, headers=headers, verify=False, pinned_pubkey=net["DCI_NET_PIN"])
    assert r.status_code == 200
    s.pinned_pubkey = net["DCI_NET_OTHER_PIN"]
    with pytest.raises(compat.SSLError) as info:
        s.get(url, headers=headers, verify=False)
    assert "matches none of the pinned keys" in str(info.value)
    s.pinned_pubkey = None

    # proxies=, Session.proxies and the environment, as requests merges them.
    r = s.get(url, headers=headers, verify=net["DCI_NET_CERT"], proxies={"https": net["DCI_NET_AUTH_PROXY"]})
    assert r.status_code == 200
    assert f"CONNECT 127.0.0.1:{port(net['DCI_NET_URL'])} HTTP/1.1" in log(net, "DCI_NET_AUTH_PROXY_LOG")
    with pytest.raises(compat.ProxyError):
        s.get(url, headers=headers, verify=net["DCI_NET_CERT"], proxies={"https": net["DCI_NET_AUTH_PROXY_BARE"]})
    with pytest.raises(compat.InvalidProxyURL):
        s.get(url, headers=headers, verify=net["DCI_NET_CERT"], proxies={"https": "gopher://x:1"})
    s.proxies = {"all": net["DCI_NET_SOCKS_PROXY"]}
    host_url = net["DCI_NET_HOST_URL"] + "/api/auth/v4/whoami"
    assert s.get(host_url, headers=headers, verify=net["DCI_NET_CERT"]).status_code == 200
    assert f"connected to localhost:{port(net['DCI_NET_URL'])}" in log(net, "DCI_NET_SOCKS_PROXY_LOG")

    monkeypatch.setenv("HTTPS_PROXY", net["DCI_NET_HTTP_PROXY"])
    env_session = compat.Session()
    tunnel = f"CONNECT 127.0.0.1:{port(net['DCI_NET_URL'])} HTTP/1.1"
    before = log(net, "DCI_NET_HTTP_PROXY_LOG").count(tunnel)
    assert env_session.get(url, headers=headers, verify=net["DCI_NET_CERT"]).status_code == 200
    assert log(net, "DCI_NET_HTTP_PROXY_LOG").count(tunnel) == before + 1
    env_session.trust_env = False
    assert env_session.get(url, headers=headers, verify=net["DCI_NET_CERT"]).status_code == 200
    assert log(net, "DCI_NET_HTTP_PROXY_LOG").count(tunnel) == before + 1
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert compat.Session().get(url, headers=headers, verify=net["DCI_NET_CERT"]).status_code == 200
    assert log(net, "DCI_NET_HTTP_PROXY_LOG").count(tunnel) == before + 1
