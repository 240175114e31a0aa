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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from chatbot.settings import Settings
from chatbot.text.glossary import lay_words
from chatbot.text.tokens import tokenize

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
    """Medical only: the health situations recognised in the question (keys of ``MEDICAL_TOPICS``)."""


# --- patterns ----------------------------------------------------------------------

def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(parts), re.IGNORECASE)


# Symptoms that need care whoever reports them and however they are phrased.
URGENT_STRONG = _rx(
    r"\bpus\b", r"\booz\w*", r"\bweeping\b", r"\bshiver", r"\bballoon", r"\bcatch my breath\b", r"\bchest\b.{0,20}\btight",
    r"\b(gunk|goo|gunge|stuff|fluid)\b.{0,20}\bcoming out\b", r"\bcoming out of\b.{0,30}\b(needle|marks?|holes?|spots?|skin)\b",
    r"\b(moved|spread\w*|going|extend\w*) (beyond|past|outside) the treated area\b", r"\b(yellow|green)\w*\s+(discharge|crust|fluid|stuff)", r"\bdischarge\b",
    r"\bfever(ish|s)?\b(?!\s+blisters?)", r"\bchills\b", r"\b(high )?temperature of\b", r"\bred (streak|line)s?\b", r"\bstreaks?\b",
    r"\b(can'?t|cannot|hard to|trouble|difficulty|struggling to|hard time) breath", r"\bshort(ness)? of breath\b",
    r"\bwheez", r"\bthroat\b.{0,30}\b(clos|tight|swell|swollen)", r"\b(clos|tight|swell|swollen)\w*\b.{0,20}\bthroat\b",
    r"\banaphyla", r"\b(lips?|tongue|eyes?|eyelids?|mouth)\b.{0,25}\b(swell|swollen|puff)",
    r"\b(swell|swollen|puff\w*)\b.{0,25}\b(lips?|tongue|eyes?|eyelids?|mouth)\b", r"\bhives\b", r"\bfaint(ed|ing)?\b",
    r"\bpassed out\b", r"\bspreading\b", r"\b(abscess|boil)\b", r"\b(is|are|looks?|looking|seems?|got|gotten|became|become|getting|think\w*|feels?)\s+(it'?s\s+|it is\s+|i'?m\s+)?(really |badly |a bit |pretty )?infected\b", r"\binfection\b.{0,20}\b(now|spreading|getting worse)\b", r"\bcellulitis\b",
    r"\bhot to (the )?touch\b", r"\bwarm to (the )?touch\b", r"\bthrobbing\b", r"\bbleed\w*\b.{0,40}\b(won'?t|doesn'?t|will not|can'?t|cannot|not) stop",
    r"\b(won'?t|doesn'?t|will not|can'?t|cannot) stop (the )?bleeding\b", r"\bstill bleeding\b",
    r"\bblisters?\b", r"\bvision\b.{0,20}\b(blur|loss|lost|chang)", r"\bblurr(y|ed|ing)\b.{0,30}\b(eyes?|vision|sight)\b",
    r"\b(eyes?|vision|sight)\b.{0,30}\bblurr(y|ed|ing)\b", r"\btongue\b.{0,30}\b(thick|swell|swollen|tingl|numb|heavy|big)",
    r"\bvoice\b.{0,30}\b(weird|hoarse|changed|strange|gone|croaky)", r"\bhoarse\b", r"\b(trouble|difficulty|hard|can'?t|cannot) swallow",
    r"\b(i'?m|i am|think i'?m|i think i'?m) (having|getting) (an? )?(bad |severe |serious )?(allergic )?reaction\b",
    # skin turning black, grey or dusky purple-black: the blood supply may be cut off (tissue damage)
    r"\b(skin|patch\w*|areas?|spots?|cheeks?|face|forehead|chin|nose|marks?)\b.{0,40}\b(turn\w*|gone|going|went|go)\s+(a\s+)?(dark\s+|gr[ae]yish\s+)?(black|gr[ae]y|dusky)",
    r"\bpurple (and|or|&) black\b", r"\bblack (and|or|&) purple\b",
    # a wound that smells is infected until a clinician says otherwise
    r"\b(smells?|smelling) (really |very |a bit |quite )?(bad|off|funny|weird|horrible|awful|gross|rotten|foul)\b", r"\bfoul\b.{0,15}\b(smell|odou?r)",
)
# Softer signs: urgent only when the person says they have them now and they are getting worse.
URGENT_SOFT = _rx(
    r"\bswell", r"\bswollen\b", r"\bred(ness)?\b", r"\bpain(ful)?\b", r"\bhurts?\b", r"\bitch", r"\brash\b", r"\bhot\b",
    r"\bwarm\b", r"\bbump", r"\blump", r"\bleak", r"\bfluid\b", r"\bshiver", r"\bblew up\b", r"\bpuff", r"\bagony\b",
    r"\bdizz", r"\bbreath", r"\bcrust", r"\bsore\b", r"\bburn(ing)?\b", r"\bsting", r"\bscabs?\b", r"\b(smells?|smelly|stinks?)\b",
)
WORSENING = _rx(
    r"\bworse\b", r"\bgetting (more|bigger|worse|redder|hotter)\b", r"\bmore (swollen|painful|red|sore)\b", r"\bincreasingly\b",
    r"\bspread", r"\bstill\b.{0,30}\b(after|since)\b.{0,20}\b(week|\d+|several|few) ", r"\bsevere\b", r"\bunbearable\b",
    r"\bagony\b", r"\bkeeps? (getting|growing)\b", r"\b(more|worse) (every|each|by the) (day|hour)\b", r"\bnot (getting |any )?better\b",
    r"\bstill\b.{0,30}\b(hot|warm)\b",
)

