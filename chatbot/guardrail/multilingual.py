"""The guardrail for questions in Spanish, French, German, Italian, Portuguese and Polish, and for
languages the bot does not answer in.

The same categories and the same two kinds of evidence as ``chatbot/guardrail/classifier.py``: per-language
patterns for the unambiguous cases (``PATTERNS`` in ``chatbot/guardrail/multilingual_patterns.py``), and the multilingual embedding (e5) of the
question compared with example questions (``EXAMPLES``, several languages each), which also works
for a language no pattern list covers. Messages come from the translated catalogue
(``chatbot/languages/messages.yaml``).

For an unsupported language the checks are an emergency number in the question (112, 911, 999,
120...), the urgent signs of common languages (``URGENT_SIGNS_ELSEWHERE``: Russian, Ukrainian,
Chinese, Japanese, Korean, Arabic, Turkish, Hindi) and closeness to the urgent examples. The reply
is the honest English "I can only answer in English and a few other languages", plus the urgent
advice when any check fires.
"""

from __future__ import annotations

import re

import numpy as np

from chatbot.guardrail.classifier import medical_topics, urgent_by_pattern
from chatbot.guardrail.multilingual_patterns import EMERGENCY_NUMBER, PATTERNS, URGENT_SIGNS_ELSEWHERE
from chatbot.guardrail.verdict import GENERAL, MEDICAL, OUT_OF_SCOPE, URGENT, GuardrailVerdict
from chatbot.knowledge.embeddings import MultilingualEmbedder, VectorCache
from chatbot.languages.messages import MessageCatalogue
from chatbot.settings import Settings
from chatbot.text.tokens import tokenize

# Example questions for the multilingual embedding, in several languages each: e5 matches across
# languages, so they also cover the supported languages' other phrasings and unsupported languages.
EXAMPLES: dict[str, tuple[str, ...]] = {
    URGENT: (
        "there is pus coming out of my skin after microneedling and I have a fever",
        "my lips and face are swelling and I can't breathe",
        "the redness is spreading and the skin is hot and hurts more every day",
        "the bleeding will not stop after the treatment",
        "the treated skin is turning black",
        "tengo fiebre y pus después del tratamiento", "j'ai de la fièvre et du pus après la séance",
        "ich habe Fieber und Eiter nach der Behandlung", "ho la febbre e il pus dopo il trattamento",
        "estou com febre e pus depois do tratamento", "mam gorączkę i ropę po zabiegu",
        "治疗后我发烧了，皮肤流脓", "微针后嘴唇肿了，呼吸困难", "出血止不住", "لدي حمى وصديد بعد العلاج", "شفتاي ووجهي متورمان ولا أستطيع التنفس",
        "النزيف لا يتوقف بعد الجلسة", "после процедуры у меня температура и гной", "губы и лицо опухли, трудно дышать",
    ),
    MEDICAL: (
        "I am pregnant, can I have microneedling", "I take blood thinners, is microneedling safe for me",
        "I have eczema, can I still have it done", "I'm on isotretinoin for my acne",
        "estoy embarazada, ¿puedo hacerme microneedling?", "je prends des anticoagulants", "ich habe Neurodermitis",
        "sono incinta, posso farlo?", "tenho diabetes, posso fazer?", "biorę leki na tarczycę",
    ),
    OUT_OF_SCOPE: (
        "what's the weather like tomorrow", "recommend a good restaurant nearby", "who won the football game",
        "write me a poem about summer", "what is the capital of France", "tell me a joke", "how much is a session at your clinic",
        "¿qué tiempo hará mañana?", "quelle est la capitale de l'Italie ?", "wer hat das Fußballspiel gewonnen?",
        "mi consigli un buon ristorante?", "qual é a melhor receita de bolo?", "jaka jest pogoda w Warszawie?",
    ),
    GENERAL: (
        "what is microneedling", "does microneedling hurt", "how long is the downtime", "how many sessions will I need",
        "what results can I expect", "does it help with acne scars", "can it shrink pores", "what are the side effects",
        "what should I do after treatment", "is it safe", "does it help wrinkles", "how long do the results last",
        "is redness normal after microneedling", "when will the swelling go down", "who should not get microneedling",
        "¿el microneedling duele?", "le microneedling réduit-il les pores ?", "hilft Microneedling gegen Aknenarben?",
        "quante sedute servono?", "quanto tempo dura a vermelhidão?", "czy mikronakłuwanie pomaga na zmarszczki?",
        # questions in unsupported languages, so that closeness to the urgent examples is not just closeness of script
        "微针对痘印有效吗？", "做微针多久能化妆？", "微针需要做几次？", "ما هي فوائد الوخز بالإبر الدقيقة؟", "كم جلسة أحتاج؟",
        "Сколько длится восстановление после микронидлинга?", "Помогает ли микронидлинг от морщин?", "マイクロニードリングは痛いですか？",
    ),
}


