"""Sentence-aware chunking with overlap, never past the embedder's window."""

import hashlib
import re
from collections.abc import Callable, Sequence

from .news import NEWS_RULES, news_text
from .types import Article, Chunk

__all__ = ["Chunker", "TokenCounter", "pack_sentences", "split_sentences", "text_sentences"]

TokenCounter = Callable[[Sequence[str]], list[int]]

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "gov", "sen", "rep", "lt", "col",
    "sgt", "capt", "cmdr", "adm", "maj", "inc", "ltd", "corp", "co", "vs", "no", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n",
    "e.g", "i.e", "etc", "approx", "ft", "mt", "ave", "est", "fig",
}
_BOUNDARY = re.compile(r"([.!?]+)([\"'”’)\]]*)\s+(?=[^a-z\s])")


def split_sentences(paragraph: str) -> list[str]:
    """Split one paragraph into sentences, keeping abbreviations and initials intact.

    >>> split_sentences("Mr. Shami spoke at 3 a.m. on Friday. The U.S. said 104 were caught! Why?")
    ['Mr. Shami spoke at 3 a.m. on Friday.', 'The U.S. said 104 were caught!', 'Why?']
    """
    sentences, start = [], 0
    for match in _BOUNDARY.finditer(paragraph):
        words = paragraph[start:match.start()].split()
        word = words[-1].lower().rstrip(".") if words else ""
        if match.group(1) == "." and (word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", word)):
            continue
        sentences.append(paragraph[start:match.end()].strip())
        start = match.end()
    tail = paragraph[start:].strip()
    return sentences + [tail] if tail else sentences


def text_sentences(text: str) -> list[str]:
    """The sentences of a text of paragraphs (one per line), in order.

    >>> text_sentences("The ferry is back. It sails at 9.\\nA second boat joins in June.")
    ['The ferry is back.', 'It sails at 9.', 'A second boat joins in June.']
    """
    return [sentence for paragraph in text.split("\n") for sentence in split_sentences(paragraph)]


def pack_sentences(sentences: Sequence[str], counts: Sequence[int], max_tokens: int, overlap: int) -> list[list[int]]:
    """Group sentence indexes into chunks of at most `max_tokens`; each chunk repeats the previous
    chunk's last sentences up to `overlap` tokens. Every sentence must already fit in `max_tokens`.

    >>> pack_sentences(["a", "b", "c", "d"], [4, 4, 4, 4], max_tokens=10, overlap=4)
    [[0, 1], [1, 2], [2, 3]]
    """
    chunks, current, used = [], [], 0
    for index, count in enumerate(counts):
        if current and used + count > max_tokens:
            chunks.append(current)
            current, used = _overlap_tail(current, counts, overlap)
            while current and used + count > max_tokens:
                used -= counts[current.pop(0)]
        current.append(index)
        used += count
    if current:
        chunks.append(current)
    return chunks


def _overlap_tail(indexes: list[int], counts: Sequence[int], overlap: int) -> tuple[list[int], int]:
    tail, used = [], 0
    for index in reversed(indexes):
        if used + counts[index] > overlap:
            break
        tail.insert(0, index)
        used += counts[index]
    return tail, used


class Chunker:
    """Turns an article into chunks whose embedded text (title line + passage) fits `max_tokens`."""

    def __init__(self, count_tokens: TokenCounter, max_tokens: int = 200, overlap: int = 40, title_tokens: int = 40):
        if overlap >= max_tokens // 2:
            raise ValueError(f"overlap ({overlap}) must be under half of max_tokens ({max_tokens})")
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self.overlap = overlap
        self.title_tokens = title_tokens

    @property
    def signature(self) -> str:
        """What decides the chunks besides the article; part of every article's stored version (v2: the story's
        own text, without datelines, bylines, credits, promotions and subheadings, by the rules of `NEWS_RULES`)."""
        return f"chunk-v2/{NEWS_RULES}/{self.max_tokens}/{self.overlap}/{self.title_tokens}"

    def chunk(self, article: Article) -> list[Chunk]:
        """The chunks of the article's story text (`news_text`), in order, with ids derived from the article id and
        content."""
        header = self._header(article)
        budget = self.max_tokens - (self.count_tokens([header])[0] if header else 0)
        units, paragraphs, counts = self._units(news_text(article.text, article.authors), budget)
        chunks, seen = [], set()
        for group in pack_sentences(units, counts, budget, self.overlap):
            text = _join(units, paragraphs, group)
            embed_text = f"{header}\n{text}" if header else text
            chunk_id = _chunk_id(article, embed_text)
            if chunk_id not in seen:
                seen.add(chunk_id)
                chunks.append(Chunk(chunk_id, article.id, text, len(chunks), embed_text))
        return chunks

    def _header(self, article: Article) -> str:
        title = article.title
        words = title.split()
        while words and self.count_tokens([" ".join(words)])[0] > self.title_tokens:
            words = words[: max(1, len(words) * 3 // 4)] if len(words) > 1 else []
        title = " ".join(words)
        if article.published:
            return f"{title} ({article.published})" if title else f"({article.published})"
        return title

    def _units(self, text: str, budget: int) -> tuple[list[str], list[int], list[int]]:
        """The article's sentences (long ones cut to fit), each one's paragraph number and word pieces;
        the tokenizer sees the whole article in one call."""
        sentences, numbers = [], []
        for number, paragraph in enumerate(p for p in text.split("\n") if p.strip()):
            found = split_sentences(paragraph)
            sentences += found
            numbers += [number] * len(found)
        units, paragraphs, counts = [], [], []
        for sentence, number, count in zip(sentences, numbers, self.count_tokens(sentences)):
            if count <= budget:
                units.append(sentence)
                counts.append(count)
                paragraphs.append(number)
                continue
            pieces = self._split_long(sentence, budget)
            units += pieces
            counts += self.count_tokens(pieces)
            paragraphs += [number] * len(pieces)
        return units, paragraphs, counts

    def _split_long(self, sentence: str, budget: int) -> list[str]:
        """Word windows of a sentence too long for one chunk (or one enormous word, cut by characters)."""
        words = [w[i:i + 100] for w in sentence.split() for i in range(0, len(w), 100)]
        counts = self.count_tokens(words)
        pieces, current, used = [], [], 0
        for word, count in zip(words, counts):
            if current and used + count > budget:
                pieces.append(" ".join(current))
                current, used = [], 0
            current.append(word)
            used += count
        return pieces + [" ".join(current)] if current else pieces


def _join(units: list[str], paragraphs: list[int], group: list[int]) -> str:
    text = units[group[0]]
    for previous, index in zip(group, group[1:]):
        text += ("\n" if paragraphs[index] != paragraphs[previous] else " ") + units[index]
    return text


def _chunk_id(article: Article, embed_text: str) -> str:
    digest = hashlib.sha256(
        "\x1f".join([article.id, article.url or "", article.source or "", embed_text]).encode()
    ).hexdigest()[:16]
    return f"{article.id}:{digest}"
