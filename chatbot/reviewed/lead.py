"""Does a reviewed answer's first sentence answer its own question? The review desk warns when not.

A client reads the first sentence and decides from it, so "How many sessions will I need?" should
open with a number of sessions, not with what microneedling is. Two checks, each explainable:

* **what the question's form needs**: a count for "how many / how often", a time for "how long /
  when / how soon", a cause for "why / what causes", who for "who should not", yes or no or the
  effect named for "can / does / is / will it ...";
* for a yes/no question, **its subject**: the first sentence says yes or no, shares a content word with
  the question (after the glossary: "hurt" and "painful" share "pain"), or means nearly the same
  (cosine ``lead_check_similarity``).

Only these: a "what" question's first sentence can answer in words of its own ("side effects" ->
"Redness and swelling are common"), and MiniLM's cosine of a question and its answering sentence is
often below that of a sentence merely on the same topic, so it is no test for them.

A warning does not block approval: the clinician decides.
"""

from __future__ import annotations

import re

import numpy as np

from chatbot.knowledge.embeddings import TextEmbedder
from chatbot.reviewed.matching import words
from chatbot.reviewed.model import AnswerContent
from chatbot.settings import Settings

_NUMBER = r"\b(\d+|one|two|three|four|five|six|several|multiple|a few|few|many|single|once|twice)\b"
_TIME = (r"\b(\d+|seconds?|minutes?|hours?|days?|weeks?|months?|years?|immediately|right away|straight away|overnight|"
         r"soon|until|within|after|later|tomorrow|next day|temporary|permanent|lasting|long-lasting)\b")
NEEDS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (what, re.compile(form, re.IGNORECASE), re.compile(answer, re.IGNORECASE))
    for what, form, answer in (
        ("a number", r"^\s*how (many|often)\b", _NUMBER),
        ("a time", r"^\s*(how long|when|how soon|how quickly)\b", _TIME),
        ("a cause", r"^\s*(why|what causes|what makes)\b", r"\b(caus\w*|because|due to|determin\w*|lead(s|ing)? to|result\w*|genetic\w*|aging|age)\b"),
        ("who", r"^\s*who (should|shouldn't|can't|cannot|must)\b", r"\b(individuals|people|those|anyone|patients|persons|if you)\b"),
    )
)
"""Per question form: what the first sentence must contain, named for the warning."""
_YES_NO = re.compile(r"^\s*(can|could|does|do|is|are|will|would|should)\b", re.IGNORECASE)
_PLAIN = re.compile(r"^\s*(yes|no)\b", re.IGNORECASE)


def lead_problem(content: AnswerContent, embedder: TextEmbedder, settings: Settings) -> str | None:
    """Why the first sentence of ``content`` does not answer its question, or None when it does."""
    sentences = content.sentences
    if not sentences:
        return None
    first, question = sentences[0].text, content.question
    for what, form, answer in NEEDS:
        if form.search(question) and not answer.search(first):
            return f"The first sentence does not give {what}, which \"{question}\" asks for: clients decide from the first sentence."
    if not _YES_NO.search(question) or _PLAIN.search(first) or words(question) & words(first):
        return None
    q, f = embedder.embed([question, first])
    if float(np.dot(q, f)) >= settings.lead_check_similarity:
        return None
    return f"The first sentence does not say yes, no, or what \"{question}\" asks about: put the answering sentence first."


__all__ = ["lead_problem"]
