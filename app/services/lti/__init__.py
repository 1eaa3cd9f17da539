"""LTI 1.3 (LTI Advantage): Sourcemark as a tool inside an LMS.

PyJWT (with cryptography) checks and makes every signed token; these modules hold the
protocol's rules and our storage: `keys` (our signing keys and JWKS), `platforms`
(registration and the configuration a platform admin pastes), `launch` (OIDC login and the
launch), `people` (accounts and roles of a platform's users), `deep_linking`, `roster`
(Names and Roles) and `grades` (Assignment and Grade Services).
"""

from __future__ import annotations

from app.services.errors import ServiceError

LTI_VERSION = "1.3.0"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
# Network calls to a platform give up after this many seconds.
HTTP_TIMEOUT = 10


class LaunchRefused(ServiceError):
    """A login or launch that cannot be trusted; `advice` is what to tell the LMS admin."""

    code = "lti_refused"
    status = 400

    def __init__(self, message: str, advice: str):
        super().__init__(message)
        self.advice = str(advice)  # a lazy message, said in the language of the request
