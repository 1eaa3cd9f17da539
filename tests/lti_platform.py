"""A simulated LMS for the LTI tests: its own RSA keys, OIDC authorisation endpoint, JWKS,
token endpoint, Names and Roles and a gradebook line item, as a small WSGI app served on a
loopback port."""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class SimulatedPlatform:
    """The LMS. `host` may differ from the tool's so that the two are different sites."""

    host: str = "127.0.0.1"
    client_id: str = "sourcemark-client"
    deployment_id: str = "deployment-1"
    key: Any = field(default_factory=new_key)
    # Unique: the tool caches key sets by URL, and a later simulator may get the same port.
    kid: str = field(default_factory=lambda: f"platform-key-{secrets.token_hex(4)}")
    base: str = ""
    tool_jwks_url: str = ""  # when set, client assertions are checked against it
    resource_link_id: str = "resource-1"
    custom: dict[str, str] = field(default_factory=dict)
    members: list[dict[str, Any]] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)
    fail_scores: int = 0
    tokens_issued: int = 0
    tool_login_url: str = ""
    next_launch: dict[str, Any] = field(default_factory=dict)

    # --- the endpoints ---------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        return self.base

    @property
    def lineitem(self) -> str:
        return f"{self.base}/lineitems/7/lineitem?type=sourcemark"

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def claims(self, nonce: str, sub: str = "student-1", roles: list[str] | None = None,
               message_type: str = "LtiResourceLinkRequest", **extra: Any) -> dict[str, Any]:
        """The claims of an id_token as this LMS would send them."""
        now = int(time.time())
        claims = {
            "iss": self.issuer, "aud": self.client_id, "sub": sub, "iat": now,
            "exp": now + 300, "nonce": nonce, "name": f"Name of {sub}",
            CLAIM + "version": "1.3.0", CLAIM + "message_type": message_type,
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "roles": roles if roles is not None else [LEARNER],
            CLAIM + "context": {"id": "course-1", "title": "Media literacy 9B"},
            CLAIM + "custom": dict(self.custom),
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
                "lineitem": self.lineitem},
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": f"{self.base}/nrps", "service_versions": ["2.0"]},
        }
        if message_type == "LtiResourceLinkRequest":
            claims[CLAIM + "resource_link"] = {"id": self.resource_link_id,
                                               "title": "Annotate the news"}
        else:
            claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": f"{self.base}/deep-link-return",
                "accept_types": ["ltiResourceLink"], "data": "opaque-42"}
        claims.update(extra)
        return claims

    def sign(self, claims: dict[str, Any], key: Any = None, kid: str | None = None) -> str:
        return jwt.encode(claims, key or self.key, algorithm="RS256",
                          headers={"kid": kid or self.kid})

    def __call__(self, environ, start_response):
        request = Request(environ)
        handler = {
            "/jwks": self._jwks, "/auth": self._auth, "/token": self._token,
            "/nrps": self._nrps, "/course": self._course,
            "/lineitems/7/lineitem/scores": self._score,
            "/deep-link-return": self._deep_link_return,
            "/favicon.ico": lambda request: Response("", 204),
        }.get(request.path)
        response = handler(request) if handler else Response("not found", 404)
        return response(environ, start_response)

    def _jwks(self, request: Request) -> Response:
        return Response(json.dumps(self.jwks()), mimetype="application/json")

    def _auth(self, request: Request) -> Response:
        """The OIDC authorisation endpoint: a page that posts the id_token back at once."""
        args = request.args
        claims = self.claims(args["nonce"], sub=args["login_hint"], **self.next_launch)
        fields = {"id_token": self.sign(claims), "state": args["state"]}
        inputs = "".join(f'<input type="hidden" name="{k}" value="{escape(v)}">'
                         for k, v in fields.items())
        return Response(
            f'<html><body><form method="post" action="{escape(args["redirect_uri"])}">'
            f'{inputs}</form><script>document.forms[0].submit()</script></body></html>',
            mimetype="text/html")

    def _token(self, request: Request) -> Response:
        assertion = request.form.get("client_assertion", "")
        if self.tool_jwks_url:
            key = jwt.PyJWKClient(self.tool_jwks_url).get_signing_key_from_jwt(assertion)
            jwt.decode(assertion, key, algorithms=["RS256"],
                       audience=f"{self.base}/token", issuer=self.client_id)
        self.tokens_issued += 1
        return Response(json.dumps({"access_token": f"token-{secrets.token_hex(4)}",
                                    "token_type": "bearer", "expires_in": 3600,
                                    "scope": request.form.get("scope", "")}),
                        mimetype="application/json")

    def _authorised(self, request: Request) -> bool:
        return request.headers.get("Authorization", "").startswith("Bearer token-")

    def _nrps(self, request: Request) -> Response:
        if not self._authorised(request):
            return Response("unauthorised", 401)
        return Response(json.dumps({"id": f"{self.base}/nrps", "members": self.members}),
                        mimetype="application/vnd.ims.lti-nrps.v2.membershipcontainer+json")

    def _score(self, request: Request) -> Response:
        if not self._authorised(request):
            return Response("unauthorised", 401)
        if self.fail_scores > 0:
            self.fail_scores -= 1
            return Response("gradebook unavailable", 503)
        self.scores.append({**json.loads(request.get_data()),
                            "_content_type": request.headers.get("Content-Type"),
                            "_query": request.query_string.decode()})
        return Response("", 204)

    def _course(self, request: Request) -> Response:
        """A course page of the LMS framing the tool, as a student opens it."""
        query = urlencode({"iss": self.issuer, "login_hint": request.args.get("user", "s1"),
                           "target_link_uri": self.tool_login_url, "client_id": self.client_id,
                           "lti_deployment_id": self.deployment_id})
        return Response(f'<html><body><h1>Course</h1><iframe id="tool" title="Sourcemark" '
                        f'width="1200" height="800" src="{escape(self.tool_login_url)}?'
                        f'{escape(query)}"></iframe></body></html>', mimetype="text/html")

    def _deep_link_return(self, request: Request) -> Response:
        self.scores.append({"deep_link_jwt": request.form.get("JWT")})
        return Response("<html><body>Added</body></html>", mimetype="text/html")


class Served:
    """A platform served by werkzeug on a loopback port, in a daemon thread."""

    def __init__(self, platform: SimulatedPlatform) -> None:
        self.platform = platform
        self.server = make_server(platform.host, 0, platform, threaded=True)
        platform.base = f"http://{platform.host}:{self.server.server_port}"
        # A port freed by an earlier test's simulator can come back to this one. The tool keeps
        # one key set per JWKS URL for the process, and refetches it at most once in its
        # cool-down: if the earlier simulator had just used that refetch, this one's key would
        # be refused. A new platform at an old address is a new key set: forget the old one.
        from app.services.lti import launch

        with launch._JWKS_LOCK:
            launch._JWKS.pop(f"{platform.base}/jwks", None)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()