REDIRECT = _rx(
    r"\bignore (all |any |the |your )?(previous|prior|above|earlier|preceding|these|those|my|your)?\s*(instructions|rules|prompts?|directions)",
    r"\bdisregard\b.{0,30}\b(instructions|rules|prompt)", r"\bforget (everything|all|your)\b.{0,30}(instructions|rules|told|know)?",
    r"\byou are now\b", r"\bfrom now on,? you\b", r"\bpretend (to be|you('| a)re|that you)\b", r"\bact as\b", r"\brole-?play\b",
    r"\b(system|hidden|initial) prompt\b", r"\byour (instructions|prompt|rules|guidelines)\b", r"\bjailbreak", r"\bDAN\b",
    r"\bdeveloper mode\b", r"\bnew instructions?\b", r"\boverride\b", r"\bprint (the|your) (prompt|instructions)",
    r"\brepeat (the )?(text|words) above\b",
    r"\bwrite (me |us )?(a |an |my )?([\w'-]+ ){0,3}(poem|song|story|essay|code|python|sql|caption|post|tweet|email|letter|review|bio|speech|joke)s?\b",
    r"\blet'?s play a game\b", r"\bno (restrictions|rules|limits|filters)\b", r"\byou are [\w-]+ now\b",
    r"\btranslate (this|that|it|the following|for me)\b", r"\bforget (about )?the [\w-]+ (stuff|thing|questions?)\b", r"\b(you'?re|ur|you are) (not|no longer) (a |an |the )?([\w-]+ ){0,2}(bot|assistant|ai|chatbot)\b",
)
CLINIC_LOGISTICS = _rx(
    r"\b(opening|business) hours\b", r"\bwhat time do you (open|close)\b", r"\bare you open\b", r"\bopen on (sunday|saturday|weekends?|holidays?)\b",
    r"\b(book|schedule|cancel|reschedule|make|change)(ing)? (an? |my )?(appointment|session|consultation)\b", r"\bparking\b",
    r"\bwhere are you( located)?\b", r"\byour (address|location)\b", r"\bnear(est)? (clinic|location|branch)\b", r"\bgift ?(card|voucher|certificate)s?\b", r"\binsurance\b",
    r"\bfinanc(e|ing)\b", r"\bpayment plans?\b", r"\bpay (in|by|with)\b", r"\brefund\b", r"\bdiscount\b", r"\bpromo(tion)? code\b",
    r"\bbrands?\b", r"\b(recommend|suggest)\b.{0,30}\bproducts?\b",
    r"\bphone number\b", r"\bemail address\b", r"\bdo you (stock|sell|carry)\b", r"\bwhere (can|do|could|should) i (buy|get hold of|purchase|order)\b",
    r"\bpatch[- ]?tests?\b",
    r"\b(name|qualifications?|training|experience) of (the|your) (practitioner|doctor|nurse|therapist|aesthetician|staff)\b",
    r"\bhow long has (she|he|they) been (qualified|practi[cs]ing|working|doing)\b", r"\b(other|another|different) clinics?\b", r"\bclinic (down the road|nearby|next door)\b", r"\bwho (is|are) (the|your) (doctor|staff|practitioner)",
)
# The articles compare costs with laser but never give the clinic's prices: a question that asks
# for a price is out of scope. A price mentioned in passing ("my friend does it for like £40",
# "the price list says ...") is not a question about it.
PRICES = _rx(
    r"\bhow much\b.{0,40}\b(cost|charge|pay|price|dollars|pounds|euros)\b",
    r"\bhow much (is|are|does|do|will|would)\b(?!.{0,40}\b(hurt|pain|painful|downtime|time|help|work|improve|reduce|collagen|red|swell))",
    r"\b(what|whats|what's)\b.{0,20}\b(prices?|pricing|costs?|fees?|charge)\b",
    r"\b(prices?|pricing|costs?|fees?)\b(\s+(of|for|per|range|please|pls|plz)\b|\s+list\s*[?!.]*\s*$|\s*[?!.]*\s*$)",
    r"\b(does|do|will|would|did) (it|this|that|microneedling|a session|one session|a course|you|they)\b.{0,25}\b(cost|charge)\b",
    r"\b(expensive|pricey|affordable)\b",
    r"[£$€]\s?\d[\d,.]*\s*(\?|(a|per|each|for (a|one|the|each)) (session|treatment|course)\b|.{0,20}\b(too (much|cheap)|fair|reasonable|normal|a (good )?deal|rip ?off)\b)",
    r"\b(under|below|less than|max|budget( of)?)\s*[£$€]\s?\d",
)
# The clinic's own equipment: the articles describe devices in general, never which one the clinic uses.
EQUIPMENT = _rx(
    r"\b(which|what) (\w+ ){0,2}(pen|device|machine|brand|needles?|products?|serums?|creams?) (do|does|will|would) (you|the clinic|your clinic|they)( guys)? use\b",
    r"\bwhat brand\b",
)
# Choosing a skincare product for its own sake: the articles name kinds of products only around a treatment.
PRODUCT_CHOICE = _rx(
    r"\b(serums?|creams?|moisturi[sz]ers?|cleansers?|sunscreens?|toners?|products?|brands?|acids?)\b.{0,40}\bwhich (one )?(is )?(better|best)\b",
    r"\bwhich (serum|cream|moisturi[sz]er|cleanser|sunscreen|toner|product|brand)s? (is|are|should|would)\b",
    r"\b(best|good|decent|cheap) (serum|cream|moisturi[sz]er|cleanser|sunscreen|toner|product|brand)s? for\b",
)
TREATMENT_CONTEXT = _rx(r"\bmicro-?needl", r"\bneedling\b", r"\b(treatment|session|procedure|appointment)s?\b", r"\bafter(wards)?\b", r"\bderma ?(pen|roller)")
COMPARISON = _rx(r"\b(cheaper|less costly|more expensive|pricier|costlier)\b", r"\b(vs\.?|versus|compared (to|with))\b")

