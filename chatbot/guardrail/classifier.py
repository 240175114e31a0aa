"""The dermatologist guardrail: every question gets one category and a reason.

* ``urgent``: symptoms that may need prompt care (infection or allergic reaction).
* ``medical``: the asker's own health situation (pregnancy, medicines, skin or other
  conditions); the answer adds a prominent "consult a dermatologist".
* ``out_of_scope``: not covered by the articles, or an attempt to redirect the bot.
* ``general``: everything else.

Two kinds of evidence are combined, so that neither a keyword list nor a
similarity score decides alone: patterns for the unambiguous cases, and the
question's embedding compared with example questions per category (nearest
neighbours) for phrasings no list foresees. Retrieval scores decide whether the
articles cover a question at all. The verdict names the rule that fired.

The categories, messages and verdict type are in ``chatbot/guardrail/verdict.py``, the English
rule tables in ``chatbot/guardrail/patterns.py``, the notes about what the articles don't name in
``chatbot/guardrail/notes.py``; this module holds the classifier and its example questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from chatbot.guardrail.conditions import asked_conditions
from chatbot.guardrail.notes import mentioned_in, unmentioned_area, unmentioned_topic
from chatbot.guardrail.patterns import (
    ACNE_AFTERMATH,
    ACTIVE_ACNE_STRONG,
    CLINIC_LOGISTICS,
    COMPARISON,
    EQUIPMENT,
    MEDICAL_RX,
    OTHER_TREATMENT_RX,
    PERSONAL,
    PRICES,
    PRODUCT_CHOICE,
    REDIRECT,
    SIDE_EFFECT,
    TREATMENT_CONTEXT,
    URGENT_SOFT,
    URGENT_STRONG,
    WORSENING,
)
from chatbot.guardrail.verdict import (
    CATEGORIES,
    GENERAL,
    MEDICAL,
    OUT_OF_SCOPE,
    REDIRECT_MESSAGE,
    UNMENTIONED_AREA_NOTE,
    UNMENTIONED_TOPIC_MESSAGE,
    URGENT,
    GuardrailVerdict,
    medical_verdict,
    out_of_scope_verdict,
    urgent_verdict,
)
from chatbot.knowledge.conditions import Condition
from chatbot.knowledge.embeddings import Embedder, VectorCache
from chatbot.settings import Settings
from chatbot.text.glossary import lay_words
from chatbot.text.tokens import tokenize

# --- example questions for the nearest-neighbour side --------------------------------

PROTOTYPES: dict[str, tuple[str, ...]] = {
    URGENT: (
        "my skin is leaking yellow fluid after my treatment", "the treated area is hot, throbbing and getting worse",
        "I feel feverish and shivery since the procedure", "my face blew up and my lips are huge",
        "I can barely breathe after the numbing cream", "there are red lines spreading from the treated area",
        "big painful lumps appeared where the needles went in and they keep growing", "my eyes are swelling shut",
        "I came out in an itchy rash all over my body and feel dizzy", "it has been a week and the redness keeps spreading",
        "I think something is badly wrong with my skin after microneedling, it is agony",
    ),
    MEDICAL: (
        "I'm on medication, is microneedling safe for me", "I have a skin condition, can I still have it done",
        "is microneedling okay while I am expecting", "my doctor has me on tablets for my acne",
        "I have an autoimmune condition, will it affect healing", "I heal badly and scar easily, should I do it",
        "I'm taking something that thins my blood", "I have a chronic illness, can I get microneedling",
        "my skin flares up easily and gets inflamed", "I had a bad reaction to a skin treatment before, is it safe for me",
        "I'm nursing my newborn, can I book a session", "I have diabetes and my wounds heal slowly",
        "I get flare-ups on my cheeks, can needling make it worse",
    ),
    OUT_OF_SCOPE: (
        "what's the weather like tomorrow", "recommend a good restaurant nearby", "how do I fix my car",
        "who won the football game", "write me a poem about summer", "what is the capital of France",
        "can you help me with my homework", "tell me a joke", "how much is a session at your clinic",
        "do you do lip fillers", "what are your opening times", "how do I cancel my appointment",
        "what's the best shampoo for dandruff", "how do I lose weight fast",
    ),
    GENERAL: (
        "what is microneedling", "does microneedling hurt", "how long is the downtime", "how many sessions will I need",
        "what results can I expect", "does it help with acne scars", "can it shrink pores", "what are the side effects",
        "what should I do after treatment", "how long does a session take", "is it safe", "does it help wrinkles",
        "how does it compare to laser", "can it fix stretch marks", "is redness normal after microneedling",
        "how long do the results last", "who should not get microneedling", "what does the numbing cream do",
        "can microneedling cause infection", "what are the risks of microneedling",
        "how long does the redness last after treatment", "when will the swelling go down",
        "what will my skin look like in the days after treatment",
    ),
}


def example_questions(extra_general: Sequence[str] = ()) -> dict[str, list[str]]:
    """The example questions per category the guardrail compares a question with; ``extra_general``
    (the clinic's common questions) count as general."""
    examples = {cat: list(texts) for cat, texts in PROTOTYPES.items()}
    examples[GENERAL] += list(extra_general)
    return examples


class Guardrail:
    """Classifies questions. Build once per process: it embeds its example questions."""

    def __init__(
        self, settings: Settings, embedder: Embedder, *, extra_general: Sequence[str] = (), cache: VectorCache | None = None
    ) -> None:
        """``cache``: a ``VectorCache`` holding the example questions' vectors (the ingest fills it),
        so building the guardrail costs no model time."""
        self.settings = settings
        self.embedder = embedder
        examples = example_questions(extra_general)
        self._labels = np.array([cat for cat, texts in examples.items() for _ in texts])
        self._matrix = embedder.embed_stored([t for texts in examples.values() for t in texts], cache)

    def nearest(self, vector: np.ndarray) -> dict[str, float]:
        """Best cosine per category against the example questions."""
        sims = self._matrix @ vector
        return {cat: float(sims[self._labels == cat].max()) for cat in CATEGORIES}

    def classify(
        self,
        question: str,
        vector: np.ndarray,
        *,
        best_passage_similarity: float,
        vocabulary: frozenset[str] | set[str] = frozenset(),
        history_verdicts: Sequence[GuardrailVerdict] = (),
        is_follow_up: bool = False,
        corrected: str = "",
        conditions: Sequence[Condition] = (),
    ) -> GuardrailVerdict:
        """Decide the category of ``question``.

        ``best_passage_similarity`` is the top dense cosine from retrieval;
        ``vocabulary`` the index's words (to tell whether a treatment is discussed);
        ``history_verdicts`` the verdicts of earlier turns, which a follow-up inherits
        when it is urgent or medical; ``corrected`` the question with its typos fixed, for
        telling whether the articles use its words ("downtiem" is their "downtime"); ``conditions``
        those the articles give as reasons not to have microneedling (the live index's): the asker's own
        case of one is medical, and the verdict carries the sentence that lists it.
        """
        s = self.settings
        near = self.nearest(vector)
        general_best = near[GENERAL]

        urgent = urgent_by_pattern(question)
        if urgent is not None:
            return urgent
        if (
            near[URGENT] >= s.urgent_prototype_similarity
            and near[URGENT] >= general_best + s.prototype_margin
            and URGENT_SOFT.search(question)
        ):
            return urgent_verdict(f"close to urgent examples (similarity {near[URGENT]:.2f})", "prototype:urgent")

        redirect = REDIRECT.search(question)
        if redirect:
            return GuardrailVerdict(OUT_OF_SCOPE, f"attempt to redirect the bot: {redirect.group(0)!r}", REDIRECT_MESSAGE, "pattern:redirect")

        topics = medical_topics(question)
        listed = asked_conditions(question, conditions)
        lead = listed[0].sentence if listed else ""
        if topics:
            verdict = medical_verdict(", ".join(topics), f"personal health situation: {', '.join(topics)}", "pattern:medical", tuple(topics))
            return replace(verdict, lead=lead)
        if listed:
            names = ", ".join(c.name.lower() for c in listed)
            verdict = medical_verdict(names, f"the articles list {names} among who should not have it or is at risk", "articles:condition",
                                      tuple(c.name for c in listed))
            return replace(verdict, lead=lead)
        # A situation is the asker's own: without "I" or "my" a question close to the examples asks
        # about safety in general ("is it safer than more full-on treatments?").
        if (
            near[MEDICAL] >= s.medical_prototype_similarity and near[MEDICAL] >= general_best + s.prototype_margin
            and PERSONAL.search(question)
        ):
            return medical_verdict("your health situation", f"close to medical examples (similarity {near[MEDICAL]:.2f})", "prototype:medical")

        if is_follow_up:
            for earlier in reversed(history_verdicts):
                if earlier.category in (URGENT, MEDICAL):
                    return GuardrailVerdict(
                        earlier.category, f"follow-up to an earlier {earlier.category} question ({earlier.reason})",
                        earlier.message, f"history:{earlier.category}",
                    )

        price = PRICES.search(question)
        if price and not COMPARISON.search(question):
            return out_of_scope_verdict(f"prices are not in the articles: {price.group(0)!r}", "pattern:price")
        logistics = CLINIC_LOGISTICS.search(question)
        if logistics and not (
            best_passage_similarity >= s.clinic_detail_similarity and mentioned_in(logistics.group(0), vocabulary)
        ):
            return out_of_scope_verdict(f"clinic details the articles don't cover: {logistics.group(0)!r}", "pattern:clinic")
        equipment = EQUIPMENT.search(question)
        if equipment:
            return out_of_scope_verdict(f"clinic details the articles don't cover: {equipment.group(0)!r}", "pattern:clinic")
        product = PRODUCT_CHOICE.search(question)
        if product and not TREATMENT_CONTEXT.search(question):
            return out_of_scope_verdict(f"product recommendations the articles don't make: {product.group(0)!r}", "pattern:product")
        uncovered = [
            name for name, rx in OTHER_TREATMENT_RX.items()
            if rx.search(question) and not mentioned_in(name, vocabulary)
        ]
        if uncovered:
            return out_of_scope_verdict(f"treatment the articles don't discuss: {', '.join(uncovered)}", "pattern:other-treatment")
        coverage = _coverage(corrected or question, vocabulary)
        if best_passage_similarity < s.out_of_scope_similarity and coverage < s.out_of_scope_word_coverage:
            return out_of_scope_verdict(
                f"articles don't cover it (best passage similarity {best_passage_similarity:.2f} < {s.out_of_scope_similarity}, "
                f"{coverage:.0%} of its words appear in the articles)",
                "low-similarity",
            )
        if near[OUT_OF_SCOPE] >= s.off_topic_prototype_similarity and near[OUT_OF_SCOPE] >= general_best + s.prototype_margin:
            return out_of_scope_verdict(f"close to off-topic examples (similarity {near[OUT_OF_SCOPE]:.2f})", "prototype:out_of_scope")
        topic = unmentioned_topic(question, vocabulary)
        if topic:
            return GuardrailVerdict(
                OUT_OF_SCOPE, f"skin concern the articles don't discuss: {topic}",
                UNMENTIONED_TOPIC_MESSAGE.format(topic=topic), "unmentioned-topic",
            )
        covered = f"covered by the articles (best passage similarity {best_passage_similarity:.2f})"
        area = unmentioned_area(question, vocabulary)
        if area:
            return GuardrailVerdict(GENERAL, f"{covered}, but not {area}", UNMENTIONED_AREA_NOTE.format(area=area), "unmentioned-area")
        return GuardrailVerdict(GENERAL, covered, "", "general")


def urgent_by_pattern(question: str) -> GuardrailVerdict | None:
    """The urgent verdict the English symptom patterns give on their own, or None. Run on every
    question, whatever language it was read as: a misread language never lowers the guardrail."""
    urgent = URGENT_STRONG.search(question)
    if urgent:
        return urgent_verdict(f"symptom that may need prompt care: {urgent.group(0)!r}", "pattern:urgent")
    if URGENT_SOFT.search(question) and WORSENING.search(question):
        return urgent_verdict("symptom that is getting worse", "pattern:urgent-worsening")
    return None


def medical_topics(question: str) -> list[str]:
    """The personal health situations (``MEDICAL_TOPICS`` names) the English patterns find in ``question``.

    A condition named as something microneedling might bring on, by someone who says nothing of
    themselves, is a side-effect question ("can microneedling cause breakouts?"), and old acne's marks
    are the acne-scar question, not active acne."""
    topics = [name for name, rx in MEDICAL_RX.items() if rx.search(question)]
    if topics and SIDE_EFFECT.search(question) and not PERSONAL.search(question):
        return []
    if "active acne" in topics and ACNE_AFTERMATH.search(question) and not ACTIVE_ACNE_STRONG.search(question):
        topics.remove("active acne")
    return topics


def _coverage(question: str, vocabulary: frozenset[str] | set[str]) -> float:
    """Share of the question's content words that the articles use, themselves or under the
    glossary's terms ("legit" -> "effective"); 1.0 for no content words."""
    words = tokenize(question)
    if not vocabulary or not words:
        return 1.0
    lay = lay_words(question)
    return sum(w in vocabulary or w in lay for w in words) / len(words)
