"""Personal details taken out of what visitors write, before anything is stored.

``redact`` replaces e-mail addresses (also spelled out, "jane dot doe at gmail", and in fullwidth
forms, "jane＠example．com"), phone numbers, payment card numbers (only when the Luhn check
passes, so a long order number stays), dates of birth (a date next to "born", "DOB", "date of
birth"...), national ID and insurance numbers (US SSN, UK National Insurance, French INSEE, and any
number after "insurance number", "NHS number", "policy no."...) and a name after "my name is".
Each becomes a mark such as ``[email removed]``. Doses, durations, session counts and dates that
are not a birth date are kept: the content team needs them.

Health details themselves (a pregnancy, a medicine) are kept: they are what the question is about.
``tests/data/redaction_labelled.yaml`` is the labelled set that measures this module
(``tests/test_redaction.py`` reports the recall per kind).
"""

from __future__ import annotations

import re

EMAIL_MARK = "[email removed]"
PHONE_MARK = "[phone removed]"
CARD_MARK = "[card removed]"
BIRTH_MARK = "[date of birth removed]"
ID_MARK = "[id number removed]"
NAME_MARK = "[name removed]"

# Fullwidth ASCII (U+FF01..U+FF5E) and the small and ideographic forms of "@" and "." read as ASCII.
# One character for one, so a match found in the folded text has the same span in the original.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0xFE6B: ord("@"), 0xFE52: ord("."), 0x3002: ord("."), 0xFF61: ord("."),
                                                                0x3000: ord(" "), 0x2024: ord("."), 0x2219: ord(".")}

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
_DOT = r"(?:\s*\.\s*|\s*[\[\(\{<]\s*(?:dot|punkt|point|punto)\s*[\]\)\}>]\s*|\s+(?:dot|punkt|point|punto)\s+|[_+-])"
_AT = r"(?:\s*[\[\(\{<]\s*(?:at|@|arroba)\s*[\]\)\}>]\s*|\s+(?:at|arroba)\s+)"
_PROVIDERS = ("gmail|googlemail|hotmail|yahoo|outlook|icloud|aol|protonmail|proton|gmx|yandex|btinternet|comcast|"
              "orange|wanadoo|libero|mailbox|posteo|zoho|fastmail|tutanota|virgin|sky|ntlworld|talktalk")
_TLD = r"(?:com|net|org|edu|gov|info|biz|io|co|uk|de|fr|es|it|nl|be|ch|at|ie|us|ca|au|eu|pl|se|dk|no|fi|pt)"
# "jane dot doe at gmail", "jane(at)clinic(dot)co(dot)uk", "jane at example dot com": the spelled-out
# "at" only counts before a mail provider or a domain that ends in a spelled or written dot and a TLD.
_SPELLED_EMAIL = re.compile(
    rf"\b[\w+-]+(?:{_DOT}[\w+-]+)*"
    rf"(?:{_AT}(?:{_PROVIDERS})\b(?:{_DOT}[a-z]{{2,6}}\b)*"
    rf"|{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}{_TLD}\b"
    rf"|\s*[\[\(\{{<]\s*(?:at|@)\s*[\]\)\}}>]\s*[\w-]+(?:{_DOT}[\w-]+)*)",
    re.IGNORECASE,
)

_CARD_CANDIDATE = re.compile(r"(?<![\w.])\d(?:[ -]?\d){12,18}(?!\w)")
_SSN = re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])")
_NINO = re.compile(r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", re.IGNORECASE)
_INSEE = re.compile(r"(?<!\d)[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3}(?: ?\d{2})?(?!\d)")
_ID_CUE = re.compile(
    r"\b(?:(?:national\s+)?insurance|health\s+insurance|nhs|medicare|medicaid|policy|member(?:ship)?|patient|passport|"
    r"social\s+security|ssn|id|identity|insurance\s+card|versicherten|ni)"
    r"(?:\s+(?:number|no\.?|num|nr\.?|#|card|id))*\s*(?:is|:|=|#)?\s*"
    r"(?P<id>(?=[A-Z0-9 -]*\d[A-Z0-9 -]*\d[A-Z0-9 -]*\d)[A-Z0-9](?:[A-Z0-9]|[ -](?=[A-Z0-9])){4,20})",
    re.IGNORECASE,
)
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
           r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DATE = (rf"(?:\d{{1,4}}[-./]\d{{1,2}}[-./]\d{{2,4}}|\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTHS},?\s+\d{{2,4}}"
         rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}|{_MONTHS}\s+\d{{4}}|\d{{4}})")