# Treatments a question may be about instead of microneedling. Covered only if the
# articles themselves use the term (checked against the index vocabulary).
OTHER_TREATMENTS = {
    "botox": r"\bbotox\b|\bbotulinum\b|\bdysport\b|\bxeomin\b", "fillers": r"\bfillers?\b|\bjuvederm\b|\brestylane\b",
    "laser hair removal": r"\blaser hair removal\b", "tattoo removal": r"\btattoos?\b", "chemical peels": r"\bchemical peels?\b|\bpeels?\b",
    "dermaplaning": r"\bdermaplan", "PRP": r"\bprp\b|\bplatelet\b|\bvampire facial\b", "CoolSculpting": r"\bcoolsculpt|\bfat freez",
    "HIFU": r"\bhifu\b|\bultherapy\b", "IPL": r"\bipl\b|\bphotofacial\b", "facelift": r"\bface ?lifts?\b|\bthread lift",
    "liposuction": r"\blipo(suction)?\b", "waxing": r"\bwax(ing)?\b", "Morpheus8": r"\bmorpheus", "microblading": r"\bmicroblad",
    "lash extensions": r"\blash(es)? (extension|lift)", "teeth whitening": r"\bteeth\b|\bwhitening\b", "tanning": r"\bspray tan",
    "hair transplant": r"\bhair transplants?\b|\bfue\b|\bfut\b", "microdermabrasion": r"\bmicrodermabrasion\b",
    "HydraFacial": r"\bhydra ?facials?\b", "radiofrequency": r"\bradio ?frequency\b|\brf microneedling\b|\bthermage\b",
    "Sculptra": r"\bsculptra\b|\bkybella\b|\bprofhilo\b",
    # named so its words are not the articles' (the stemmer reads "supplements" as "supple")
    "dietary supplements": r"\bsupplements?\b|\bcollagen (drinks?|powders?|shots?|tablets?|pills?|gummies)\b",
}
_OTHER_TREATMENT_RX = {name: re.compile(rx, re.IGNORECASE) for name, rx in OTHER_TREATMENTS.items()}

