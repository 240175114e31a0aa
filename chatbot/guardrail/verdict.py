"""What the guardrail decides: the four categories, the messages each one carries, and the verdict
type every part of the bot reads (``GuardrailVerdict``), with the small constructors the English
classifier builds its verdicts with.

* ``urgent``: symptoms that may need prompt care (infection or allergic reaction).
* ``medical``: the asker's own health situation (pregnancy, medicines, skin or other
  conditions); the answer adds a prominent "consult a dermatologist".
* ``out_of_scope``: not covered by the articles, or an attempt to redirect the bot.
* ``general``: everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

URGENT, MEDICAL, OUT_OF_SCOPE, GENERAL = "urgent", "medical", "out_of_scope", "general"
CATEGORIES = (URGENT, MEDICAL, OUT_OF_SCOPE, GENERAL)

DISCLAIMER = "General information from our clinic's articles, not medical advice."
URGENT_MESSAGE = (
    "These symptoms may need prompt medical care. Please contact a doctor now, or call your local emergency "
    "number (for example 112, 911 or 999) if you have trouble breathing, swelling of the lips, face or throat, "
    "or feel very unwell. Do not wait for your next appointment."
)
MEDICAL_MESSAGE = (
    "Because this depends on your own health ({topic}), please consult a dermatologist before having "
    "microneedling. What our articles say is general information and cannot replace their advice."
)
UNMENTIONED_NOTE = "Our articles don't mention {situations}, so what they say here is not specific to your situation."
UNMENTIONED_TOPIC_MESSAGE = (
    "I can only answer from our clinic's articles, and they don't mention {topic}, so I can't say whether "
    "microneedling helps with it. A dermatologist can advise you on {topic}, or please contact the clinic directly."
)
UNMENTIONED_AREA_NOTE = (
    "Our articles don't mention treating {area}, so what they say here is about microneedling in general, "
    "not about that area. The clinic can tell you whether they treat it."
)
OUT_OF_SCOPE_MESSAGE = (
    "I can only answer questions about microneedling from our clinic's articles, and they don't cover this. "
    "Please contact the clinic directly for anything else."
)
REDIRECT_MESSAGE = (
    "I can only answer questions about microneedling from our clinic's articles, so I can't do that. "
    "Please ask me about microneedling, or contact the clinic directly."
)


@dataclass(frozen=True)
class GuardrailVerdict:
    category: str
    reason: str
    message: str
    rule: str
    """Short machine-readable name of what decided: "pattern:urgent", "prototype:medical", "low-similarity"..."""
    topics: tuple[str, ...] = ()
    """Medical only: the health situations recognised in the question (keys of ``chatbot.guardrail.patterns.MEDICAL_TOPICS``,
    or the name of a condition the articles list)."""
    lead: str = ""
    """Medical only: the article sentence that lists the asker's condition as a reason not to have
    microneedling (or as a higher risk); the answer opens with it."""


def urgent_verdict(reason: str, rule: str) -> GuardrailVerdict:
    return GuardrailVerdict(URGENT, reason, URGENT_MESSAGE, rule)


def medical_verdict(topic: str, reason: str, rule: str, topics: tuple[str, ...] = ()) -> GuardrailVerdict:
    return GuardrailVerdict(MEDICAL, reason, MEDICAL_MESSAGE.format(topic=topic), rule, topics)


def out_of_scope_verdict(reason: str, rule: str) -> GuardrailVerdict:
    return GuardrailVerdict(OUT_OF_SCOPE, reason, OUT_OF_SCOPE_MESSAGE, rule)
