"""Everyday words for skin concerns, and the terms skin-care articles use for them.

Clients write "zits", "saggy jowls" and "holes on my nose"; the articles say
"acne", "loose skin" and "pores". Dense retrieval bridges some of that gap, but
keyword search cannot, and sentence choice rewards shared words. ``expand``
appends the article terms of every lay phrase a question contains, in the
spirit of the Consumer Health Vocabulary (Zeng & Tse, JAMIA 2006), so the query
carries both. The list maps words to words: it knows nothing of the answers.
"""

from __future__ import annotations

import re

from chatbot.text.tokens import tokenize

LAY_TERMS: tuple[tuple[str, str], ...] = (
    # acne and what it leaves behind
    (r"\bzits?\b|\bpimples?\b|(?<!dark )(?<!sun )(?<!age )(?<!brown )(?<!white )(?<!red )\bspots\b|\bbreak ?outs?\b|\bblemish(es)?\b|\bwhiteheads?\b", "acne"),
    (r"\bdents?\b|\bpits?\b|\bpitted\b|\bpock ?marks?\b|\bicepick\b|\bcraters?\b|\bindent(ation)?s?\b", "scars scarring"),
    (r"\bblackheads?\b|\bclogged\b|\bcongest(ed|ion)\b", "clogged pores"),
    (r"\b(holes?|openings?|dots)\b.{0,25}\b(nose|face|cheeks?|skin)\b|\bopen pores\b", "pores"),
    # ageing
    (r"\bsagg(y|ing)\b|\bdroop(y|ing)?\b|\bjowls?\b|\bloose\b|\bcrepey\b|\bslack\b|\bfirm(er|ness)?\b|\btighten(ing)?\b",
     "loose skin sagging skin laxity elasticity aging"),
    (r"\bwrinkl(es?|y)\b|\bcrow'?s ?feet\b|\blines\b|\bcreases?\b|\bsmile lines\b|\bforehead lines\b", "fine lines wrinkles"),
    (r"\bolder\b|\bageing\b|\baging\b|\byoung(er)?\b|\banti-?age?ing\b", "aging"),
    # colour and tone
    (r"\bdark (spots?|patches|marks)\b|\bsun ?spots?\b|\bage spots?\b|\bblotch(y|es)\b|\bdiscolou?r(ation|ed)?\b|\bmelasma\b|\bpigment",
     "hyperpigmentation dark patches uneven skin tone"),
    (r"\bdull\b|\bglow(y|ing)?\b|\bradian(t|ce)\b|\bbright(er|en|ness)?\b", "skin tone texture"),
    (r"\brough\b|\bbumpy\b|\bsmooth(er|ness)?\b|\bgrainy\b", "skin texture"),
    (r"\bplump(s|ing|er|ness)?\b|\bbouncy\b|\bvolume\b|\bthin skin\b", "plumping thickening collagen"),
    (r"\bstretch ?marks?\b|\bstriae\b", "stretch marks"),
    # the procedure and after it
    (r"\bhurts?\b|\bpainful\b|\bsore\b|\bsting(s|ing)?\b|\bouch\b|\bunbearable\b", "pain discomfort"),
    (r"\bred(ness)?\b|\bflushed\b|\bburnt\b|\bsunburn(ed|t)?\b|\bpuffy\b", "redness swelling irritation"),
    (r"\bdry\b|\bflak(e|es|ey|y|ing)\b|\bpeel(s|ing|y)?\b|\bscaly\b|\btight and dry\b", "flaking skin dryness"),
    (r"\bdowntime\b|\brecover(y|ing)?\b|\bheal(ing)?\b|\bback to work\b|\bsocial plans?\b|\bwedding\b|\bevent\b|\bbirthday\b|\bb-?day\b|\bparty\b|\bprom\b|\bgraduation\b|\banniversary\b|\bphoto ?shoot\b|\btime off\b|\b(off|miss) work\b|\bholiday\b|\bvacation\b"
     r"|\blunch ?(break|hour|time)\b|\b(straight |go )?back to (the office|my desk)\b|\bquick enough\b",
     "downtime recovery healing"),
    (r"\bappointments?\b|\bvisits?\b|\bwhat happens\b", "microneedling session procedure"),
    (r"\bwho (does|did|should do|will do|performs?) (it|the treatment|the procedure)\b|\bbeautician\b|\bsalon\b|\bqualified\b|\blicen[cs]ed\b|\bcertified\b|\bkitchen\b",
     "trained professional experience"),
    (r"\bhygien(e|ic)\b|\bdirty\b|\bgerms?\b|\bsterile\b|\bsterili[sz]ed\b", "sterile environment infection"),
    (r"\bfirst[- ]?(time|timer|appointment|session|visit)s?\b|\bnever (had|done|tried)\b|\bnervous\b|\bbeginners?\b|\bnewbies?\b", "first-timers"),
    (r"\bnumb\b|\bana?esthe(tic|sia)\b|\blidocaine\b|\bdeaden\b", "numbing cream"),
    (r"\bderma ?(rollers?|pens?|stamps?)\b|\brollers?\b|\bneedle pens?\b|\bdermapen\b", "microneedling device"),
    (r"\bprep(are|aring)?\b|\bget ready\b|\bbefore (my|the|a) (appointment|session|treatment|procedure)\b", "pre-treatment"),
    (r"\bworth it\b|\b(actually|really) work\b|\bdoes it work\b|\bdo(es)? (they|these) work\b", "effective results"),
    (r"\bdangerous\b|\bsafe(ty)?\b|\bgo wrong\b|\bcomplications?\b", "risks side effects"),
    (r"\bafter ?care\b|\bafterwards\b|\bpost[- ]treatment\b|\bafter the (treatment|session|procedure)\b", "aftercare post-treatment"),
    (r"\bserums?\b|(?<!numbing )\bcreams?\b|\bmoisturi[sz]ers?\b|\bproducts?\b|\bskin ?care\b|\bvitamin c\b|\bhyaluronic\b",
     "topical skincare products"),
    (r"\bsunscreen\b|\bspf\b|\bsun\b(?! ?(damage|damaged|spots?)\b)|\bsun ?beds?\b|\btanning\b|\bsunbath\w*", "sun exposure sun protection sunscreen SPF"),
    (r"\bmake-?up\b|\bfoundation\b|\bconcealer\b", "makeup"),
    (r"\b(at[- ])?home\b|\bhome kits?\b|\bdiy\b|\bmyself\b|\bamazon\b|\bbuy (a|one)\b", "at-home microneedling"),
    (r"\bresults?\b.{0,30}\b(last|permanent|forever)\b|\blast(s|ing)?\b.{0,20}\b(long|forever)\b|\bpermanent(ly)?\b|\bgo back\b|\bwear off\b",
     "results last permanent long-term"),
    (r"\bhow many (times|visits|rounds|appointments)\b|\bhow often\b", "number of sessions"),
    (r"\bhow long\b.{0,30}\b(session|appointment|treatment|procedure|take)\b", "session duration procedure"),
    (r"\bwhen\b.{0,30}\b(see|notice|results?|difference)\b|\bhow (soon|quickly|fast)\b", "results improvement visible"),
    (r"\b(safe|ok|okay|suitable)\b.{0,30}\b(dark(er)?|black|brown|asian|olive)\b.{0,20}\bskin\b|\bskin (of colou?r|tones?)\b",
     "darker skin tones"),
    (r"\blaser\b", "laser treatments"),
    (r"\b(eat|eating|food|diet|drink|drinking|alcohol|smok(e|ing)|lifestyle)\b|\b(lack of |enough |more )sleep\b", "balanced diet hydration healthy lifestyle"),
    (r"\bresearch\b|\bstud(y|ies)\b|\bevidence\b|\bproven\b|\bscience\b|\bclinical(ly)?\b|\bhype\b|\blegit\b|\bscam\b|\bgimmick\b", "studies research effective"),
)
_COMPILED = tuple((re.compile(rx, re.IGNORECASE), terms) for rx, terms in LAY_TERMS)