_RECENT_TREATMENT = r"fillers?|botox|(chemical )?peels?|laser|ipl|dermaplan\w*|hydra ?facials?|microdermabrasion|facials?|threads?|prp|waxing|injections?|injectables?"
_RECENTLY = r"\d+ (days?|weeks?|months?) ago|(a|one|two|three|few|couple( of)?) (days?|weeks?|months?) ago|yesterday|last (week|month|weekend|night)|recently|just (had|got)|this (week|morning)"

# Personal health situations that call for a dermatologist. Name -> pattern.
MEDICAL_TOPICS = {
    "pregnancy": r"\bpregnan|\b\d+ weeks along\b|\b(second|third|another) baby\b|\bbaby (is )?(due|on the way)\b|\bexpecting (a |our )?(baby|child)\b|\btrying (to conceive|for a baby)\b|\bivf\b|\bbaby bump\b|\btrimester\b",
    "breastfeeding": r"\bbreast ?feed|\bnursing (my|a|the) (baby|son|daughter)|\bbreast ?milk\b|\blactat",
    "blood thinners": r"\bblood[- ]?thinn|\bwarfarin\b|\bcoumadin\b|\banticoagul|\beliquis\b|\bapixaban\b|\bxarelto\b|\brivaroxaban\b|\bheparin\b|\bclopidogrel\b|\bplavix\b|\b(daily |baby )?aspirin\b",
    "isotretinoin": r"\biso ?tretinoin\b|\b(ro)?accutane\b|\babsorica\b|\bclaravis\b|\bmyorisan\b",
    "retinoids": r"\bretin(oid|ol|-a)s?\b|\btretinoin\b|\badapalene\b|\bdiffer?in\b|\btazarotene\b",
    "other medicines": r"\bibuprofen\b|\bnaproxen\b|\bnsaids?\b|\badvil\b|\bnurofen\b|\bpainkillers?\b|\bsteroids?\b|\bprednison|\bantibiotics?\b|\bchemo|\bimmunosuppress|\bmethotrexate\b|\bbiologics?\b|\bmedications?\b|\bmeds\b|\bpills?\b|\bprescri"
                       r"|\b(doxy|mino|lyme)cycline\b|\bmetformin\b|\bozempic\b|\bwegovy\b|\bmounjaro\b|\bsemaglutide\b|\btirzepatide\b"
                       r"|\blevothyroxine\b|\bspironolactone\b|\bantihistamines?\b|\bantidepressants?\b|\bssris?\b|\bsertraline\b"
                       r"|\bfluoxetine\b|\bbeta[- ]?blockers?\b|\bstatins?\b|\bbirth control\b|\bcontracepti|\bthe pill\b"
                       r"|\b(been taking|started taking|stopped taking|on a course of)\b"
                       # "I'm on Ozempic", "im on HRT": a treatment the asker is on, not "I'm on holiday"
                       r"|\b(i'?m|im|i am) on (?!(holiday|vacation|leave|a|an|the|my|your|it|that|this|nights|shift|call|board|time|here|there"
                       r"|facebook|instagram|tiktok|twitter|social|lunch|break|budget)\b)[a-z]+\b",
    "active acne": r"\bactive acne\b|\bbreak ?outs?\b|\bbreaking out\b|\bcystic\b|\bpimples?\b|\bspots? (right )?now\b|\b(spots|pimples?|zits?|acne|blemish(es)?)\b.{0,25}\b(at the moment|right now|currently|this week|today)\b|\bzits?\b|\bacne (right )?now\b|\bcurrent(ly)? (have )?acne\b|\bacne flare",
    "eczema": r"\beczema\b|\bdermatitis\b", "rosacea": r"\brosacea\b", "keloids": r"\bkeloids?\b|\braised scars?\b|\bhypertrophic\b|\bscar(s|ring)?\s+(really\s+|very\s+|quite\s+|too\s+)?easily\b|\bprone to scarring\b",
    "psoriasis": r"\bpsoria", "vitiligo": r"\bvitiligo\b", "cold sores": r"\bcold sores?\b|\bherpes\b|\bfever blisters?\b",
    "skin infection": r"\bimpetigo\b|\bwarts?\b|\bfungal\b|\bringworm\b",
    "diabetes": r"\bdiabet|\binsulin\b|\bblood sugar\b", "bleeding disorder": r"\bbleeding disorder|\bh(a)?emophilia\b|\bvon willebrand\b|\bbruise (very )?easily\b|\blow platelets?\b",
    "autoimmune disease": r"\bauto-?immune\b|\blupus\b|\bscleroderma\b|\brheumatoid\b|\bhashimoto|\bmultiple sclerosis\b|\bcrohn",
    "cancer": r"\bcancer\b|\bmelanoma\b|\btumou?r\b|\bradiation therapy\b|\bradiotherapy\b",
    "other conditions": r"\bhiv\b|\bheart (condition|disease)\b|\bpacemaker\b|\bepilep|\bseizures?\b|\bhepatitis\b|\bkidney disease\b|\bimmune system\b|\bimmunocompromised\b",
    "allergies": r"\ballerg(y|ies|ic)\b|\blidocaine\b|\breacted badly\b|\b(bad|severe) reaction\b",
    "sunburn": r"\b(have|got) (a )?sunburn\b|\bsunburnt\b|\bsunburned\b",
    "moles": r"\bmoles?\b|\bbirthmarks?\b",
    "hormonal conditions": r"\bthyroid\b|\bhypothyroid|\bhyperthyroid|\bmenopaus|\bperimenopaus|\bhrt\b|\bhormone (therapy|replacement|treatment)s?\b|\bpcos\b|\bpolycystic\b",
    "broken skin": r"\b(cut|grazed|scratched|scraped|burnt|burned|nicked) (my|the skin)\b|\bopen (wound|cut|sore)s?\b|\bbroken skin\b|\bstitches\b|\bwounds? on my\b",
    # the asker's own skin tendency, not the side effect in general ("can it cause hyperpigmentation?")
    "pigmentation problems": r"\bpost[- ]?inflammatory\b|\bpih\b|\b(dark (marks|spots|patches)|(hyper)?pigment\w*|discolou?r\w*)\b.{0,30}\b(easily|a lot|every time)\b"
                             r"|\beasily\b.{0,20}\b(dark (marks|spots|patches)|(hyper)?pigment\w*|discolou?r\w*)\b",
    # another treatment the asker had lately: whether and when microneedling can follow is for a clinician
    "recent treatments": rf"\b(?:{_RECENT_TREATMENT})\b.{{0,60}}\b(?:{_RECENTLY})\b|\b(?:{_RECENTLY})\b.{{0,40}}\b(?:{_RECENT_TREATMENT})\b",
}
_MEDICAL_RX = {name: re.compile(rx, re.IGNORECASE) for name, rx in MEDICAL_TOPICS.items()}
# A condition named as something microneedling might bring on, by someone who says nothing of
# themselves, is a question about side effects.
SIDE_EFFECT = _rx(
    r"\b(cause|causes|causing|trigger|triggers|lead to|leads to|result in|bring on|give you|make you)\b",
    r"\b(risks?|chances?|likely|common|rare|side effects?)\b",
)
PERSONAL = _rx(r"\b(i|i'm|im|i've|ive|i'd|my|me|mine|myself)\b")
# "Zits" and "pimples" are active acne, unless the question is about what old acne left behind
# ("the dents left by old zits"): that is the acne-scar question every article answers.
ACNE_AFTERMATH = _rx(r"\b(scars?|scarring|scarred|dents?|pits?|pitted|pockmarks?|marks?|holes?)\b", r"\bleft (by|from|over)\b", r"\b(old|past|teenage|former)\b")
ACTIVE_ACNE_STRONG = _rx(r"\bactive\b", r"\bbreak ?outs?\b", r"\bbreaking out\b", r"\b(right )?now\b", r"\bcurrent(ly)?\b", r"\bat the moment\b", r"\bflare", r"\bcystic\b")

