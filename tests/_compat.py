"""What the installed langchain-core offers, for tests of paths that newer versions added.

The supported range starts at langchain-core 1.0 (`make test-lowest` runs the suite there), before
two of the paths SPEC 6 names existed. The tests of those paths run on the locked version; on an
older one the path itself is absent, so there is nothing to test.
"""

from __future__ import annotations

import pytest
from langchain_core.language_models import BaseChatModel

try:
    from langchain_core.tracers._streaming import _V2StreamingCallbackHandler
except ImportError:  # langchain-core < 1.3.3
    _V2StreamingCallbackHandler = None  # type: ignore[assignment,misc]

requires_events_v3 = pytest.mark.skipif(
    not hasattr(BaseChatModel, "stream_events"),
    reason="stream_events / astream_events(version='v3') arrived in langchain-core 1.4",
)
requires_v2_streaming_handler = pytest.mark.skipif(
    _V2StreamingCallbackHandler is None,
    reason="_V2StreamingCallbackHandler (invoke served by _iter_v2_events) arrived in "
    "langchain-core 1.3.3",
)
V2Handler: type = _V2StreamingCallbackHandler or object