_BIRTH = re.compile(
    rf"(?P<cue>\b(?:born(?:\s+(?:on|in))?|d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s*date|birthday(?:\s+is)?|geboren(?:\s+am)?|"
    rf"n[ée]e?\s+le|fecha\s+de\s+nacimiento)\s*(?:is|was|:|=|-)?\s*)(?P<date>{_DATE})(?!\d)",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?P<cue>\b(?:my\s+name\s+is|my\s+name's|name\s*:|i\s+am\s+called|ich\s+hei(?:ß|ss)e|je\s+m'appelle|me\s+llamo)\s+)"
                   r"(?P<name>[A-ZÀ-Þ][\w'’-]+(?:\s+[A-ZÀ-Þ][\w'’-]+){0,2})")

# A run of digits with the separators people type in phone numbers; whether it is one is decided by _is_phone.
_PHONE_CANDIDATE = re.compile(r"(?<![\w.])(?:\+\s?)?(?:\(\d{1,5}\)[\s.-]?)?\d(?:[\s.-]?\d|[\s.-]?\(\d{1,5}\)){5,17}(?![\w])")
_DATE_LIKE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
_LOCAL_NUMBER = re.compile(r"^\d{3}[\s.-]\d{4}$")


def luhn_valid(digits: str) -> bool:
    """Whether the digits pass the Luhn check (ISO/IEC 7812) every payment card number passes."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _is_card(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    return 13 <= len(digits) <= 19 and luhn_valid(digits)


def _is_phone(candidate: str) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    if _DATE_LIKE.match(candidate.strip()):
        return False
    if candidate.lstrip().startswith(("+", "(")):
        return 7 <= digits <= 15
    # "0.5 mm", "3-6 weeks", "2024" never reach here: a phone number has 9+ digits, or is "555-1234".
    return 9 <= digits <= 15 or bool(_LOCAL_NUMBER.match(candidate))


def _replace(text: str, folded: str, pattern: re.Pattern, mark: str, *, group: str | int = 0, keep=None) -> tuple[str, str]:
    """Replace ``pattern``'s matches (found in ``folded``) in both texts; ``keep(match)`` True leaves one alone."""
    pieces, folded_pieces, last = [], [], 0
    for m in pattern.finditer(folded):
        if keep is not None and keep(m):
            continue
        start, end = m.span(group)
        pieces += [text[last:start], mark]
        folded_pieces += [folded[last:start], mark]
        last = end
    if not pieces:
        return text, folded
    return "".join(pieces) + text[last:], "".join(folded_pieces) + folded[last:]


def redact(text: str) -> str:
    """``text`` with the personal details listed in the module docstring replaced by marks.

    Phone numbers are recognised in the usual written forms (+44 20 7946 0958, (555) 123-4567,
    555.123.4567, 07700 900123, 555-1234); dates, doses and durations are left alone.
    """
    if not text:
        return text
    folded = text.translate(_FOLD)
    steps = (
        (_EMAIL, EMAIL_MARK, 0, None),
        (_SPELLED_EMAIL, EMAIL_MARK, 0, None),
        (_BIRTH, BIRTH_MARK, "date", None),
        (_NAME, NAME_MARK, "name", None),
        (_CARD_CANDIDATE, CARD_MARK, 0, lambda m: not _is_card(m.group(0))),
        (_SSN, ID_MARK, 0, None),
        (_NINO, ID_MARK, 0, None),
        (_INSEE, ID_MARK, 0, None),
        (_ID_CUE, ID_MARK, "id", lambda m: sum(ch.isdigit() for ch in m.group("id")) < 5),
        (_PHONE_CANDIDATE, PHONE_MARK, 0, lambda m: not _is_phone(m.group(0))),
    )
    for pattern, mark, group, keep in steps:
        text, folded = _replace(text, folded, pattern, mark, group=group, keep=keep)
    return text