# How skin-care writing names each situation: the brand names and lay words of a question
# ("warfarin", "pimples", "flare-ups") rarely occur in an article, so retrieval and the choice of
# what to quote also look for these terms. A glossary, not answers: it names conditions only.
MEDICAL_TERMS = {
    "pregnancy": "pregnancy, pregnant women, hormonal changes",
    "breastfeeding": "breastfeeding, nursing mothers",
    "blood thinners": "blood-thinning medications, anticoagulants, bleeding, bruising",
    "isotretinoin": "isotretinoin (Accutane), oral acne medication, slow skin healing",
    "retinoids": "retinoids, retinol, skincare products to stop before treatment",
    "other medicines": "medications, prescription drugs",
    "active acne": "active acne, acne breakouts present now, pimples, inflamed skin",
    "eczema": "eczema, dermatitis, persistent skin problem, chronic skin condition, inflamed skin",
    "rosacea": "rosacea, persistent skin problem, chronic skin condition, sensitive skin, redness",
    "keloids": "keloid scars, raised scars, abnormal scarring",
    "psoriasis": "psoriasis, persistent skin problem, chronic skin condition",
    "vitiligo": "vitiligo, skin pigmentation changes, persistent skin problem",
    "cold sores": "cold sores, herpes, skin infection",
    "skin infection": "skin infection, open wounds",
    "diabetes": "diabetes, slow wound healing, infection",
    "bleeding disorder": "bleeding disorders, prone to bleed, bruising",
    "autoimmune disease": "autoimmune disease, weakened immune system, slow healing",
    "cancer": "cancer, radiation therapy, chemotherapy",
    "other conditions": "medical conditions, immune system",
    "allergies": "allergic reaction, negative reaction to numbing cream or pain relievers, sensitive skin",
    "sunburn": "sunburn, sun damaged skin, sensitive skin",
    "moles": "moles, birthmarks, skin lesions",
    "hormonal conditions": "hormonal changes, hormone imbalances, medical conditions",
    "broken skin": "open wounds, skin infection, healing",
    "pigmentation problems": "hyperpigmentation, darker skin tones, changes in skin pigmentation",
    "recent treatments": "other skin treatments, sensitive skin, healing, consultation with a dermatologist",
}

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

    def __init__(self, settings: Settings, embedder, *, extra_general: Sequence[str] = (), cache=None) -> None:
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
    ) -> GuardrailVerdict:
        """Decide the category of ``question``.

        ``best_passage_similarity`` is the top dense cosine from retrieval;
        ``vocabulary`` the index's words (to tell whether a treatment is discussed);
        ``history_verdicts`` the verdicts of earlier turns, which a follow-up inherits
        when it is urgent or medical; ``corrected`` the question with its typos fixed, for
        telling whether the articles use its words ("downtiem" is their "downtime").
        """
        s = self.settings
        near = self.nearest(vector)
        general_best = near[GENERAL]

        urgent = URGENT_STRONG.search(question)
        if urgent:
            return _urgent(f"symptom that may need prompt care: {urgent.group(0)!r}", "pattern:urgent")
        if URGENT_SOFT.search(question) and WORSENING.search(question):
            return _urgent("symptom that is getting worse", "pattern:urgent-worsening")
        if (
            near[URGENT] >= s.urgent_prototype_similarity
            and near[URGENT] >= general_best + s.prototype_margin
            and URGENT_SOFT.search(question)
        ):
            return _urgent(f"close to urgent examples (similarity {near[URGENT]:.2f})", "prototype:urgent")

        redirect = REDIRECT.search(question)
        if redirect:
            return GuardrailVerdict(OUT_OF_SCOPE, f"attempt to redirect the bot: {redirect.group(0)!r}", REDIRECT_MESSAGE, "pattern:redirect")

        topics = [name for name, rx in _MEDICAL_RX.items() if rx.search(question)]
        if topics and SIDE_EFFECT.search(question) and not PERSONAL.search(question):
            topics = []  # "can microneedling cause breakouts?" asks about side effects, not the asker's health
        if "active acne" in topics and ACNE_AFTERMATH.search(question) and not ACTIVE_ACNE_STRONG.search(question):
            topics.remove("active acne")
        if topics:
            return _medical(", ".join(topics), f"personal health situation: {', '.join(topics)}", "pattern:medical", tuple(topics))
        # A situation is the asker's own: without "I" or "my" a question close to the examples asks
        # about safety in general ("is it safer than more full-on treatments?").
        if (
            near[MEDICAL] >= s.medical_prototype_similarity and near[MEDICAL] >= general_best + s.prototype_margin
            and PERSONAL.search(question)
        ):
            return _medical("your health situation", f"close to medical examples (similarity {near[MEDICAL]:.2f})", "prototype:medical")

        if is_follow_up:
            for earlier in reversed(history_verdicts):
                if earlier.category in (URGENT, MEDICAL):
                    return GuardrailVerdict(
                        earlier.category, f"follow-up to an earlier {earlier.category} question ({earlier.reason})",
                        earlier.message, f"history:{earlier.category}",
                    )

        price = PRICES.search(question)
        if price and not COMPARISON.search(question):
            return _out_of_scope(f"prices are not in the articles: {price.group(0)!r}", "pattern:price")
        logistics = CLINIC_LOGISTICS.search(question)
        if logistics and not (
            best_passage_similarity >= s.clinic_detail_similarity and _mentioned_in(logistics.group(0), vocabulary)
        ):
            return _out_of_scope(f"clinic details the articles don't cover: {logistics.group(0)!r}", "pattern:clinic")
        equipment = EQUIPMENT.search(question)
        if equipment:
            return _out_of_scope(f"clinic details the articles don't cover: {equipment.group(0)!r}", "pattern:clinic")
        product = PRODUCT_CHOICE.search(question)
        if product and not TREATMENT_CONTEXT.search(question):
            return _out_of_scope(f"product recommendations the articles don't make: {product.group(0)!r}", "pattern:product")
        uncovered = [
            name for name, rx in _OTHER_TREATMENT_RX.items()
            if rx.search(question) and not _mentioned_in(name, vocabulary)
        ]
        if uncovered:
            return _out_of_scope(f"treatment the articles don't discuss: {', '.join(uncovered)}", "pattern:other-treatment")
        coverage = _coverage(corrected or question, vocabulary)
        if best_passage_similarity < s.out_of_scope_similarity and coverage < s.out_of_scope_word_coverage:
            return _out_of_scope(
                f"articles don't cover it (best passage similarity {best_passage_similarity:.2f} < {s.out_of_scope_similarity}, "
                f"{coverage:.0%} of its words appear in the articles)",
                "low-similarity",
            )
        if near[OUT_OF_SCOPE] >= s.off_topic_prototype_similarity and near[OUT_OF_SCOPE] >= general_best + s.prototype_margin:
            return _out_of_scope(f"close to off-topic examples (similarity {near[OUT_OF_SCOPE]:.2f})", "prototype:out_of_scope")
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


