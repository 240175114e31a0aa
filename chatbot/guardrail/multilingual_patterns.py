"""The multilingual guardrail's rule tables: per-language patterns (``PATTERNS``: Spanish, French,
German, Italian, Portuguese and Polish), the emergency numbers and the urgent signs of common
languages the bot does not answer in (``URGENT_SIGNS_ELSEWHERE``). ``MultilingualGuardrail``
(``chatbot/guardrail/multilingual.py``) applies them.

The per-language patterns are data, not code: one file per language in ``chatbot/guardrail/languages/``
(``es.yaml``...), plus ``common.yaml`` for the medicine and treatment names every language shares.
A content editor may add or change a language there, so loading checks every file and stops the bot
with a message naming the file and the field, instead of a guardrail that silently matches nothing
(or, with an empty list, everything).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chatbot.errors import LanguagePatternsError
from chatbot.guardrail.patterns import BODY_AREAS
from chatbot.languages.detection import SUPPORTED_LANGUAGES

LANGUAGES_DIR = Path(__file__).with_name("languages")
"""The per-language pattern files, shipped as package data (``pyproject.toml``)."""
COMMON_FILE = "common.yaml"
FIELDS = ("urgent", "soft", "worsening", "medical", "redirect", "clinic", "other_treatment")
"""The regex fields of a language file; each lists alternatives joined with ``|``."""
AREA_KEYS = ("pattern", "note")


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(parts), re.IGNORECASE)


@dataclass(frozen=True)
class LanguagePatterns:
    """What decides the guardrail in one language. ``areas`` maps the English body-area names of
    ``chatbot.guardrail.patterns.BODY_AREAS`` to (pattern, the area as the catalogue's note names it)."""

    urgent: re.Pattern[str]
    soft: re.Pattern[str]
    worsening: re.Pattern[str]
    medical: re.Pattern[str]
    redirect: re.Pattern[str]
    clinic: re.Pattern[str]
    other_treatment: re.Pattern[str]
    areas: dict[str, tuple[str, str]]


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise LanguagePatternsError(f"guardrail language file {path} not found; restore it from git (a new language needs its own file)")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LanguagePatternsError(f"guardrail language file {path} cannot be read ({exc}); save it as UTF-8 text") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LanguagePatternsError(f"guardrail language file {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise LanguagePatternsError(f"guardrail language file {path} must map field names to lists (found {type(data).__name__})")
    return data


def _regex(text: object, where: str) -> str:
    """One alternative, checked on its own so the error names it (and not the whole joined field)."""
    if not isinstance(text, str) or not text:
        raise LanguagePatternsError(f"{where} must be a non-empty regex in single quotes, not {text!r}")
    try:
        re.compile(text, re.IGNORECASE)
    except re.error as exc:
        raise LanguagePatternsError(f"{where} is not a valid regex ({exc}): {text}") from exc
    return text


def _alternatives(items: object, where: str, common: dict[str, list[str]]) -> list[str]:
    # An empty field would compile to the empty regex, which matches every question.
    if not isinstance(items, list) or not items:
        raise LanguagePatternsError(f"{where} must be a non-empty list of regex alternatives")
    parts: list[str] = []
    for number, item in enumerate(items, 1):
        if isinstance(item, dict):
            if list(item) != ["include"] or item["include"] not in common:
                raise LanguagePatternsError(f"{where}, item {number}: `include:` names a list of {COMMON_FILE} ({', '.join(common)}), not {item!r}")
            parts += common[item["include"]]
        else:
            parts.append(_regex(item, f"{where}, item {number}"))
    return parts


def _field(parts: list[str], where: str) -> re.Pattern[str]:
    try:
        return _rx(*parts)
    except re.error as exc:  # alternatives valid alone can still clash when joined, e.g. a flag like (?i) not at the start
        raise LanguagePatternsError(f"{where}: its alternatives joined with | are not a valid regex ({exc})") from exc


def _areas(data: object, where: str) -> dict[str, tuple[str, str]]:
    if not isinstance(data, dict) or not data:
        raise LanguagePatternsError(f"{where} must map body areas ({', '.join(BODY_AREAS)}) to {{pattern: ..., note: ...}}")
    areas: dict[str, tuple[str, str]] = {}
    for name, entry in data.items():
        here = f"{where}, {name!r}"
        if name not in BODY_AREAS:
            raise LanguagePatternsError(f"{here} is not a body area; use one of {', '.join(BODY_AREAS)}")
        if not isinstance(entry, dict) or sorted(entry) != sorted(AREA_KEYS):
            raise LanguagePatternsError(f"{here} must have exactly `pattern:` and `note:`, not {entry!r}")
        if not isinstance(entry["note"], str) or not entry["note"]:
            raise LanguagePatternsError(f"{here}: `note:` must be the area as the translated note names it")
        areas[name] = (_regex(entry["pattern"], f"{here}, pattern"), entry["note"])
    return areas


def _language(path: Path, common: dict[str, list[str]]) -> LanguagePatterns:
    data = _read(path)
    unknown = [key for key in data if key not in (*FIELDS, "areas")]
    missing = [key for key in (*FIELDS, "areas") if key not in data]
    if unknown or missing:
        problem = f"unknown field {unknown[0]!r}" if unknown else f"no {missing[0]!r} field"
        raise LanguagePatternsError(f"guardrail language file {path} has {problem}; the fields are {', '.join(FIELDS)} and areas")
    fields = {name: _field(_alternatives(data[name], f"{path}: field {name!r}", common), f"{path}: field {name!r}") for name in FIELDS}
    return LanguagePatterns(**fields, areas=_areas(data["areas"], f"{path}: areas"))


@functools.cache
def load_language_patterns(directory: Path = LANGUAGES_DIR) -> dict[str, LanguagePatterns]:
    """Read, check and compile every supported language's file, once. Raises ``LanguagePatternsError``
    naming the file and the field. A file for a language the detector does not answer in is an error,
    not ignored: it would never be used."""
    common_path = directory / COMMON_FILE
    common: dict[str, list[str]] = {}
    for name, items in _read(common_path).items():
        if not isinstance(items, list) or not items:
            raise LanguagePatternsError(f"{common_path}: {name!r} must be a non-empty list of regex alternatives")
        common[name] = [_regex(item, f"{common_path}: {name!r}, item {number}") for number, item in enumerate(items, 1)]
    for path in sorted(directory.glob("*.yaml")):
        if path.name != COMMON_FILE and path.stem not in SUPPORTED_LANGUAGES:
            raise LanguagePatternsError(
                f"guardrail language file {path}: {path.stem!r} is not a supported language; add it to SUPPORTED_LANGUAGES "
                "in chatbot/languages/detection.py and its texts to chatbot/languages/messages.yaml"
            )
    return {language: _language(directory / f"{language}.yaml", common) for language in SUPPORTED_LANGUAGES}


PATTERNS: dict[str, LanguagePatterns] = load_language_patterns()

EMERGENCY_NUMBER = re.compile(r"(?<![\d.,])(112|911|999|120|119)(?![\d.,])")
"""Emergency numbers (Europe, North America, UK, China, Japan and Korea) in any script."""

URGENT_SIGNS_ELSEWHERE = _rx(
    # Russian, Ukrainian
    r"\bгно[йяеюи]\w*|\bгні[йю]\w*|\bгною\b", r"\bтемператур\w*|\bлихорад\w*|\bжар\b", r"кровотеч\w*|кровь не (останавлива|проходит)\w*|кров не зупиня\w*",
    r"(губы|лицо|горло)\s+(опух|отек|отёк)\w*|(опух|отек|отёк)\w*\s+(губ|лиц|горл)\w*|набряк\w* (губ|облич)\w*",
    r"(трудно|тяжело|не могу|не можу|важко)\s+дыш\w*|(трудно|не можу|важко)\s+дих\w*|задыха\w*", r"почерне\w*|чернеет|посине\w*|почорні\w*",
    r"красн\w*\s+(полос|полоск)\w*|червон\w*\s+смуг\w*|покраснени\w*\s+(\w+\s+)?(ползёт|ползет|распространя|располза|расход|раст[её]т)\w*|почервонінн\w*\s+(\w+\s+)?(поширю|розповза|росте)\w*",
    r"(становится|стала|стал|стало|почти|совсем)\s+(\w+\s+){0,2}(черн|т[её]мн|сине)\w*|(стає|стала|став|стало|майже|зовсім)\s+(\w+\s+){0,2}(чорн|темн|син)\w*",
    # Chinese
    r"脓|发烧|发热|高烧|出血不止|血止不住|一直流血|流血不止|嘴唇肿|脸肿|面部肿|喉咙肿|呼吸困难|喘不过气|发黑|变黑|发紫",
    r"(嘴唇|脸|面部|喉咙)[^。！？!?]{0,8}肿|红色?条纹|红[肿]?[^。！？!?]{0,6}(扩散|蔓延)",
    # Japanese
    r"膿|発熱|熱が|血が止まらない|出血が止まらない|唇が腫れ|顔が腫れ|息が(苦し|でき)|呼吸が(苦し|でき)|黒く(なっ|変)",
    r"(顔|唇|喉|まぶた)[^。！？!?]{0,12}腫れ|腫れ[^。！？!?]{0,12}(顔|唇|喉)",
    # Korean
    r"고름|열이\s?(나|났|있)|피가\s?멈추지|출혈이\s?멈추지|입술이\s?부|얼굴이\s?부|숨(을|이)?\s?(쉬기|못)|호흡\s?곤란|검게\s?변",
    # Arabic
    r"صديد|قيح|حمى|حرارة مرتفعة|ارتفاع (في )?(درجة )?الحرارة|حرارتي|نزيف|الدم لا يتوقف|تورم (الشفاه|الوجه|شفتي|وجهي)|(شفتاي|وجهي|شفتي) (متورم|منتفخ)",
    r"صعوبة في التنفس|لا أستطيع التنفس|اسودّ|اسودت|(صار|أصبح)(ت)? (الجلد )?(أسود|سوداء)",
    # Turkish
    r"\birin\w*|\bateş\w*|kanama(m)? (durmuyor|dinmiyor)|kan(ı)? durmuyor|(dudak|yüz)\w* şiş\w*|nefes (alamıyorum|darlığı|almakta zorlan)\w*|karard\w*|morard\w*",
    # Hindi
    r"मवाद|बुखार|खून (बंद नहीं|रुक नहीं)|(होंठ|चेहरा|चेहरे)\s\S*\s?सूज|सांस (लेने में|नहीं)",
)
"""Urgent signs in common languages the bot does not answer in (pus, fever, bleeding that won't stop,
swelling of the lips or face, trouble breathing, skin turning dark): such a question gets the urgent
advice with the honest English reply. Swelling alone is left out: the articles call some of it normal."""
