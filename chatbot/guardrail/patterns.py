"""The English rule tables of the guardrail: the patterns for urgent symptoms, attempts to redirect
the bot, clinic details, prices, equipment and products, the other treatments, the personal health
situations (with the glossary terms skin-care writing names them by), and the skin concerns and
body areas the articles may not mention. The classifier (``chatbot/guardrail/classifier.py``) and
the notes (``chatbot/guardrail/notes.py``) apply them; the tables decide nothing by themselves.
"""

from __future__ import annotations

import re


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
OTHER_TREATMENT_RX = {name: re.compile(rx, re.IGNORECASE) for name, rx in OTHER_TREATMENTS.items()}

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
MEDICAL_RX = {name: re.compile(rx, re.IGNORECASE) for name, rx in MEDICAL_TOPICS.items()}
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
SKIN_CONCERN_RX = {name: re.compile(rx, re.IGNORECASE) for name, rx in SKIN_CONCERNS.items()}

# Body areas clients ask about. The articles speak of the face (and stretch marks); whether an area is
# treated is only answered from them when they name it, so "can you do my neck?" is told they don't,
# before any general quotes are read as a yes. Keys are how the note names the area.
BODY_AREAS = {
    "the neck": r"\bneck\b", "the chest": r"\bchest\b|\bd[eé]collet(age|é)\b|\bcleavage\b", "the hands": r"\b(my|your|the|on) hands?\b",
    "the back": r"\b(my|your|the|upper|lower) back\b", "the arms": r"\b(my|your|the|upper|on) arms?\b", "the legs": r"\blegs?\b|\bthighs?\b",
    "the stomach": r"\b(stomach|tummy|belly|abdomen)\b", "the scalp": r"\bscalp\b", "the buttocks": r"\b(bum|butt|buttocks)\b", "the knees": r"\bknees?\b",
}
BODY_AREA_RX = {name: re.compile(rx, re.IGNORECASE) for name, rx in BODY_AREAS.items()}