def _coverage(question: str, vocabulary: frozenset[str] | set[str]) -> float:
    """Share of the question's content words that the articles use, themselves or under the
    glossary's terms ("legit" -> "effective"); 1.0 for no content words."""
    words = tokenize(question)
    if not vocabulary or not words:
        return 1.0
    lay = lay_words(question)
    return sum(w in vocabulary or w in lay for w in words) / len(words)


def _mentioned_in(treatment: str, vocabulary: frozenset[str] | set[str]) -> bool:
    words = tokenize(treatment)
    return bool(words) and all(w in vocabulary for w in words)


def _urgent(reason: str, rule: str) -> GuardrailVerdict:
    return GuardrailVerdict(URGENT, reason, URGENT_MESSAGE, rule)


def _medical(topic: str, reason: str, rule: str, topics: tuple[str, ...] = ()) -> GuardrailVerdict:
    return GuardrailVerdict(MEDICAL, reason, MEDICAL_MESSAGE.format(topic=topic), rule, topics)


def medical_terms(verdict: GuardrailVerdict) -> str:
    """The glossary terms of the situations a medical verdict recognised ("" when none)."""
    return "; ".join(MEDICAL_TERMS[t] for t in verdict.topics if t in MEDICAL_TERMS)


# Catch-all situations have no single name an article could use.
_UNNAMEABLE = frozenset({"other medicines", "other conditions"})


