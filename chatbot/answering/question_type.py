"""What kind of answer a question asks for, read from its form, and whether a sentence has it.

"How long does the redness last?" wants a time expression, "how many sessions?" a number,
"does it hurt?" words about pain, "what should I avoid before my appointment?" something said
about the time before the treatment, not the aftercare. The reader (``chatbot.answering.reader``)
uses the match between the two as one signal among several: a sentence on the right topic that
lacks what the question's form needs rarely answers it.

Pure text rules, English only, in the spirit of the answer-type taxonomies of open-domain QA
(Li & Roth, "Learning Question Classifiers", COLING 2002), cut down to what clients of a
clinic ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DURATION = "duration"
COUNT = "count"
SENSATION = "sensation"
COST = "cost"
ELIGIBILITY = "eligibility"
BEFORE = "before"
AFTER = "after"
COMPARISON = "comparison"
CAUSE = "cause"
EFFECT = "effect"
"""A yes/no question about an effect: "does it / can it / will it X?"."""
DEFINITION = "definition"
NONE = ""

_I = re.IGNORECASE

# Question forms, most specific first: "how long after microneedling can I wear makeup" is a time question.
_QUESTION_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (COST, re.compile(r"\b(cost|costs|price|prices|pricing|how much (is|does|do|will)|expensive|afford|pay|insurance)\b", _I)),
    (COUNT, re.compile(r"\bhow (many|often|frequently)\b|\bnumber of\b|\bhow regularly\b", _I)),
    (DURATION, re.compile(r"\bhow (long|soon|quickly|fast)\b|\bwhen (can|will|should|do|does|is|are)\b|\bwhat time\b|\bhow much time\b"
                          r"|\b(until|till|til) (i|my|the|it)\b|\bhow many (days|weeks|hours|months)\b", _I)),
    (SENSATION, re.compile(r"\b(hurt|hurts|painful|pain|sting|stings|ouch|sore|uncomfortable|discomfort)\b|\bfeel like\b|\bwhat does it feel\b", _I)),
    (BEFORE, re.compile(r"\bbefore (my|the|a|your|each|an|getting|having)\b|\bprepar\w*|\bprep\b|\bahead of\b|\bleading up\b|\bpre-?(treatment|care)\b|\bday before\b", _I)),
    (AFTER, re.compile(r"\bafter(wards?)?\b|\bafter ?care\b|\bpost-?(treatment|care|procedure)\b|\bfollowing (the|my|a) (treatment|session)\b", _I)),
    (ELIGIBILITY, re.compile(r"\bwho (should|shouldn't|should not|can't|cannot|can|is|isn't)\b|\b(good|right|ideal) candidate\b|\bcandidate\b"
                             r"|\bsuitable\b|\b(am|is) (i|it) (ok|okay|safe)\b|\bsafe (for|if|with|when)\b|\bcan (i|you) (still )?(get|have|do)\b.{0,40}\b(if|with|while)\b"
                             r"|\bnot (have|get|do) (it|microneedling)\b|\bshould (i|you) not\b|\brule[sd]? (me|you|it) out\b", _I)),
    (COMPARISON, re.compile(r"\bbetter than\b|\b(worse|safer|cheaper|faster|stronger) than\b|\bvs\.?\b|\bversus\b|\bcompared?\b|\bdifference between\b"
                            r"|\b(instead of|rather than)\b|\bwhich is better\b|\b\w+ or \w+( \w+)?\?$", _I)),
    (CAUSE, re.compile(r"\bwhy\b|\bhow does (it|microneedling|this|the treatment|the procedure) work\b|\bhow (does|do) .{0,30}\bwork\b"
                       r"|\bwhat does (it|microneedling) do\b|\bhow is (it|this) (possible|able)\b|\bmechanism\b|\bscience behind\b", _I)),
    (EFFECT, re.compile(r"^\s*(and |so |but )?(does|do|can|will|would|could|is|are|should|did)\b", _I)),
    (DEFINITION, re.compile(r"\bwhat('s| is| are)\b(?!.{0,20}\b(best|difference|risk|side)\b)", _I)),
)

_TIME = (
    r"\b(\d+|one|two|three|four|five|six|seven|eight|ten|twelve|a|an|few|several|couple( of)?)\s*(-|to|or)?\s*(\d+\s*)?"
    r"(minutes?|hours?|days?|weeks?|months?|years?)\b|\bimmediately\b|\bovernight\b|\bright away\b|\bwithin\b|\buntil\b"
    r"|\b(a|one|the) (day|week|month)\b|\blong[- ]term\b|\blong[- ]lasting\b|\bpermanent\w*\b|\btemporar\w*\b|\bafter (the|each|your)\b"
)
# What a sentence must contain to give each kind of answer.
_EVIDENCE: dict[str, re.Pattern[str]] = {
    DURATION: re.compile(_TIME, _I),
    COUNT: re.compile(r"\b\d+\b|\b(one|two|three|four|five|six|several|multiple|series|number of|a few|single|once|twice|every)\b"
                      r"|\b(monthly|weekly|apart)\b", _I),
    SENSATION: re.compile(r"\b(pain\w*|discomfort|uncomfortable|numb\w*|sensation\w*|feel\w*|toler\w*|pinpricks?|sting\w*|hurt\w*|tender\w*|mild\w*)\b", _I),
    COST: re.compile(r"\$|\b(cost\w*|price\w*|pric(ing|ed)|expensive|afford\w*|insurance|budget|invest\w*)\b", _I),
    ELIGIBILITY: re.compile(r"\b(should not|shouldn't|not (be )?(recommended|suitable|advised)|avoid\w*|candidates?|suitable|individuals with|people with|those with"
                            r"|if you (have|are)|contraindicat\w*|conditions?|not a good|unsafe|safe for|all skin types|pregnan\w*)\b", _I),
    BEFORE: re.compile(r"\b(before|prior to|leading up|ahead of|pre-?treatment|preparation|prepare|days? before|weeks? before)\b", _I),
    AFTER: re.compile(r"\b(after\w*|following (the|your|a|each)|post-?treatment|afterward\w*|heal\w*|recover\w*)\b", _I),
    COMPARISON: re.compile(r"\b(than|compared|comparison|whereas|unlike|versus|both|alternative\w*|instead|differ\w*|similar\w*)\b", _I),
    CAUSE: re.compile(r"\b(because|by (creating|causing|stimulating|triggering|prompting|puncturing|making)|stimulat\w*|trigger\w*|prompt\w*|response"
                      r"|process|mechanism|wound|micro-?(injur\w*|channels?|wounds?)|repair\w*|which (leads|results|helps)|leads? to|results? in|due to|this is why)\b", _I),
    EFFECT: re.compile(r"\b(can|will|helps?|reduc\w*|improv\w*|effective\w*|works?|not|cannot|can't|doesn't|minimi\w*|diminish\w*|boost\w*|enhanc\w*)\b", _I),
    DEFINITION: re.compile(r"\b(is a|is an|are a|involves|refers to|also known as|known as|procedure (that|which|where)|technique|treatment (that|which|where))\b", _I),
}
# A sentence about the other side of the treatment than the one asked: aftercare for "before my appointment".
_OPPOSITE = {BEFORE: AFTER, AFTER: BEFORE}
_AMOUNT_OF_TIME = re.compile(
    r"\b(\d+|one|two|three|four|five|six|seven|eight|ten|twelve|a|an|few|several|couple( of)?)\s*(-|to|or)?\s*(\d+\s*)?"
    r"(minutes?|hours?|days?|weeks?|months?|years?)\b|\b(an|one|half an) hour\b", _I)
"""How long something takes ("30 minutes to an hour"): a number, but not how many."""


@dataclass(frozen=True)
class AnswerType:
    """What a question's form asks for. ``kind`` is one of the constants above, ``NONE`` when the form says nothing."""

    kind: str

    def has_evidence(self, sentence: str) -> bool:
        """Whether ``sentence`` has what this kind of answer needs (a time, a number, pain words...)."""
        rx = _EVIDENCE.get(self.kind)
        if self.kind == COUNT:
            sentence = _AMOUNT_OF_TIME.sub(" ", sentence)  # "30 minutes" is how long, not how many
        return bool(rx and rx.search(sentence))

    def conflicts(self, sentence: str) -> bool:
        """Whether ``sentence`` speaks of the other side of the treatment (after, when asked about before) and not this one,
        or of how long when asked how many."""
        if self.kind == COUNT:
            # "sessions lasting between 30 minutes to an hour" answers how long, not "how many sessions"
            return bool(_AMOUNT_OF_TIME.search(sentence)) and not self.has_evidence(sentence)
        other = _OPPOSITE.get(self.kind)
        return bool(other and _EVIDENCE[other].search(sentence) and not _EVIDENCE[self.kind].search(sentence))


def answer_type(question: str) -> AnswerType:
    """The kind of answer ``question`` asks for, from its form alone; ``NONE`` when none applies."""
    for kind, rx in _QUESTION_FORMS:
        if rx.search(question):
            return AnswerType(kind)
    return AnswerType(NONE)


KINDS = (DURATION, COUNT, SENSATION, COST, ELIGIBILITY, BEFORE, AFTER, COMPARISON, CAUSE, EFFECT, DEFINITION)
