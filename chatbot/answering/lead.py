"""Compose an answer around its lead: the sentence that answers first, then a little support, then the rest.

A client reads the first sentence and decides from it. So the reader's best sentence
(``chatbot.answering.reader``) opens the answer, after the sentence before it only when it cannot be read
on its own. Faithful edits let it lead alone instead (``quoted_alone``): an additive or example opener is
left out ("Additionally, avoid harsh products..." -> "Avoid harsh products..."; "For instance, "), a leading
"It" is shown as "[Microneedling]" when the sentence before has microneedling as its subject, and "These
include..." as "[Pre-treatment and post-treatment guidelines] include..." when the sentence before says to
follow them; the citation keeps the whole sentence, and approving the answer as it stands cites the
article's sentence. Nothing about the other side of the treatment opens an answer (``lead_of``). At most
``reader_supporting_sentences`` sentences follow, the composer's choices and any sentence the reader finds
nearly as likely to answer (``RUNNER_UP_SHARE``); everything else the composer chose goes under "More from
the articles" (collapsed in the app, its own field in the JSON).

Two openers are added, never invented:

* **Honest gaps**: when the question names something no article uses ("icepick scars"), the answer
  first says so: "Our articles don't mention icepick scars specifically; this is what they say about acne scars:".
* **Yes / No**: a yes/no question about an effect whose lead sentence names every focus term of the
  question may be introduced by "Yes —" when the sentence asserts it plainly (no hedge, no negation), or
  "No —" when it denies exactly what was asked ("pores cannot shrink").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from chatbot.answering.model import Scoring
from chatbot.answering.question_type import EFFECT
from chatbot.answering.quoting import standalone_group
from chatbot.answering.reader import Question, rank, shares, uncovered_focus
from chatbot.settings import Settings
from chatbot.text.negation import negations
from chatbot.text.references import naming_the_treatment, naming_what_it_includes, without_additive_connective
from chatbot.text.tokens import stem, tokenize

GAP_LINE = "Our articles don't mention {missing} specifically; this is what they say{about}:"
YES, NO = "Yes —", "No —"
_HEDGE = re.compile(r"\b(may|might|could|some|sometimes|potential\w*|possibl\w*|if|while|although|though|whether|not|no|never|cannot|can't|won't|doesn't|don't|isn't|aren't|depend\w*|vary|varies)\b", re.I)
_ASSERTS = re.compile(r"\b(can|will|does|do|helps?|is effective|are effective|works?|reduces?|improves?|treats?|stimulates?|boosts?|minimi[sz]es?)\b", re.I)
_SUBJECT = re.compile(r"\b(microneedl\w*|treatments?|procedures?|it)\b", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
RUNNER_UP_SHARE = 0.5
"""A sentence the reader finds at least this share as likely as the lead to be the answer supports it, even
when the composer did not choose it: when the reader can hardly tell two sentences apart, both are shown."""


@dataclass(frozen=True)
class Composed:
    """The sentences of an answer around its lead: ``main`` (lead first) and ``more``, both ``_Candidate``s."""

    main: list
    more: list
    opening: str = ""
    """``"Yes —"``, ``"No —"`` or ``""``: introduces the lead sentence."""
    gap: str = ""
    """The honest-gap line, or ``""``."""


def compose_around_lead(
    question: Question, every: Sequence, picked: Sequence, passages: Sequence, scoring: Scoring, settings: Settings, *,
    same_fact: Callable[[object, object], bool], keep: Sequence = (), gaps: bool = True,
) -> Composed:
    """Order ``picked`` (what the composer chose) around the best-answering sentence of ``every``.

    ``keep`` are sentences that must stay in the short answer (the medical situation, both sides of a
    contradiction). ``gaps``: whether to say when the question names something the articles never do.
    """
    quotable = {(c.passage, c.index): c for c in every}
    pool = reader_pool(every, picked, settings)
    lead_passage = picked[0].passage if picked else None
    ranked = rank(question, pool, passages, scoring, picked=picked, lead=lead_passage)
    main: list = []
    origin = None
    lead_chance = 0.0
    for chance, cand in ranked:
        opening = lead_of(cand, quotable, question, settings.quote_reference_strategy, trim=not any(cand is k for k in keep))
        if opening is not None:
            main, origin, lead_chance = opening, (cand if opening[-1] is not cand else None), chance
            break
    if not main:
        return Composed(list(picked), [])
    lead = main[-1]
    room = settings.reader_supporting_sentences
    order = [c for c in keep] + [c for chance, c in ranked if any(c is p for p in picked) or chance >= RUNNER_UP_SHARE * lead_chance]
    for cand in order:
        if room <= 0 and not any(cand is k for k in keep):
            break
        if cand is origin or any(cand is m for m in main) or any(same_fact(cand, m) for m in main):
            continue
        group = standalone_group(cand, main, quotable, settings.quote_reference_strategy)
        if group is None or (len(group) > room and not any(cand is k for k in keep)):
            continue
        main.extend(g for g in group if all(g is not m for m in main))
        room -= len(group)
    chosen = [c for c in picked if c is not origin]  # the trimmed lead stands for its whole sentence
    main = _adjacent(_with_continuations(main, chosen))
    more = _readable_rest(chosen, main)
    gap = _gap_line(question, lead.text, scoring) if gaps else ""
    # "Yes —" reads as part of the sentence after it, so only a lead quoted alone gets one.
    opening = "" if gap or main[0] is not lead else yes_or_no(question, lead.text)
    return Composed(main, more, opening, gap)


def reader_pool(every: Sequence, picked: Sequence, settings: Settings) -> list:
    """The sentences the reader chooses the lead from: the composer's, then every candidate close enough
    to the question (``sentence_min_relevance``), each once."""
    return list(dict.fromkeys([*picked, *(c for c in every if c.similarity >= settings.sentence_min_relevance)]))


def lead_of(cand, quotable: Mapping, question: Question, strategy: str, *, trim: bool = True) -> list | None:
    """The sentences an answer led by ``cand`` opens with: ``cand`` quoted alone (``quoted_alone``, unless not
    ``trim``), or ``cand`` after the sentence before it when it needs that one. None when it cannot lead: it
    needs more than one sentence before it, or what would open the answer is about the other side of the
    treatment ("After microneedling, it's crucial to follow specific aftercare instructions..." or, named,
    "[Following specific aftercare instructions] includes..." for "what should I avoid before my appointment?";
    "sessions lasting between 30 minutes to an hour" for "how many sessions?")."""
    alone = quoted_alone(cand, quotable) if trim else None
    opening = [alone] if alone is not None else standalone_group(cand, [], quotable, strategy)
    if opening is None or len(opening) > 2 or any(question.kind.conflicts(c.text) for c in opening):
        return None
    return opening


def quoted_alone(cand, quotable: Mapping):
    """``cand`` quoted so that it can lead without the sentence before it, or None: without an additive or
    example opener ("Additionally, avoid harsh products..." -> "Avoid harsh products..."), with its "It" as
    "[Microneedling]" when the sentence before is about microneedling, or with its "This includes" / "These
    include" naming what the sentence before says to follow (``chatbot.text.references``)."""
    if not cand.refers_back:
        return None
    before = quotable.get((cand.passage, cand.index - 1))
    text = without_additive_connective(cand.text) or cand.text
    named = (naming_the_treatment(text, before.text) or naming_what_it_includes(text, before.text)) if before is not None else None
    text = named or text
    return None if text == cand.text else replace(cand, text=text, refers_back=False, whole=cand.text)