def unmentioned_situations(verdict: GuardrailVerdict, passages: Sequence[str]) -> list[str]:
    """The situations of a medical verdict that none of ``passages`` names, by the patterns that
    recognise it in a question or by its own name ("pregnancy" is in no article; "Keloid scars" is)."""
    return [
        topic for topic in verdict.topics
        if topic in _MEDICAL_RX and topic not in _UNNAMEABLE
        and not any(_MEDICAL_RX[topic].search(text) or re.search(rf"\b{re.escape(topic)}\b", text, re.IGNORECASE) for text in passages)
    ]


def with_unmentioned_note(verdict: GuardrailVerdict, passages: Sequence[str]) -> GuardrailVerdict:
    """``verdict``, its message opening with a warning when the articles don't name the asker's situation:
    their general statements ("generally safe") must not read as being about it."""
    missing = unmentioned_situations(verdict, passages) if verdict.category == MEDICAL else []
    if not missing:
        return verdict
    note = UNMENTIONED_NOTE.format(situations=" or ".join(missing))
    return replace(verdict, message=f"{note} {verdict.message}")


# Skin concerns clients ask about that a microneedling article may or may not discuss. Covered only
# if the articles themselves use the term (checked against the index vocabulary, as for treatments):
# asked "does it help with dark circles?", articles that never say so must not be quoted as a yes.
# A list of concerns, not a rule on sentence shape: "does it work for men" asks who it suits.
SKIN_CONCERNS = {
    "cellulite": r"\bcellulite\b", "dark circles": r"\bdark circles?\b|\bunder-?eye (circles?|shadows?|hollows?)\b",
    "eye bags": r"\beye ?bags\b|\bbags under (my |the )?eyes\b", "freckles": r"\bfreckles?\b",
    "hair loss": r"\bhair loss\b|\bbald(ing|ness)?\b|\bthinning hair\b|\balopecia\b|\breceding hairline\b",
    "thread veins": r"\b(thread|spider|broken) (veins?|capillaries)\b|\bvaricose\b|\btelangiectasi",
    "double chin": r"\bdouble chin\b", "skin tags": r"\bskin tags?\b", "milia": r"\bmilia\b",
    "razor bumps": r"\brazor (bumps?|burn)\b|\bingrown hairs?\b", "facial hair": r"\b(facial|unwanted|excess) hair\b",
    "sweating (hyperhidrosis)": r"\bhyperhidrosis\b|\b(excessive|excess) sweat\w*|\bsweaty (underarms?|armpits?|hands|feet|palms)\b|\bunderarms?\b|\barmpits?\b", "lip volume": r"\bthin lips\b|\blip volume\b|\bplump(er)? lips\b",
}
_SKIN_CONCERN_RX = {name: re.compile(rx, re.IGNORECASE) for name, rx in SKIN_CONCERNS.items()}