def article_terms(question: str) -> list[str]:
    """The article terms of the lay phrases in ``question``, in list order, without the
    words the question already uses ("acne scars" needs no "scars" added)."""
    present = set(tokenize(question))
    found: list[str] = []
    for rx, terms in _COMPILED:
        if not rx.search(question):
            continue
        new = [w for w in terms.split() if not set(tokenize(w)) <= present]
        if new:
            found.append(" ".join(new))
            present.update(tokenize(" ".join(new)))
    return found


def lay_words(question: str) -> set[str]:
    """The words of ``question`` that belong to a lay phrase in the list ("legit", "zits"): the articles
    cover them under their own terms, so they don't make a question off-topic."""
    return {w for rx, _ in _COMPILED for m in rx.finditer(question) for w in tokenize(m.group(0))}


def term_groups(question: str) -> list[tuple[set[str], set[str]]]:
    """For each lay phrase of ``question``: the tokens of the phrase as written and the tokens of its article terms
    (``"dark marks"`` -> ({"dark", "mark"}, {"hyperpigmentation", "dark", "patch", ...}))."""
    return [
        (set(tokenize(m.group(0))), set(tokenize(terms)))
        for rx, terms in _COMPILED for m in rx.finditer(question)
    ]


def expand(question: str) -> str:
    """``question`` followed by the article terms of its lay phrases (unchanged when there are none)."""
    terms = article_terms(question)
    return f"{question} ({'; '.join(terms)})" if terms else question
