"""The documented DCImanager 6 flow with the native Python API.

    DCI_URL=https://dci.example.com DCI_CA=ca.pem python examples/python/quickstart.py

(against the emulator: ``make demo``).
"""

import os

import dcimanager

base = os.environ["DCI_URL"]
verify = os.environ.get("DCI_CA", True)  # a CA bundle path, or True for the system's roots

print(f"dcimanager {dcimanager.__version__} -> {base}")
with dcimanager.Client(base, verify=verify) as client:
    # 1. Log in; the session is renewed automatically if it expires.
    login = client.login("admin@example.com", "secret")  # LoginInfo: its repr hides the token
    print(f"{'1. login':<28} user id {login.id} ({login!r})")

    # 2. Who am I?
    print(f"{'2. whoami':<28} {client.whoami()['email']}")

    # 3. Every server of a customer that is powered on, 100 per request; the where literal
    #    quoted by the library, whatever the e-mail holds.
    where = f"owner_email EQ {dcimanager.quote('client@example.com')} AND power_status EQ 'on'"
    mine = [s["domain"] for s in client.paginate("dci/v3/server", where=where, orderby="id asc")]
    print(f"{'3. paginate':<28} {len(mine)} servers: {', '.join(mine[:3])}, ...")

    # 4. Read one server.
    server = client.get("dci/v3/server/2")
    print(f"{'4. server 2':<28} {server['domain']} ({server['configuration']})")

    # 5. A long-lived token for an integration (not printed: it is a secret).
    token = client.create_token("2030-01-31 00:00:00", "Token for integration")
    print(f"{'5. long-lived token':<28} created ({len(token)} characters, kept secret)")

    # 6. A key for a customer, and the link a billing system redirects to.
    key = client.create_key("client@example.com")  # KeyInfo: its repr hides the key
    print(f"{'6. customer login link':<28} {client.key_login_url(key)}")

    # 7. The customer's side: log in with the key.
    with dcimanager.Client(base, verify=verify) as customer:
        customer.login_with_key(key)
        print(f"{'7. customer whoami':<28} {customer.whoami()['email']}")

    # 8. The platform wakes from suspension: five 503s (queued through the emulator).
    if client.request("POST", "/emulator/suspend", json={"requests": 5}).ok:
        resp = client.request("GET", "dci/v3/server/2")
        print(f"{'8. suspended platform':<28} HTTP {resp.status} after {resp.attempts} attempts")

# 9. Leaving the `with` block logged out.
print(f"{'9. logout':<28} ok")
