"""A straightforward pure-Python stream shaper, the baseline for the native ``StreamShaper``.

It is what one would write without this package. It needs ``regex`` (the ``bench`` extra),
imported when the first shaper is made.
"""

from __future__ import annotations

import functools
from itertools import accumulate
from typing import Any


@functools.cache
def _grapheme() -> Any:
    import regex

    return regex.compile(r"\X")


class PyShaper:
    r"""A pure-Python shaper with StreamShaper's semantics (``chunk_size=None``, no budget).

    Keeps the text not yet released (``buf``, which starts on a grapheme boundary) and the last
    ``max(len(stop)) - 1`` released characters (``tail``, for stops that straddle a release); each
    feed re-segments ``buf`` with ``\X``, searches ``tail + buf`` for every stop, and releases the
    complete graphemes, holding back in exclude mode the longest suffix that may start a stop.

    Its graphemes are ``regex``'s ``\X``, which departs from UAX #29 17.0 in a few places (a
    linker with no consonant before it, a lone surrogate before a mark); on other text it gives
    StreamShaper's chunks, feed by feed (``tests/test_shape.py`` checks it on random input).
    """

    def __init__(self, stop: list[str], stop_mode: str = "include") -> None:
        self.grapheme = _grapheme()
        self.stops = stop
        self.exclude = stop_mode == "exclude"
        self.keep = max((len(s) for s in stop), default=1) - 1
        self.tail = ""
        self.buf = ""
        self.done = False

    def feed(self, text: str) -> list[str]:
        if self.done or not text:
            return []
        self.buf += text
        return self._step(final=False)

    def finish(self) -> list[str]:
        if self.done:
            return []
        out = self._step(final=True)
        self.done = True
        return out

    def _step(self, *, final: bool) -> list[str]:
        buf = self.buf
        clusters = self.grapheme.findall(buf)
        if not final and clusters:
            clusters.pop()  # the last grapheme may still grow
        ends = [0, *accumulate(map(len, clusters))]
        window = self.tail + buf
        offset = len(self.tail)
        hit: tuple[int, int] | None = None
        for s in self.stops:
            i = window.find(s)
            if i >= 0 and (hit is None or (i + len(s), i) < hit):
                hit = (i + len(s), i)
        upto = ends[-1]
        if hit is not None:
            end, start = hit[0] - offset, hit[1] - offset
            if self.exclude:
                upto = max(e for e in ends if e <= start)
                self.done = True
            else:
                cut = next((e for e in ends if e >= end), None)
                if cut is not None:
                    upto = cut
                    self.done = True
        elif self.exclude and not final:
            # At the end of the input a possible stop prefix is just text: nothing is held.
            for i in range(max(0, len(buf) - self.keep), len(buf)):
                if any(s.startswith(buf[i:]) for s in self.stops):
                    upto = max(e for e in ends if e <= min(i, upto))
                    break
        released = buf[:upto]
        self.buf = buf[upto:]
        if self.keep:
            self.tail = (self.tail + released)[-self.keep :]
        return [released] if released else []
