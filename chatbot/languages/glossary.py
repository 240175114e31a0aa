"""A small glossary of the articles' key terms in the supported languages, to English.

A question in another language is searched by its multilingual embedding; short ones ("¿duele?")
carry little meaning. With ``multilingual_glossary`` on, the English names of the key terms it uses
are added to it before it is embedded ("¿duele? (pain)"), which costs nothing extra: it is still one
embedding. Whether it helps is measured (README, "Questions in other languages"). It maps words to
words and holds no answers.
"""

from __future__ import annotations

import re

TERMS: dict[str, dict[str, str]] = {
    "es": {
        r"duel[eo]|dolor|doloros": "pain discomfort uncomfortable numbing", r"poros?": "pores", r"cicatri\w*|marcas": "scars", r"acn[eé]|granos": "acne",
        r"sesion\w*": "sessions", r"baja|recupera\w*|inactividad": "downtime", r"rojez|enrojec\w*|roj[oa]": "redness",
        r"hinch\w*": "swelling", r"arrugas?": "wrinkles", r"estr[ií]as": "stretch marks", r"manchas|pigment\w*": "pigmentation",
        r"maquill\w*": "makeup", r"sol|protector solar": "sun exposure sunscreen", r"resultados?": "results",
        r"riesgos?|efectos secundarios": "risks side effects", r"cuidados?": "aftercare", r"col[aá]geno": "collagen",
        r"crema anest[eé]sica|anestesia": "numbing cream",
    },
    "fr": {
        r"mal|douleur\w*|douloureu\w*": "pain discomfort uncomfortable numbing", r"pores?": "pores", r"cicatrices?": "scars", r"acn[eé]|boutons": "acne",
        r"s[eé]ances?": "sessions", r"[eé]viction|r[eé]cup[eé]ration|convalescence": "downtime", r"rougeurs?": "redness",
        r"gonfl\w*|[oœ]d[eè]me": "swelling", r"rides?": "wrinkles", r"vergetures?": "stretch marks", r"taches|pigment\w*": "pigmentation",
        r"maquill\w*": "makeup", r"soleil|cr[eè]me solaire": "sun exposure sunscreen", r"r[eé]sultats?": "results",
        r"risques?|effets secondaires": "risks side effects", r"soins": "aftercare", r"collag[eè]ne": "collagen", r"cr[eè]me anesth[eé]siante": "numbing cream",
    },
    "de": {
        r"weh|schmerz\w*": "pain discomfort uncomfortable numbing", r"poren": "pores", r"narben|aknenarben": "scars", r"akne|pickel": "acne",
        r"sitzungen|behandlungen": "sessions", r"ausfallzeit|erholung|heilung": "downtime", r"r[oö]tung\w*|rot": "redness",
        r"schwellung\w*|geschwollen": "swelling", r"falten": "wrinkles", r"dehnungsstreifen|schwangerschaftsstreifen": "stretch marks",
        r"pigment\w*|flecken": "pigmentation", r"schminken|make-?up": "makeup", r"sonne\w*|sonnenschutz": "sun exposure sunscreen",
        r"ergebnis\w*": "results", r"risiken|nebenwirkungen": "risks side effects", r"pflege|nachsorge": "aftercare", r"kollagen": "collagen",
        r"bet[aä]ubungscreme": "numbing cream",
    },
    "it": {
        r"male|dolor\w*": "pain discomfort uncomfortable numbing", r"pori": "pores", r"cicatric\w*": "scars", r"acne|brufoli": "acne", r"sedute|sessioni": "sessions",
        r"convalescenza|recupero|tempi di recupero": "downtime", r"rossore|arrossament\w*": "redness", r"gonfior\w*": "swelling",
        r"rughe": "wrinkles", r"smagliature": "stretch marks", r"macchie|pigment\w*": "pigmentation", r"trucc\w*": "makeup",
        r"sole|crema solare": "sun exposure sunscreen", r"risultat\w*": "results", r"rischi|effetti collaterali": "risks side effects",
        r"cura|cure": "aftercare", r"collagene": "collagen", r"crema anestetica": "numbing cream",
    },
    "pt": {
        r"d[oó]i|dor\w*|doloros\w*": "pain discomfort uncomfortable numbing", r"poros": "pores", r"cicatriz\w*|marcas": "scars", r"acne|espinhas": "acne",
        r"sess[oõ]es|sess[aã]o": "sessions", r"recupera\w*|baixa": "downtime", r"vermelhid[aã]o": "redness", r"incha\w*": "swelling",
        r"rugas": "wrinkles", r"estrias": "stretch marks", r"manchas|pigment\w*": "pigmentation", r"maquilha\w*|maquiagem": "makeup",
        r"sol|protetor solar": "sun exposure sunscreen", r"resultados?": "results", r"riscos?|efeitos secund[aá]rios": "risks side effects",
        r"cuidados?": "aftercare", r"col[aá]geno": "collagen", r"creme anest[eé]sico": "numbing cream",
    },
    "pl": {
        r"bol\w*|b[oó]l\w*": "pain discomfort uncomfortable numbing", r"pory|por[oó]w": "pores", r"blizn\w*": "scars", r"tr[aą]dzik\w*|pryszcz\w*": "acne",
        r"zabieg[oó]w|sesj\w*": "sessions", r"rekonwalescencj\w*|gojeni\w*|powr[oó]t do": "downtime", r"zaczerwieni\w*": "redness",
        r"opuchlizn\w*|obrz[eę]k\w*": "swelling", r"zmarszcz\w*": "wrinkles", r"rozst[eę]p\w*": "stretch marks",
        r"przebarwie\w*|plam\w*": "pigmentation", r"makija\w*|malowa\w*": "makeup", r"s[lł]o[nń]c\w*|filtr\w*": "sun exposure sunscreen",
        r"efekt\w*|rezultat\w*": "results", r"ryzyk\w*|skutki uboczne": "risks side effects", r"piel[eę]gnacj\w*": "aftercare",
        r"kolagen\w*": "collagen", r"krem znieczulaj\w*|znieczuleni\w*": "numbing cream",
    },
}
_COMPILED = {lang: [(re.compile(rf"\b(?:{rx})\b", re.IGNORECASE), en) for rx, en in terms.items()] for lang, terms in TERMS.items()}


def english_terms(question: str, language: str) -> str:
    """The English names of the key terms ``question`` uses, comma-separated ("" when none or unknown language)."""
    found = [en for rx, en in _COMPILED.get(language, []) if rx.search(question)]
    return ", ".join(dict.fromkeys(found))