def example_texts() -> list[str]:
    """Every example question the multilingual guardrail compares a question with, in order."""
    return [t for texts in EXAMPLES.values() for t in texts]


class MultilingualGuardrail:
    """Classifies questions in the supported languages and checks unsupported ones. Build once per process."""

    def __init__(
        self, settings: Settings, embedder: MultilingualEmbedder, messages: MessageCatalogue, *, cache: VectorCache | None = None
    ) -> None:
        """``cache``: a ``VectorCache`` of the e5 example vectors (the ingest fills it)."""
        self.settings = settings
        self.embedder = embedder
        self.messages = messages
        self._labels = np.array([cat for cat, texts in EXAMPLES.items() for _ in texts])
        self._matrix = embedder.embed_queries_stored(example_texts(), cache)
        self._areas = {
            lang: {name: (re.compile(rx, re.IGNORECASE), label) for name, (rx, label) in p.areas.items()} for lang, p in PATTERNS.items()
        }

    def nearest(self, vector: np.ndarray) -> dict[str, float]:
        sims = self._matrix @ vector
        return {cat: float(sims[self._labels == cat].max()) for cat in EXAMPLES}

    def _prototype(self, near: dict[str, float], category: str, threshold: float) -> bool:
        return near[category] >= threshold and near[category] >= near[GENERAL] + self.settings.multilingual_prototype_margin

    def _verdict(self, category: str, reason: str, key: str, rule: str, language: str, **values: str) -> GuardrailVerdict:
        return GuardrailVerdict(category, reason, self.messages.text(key, language, **values), rule)

    def classify(
        self, question: str, language: str, vector: np.ndarray, *, best_passage_similarity: float, vocabulary: frozenset[str] | set[str] = frozenset()
    ) -> GuardrailVerdict:
        """The category of a question in supported ``language`` ("es"...), whose e5 embedding is ``vector``;
        ``best_passage_similarity`` is the best e5 cosine among the retrieved passages."""
        s = self.settings
        p = PATTERNS[language]
        near = self.nearest(vector)
        urgent = p.urgent.search(question)
        if urgent:
            return self._verdict(URGENT, f"symptom that may need prompt care: {urgent.group(0)!r}", "urgent", f"pattern:urgent-{language}", language)
        english = urgent_by_pattern(question)  # the English patterns run on every question: a misread language never lowers the guardrail
        if english is not None:
            return self._verdict(URGENT, english.reason, "urgent", english.rule, language)
        if p.soft.search(question) and p.worsening.search(question):
            return self._verdict(URGENT, "symptom that is getting worse", "urgent", f"pattern:urgent-worsening-{language}", language)
        if self._prototype(near, URGENT, s.multilingual_urgent_prototype_similarity) and p.soft.search(question):
            return self._verdict(URGENT, f"close to urgent examples (similarity {near[URGENT]:.2f})", "urgent", "prototype:urgent-e5", language)
        redirect = p.redirect.search(question)
        if redirect:
            return self._verdict(OUT_OF_SCOPE, f"attempt to redirect the bot: {redirect.group(0)!r}", "redirect", f"pattern:redirect-{language}", language)
        medical = p.medical.search(question)
        if medical:
            return self._verdict(
                MEDICAL, f"personal health situation: {medical.group(0)!r}", "medical", f"pattern:medical-{language}", language, topic=medical.group(0)
            )
        topics = medical_topics(question)
        if topics:
            return self._verdict(MEDICAL, f"personal health situation: {', '.join(topics)}", "medical", "pattern:medical", language, topic=", ".join(topics))
        if self._prototype(near, MEDICAL, s.multilingual_medical_prototype_similarity):
            return self._verdict(MEDICAL, f"close to medical examples (similarity {near[MEDICAL]:.2f})", "medical", "prototype:medical-e5", language,
                                 topic="your health situation")
        clinic = p.clinic.search(question)
        if clinic:
            return self._verdict(OUT_OF_SCOPE, f"clinic details the articles don't cover: {clinic.group(0)!r}", "out_of_scope", f"pattern:clinic-{language}", language)
        treatment = p.other_treatment.search(question)
        if treatment:
            return self._verdict(OUT_OF_SCOPE, f"treatment the articles don't discuss: {treatment.group(0)!r}", "out_of_scope", f"pattern:other-treatment-{language}", language)
        if best_passage_similarity < s.multilingual_out_of_scope_similarity:
            return self._verdict(
                OUT_OF_SCOPE, f"articles don't cover it (best passage similarity {best_passage_similarity:.2f} < {s.multilingual_out_of_scope_similarity})",
                "out_of_scope", "low-similarity-e5", language,
            )
        if self._prototype(near, OUT_OF_SCOPE, s.multilingual_off_topic_prototype_similarity):
            return self._verdict(OUT_OF_SCOPE, f"close to off-topic examples (similarity {near[OUT_OF_SCOPE]:.2f})", "out_of_scope", "prototype:out_of_scope-e5", language)
        covered = f"covered by the articles (best passage similarity {best_passage_similarity:.2f})"
        for name, (rx, label) in self._areas[language].items():
            if rx.search(question) and vocabulary and not all(w in vocabulary for w in tokenize(name)):
                return self._verdict(GENERAL, f"{covered}, but not {name}", "unmentioned_area", "unmentioned-area", language, area=label)
        return GuardrailVerdict(GENERAL, covered, "", "general")

    def unsupported(self, question: str, vector: np.ndarray, language: str) -> GuardrailVerdict:
        """The honest English reply to a language the bot does not answer in, with the urgent advice
        when an emergency number or closeness to the urgent examples shows an urgent sign."""
        s = self.settings
        sorry = self.messages.text("unsupported_language")
        number = EMERGENCY_NUMBER.search(question)
        sign = URGENT_SIGNS_ELSEWHERE.search(question)
        english = urgent_by_pattern(question)  # English misread as another language keeps its urgent advice
        near = self.nearest(vector)
        close = near[URGENT] >= s.multilingual_urgent_prototype_similarity and near[URGENT] >= near[GENERAL] + s.unsupported_urgent_margin
        if number or sign or english or close:
            why = (f"emergency number {number.group(0)}" if number else f"urgent sign {sign.group(0)!r}" if sign
                   else english.reason if english else f"close to urgent examples (similarity {near[URGENT]:.2f})")
            return GuardrailVerdict(
                URGENT, f"language not supported ({language}), and {why}", f"{sorry} {self.messages.text('urgent')}", "unsupported-language:urgent"
            )
        topics = medical_topics(question)  # English read as another language keeps its dermatologist advice
        if topics:
            return GuardrailVerdict(
                MEDICAL, f"language not supported ({language}), and personal health situation: {', '.join(topics)}",
                f"{sorry} {self.messages.text('medical', topic=', '.join(topics))}", "unsupported-language:medical",
            )
        # The bot cannot read the question: whoever needs care must still learn where to get it.
        return GuardrailVerdict(
            OUT_OF_SCOPE, f"language not supported ({language})", f"{sorry} {self.messages.text('unsupported_safety')}", "unsupported-language"
        )
