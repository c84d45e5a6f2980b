"""Reading a resident's words: which language they wrote in, and their content words in the
Dutch the directory speaks.

Many residents of Dutch cities write English more easily than Dutch. An English question is
read through the vocabulary's glossary (``Vocabulary.english``: "elderly" → "ouderen", "food
bank" → "voedselbank", longest phrase first), and its function words ("to", "for", "the")
never match anything. A Dutch question keeps its words; an English word in it that Dutch does
not know ("community", "playground") is read through the glossary too.

The language is decided by counting evidence: function words only one of the two languages
has, and content words only one of them knows. Ties go to Dutch.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from matching.text import Analyzer, normalise, tokenise

DUTCH, ENGLISH = "nl", "en"


@dataclass(frozen=True, slots=True)
class ReadWord:
    """A content word as the resident wrote it and as the engine reads it (in Dutch)."""

    surface: str
    read: str


class Reader:
    def __init__(
        self,
        analyzer: Analyzer,
        *,
        glossary: dict[str, str],
        english_stopwords: Iterable[str],
        dutch_words: Iterable[str] = (),
    ) -> None:
        """``dutch_words`` are words Dutch knows besides the analyzer's lexicon (the
        vocabulary's own words): they are never read as English, nor dropped as English
        function words ("kind" is a child)."""
        self.analyzer = analyzer
        self.glossary: dict[tuple[str, ...], tuple[str, ...]] = {}
        for english, dutch in glossary.items():
            key, value = tuple(tokenise(english)), tuple(tokenise(dutch))
            if key and value:
                self.glossary.setdefault(key, value)
        self.longest = max((len(key) for key in self.glossary), default=0)
        self.dutch_words = frozenset(normalise(w) for w in dutch_words)
        dutch_stop = analyzer.stopwords
        english_stop = frozenset(normalise(w) for w in english_stopwords)
        # Only the function words that are not also Dutch ("in", "is", "we" are both) tell
        # the languages apart, and a Dutch content word is never an English function word.
        self.english_only = english_stop - dutch_stop - self.dutch_words
        self.dutch_only = dutch_stop - english_stop
        self.english_stopwords = english_stop - self.dutch_words

    def _dutch(self, word: str) -> bool:
        return word in self.dutch_words or word in self.analyzer.lexicon

    def language(self, words: Sequence[str]) -> str:
        """``en`` when the words are more English than Dutch (see the module docstring)."""
        english = dutch = 0
        for word in words:
            if word in self.english_only:
                english += 1
            elif word in self.dutch_only:
                dutch += 1
            elif (word,) in self.glossary and not self._dutch(word):
                english += 1
            elif self._dutch(word):
                dutch += 1
        return ENGLISH if english > dutch else DUTCH

    def read(self, words: Sequence[str], *, language: str, skip: frozenset[int]) -> list[ReadWord]:
        """The content words (no function words, numbers or single letters, nothing at a
        ``skip`` position), each read in Dutch: through the glossary when the text is
        English, or when a word Dutch does not know has an entry."""
        result: list[ReadWord] = []
        stopwords = self.analyzer.stopwords
        index = 0
        while index < len(words):
            if index in skip:
                index += 1
                continue
            word = words[index]
            phrase = self._phrase_at(words, index, skip) if language == ENGLISH else None
            if phrase is None and not self._dutch(word) and (word,) in self.glossary:
                phrase = (1, self.glossary[(word,)])
            if phrase is not None:
                length, dutch = phrase
                surface = " ".join(words[index : index + length])
                result.extend(ReadWord(surface, d) for d in dutch if d not in stopwords)
                index += length
                continue
            index += 1
            if len(word) <= 1 or word.isdigit() or word in stopwords:
                continue
            if word in self.english_stopwords:
                continue
            result.append(ReadWord(word, word))
        return result

    def _phrase_at(
        self, words: Sequence[str], index: int, skip: frozenset[int]
    ) -> tuple[int, tuple[str, ...]] | None:
        for length in range(min(self.longest, len(words) - index), 0, -1):
            if any(i in skip for i in range(index, index + length)):
                continue
            dutch = self.glossary.get(tuple(words[index : index + length]))
            if dutch is not None:
                return length, dutch
        return None
