"""The fixed credentials of the contract tests and an HMAC written from the reference, not from the SDK.

The secret and the first Rest-Sign are the published test vector of the API reference
(`api-v0-v1.md` section 2.2, XChange's `MtGoxHmacPostBodyDigestTest`): a signature that was
computed outside this project, so the oracle below is anchored to something it did not produce.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

KEY = "12345678-abcd-1234-abcd-50286e649d5c"  # the wiki's example key
SECRET = "9WkB3zUil6h5pXrqUX7XT57c+g2rxxemeGYv3aBSW4hlkwSIgmul+mC3yxwU8fPtQsR8jTpyI2xo7WznjhTf4g=="
NONCE = 1328626350245256  # the vector's nonce; every golden request is signed with it
VECTOR_BODY = b"nonce=1328626350245256"
VECTOR_SIGN = "eNjLVoVh6LVQfzgv7qFMCL48b5d2Qd1gvratXGA76W6+g46Jl9TNkiTCHks5sLXjfAQ1rGnvWxRHu6pYjC5FSQ=="


def rest_sign(message: bytes, secret: str = SECRET) -> str:
    """base64(HMAC-SHA512(base64-decoded secret, message)), as section 2.2 of the reference says."""
    return base64.b64encode(hmac.new(base64.b64decode(secret), message, hashlib.sha512).digest()).decode("ascii")