def unmentioned_topic(question: str, vocabulary: frozenset[str] | set[str]) -> str | None:
    """The skin concern of ``question`` that the articles never name ("cellulite", "dark circles"),
    or None when there is none or the articles' ``vocabulary`` has all its words."""
    return _first_unmentioned(_SKIN_CONCERN_RX, question, vocabulary)


# Body areas clients ask about. The articles speak of the face (and stretch marks); whether an area is
# treated is only answered from them when they name it, so "can you do my neck?" is told they don't,
# before any general quotes are read as a yes. Keys are how the note names the area.
BODY_AREAS = {
    "the neck": r"\bneck\b", "the chest": r"\bchest\b|\bd[eé]collet(age|é)\b|\bcleavage\b", "the hands": r"\b(my|your|the|on) hands?\b",
    "the back": r"\b(my|your|the|upper|lower) back\b", "the arms": r"\b(my|your|the|upper|on) arms?\b", "the legs": r"\blegs?\b|\bthighs?\b",
    "the stomach": r"\b(stomach|tummy|belly|abdomen)\b", "the scalp": r"\bscalp\b", "the buttocks": r"\b(bum|butt|buttocks)\b", "the knees": r"\bknees?\b",
}
_BODY_AREA_RX = {name: re.compile(rx, re.IGNORECASE) for name, rx in BODY_AREAS.items()}


def unmentioned_area(question: str, vocabulary: frozenset[str] | set[str]) -> str | None:
    """The body area of ``question`` that the articles' ``vocabulary`` never names ("the neck"), or None."""
    return _first_unmentioned(_BODY_AREA_RX, question, vocabulary)


def _first_unmentioned(patterns: dict[str, re.Pattern[str]], question: str, vocabulary: frozenset[str] | set[str]) -> str | None:
    """The first name in ``patterns`` whose pattern ``question`` matches and whose words the articles never use."""
    return next((name for name, rx in patterns.items() if rx.search(question) and vocabulary and not _mentioned_in(name, vocabulary)), None)


def _out_of_scope(reason: str, rule: str) -> GuardrailVerdict:
    return GuardrailVerdict(OUT_OF_SCOPE, reason, OUT_OF_SCOPE_MESSAGE, rule)
