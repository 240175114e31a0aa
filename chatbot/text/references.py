"""Whether a sentence opens with a reference to something said before it.

The extractive answerer quotes single sentences out of their passages, and the chunker keeps a
sentence with the one before it when it refers back: "They can provide guidance...",
"Additionally, ...", "This means ..." read as fragments alone. Pure text rules, no dependencies.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from chatbot.text.tokens import normalize

CONNECTIVES = (
    # adding to something said before
    "additionally", "in addition", "moreover", "furthermore", r"further,", r"besides,", r"plus,", "likewise", "similarly",
    r"also(?! known| called| referred)", "another", "again", "equally", "as well",
    # contrasting with it
    "however", "but", "yet", r"still,", "nevertheless", "nonetheless", "even so", "that said", "on the other hand",
    "in contrast", "by contrast", "conversely", "alternatively", "meanwhile", r"instead(?! of)", r"rather(?! than)",
    "otherwise", "on the contrary",
    # drawing a consequence or an example from it
    "as a result", "therefore", "thus", "hence", "consequently", "accordingly", "as such", "in turn", r"so(?=,| that\b)",
    "for this reason", "for these reasons", "for that reason", "because of this", "due to this", "that is why", "this is why",
    "for example", "for instance", "in other words", "in particular", "specifically", "in this case", "in that case",
    "if so", "if not", "then",
    # pointing at it
    "as mentioned", "as noted", "as discussed", "as described", "as explained", "as stated", "as shown", "as seen",
    "the latter", "the former", "the above", "the same", "the answer", "both of these", "all of these", "each of these",
    # sentence-initial conjunctions
    "and", "or", "nor",
)
"""Words that tie a sentence to the one before it. Multi-word entries come before their prefixes
where it matters ("that is why" is tried as a whole); regex lookaheads keep self-contained uses
out ("Also known as collagen induction therapy, ...", "Instead of a laser, ...", "Rather than ...")."""

PRONOUNS = ("they", "them", "their", "theirs", "its", "he", "she", "his", "her", "hers", "such")
"""Pronouns whose referent must have been named before the sentence."""

DEMONSTRATIVES = ("this", "these", "that", "those")
"""Followed by a noun ("These proteins play...") or standing alone ("This means..."), they point back."""

SUBJECT_NOUNS = ("procedure", "procedures", "treatment", "treatments", "technique", "techniques", "therapy", "therapies")
"""In an answer about microneedling, "this procedure" or "this treatment" can only mean microneedling,
so "This procedure involves..." reads on its own; "This process", "This effect" or "These proteins"
need the sentence that says which."""

PEOPLE = (
    "who", "with", "without", "looking", "seeking", "considering", "interested", "wanting", "wishing", "suffering",
    "having", "undergoing", "prone", "in", "on", "of",
)
"""Words after "those" that make it generic ("Those with darker skin tones may choose..."): people, not
something mentioned before. "Those that utilize energy..." (technologies) still points back."""

DUMMY_IT_ADJECTIVES = (
    "important", "essential", "crucial", "vital", "key", "critical", "imperative", "necessary", "advisable", "advised",
    "recommended", "best", "better", "wise", "possible", "impossible", "common", "normal", "typical", "usual", "unusual",
    "rare", "natural", "helpful", "useful", "beneficial", "worthwhile", "safe", "unsafe", "likely", "unlikely", "easy",
    "hard", "difficult", "clear", "true", "okay", "ok", "fine", "good", "a good idea", "not uncommon",
)
"""Adjectives of an "it" that stands for what follows ("It is important to...", "It's essential to...",
"It's normal for the skin to..."): that "it" names nothing before the sentence."""

_COPULA = r"(?:'s|\s+is|\s+was|\s+will be|\s+would be|\s+can be|\s+may be|\s+might be|\s+could be|\s+has been|\s+remains|\s+becomes)"
_ADVERBS = r"(?:\s+(?:not|also|often|generally|usually|always|still|therefore|thus|equally|so|very|really|highly|\w+ly))*"
_DUMMY_IT = re.compile(
    r"^it" + _COPULA + _ADVERBS + r"\s+(?:" + "|".join(map(re.escape, DUMMY_IT_ADJECTIVES)) + r")\s+(?:to|that|for|if|when|whether)\b"
    r"|^it" + _COPULA + _ADVERBS + r"\s+worth\s+(?:noting|mentioning|remembering|considering|knowing|asking)\b"
    r"|^it" + _COPULA + r"\s+the\s+[^,;]*?\s+that\b"  # a cleft: "It's the gradual process ... that contributes"
    r"|^it" + r"(?:\s+(?:has|have|had)\s+been|\s+is|'s|\s+was)" + _ADVERBS
    + r"\s+(?:shown|found|reported|suggested|believed|thought|known|said|noted|estimated|proven|argued|recommended|advised)\s+(?:that|to)\b"
    r"|^it\s+(?:seems|appears|turns out|follows|happens)\s+that\b"
    r"|^it\s+goes without saying\b",
)
"""Sentences whose "it" is a placeholder for what follows (a dummy subject), not a reference."""


def _alternation(words: Sequence[str]) -> str:
    return "|".join(w if ("(" in w or "," in w) else re.escape(w) for w in sorted(words, key=len, reverse=True))


_CONNECTIVE = re.compile(r"^(?:" + _alternation(CONNECTIVES) + r")(?![a-z'-])")
_PRONOUN = re.compile(r"^(?:" + _alternation(PRONOUNS) + r")(?![a-z'-])")
_DEMONSTRATIVE = re.compile(r"^(this|these|that|those)(?![a-z'-])\s*(.*)$")
_IT = re.compile(r"^it(?![a-z-])")
_SUBJECT = re.compile(r"^(?:[a-z-]+\s+){0,2}?(?:" + "|".join(SUBJECT_NOUNS) + r")(?![a-z-])")
_INTRO = re.compile(
    r"^(?:over|in|for|with|after|before|during|by|through|despite|on|at|from|within|without|under|like|unlike|among|"
    r"amongst|beyond|besides|apart from|aside from|along with|as with|in addition to|because of|due to|thanks to|"
    r"compared to|compared with)\s+([^,;]{0,60}),\s+(.*)$"
)
"""A leading prepositional phrase ("Over time, this increased production..."): the reference may be in
it ("Among these, ...", "Before starting this drug, ...") or follow it."""
_GERUND = re.compile(r"^[a-z]+ing(?![a-z])")
_DEMONSTRATIVE_WORD = re.compile(r"(?<![a-z'-])(?:this|these|those)(?![a-z'-])")
"""Inside a leading phrase "that" is mostly a conjunction ("Despite the fact that..."), so only these count."""
_LEADING = re.compile(r"^[\s\"'(\[•*·–—-]+")


def opens_with_reference(sentence: str) -> bool:
    """Whether ``sentence`` opens with a reference to something said before it.

    True for connectives ("Additionally, ...", "However, ...", "As a result, ..."), pronouns
    ("They can provide guidance...", "Their expertise..."), a referring "it" ("It involves the
    use of fine needles") and demonstratives ("This means...", "These proteins..."), also
    after a short leading phrase ("Over time, this increased production...", "In this
    process, ..."). False for a placeholder "it" ("It is important to...", "It's essential
    to...", "It's the gradual process ... that..."), for "this procedure" / "this treatment"
    (which in these articles can only mean microneedling) and for a generic "those" ("Those
    with darker skin tones...").
    """
    text = _LEADING.sub("", normalize(sentence)).lower()
    if _refers_back(text):
        return True
    intro = _INTRO.match(text)
    if intro is None:
        return False
    phrase, rest = intro.groups()
    if _PRONOUN.match(phrase) or _IT.match(phrase) or any(_points_back(phrase[m.start():]) for m in _DEMONSTRATIVE_WORD.finditer(phrase)):
        return True
    if _GERUND.match(phrase):
        # "By triggering the skin's repair mechanisms, it encourages...": the one doing it is the pronoun.
        return _refers_back(rest, connectives=False)
    # Otherwise only a demonstrative counts after the phrase: a pronoun there usually means something
    # the phrase itself names ("Despite the risk of bleeding, it can occur...").
    return _points_back(rest)


def _refers_back(text: str, *, connectives: bool = True) -> bool:
    if (connectives and _CONNECTIVE.match(text)) or _PRONOUN.match(text):
        return True
    if _IT.match(text):
        return not _DUMMY_IT.match(text)
    return _points_back(text)


def _points_back(text: str) -> bool:
    """A demonstrative opener other than "this procedure" / "this treatment" or a generic "those"."""
    demonstrative = _DEMONSTRATIVE.match(text)
    if demonstrative is None:
        return False
    word, rest = demonstrative.groups()
    if _SUBJECT.match(rest) and word != "those":
        return False
    if word == "those":
        following = rest.split(" ", 1)[0].strip(",")
        return following not in PEOPLE
    return True


ADDITIVE_CONNECTIVES = (
    "additionally", "in addition", "moreover", "furthermore", "also", "plus", "besides", "what's more", "for instance", "for example",
)
"""Connectives that only add to what came before, or give an example of it: the rest of the sentence says
the same thing without them ("For instance, using topical retinoids can help regulate skin cell turnover")."""
_ADDITIVE_OPENER = r"(?:" + _alternation(ADDITIVE_CONNECTIVES).replace("'", "['’]") + r"),\s+"
_ADDITIVE = re.compile(r"^" + _ADDITIVE_OPENER + r"(?=\S)", re.IGNORECASE)


def without_additive_connective(sentence: str) -> str | None:
    """``sentence`` without an additive opener that is its only tie to the sentence before, capitalised;
    None when it has no such opener or still refers back without it.

    "Additionally, avoid using harsh skincare products..." -> "Avoid using harsh skincare products...":
    the same words and the same claim, readable first in an answer. "However, ..." is not trimmed
    (it contrasts, so the sentence before changes what it means), nor "Additionally, they can..." (still a reference).
    """
    text = sentence.strip()
    match = _ADDITIVE.match(text)
    if match is None:
        return None
    rest = text[match.end():]
    if opens_with_reference(rest):
        return None
    return rest[0].upper() + rest[1:]


TREATMENT_NAME = "[Microneedling]"
"""What a leading "It" is quoted as when the sentence before says it is microneedling: the editor's brackets
show the word is not the article's."""
_IT_SUBJECT = re.compile(r"^It\s+(?=[a-z])")
_TREATMENT_IS_SUBJECT = re.compile(
    r"^(?:(?:unlike|like|compared to|compared with|as with|with|for|in|during|after|before|by|through|today|nowadays)\b[^,]{0,80},\s+)?"
    r"(?:microneedling|micro-needling|this (?:[a-z-]+ )?(?:procedure|treatment|technique|therapy)|the (?:procedure|treatment))\b(?!\s+(?:device|pen|needles?|session)s?\b)",
    re.IGNORECASE,
)


_SAID_OF_IT = re.compile(r"^It (?:has been|have been|is|was) (?:shown|found|proven|reported|known|thought) to (?!be (?:important|essential|crucial|necessary|best))", re.IGNORECASE)
"""A passive claim about "it" ("It has been found to be effective in treating scars"): the "it" is the thing
found effective, not a placeholder as in "It has been found that..."."""


def naming_the_treatment(sentence: str, before: str) -> str | None:
    """``sentence`` with its leading referring "It" quoted as "[Microneedling]" when the sentence ``before`` it
    has microneedling as its subject; None otherwise.

    ("Unlike more invasive procedures, microneedling is considered safer." "It can be performed on
    different skin types..." -> "[Microneedling] can be performed on different skin types...".) Only the
    subject of the sentence before counts: "Lasers heat the skin. It may..." is left alone.
    """
    text = sentence.strip()
    match = _IT_SUBJECT.match(text)
    if match is None or not (opens_with_reference(text) or _SAID_OF_IT.match(text)) or not _TREATMENT_IS_SUBJECT.match(normalize(before)):
        return None
    return f"{TREATMENT_NAME} {text[match.end():]}"


_THESE_INCLUDE = re.compile(
    r"^(This|These)\s+(?=(?:(?:often|usually|typically|generally|may|can|will|should)\s+)?(?:includes?|involves?)\b)"
)
_FOLLOW_WHAT = re.compile(
    r"\b(?:follow|adhere to|stick to)\s+((?:[a-z-]+\s+){0,5}?"
    r"(routine|regimen|plan|instructions|guidelines|steps|recommendations|tips))\b",
    re.IGNORECASE,
)
"""What a sentence says to follow: a noun phrase of up to six words in one clause, ending in a kind of
instructions. "Following the procedure, ..." (a time, not an instruction) and "You don't need to follow..."
say nothing to follow."""
_PLURAL_HEADS = frozenset({"instructions", "guidelines", "steps", "recommendations", "tips"})
_NEGATED_CLAUSE = re.compile(r"(?:\bnot|n't|\bnever|\bno need)\b[^,.;:]*$", re.IGNORECASE)


def naming_what_it_includes(sentence: str, before: str) -> str | None:
    """``sentence`` whose "This includes" / "These include" refers to instructions the sentence ``before`` says
    to follow, with the reference quoted in brackets; None otherwise.

    ("It's essential to follow pre-treatment and post-treatment guidelines..." "These often include avoiding
    certain skincare products..." -> "[Pre-treatment and post-treatment guidelines] often include avoiding
    certain skincare products...".) "This" stands for the following itself: "[Following a proper skincare
    routine] includes using gentle, non-comedogenic products...". "These" needs plural instructions.
    """
    text = sentence.strip()
    opener = _THESE_INCLUDE.match(text)
    context = normalize(before)
    follow = _FOLLOW_WHAT.search(context)
    if opener is None or follow is None or _NEGATED_CLAUSE.search(context[: follow.start()]):
        return None
    phrase, head = follow.group(1).strip(), follow.group(2).lower()
    if opener.group(1) == "These":
        if head not in _PLURAL_HEADS:
            return None
        named = phrase[0].upper() + phrase[1:]
    else:
        named = f"Following {phrase}"
    return f"[{named}] {text[opener.end():]}"


_BRACKETED = re.compile(r"^\[[^\]]+\]\s+")
_LEFT_OUT = re.compile(
    r"^(?:" + _ADDITIVE_OPENER + r")?(?P<reference>(?:it|this|these|they)\s+)?$",
    re.IGNORECASE,
)
QUOTED_ALONE_MIN_CHARS = 20
"""A shorter ending could be another sentence's by chance."""


def quotes_sentence(quoted: str, sentence: str) -> bool:
    """Whether ``quoted`` is ``sentence`` as an answer quotes it: the same (case and spacing aside), without
    its additive opener ("Avoid using..." for "Additionally, avoid using..."), or with its reference named in
    brackets ("[Microneedling] can be..." for "It can be...", "[Following a routine] includes..." for
    "This includes..."). Nothing else may be left out: "[Microneedling] can be performed..." does not quote
    "Laser resurfacing can be performed..."."""
    quote, whole = normalize(quoted).lower(), normalize(sentence).lower()
    if quote == whole:
        return True
    bracketed = _BRACKETED.match(quote)
    rest = quote[bracketed.end():] if bracketed else quote
    if len(rest) < QUOTED_ALONE_MIN_CHARS or not whole.endswith(rest):
        return False
    left_out = _LEFT_OUT.match(whole[: len(whole) - len(rest)])
    return left_out is not None and (left_out.group("reference") is not None) == bool(bracketed)
