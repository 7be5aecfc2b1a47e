"""The three ~1 MB texts the core is measured on, generated deterministically."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable

_WORDS = (  # noqa: SIM905 (a sentence is easier to read than a list of 130 strings)
    "the of and to a in that is was he for it with as his on be at by I had this not are but "
    "from or have an they which one you were all her she there would their we him been has when "
    "who will no more if out so said what up its about into than them can only other new some "
    "could time these two may then do first any my now such like our over man me even most made "
    "after also did many before must through back years where much your way well down should "
    "because each just those people how too little state good very make world still own see "
    "streaming tokens model latency pipeline callback chunk"
).split()

_KOREAN = [
    "한국어",
    "문장은",
    "음절",
    "단위로",
    "조합되어",
    "쓰인다",
    "스트리밍",
    "모델",
    "토큰",
    "지연",
]
_CHINESE = [
    "中文",
    "句子",
    "由汉字",
    "组成",
    "流式",
    "模型",
    "令牌",
    "延迟",
    "时间",
    "管道",
    "回调",
]
_LATIN = [
    "café",
    "résumé",
    "naïve",
    "façade",
    "jalapeño",
    "über",
    "crème",
    "brûlée",
    "São",
    "Dvořák",
]

_EMOJI = [
    "👨‍👩‍👧‍👦",
    "👩‍💻",
    "🧑🏽‍🚀",
    "👍🏻",
    "👋🏿",
    "🇫🇷",
    "🇯🇵",
    "🇧🇷",
    "1️⃣",
    "#️⃣",
    "❤️",
    "😀",
    "🎉",
    "🏳️‍🌈",
    "🤝🏼",
]


def _build(size: int, piece: Callable[[random.Random], str], seed: int) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size:
        p = piece(rng)
        parts.append(p)
        total += len(p.encode("utf-8", "surrogatepass"))
    return "".join(parts)


def ascii_prose(size: int = 1_000_000) -> str:
    """English-like prose in ASCII, with punctuation and paragraph breaks (CR LF among them)."""

    def piece(rng: random.Random) -> str:
        word = rng.choice(_WORDS)
        r = rng.random()
        if r < 0.01:
            return word + ".\r\n\r\n"
        if r < 0.08:
            return word + ". "
        if r < 0.14:
            return word + ", "
        return word + " "

    return _build(size, piece, 1)


def mixed_scripts(size: int = 1_000_000) -> str:
    """Korean, Chinese and accented Latin, the accents decomposed (e + U+0301), with spaces."""

    def piece(rng: random.Random) -> str:
        r = rng.random()
        if r < 0.35:
            return rng.choice(_KOREAN) + " "
        if r < 0.7:
            return rng.choice(_CHINESE) + "\uff0c"  # a fullwidth comma
        return unicodedata.normalize("NFD", rng.choice(_LATIN)) + " "

    return _build(size, piece, 2)


def emoji_heavy(size: int = 1_000_000) -> str:
    """Emoji: ZWJ families and professions, flags, skin tones, keycaps, among short words."""

    def piece(rng: random.Random) -> str:
        if rng.random() < 0.75:
            return rng.choice(_EMOJI)
        return " " + rng.choice(_WORDS) + " "

    return _build(size, piece, 3)


CORPORA: dict[str, Callable[[], str]] = {
    "ascii": ascii_prose,
    "mixed": mixed_scripts,
    "emoji": emoji_heavy,
}
"""The corpora by name, each a function that builds it."""
