"""The multilingual guardrail's rule tables: per-language patterns (``PATTERNS``: Spanish, French,
German, Italian, Portuguese and Polish), the emergency numbers and the urgent signs of common
languages the bot does not answer in (``URGENT_SIGNS_ELSEWHERE``). ``MultilingualGuardrail``
(``chatbot/guardrail/multilingual.py``) applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


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


# Medicines are called by the same names in every language.
_COMMON_MEDICINES = (
    r"\beliquis\b|\bxarelto\b|\bapixaban|\brivaroxaban|\bwarfarin|\bcoumadin\b|\bclopidogrel|\bplavix\b|\bpradaxa\b|\bdabigatran"
    r"|\b(ro)?accutan|\bisotretino|\bozempic\b|\bwegovy\b|\bmounjaro\b|\bmetformin|\bmethotrex|\bprednis"
)
_COMMON_TREATMENTS = r"\bbotox\b|\bfillers?\b|\bhifu\b|\bipl\b|\bmorpheus|\bcoolsculpt|\bsculptra\b|\bprofhilo\b|\bhydra ?facial"

PATTERNS: dict[str, LanguagePatterns] = {
    "es": LanguagePatterns(
        urgent=_rx(
            r"\bpus\b", r"\bsupur", r"\bfiebre\b", r"\bescalofr[ií]o", r"\b(no puedo|dificultad para|me cuesta|cuesta) respirar",
            r"\bfalta de (aire|aliento)\b", r"\bme ahogo\b",
            r"\b(labios?|cara|lengua|ojos?|garganta|p[aá]rpados?)\b.{0,25}\bhinch", r"\bhinch\w*\b.{0,25}\b(labios?|cara|lengua|ojos?|garganta|p[aá]rpados?)\b",
            r"\bsangr\w*\b.{0,60}\bno (para|se detiene|se corta|deja)", r"\bno (para|deja) de sangrar", r"\bsigo sangrando\b|\bsangra sin parar\b",
            r"\b(rayas|l[ií]neas|estr[ií]as) rojas\b",
            r"\b(rojez|enrojecimiento|rojo)\b.{0,30}\b(se extiende|se est[aá] extendiendo|se expande|se propaga|crece)",
            r"\b(se extiende|se expande|se propaga)\b", r"\bse (est[aá] )?(poniendo|volviendo|ha puesto|puso|volvi[oó])\b.{0,15}\b(negr|gris|morad|oscur)",
            r"\bennegrec", r"\bampollas?\b", r"\burticaria\b", r"\bdesmay", r"\binfectad", r"\binfecci[oó]n\b", r"\babsceso\b",
            r"\b(huele|olor) (mal|feo|raro|horrible)\b|\bmal olor\b", r"\bsecreci[oó]n\b", r"\b(l[ií]quido|costra)s? (amarill|verde)",
        ),
        soft=_rx(r"\bsangr", r"\bdolor", r"\bduele", r"\bhinch", r"\brojez|\benrojec|\brojo\b", r"\bpica\b|\bpicor|\bcomez[oó]n", r"\bcalor\b|\bcaliente\b", r"\bbulto", r"\bardor|\barde\b|\bescozor"),
        worsening=_rx(r"\bempeor", r"\bpeor\b", r"\bcada (vez|d[ií]a) m[aá]s\b", r"\bno mejora", r"\binsoportable\b", r"\bmuy fuerte\b", r"\bsigue (aumentando|creciendo)"),
        medical=_rx(
            _COMMON_MEDICINES,
            r"\bembaraz", r"\blactancia\b|\bamamant|\bdando (el )?pecho\b", r"\banticoagul|\bsintrom\b|\bwarfarina\b|\baspirina\b|\bdiluyen la sangre\b",
            r"\bisotretino|\broacut", r"\bretino", r"\bmedicaci[oó]n\b|\bmedicamentos?\b|\bpastillas\b|\btomo\b.{0,20}\b(pastillas|medic|antibi)", r"\bantibi[oó]tico",
            r"\bdiab[eé]t", r"\beczema\b|\bdermatitis\b", r"\bpsoriasis\b", r"\bros[aá]cea\b", r"\bacn[eé] (activo|inflamado)\b|\bbrote de acn[eé]\b|\bgranos (inflamados|infectados)\b", r"\bherpes\b|\bcalentura",
            r"\bqueloide", r"\blupus\b", r"\bautoinmun", r"\bc[aá]ncer\b|\bquimio", r"\bcicatrizo mal\b",
        ),
        redirect=_rx(
            r"\bignora\b.{0,30}\binstrucciones\b", r"\bolvida\b.{0,20}\b(todo|instrucciones|reglas)\b", r"\bact[uú]a como\b", r"\bfinge\b", r"\bahora eres\b",
            r"\ba partir de ahora\b.{0,15}\beres\b", r"\bescr[ií]be(me)? (un|una)\b.{0,20}\b(poema|canci[oó]n|historia|cuento|chiste|c[oó]digo|carta|correo)",
            r"\bcu[eé]ntame un chiste\b", r"\btraduce\b", r"\b(prompt|instrucciones) del sistema\b",
        ),
        clinic=_rx(
            r"\bprecios?\b", r"\bcu[aá]nto (cuesta|vale|cobr)", r"\bcoste\b|\bcosto\b", r"\bhorarios?\b", r"\b(abr[ií]s|abren|abrir)\b", r"\b(pedir|reservar|cancelar|cambiar|anular) (una |la |mi )?cita\b",
            r"\bdirecci[oó]n\b", r"\baparcamiento\b|\baparcar\b", r"\bseguro m[eé]dico\b|\bmi seguro\b", r"\bdescuentos?\b", r"\btarjeta regalo\b", r"\bfinanciaci[oó]n\b",
            r"\bqu[eé] (marca|aparato|dispositivo)\b",
        ),
        other_treatment=_rx(_COMMON_TREATMENTS, r"\brellenos?\b|\b[aá]cido hialur[oó]nico\b", r"\bdepilaci[oó]n\b", r"\btatuajes?\b", r"\bpeeling qu[ií]mico\b", r"\bliposucci[oó]n\b"),
        areas={
            "the neck": (r"\bcuello\b", "del cuello"), "the hands": (r"\bmanos\b", "de las manos"), "the back": (r"\bespalda\b", "de la espalda"),
            "the arms": (r"\bbrazos?\b", "de los brazos"), "the legs": (r"\bpiernas?\b|\bmuslos?\b", "de las piernas"),
            "the stomach": (r"\bbarriga\b|\bvientre\b|\babdomen\b|\btripa\b|\best[oó]mago\b", "del abdomen"),
            "the scalp": (r"\bcuero cabelludo\b", "del cuero cabelludo"), "the buttocks": (r"\bgl[uú]teos?\b|\bnalgas?\b|\btrasero\b", "de los glúteos"),
            "the knees": (r"\brodillas?\b", "de las rodillas"), "the chest": (r"\bescote\b|\bpecho\b", "del escote"),
        },
    ),
    "fr": LanguagePatterns(
        urgent=_rx(
            r"\bpus\b", r"(?<!boutons de )(?<!bouton de )\bfi[eè]vre\b", r"\bfrissons?\b", r"\b(du mal [aà]|difficult[eé]s? [aà]|ne peux pas|n'arrive pas [aà]|peine [aà]) respirer",
            r"\bessouffl", r"\bj'?[eé]touffe\b",
            r"\bgonfl\w*\b.{0,25}\b(l[eè]vres?|visage|langue|yeux|gorge|paupi[eè]res?)\b", r"\b(l[eè]vres?|visage|langue|yeux|gorge|paupi[eè]res?)\b.{0,25}\b(gonfl|enfl)",
            r"\bsaign\w*\b.{0,60}\b(ne s'arr[eê]te|n'arr[eê]te|sans arr[eê]t|continue|toujours|encore)", r"\bn'arr[eê]te pas de saigner\b",
            r"\b(tra[iî]n[eé]es|stries|lignes|rayures) rouges\b",
            r"\brougeurs?\b.{0,30}\b(s'[eé]tend|se propage|s'[eé]tale|gagne)", r"\b(s'[eé]tend|se propage)\b",
            r"\b(devien\w*|vire\w*|tourne\w*)\b.{0,15}\b(noir|gris|violet|fonc[eé])", r"\bnoirci", r"\bcloques?\b", r"\burticaire\b",
            r"\b[eé]vanoui", r"\binfect[eé]", r"\binfection\b", r"\babc[eè]s\b", r"\b(sent|odeur)\b.{0,10}\b(mauvais|mauvaise)\b", r"\b[eé]coulement\b", r"\bsuinte",
        ),
        soft=_rx(r"\bsaign", r"\bdouleur", r"\bfait mal\b|\bmal\b", r"\bgonfl", r"\brouge|\brougeur", r"\bd[eé]mange", r"\bchaud\b|\bchaleur\b", r"\bbouton", r"\bbr[uû]l"),
        worsening=_rx(r"\bempire\b|\bs'aggrave|\baggrav", r"\bpire\b", r"\bde plus en plus\b", r"\bne s'am[eé]liore pas\b", r"\binsupportable\b", r"\bintense\b"),
        medical=_rx(
            _COMMON_MEDICINES,
            r"\benceinte\b|(?<!depuis ma )(?<!apr[eè]s ma )(?<!depuis mes )\bgrossesses?\b", r"\ballait", r"\banticoagul|\bfluidifi|\baspirine\b|\bwarfarine\b|\bpreviscan\b", r"\bisotr[eé]tino|\broaccutane\b|\bcuracn[eé]\b",
            r"\br[eé]tino", r"\bm[eé]dicaments?\b|\btraitement m[eé]dical\b|\bcachets\b", r"\bantibioti", r"\bdiab[eè]t", r"\becz[eé]ma\b|\bdermatite\b", r"\bpsoriasis\b",
            r"\bros[aá]c[eé]e\b|\bcouperose\b", r"\bacn[eé] (active|inflammatoire)\b|\bpouss[eé]e d'acn[eé]\b|\bboutons (inflamm[eé]s|infect[eé]s)\b", r"\bherp[eè]s\b|\bboutons? de fi[eè]vre\b", r"\bch[eé]lo[iï]de",
            r"\blupus\b", r"\bauto-?immun", r"\bcancer\b|\bchimio", r"\bcicatrise mal\b",
        ),
        redirect=_rx(
            r"\bignore\w*\b.{0,30}\binstructions\b", r"\boublie\w*\b.{0,20}\b(tout|instructions|r[eè]gles)\b", r"\bfais comme si\b", r"\bagis comme\b",
            r"\b(tu es|vous [eê]tes) (maintenant|d[eé]sormais)\b", r"\b[eé]cri(s|vez)(-moi)? (un|une)\b.{0,20}\b(po[eè]me|chanson|histoire|code|lettre|blague)",
            r"\braconte(z)?(-moi)? une blague\b", r"\btradui(s|sez)\b", r"\bprompt syst[eè]me\b",
        ),
        clinic=_rx(
            r"\bprix\b", r"\bcombien (co[uû]te|[cç]a co[uû]te|co[uû]tent)", r"\btarifs?\b", r"\bhoraires?\b", r"\b(ouvert|ouvrez)\b", r"\b(prendre|r[eé]server|annuler|d[eé]placer) (un |le |mon )?rendez-vous\b",
            r"\badresse\b", r"\bparking\b|\bse garer\b", r"\bmutuelle\b|\bassurance\b", r"\br[eé]ductions?\b|\bremises?\b", r"\bbon cadeau\b|\bcarte cadeau\b",
            r"\bquelle (marque|machine)\b|\bquel appareil\b",
        ),
        other_treatment=_rx(_COMMON_TREATMENTS, r"\bacide hyaluronique\b|\binjections?\b", r"\b[eé]pilation\b", r"\btatouages?\b", r"\bpeeling chimique\b", r"\bliposuccion\b"),
        areas={
            "the neck": (r"\bcou\b", "du cou"), "the hands": (r"\bmains?\b", "des mains"), "the back": (r"\b(le|mon|du|au) dos\b", "du dos"),
            "the arms": (r"\bbras\b", "des bras"), "the legs": (r"\bjambes?\b|\bcuisses?\b", "des jambes"), "the stomach": (r"\bventre\b|\babdomen\b", "du ventre"),
            "the scalp": (r"\bcuir chevelu\b", "du cuir chevelu"), "the buttocks": (r"\bfesses?\b", "des fesses"), "the knees": (r"\bgenoux\b", "des genoux"),
            "the chest": (r"\bd[eé]collet[eé]\b|\bpoitrine\b", "du décolleté"),
        },
    ),
    "de": LanguagePatterns(
        urgent=_rx(
            r"\beiter", r"\bfieber", r"\bsch[uü]ttelfrost\b", r"\batemnot\b|\bkaum luft\b|\bkeine luft\b|\bschwer (zu )?atmen\b|\batembeschwerden\b|\bluftnot\b",
            # German glues prefixes on: "zugeschwollen", "angeschwollen", "Augenschwellung"
            r"(lippen?|gesicht|zunge|augen|augenlider|hals|rachen)\b.{0,30}(geschwollen|schwillt|schwellen|dick)",
            r"(geschwollen\w*|schwellung\w*)\b.{0,25}\b(lippen?|gesicht|zunge|augen|augenlider|hals|rachen)\b", r"(augen|lippen|gesichts)schwellung",
            r"\bblut\w*\b.{0,60}\b(h[oö]rt nicht auf|nicht aufh[oö]r|nicht zu stillen|nicht stoppen|st[aä]ndig|immer noch)", r"\bh[oö]rt nicht auf zu bluten\b",
            r"\brote (streifen|linien)\b",
            r"\br[oö]tung\b.{0,30}\b(breitet sich|ausbreit|wird gr[oö]ßer|w[aä]chst)", r"\bbreitet sich\b.{0,20}\baus\b",
            r"\b(wird|werden|f[aä]rbt sich|verf[aä]rbt sich|ist)\b.{0,20}\b(schwarz|grau|dunkellila|blauschwarz)", r"\bblasen\b", r"\bnesselsucht\b|\bquaddeln\b",
            r"\bohnm[aä]cht|\bbewusstlos", r"\binfiziert\b|\binfektion\b|\bentz[uü]ndet\b", r"\babszess\b", r"\briecht\b.{0,15}\b(schlecht|[uü]bel|komisch|faulig)\b|\bgeruch\b",
            r"\bn[aä]sst\b|\bsekret\b|\bausfluss\b",
        ),
        soft=_rx(r"\bblut", r"\bschmerz", r"\btut\b.{0,10}\bweh\b", r"\bschwell|\bgeschwollen", r"\br[oö]t(ung|e)\b|\brot\b", r"\bjuck", r"\bhei(ß|ss)\b|\bwarm\b", r"\bbrenn"),
        worsening=_rx(r"\bschlimmer\b", r"\bschlechter\b", r"\bimmer (mehr|st[aä]rker|gr[oö]ßer)\b", r"\bnicht besser\b", r"\bunertr[aä]glich\b", r"\bstark(e|er)?\b"),
        medical=_rx(
            _COMMON_MEDICINES,
            r"\bschwanger", r"\bstill(e|en|zeit)\b", r"\bblutverd[uü]nn|\bgerinnungshemm|\bmarcumar\b|\baspirin\b|\bass\b", r"\bisotretinoin\b|\broaccutan|\baknenormin\b",
            r"\bretino", r"\bmedikament|\btabletten\b|\barznei", r"\bantibiotik", r"\bdiabet", r"\bekzem|\bneurodermitis\b", r"\bschuppenflechte\b|\bpsoriasis\b",
            r"\brosazea\b|\bcouperose\b", r"\b(akute|entz[uü]ndete|aktive) akne\b|\bentz[uü]ndete pickel\b", r"\bherpes\b|\bfieberbl[aä]schen\b", r"\bkeloid", r"\blupus\b", r"\bautoimmun",
            r"\bkrebs\b|\bchemo",
        ),
        redirect=_rx(
            r"\bignorier\w*\b.{0,30}\b(anweisungen|regeln|instruktionen)\b", r"\bvergiss\b.{0,20}\b(alles|anweisungen|regeln)\b", r"\btu so,? als\b",
            r"\bdu bist (jetzt|ab sofort)\b", r"\bspiel(e)? die rolle\b", r"\bschreib(e)?\b.{0,15}\b(gedicht|lied|geschichte|witz|code|brief)",
            r"\berz[aä]hl(e)?\b.{0,10}\bwitz\b", r"\b[uü]bersetze?\b", r"\bsystem-?prompt\b",
        ),
        clinic=_rx(
            r"\bpreis", r"\bwas kostet\b|\bwie viel kostet\b|\bkosten\b", r"\b[oö]ffnungszeiten\b", r"\bge[oö]ffnet\b", r"\btermin\w*\b.{0,15}\b(buchen|vereinbaren|absagen|verschieben|machen)\b",
            r"\badresse\b", r"\bparken\b|\bparkpl[aä]tz", r"\bkrankenkasse\b|\bversicherung\b", r"\brabatt\b", r"\bgutschein\b", r"\bratenzahlung\b",
            r"\bwelche(s|n)? (marke|ger[aä]t)\b",
        ),
        other_treatment=_rx(_COMMON_TREATMENTS, r"\bhyalurons[aä]ure\b|\bunterspritz", r"\bhaarentfernung\b|\benthaarung\b", r"\btattoo", r"\bchemisches? peeling\b", r"\bfettabsaugung\b"),
        areas={
            "the neck": (r"\bhals\b(?!\w)", "des Halses"), "the hands": (r"\bh[aä]nde?n?\b", "der Hände"), "the back": (r"\br[uü]cken\b", "des Rückens"),
            "the arms": (r"\barme?n?\b", "der Arme"), "the legs": (r"\bbeine?n?\b|\boberschenkel\b", "der Beine"), "the stomach": (r"\bbauch\w*\b", "des Bauches"),
            "the scalp": (r"\bkopfhaut\b", "der Kopfhaut"), "the buttocks": (r"\bgesä(ß|ss)\b|\bpo\b", "des Gesäßes"), "the knees": (r"\bknien?\b", "der Knie"),
            "the chest": (r"\bdekollet[eé]\b|\bbrust\b", "des Dekolletés"),
        },
    ),
    "it": LanguagePatterns(
        urgent=_rx(
            r"\bpus\b", r"\bfebbre\b", r"\bbrividi\b", r"\b(fatica a|difficolt[aà] a|non riesco a) respirare\b", r"\bfiato corto\b|\bmi manca il respiro\b",
            r"\b(labbra|labbro|viso|faccia|lingua|occhi|gola|palpebre)\b.{0,25}\bgonfi", r"\bgonfi\w*\b.{0,25}\b(labbra|labbro|viso|faccia|lingua|occhi|gola|palpebre)\b",
            r"\bsangu\w*\b.{0,60}\bnon (si ferma|smette|si arresta)", r"\bnon smette di sanguinare\b", r"\bcontinua a sanguinare\b",
            r"\b(strisce|striature|linee|righe) ross[ea]\b",
            r"\b(rossore|arrossamento)\b.{0,30}\b(si allarga|si espande|si estende|si diffonde|aumenta)", r"\b(si allarga|si espande|si diffonde)\b",
            r"\b(diventa|diventata|diventando|sta diventando)\b.{0,15}\b(nera|nero|grigia|grigio|viola|scura)", r"\bvescic", r"\borticaria\b", r"\bsvenut|\bsvenire\b|\bsvengo\b",
            r"\binfett", r"\binfezione\b", r"\bascesso\b", r"\bcattivo odore\b|\bpuzza\b", r"\bsecrezion|\btrasuda\b",
        ),
        soft=_rx(r"\bsangu", r"\bdolor", r"\bfa male\b", r"\bgonfi", r"\brossore|\barrossa|\brosso\b", r"\bprurit|\bprude\b", r"\bcaldo\b|\bcalore\b", r"\bbrucia|\bbruciore"),
        worsening=_rx(r"\bpeggior", r"\bsempre pi[uù]\b", r"\bnon migliora\b", r"\binsopportabile\b", r"\bfortissimo\b|\bmolto forte\b"),
        medical=_rx(
            _COMMON_MEDICINES,
            r"\bincinta\b|\bgravidanza\b", r"\ballatt", r"\banticoagul|\bfluidific|\baspirina\b|\bcoumadin\b|\bwarfarin", r"\bisotretinoin|\broaccutan", r"\bretino",
            r"\bfarmac|\bmedicin(e|ali)\b|\bpillole\b", r"\bantibiotic", r"\bdiabet", r"\beczema\b|\bdermatite\b", r"\bpsoriasi\b", r"\brosacea\b|\bcouperose\b",
            r"\bacne attiva\b|\bacne infiammat|\bbrufoli infiammati\b", r"\bherpes\b", r"\bcheloid", r"\blupus\b", r"\bautoimmun", r"\bcancro\b|\btumore\b|\bchemio",
        ),
        redirect=_rx(
            r"\bignora\b.{0,30}\bistruzioni\b", r"\bdimentica\b.{0,20}\b(tutto|istruzioni|regole)\b", r"\bfai finta\b", r"\bcomportati come\b", r"\bora sei\b|\bda ora sei\b",
            r"\bscrivi(mi)? (una|un)\b.{0,20}\b(poesia|canzone|storia|codice|lettera|barzelletta)", r"\braccontami una barzelletta\b", r"\btraduci\b", r"\bprompt di sistema\b",
        ),
        clinic=_rx(
            r"\bprezz", r"\bquanto costa\b|\bcosto\b|\bcosta\b", r"\borari\b", r"\baperti\b", r"\b(prenotare|disdire|spostare|fissare) (un |l'|il )?appuntamento\b",
            r"\bindirizzo\b", r"\bparcheggi", r"\bassicurazione\b", r"\bscont", r"\bbuono regalo\b|\bcarta regalo\b", r"\bquale (marca|macchinario|dispositivo)\b",
        ),
        other_treatment=_rx(_COMMON_TREATMENTS, r"\bacido ialuronico\b", r"\bepilazione\b", r"\btatuagg", r"\bpeeling chimico\b", r"\bliposuzione\b"),
        areas={
            "the neck": (r"\bcollo\b", "del collo"), "the hands": (r"\bmani\b", "delle mani"), "the back": (r"\bschiena\b", "della schiena"),
            "the arms": (r"\bbraccia\b|\bbraccio\b", "delle braccia"), "the legs": (r"\bgambe?\b|\bcosce\b", "delle gambe"), "the stomach": (r"\bpancia\b|\baddome\b", "della pancia"),
            "the scalp": (r"\bcuoio capelluto\b", "del cuoio capelluto"), "the buttocks": (r"\bglutei\b|\bsedere\b", "dei glutei"), "the knees": (r"\bginocchi", "delle ginocchia"),
            "the chest": (r"\bd[eé]collet[eé]\b|\bpetto\b", "del décolleté"),
        },
    ),
    "pt": LanguagePatterns(
        urgent=_rx(
            r"\bpus\b", r"\bfebre\b", r"\bcalafrios?\b", r"\b(dificuldade (em|para|a)|n[aã]o consigo) respirar\b", r"\bfalta de ar\b|\bsem ar\b",
            r"\b(l[aá]bios?|cara|rosto|l[ií]ngua|olhos|garganta|p[aá]lpebras?)\b.{0,25}\binch", r"\binch\w*\b.{0,25}\b(l[aá]bios?|cara|rosto|l[ií]ngua|olhos|garganta|p[aá]lpebras?)\b",
            r"\bsangr\w*\b.{0,60}\bn[aã]o (para|p[aá]ra|estanca|pára)", r"\bn[aã]o (para|p[aá]ra) de sangrar\b", r"\bainda (est[aá] a )?sangr|\bcontinua a sangrar\b",
            r"\b(riscas|listras|linhas|estrias) vermelhas\b",
            r"\bvermelhid[aã]o\b.{0,30}\b(espalh|alastr|aument|estend)", r"\b(espalhar|espalhando|alastrar|alastrando|a espalhar|a alastrar)\b",
            r"\b(ficar|ficando|fica|ficou|tornou-se|a ficar)\b.{0,15}\b(preta|preto|negra|cinzenta|cinza|roxa|escura)", r"\bbolhas?\b", r"\burtic[aá]ria\b", r"\bdesmai",
            r"\binfe(c)?tad", r"\binfe(c)?[cç][aã]o\b", r"\babcesso\b", r"\bmau cheiro\b|\bcheira mal\b", r"\bsecre[cç][aã]o\b",
        ),
        soft=_rx(r"\bsangr", r"\bdor(es)?\b", r"\bd[oó]i\b", r"\binch", r"\bvermelh", r"\bcomich[aã]o|\bcoceira|\bcoça", r"\bquente\b|\bcalor\b", r"\barde\b|\bardor"),
        worsening=_rx(r"\bpior", r"\bcada vez mais\b", r"\bn[aã]o melhora", r"\binsuport[aá]vel\b", r"\bmuito forte\b"),
        medical=_rx(
            _COMMON_MEDICINES,
            r"\bgr[aá]vida\b|\bgravidez\b", r"\bamament", r"\banticoagul|\baspirina\b|\bvarfarina\b|\bsangue fino\b", r"\bisotretino[ií]na\b|\broacutan", r"\bretino",
            r"\bmedicament|\brem[eé]dios?\b|\bcomprimidos\b", r"\bantibi[oó]tico", r"\bdiab[eé]t", r"\beczema\b|\bdermatite\b", r"\bpsor[ií]ase\b", r"\bros[aá]cea\b",
            r"\bacne ativ[ao]\b|\bacne inflamad[ao]\b|\bsurto de acne\b|\b(espinhas|borbulhas) inflamadas\b", r"\bherpes\b", r"\bquel[oó]ide", r"\bl[uú]pus\b", r"\bautoimun", r"\bcancro\b|\bc[aâ]ncer\b|\bquimio",
        ),
        redirect=_rx(
            r"\bignor[ae]\b.{0,30}\binstru[cç][oõ]es\b", r"\besque[cç]a?e?\b.{0,20}\b(tudo|instru[cç][oõ]es|regras)\b", r"\bfinge\b|\bfinja\b", r"\bage como\b|\baja como\b",
            r"\bagora (tu )?(és|[eé]s|voc[eê] [eé])\b", r"\bescreve(-me)?\b.{0,10}\b(um|uma)\b.{0,20}\b(poema|can[cç][aã]o|hist[oó]ria|c[oó]digo|carta|piada)",
            r"\bescreva\b.{0,20}\b(poema|can[cç][aã]o|hist[oó]ria|c[oó]digo|carta|piada)", r"\bconta(-me)? uma piada\b", r"\btraduz(a)?\b", r"\bprompt do sistema\b",
        ),
        clinic=_rx(
            r"\bpre[cç]os?\b", r"\bquanto custa\b|\bcusto\b|\bcusta\b", r"\bhor[aá]rios?\b", r"\babrem\b|\best[aã]o abertos\b", r"\b(marcar|desmarcar|cancelar|remarcar) (uma |a )?(consulta|sess[aã]o|marca[cç][aã]o)\b",
            r"\bmorada\b|\bendere[cç]o\b", r"\bestacionamento\b|\bestacionar\b", r"\b(plano|seguro) de sa[uú]de\b|\bo (meu )?seguro (cobre|paga|comparticipa)\b", r"\bdescontos?\b", r"\bvale[- ]presente\b|\bcart[aã]o[- ]presente\b",
            r"\bque (marca|aparelho|m[aá]quina)\b",
        ),
        other_treatment=_rx(_COMMON_TREATMENTS, r"\b[aá]cido hialur[oó]nico\b|\bpreenchimento", r"\bdepila[cç][aã]o\b", r"\btatuage", r"\bpeeling qu[ií]mico\b", r"\blipoaspira[cç][aã]o\b"),
        areas={
            "the neck": (r"\bpesco[cç]o\b", "do pescoço"), "the hands": (r"\bm[aã]os\b", "das mãos"), "the back": (r"\bcostas\b", "das costas"),
            "the arms": (r"\bbra[cç]os?\b", "dos braços"), "the legs": (r"\bpernas?\b|\bcoxas?\b", "das pernas"), "the stomach": (r"\bbarriga\b|\babd[oóô]men\b", "da barriga"),
            "the scalp": (r"\bcouro cabeludo\b", "do couro cabeludo"), "the buttocks": (r"\bgl[uú]teos\b|\bn[aá]degas\b|\bbumbum\b|\brabo\b", "dos glúteos"),
            "the knees": (r"\bjoelhos?\b", "dos joelhos"), "the chest": (r"\bdecote\b|\bpeito\b", "do decote"),
        },
    ),
    "pl": LanguagePatterns(
        urgent=_rx(
            r"\brop(a|ę|y|ą|ie|ieje|ny|na|ne|ień|nia)\b", r"\bgor[aą]czk", r"\bdreszcz", r"\b(trudno[sś][cć] z oddychaniem|nie mog[eę] oddycha[cć]|trudno mi oddycha[cć]|brak tchu|duszno[sś][cć]|dusz[eę] si[eę])",
            r"\b(ci[eę][zż]ko|trudno|z trudem)\b.{0,15}\boddych", r"\b(ściska|ścisk|zaciska|zatyka)\w*\b.{0,20}\bgard[lł]", r"\bgard[lł]\w*\b.{0,20}\b(ściska|zaciska|zatyka)",
            r"\b(usta|ust|wargi|warg|twarz\w*|j[eę]zyk\w*|oczy|oczu|gard[lł]\w*|powiek\w*)\b.{0,25}\b(spuch|opuch|obrz[eę]k|obrzmia)",
            r"\b(spuch\w*|opuch\w*|obrz[eę]k\w*)\b.{0,25}\b(usta|ust|warg\w*|twarz\w*|j[eę]zyk\w*|oczy|oczu|gard[lł]\w*|powiek\w*)\b",
            r"\bkrwaw\w*\b.{0,60}\bnie (ustaje|przestaje|chce przesta[cć]|mija)", r"\bnie przestaje krwawi[cć]\b", r"\bci[aą]gle krwawi\b|\bwci[aą][zż] krwawi\b",
            r"\bczerwone (pr[eę]gi|smugi|linie|paski)\b",
            r"\bzaczerwienieni\w*\b.{0,30}\b(rozszerza|rozprzestrzenia|powi[eę]ksza|ro[sś]nie)", r"\b(rozszerza|rozprzestrzenia) si[eę]\b",
            r"\b(robi|stała|zrobi[lł]a|staje)\b.{0,15}\b(czarn|szar|fioletow|ciemn)", r"\bczernieje\b|\bsinieje\b", r"\bp[eę]cherz", r"\bpokrzywk", r"\bzemdla|\bomdle",
            r"\bzaka[zż]eni|\bzainfekowan|\binfekcj", r"\bbrzydko pachnie\b|\b[sś]mierdzi\b|\bnieprzyjemny zapach\b", r"\bwydzielin|\bs[aą]czy\b",
        ),
        soft=_rx(r"\bkrwaw", r"\bb[oó]l", r"\bboli\b", r"\bspuch|\bopuch|\bobrz[eę]k", r"\bzaczerwien|\bczerwon", r"\bswędz", r"\bgor[aą]c|\bciep[lł]", r"\bpiecze\b|\bpieczeni"),
        worsening=_rx(r"\bgorzej\b|\bgorsz", r"\bcoraz (bardziej|wi[eę]ksz|mocniej)", r"\bnie (mija|przechodzi|poprawia)", r"\bnie do zniesienia\b", r"\bbardzo silny\b"),
        medical=_rx(
            _COMMON_MEDICINES,
            r"\bci[aą][zż]", r"\bkarmi[eę] piersi[aą]|\bkarmienie piersi[aą]|\bkarmi[aą]c", r"\bprzeciwzakrzep|\brozrzedzaj|\bacenokumarol|\bwarfaryn|\baspiryn|\bpolopiryn",
            r"\bizotretynoin|\broacutan|\baknenormin", r"\bretino", r"\bleki\b|\blek[oó]w\b|\blekach\b|\blekami\b|\bbior[eę]\b.{0,20}\b(tabletk|lek)|\btabletk", r"\bantybiotyk",
            r"\bcukrzyc", r"\begzem|\batopow", r"\b[lł]uszczyc", r"\btr[aą]dzik r[oó][zż]owat", r"\baktywny tr[aą]dzik\b|\bzapalne (pryszcze|wypryski)\b|\bstan zapalny\b", r"\bopryszczk", r"\bbliznowc|\bkeloid",
            r"\btocze[nń]", r"\bautoimmun", r"\bnowotw|\brak\b|\bchemio",
        ),
        redirect=_rx(
            r"\bzignoruj\b.{0,30}\b(instrukcj|polece|zasad)", r"\bzapomnij\b.{0,20}\b(wszystk|instrukcj|zasad)", r"\budawaj\b", r"\bjeste[sś] teraz\b|\bod teraz jeste[sś]\b",
            r"\bnapisz\b.{0,20}\b(wiersz|piosenk|opowiadani|kod|list|[zż]art)", r"\bopowiedz\b.{0,10}\b(dowcip|[zż]art|kawa[lł])", r"\bprzet[lł]umacz\b", r"\bprompt systemowy\b",
        ),
        clinic=_rx(
            r"\bcen(a|y|ę|ie|nik)\b", r"\bile kosztuje\b|\bkoszt", r"\bgodziny otwarcia\b", r"\bczynne\b|\botwarte\b", r"\b(um[oó]wi[cć]|zarezerwowa[cć]|odwo[lł]a[cć]|prze[lł]o[zż]y[cć])\b.{0,15}\bwizyt",
            r"\badres\b", r"\bparking\b|\bzaparkowa[cć]\b", r"\bubezpiecz", r"\bzni[zż]k|\brabat", r"\bbon podarunkowy\b|\bvoucher\b", r"\bjakiego (sprz[eę]tu|urz[aą]dzenia)\b|\bjakiej marki\b",
        ),
        other_treatment=_rx(_COMMON_TREATMENTS, r"\bkwas hialuronowy\b|\bkwasem hialuronowym\b|\bwype[lł]niacz", r"\bdepilacj", r"\btatua[zż]", r"\bpeeling chemiczny\b", r"\bliposukcj"),
        areas={
            "the neck": (r"\bszyi\b|\bszyj[aeę]\b", "na szyi"), "the hands": (r"\bd[lł]oni\w*\b|\br[eę]ce\b|\br[aą]k\b", "na dłoniach"), "the back": (r"\bplec\w*\b", "na plecach"),
            "the arms": (r"\bramion\w*\b|\bramiona\b|\bramieniu\b", "na ramionach"), "the legs": (r"\bnog\w*\b|\budach\b|\budo\b", "na nogach"),
            "the stomach": (r"\bbrzuch\w*\b", "na brzuchu"), "the scalp": (r"\bsk[oó]r\w* g[lł]owy\b", "na skórze głowy"), "the buttocks": (r"\bpo[sś]ladk\w*\b", "na pośladkach"),
            "the knees": (r"\bkolan\w*\b", "na kolanach"), "the chest": (r"\bdekolt\w*\b|\bklatk\w* piersiow\w*\b", "na dekolcie"),
        },
    ),
}

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
