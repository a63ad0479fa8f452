# The platform's documented Python example (dcimanager6-api-guide.txt), with the indentation the
# guide's text lost put back and the comments shortened. It fails on urllib3 2.x (method_whitelist
# was removed): that is the point of the compat layer.
#
# Environment it needs: DCI_URL, the base URL of the installation (https://dci.example.com,
# no trailing slash); DCI_TOKEN, a session token (POST /api/auth/v4/public/token, see the
# guide). Besides those two settings, only the three imports differ from the platform's
# example: with dcimanager.compat its Retry applies, so the script rides out the 503s of a
# platform waking from suspension (`make demo` runs it through a burst of them).
import os
from dcimanager.compat import Retry, Session, HTTPAdapter
HEADER_XSRT_TOKEN = "x-xsrf-token"
HEADER_BOX = "isp-box-instance"
COOKIE_SES6 = "ses6"
SESSION6 = os.environ["DCI_TOKEN"]
def _make_retry_object():
    retries = 10
    return Retry(
        total=retries,
        read=retries,
        connect=retries,
        method_whitelist=['POST', 'GET', 'DELETE'],
        backoff_factor=0.01,
        status_forcelist=[503]
    )
def _make_session():
    session = Session()
    session.verify = False
    session.mount("http", HTTPAdapter(max_retries=_make_retry_object()))
    session.mount("https", HTTPAdapter(max_retries=_make_retry_object()))
    return session
sess = _make_session()
res = sess.get(
    os.environ["DCI_URL"] + '/api/dci/v3/server/2',
    headers={HEADER_XSRT_TOKEN: SESSION6, HEADER_BOX: 'true'},
    cookies={COOKIE_SES6: SESSION6},
    verify=False
)
res.raise_for_status()
print(res.json())
