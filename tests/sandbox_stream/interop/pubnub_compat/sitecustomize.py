"""For PyPI pubnub 3.x on a current Python: the base64 names it imports (`encodestring`,
`decodestring`) were removed in Python 3.9; they are the same functions as `encodebytes` and
`decodebytes`. Nothing of the client itself is changed."""

import base64

base64.encodestring = base64.encodebytes  # type: ignore[attr-defined]
base64.decodestring = base64.decodebytes  # type: ignore[attr-defined]