def _adjacent(sentences: Sequence) -> list:
    """``sentences`` in their order, except that a sentence referring back to another one of them comes right after it
    (a supporting sentence whose predecessor is the lead's context must not be read after something else)."""
    by_place = {(c.passage, c.index): c for c in sentences}

    def root(c):
        while c.refers_back and (c.passage, c.index - 1) in by_place:
            c = by_place[(c.passage, c.index - 1)]
        return c

    chains: dict[int, list] = {}
    for c in sentences:
        chains.setdefault(id(root(c)), []).append(c)
    return [c for chain in chains.values() for c in sorted(chain, key=lambda c: c.index)]


def _with_continuations(main: Sequence, picked: Sequence) -> list:
    """``main`` with each chosen sentence that refers back to one of its sentences right after it: moved to
    "More from the articles" it would dangle, and dropped its fact would be lost."""
    out = list(main)
    for cand in picked:
        if not cand.refers_back or any(cand is m for m in out):
            continue
        at = next((i for i, m in enumerate(out) if (m.passage, m.index) == (cand.passage, cand.index - 1)), None)
        if at is not None:
            out.insert(at + 1, cand)
    return out


def _readable_rest(picked: Sequence, main: Sequence) -> list:
    """The chosen sentences not in ``main``, in their order, without one that refers back to a sentence
    not quoted right before it there (it would dangle)."""
    rest: list = []
    for cand in picked:
        if any(cand is m for m in main):
            continue
        if cand.refers_back and not (rest and (rest[-1].passage, rest[-1].index) == (cand.passage, cand.index - 1)):
            continue
        rest.append(cand)
    return rest


def _gap_line(question: Question, lead: str, scoring: Scoring) -> str:
    """The honest-gap line when the question names a topic the articles never use, else ``""``."""
    missing = uncovered_focus(question, question.text, scoring)
    if not missing:
        return ""
    words = _WORD.findall(question.text)
    lowered = [w.lower() for w in words]
    first = missing[0]
    at = lowered.index(first) if first in lowered else -1
    head = words[at + 1] if 0 <= at < len(words) - 1 and stem(lowered[at + 1]) in scoring.vocabulary else ""
    phrase = f"{first} {head}".strip()
    about = _phrase_with(head, lead) if head else ""
    return GAP_LINE.format(missing=" or ".join([phrase, *missing[1:2]]), about=f" about {about}" if about else "")


def _phrase_with(head: str, sentence: str) -> str:
    """The two-word phrase of ``sentence`` that ends in ``head`` ("acne scars"), or ``head`` itself."""
    words = _WORD.findall(sentence)
    target = stem(head.lower())
    for before, word in zip(words, words[1:]):
        if stem(word.lower()) == target and tokenize(before) and not before.lower().endswith(("ing", "ed", "ly")):
            return f"{before.lower()} {word.lower()}"
    return head.lower()


def yes_or_no(question: Question, lead: str) -> str:
    """"Yes —" or "No —" when ``lead`` answers a yes/no question about an effect plainly, else ``""``.

    Both need every focus term of the question in the sentence. "No" needs the sentence to deny one of them
    ("pores cannot shrink"); "Yes" needs it to assert with the treatment as its subject and no hedge or negation.
    """
    if question.kind.kind != EFFECT or not shares(question, lead):
        return ""
    denied = {predicate for _, predicate in negations(lead)}
    if any(denied & group for group in question.focus):
        return NO
    if _HEDGE.search(lead) or not _ASSERTS.search(lead) or not _SUBJECT.search(lead):
        return ""
    return YES
