"""The dashboard's languages: both catalogs say the same things, every string a template uses is
in them, the language is chosen as documented, and refusals are said in the page's language."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from events.kinds import KINDS
from node.dashboard import forms, i18n
from node.dashboard.i18n import Translator, choose_language, format_money, parse_accept_language

TEMPLATES = Path(i18n.__file__).parent / "templates"
KEY_RE = re.compile(r"""\bt\(\s*["']([a-z_.0-9]+)["']\s*[,)]""")  # t("key") or t("key", field=...)


def test_both_catalogs_have_the_same_keys_and_fields() -> None:
    en, fr = i18n.catalog("en"), i18n.catalog("fr")
    assert set(en) == set(fr), f"only in en: {set(en) - set(fr)}; only in fr: {set(fr) - set(en)}"
    for key in en:
        assert set(re.findall(r"{(\w+)}", en[key])) == set(re.findall(r"{(\w+)}", fr[key])), key
        assert fr[key].strip(), f"empty French text for {key}"


# French typography: a narrow no-break space before ':', ';', '?' and '!' (and inside « »), never a line
# break there nor a bare colon glued to the word. Not in what is no prose: a link, a time, a command.
NOT_PROSE_RE = re.compile(r"`[^`]*`|https?://\S*|\d{1,2}:\d{2}")


def french_punctuation_problems(text: str) -> list[str]:
    prose = NOT_PROSE_RE.sub("", text)
    return [prose[max(0, m.start() - 12):m.end() + 1] for m in re.finditer(r"(?<!\u202f)[:;?!]|«(?!\u202f)|(?<!\u202f)»",
                                                                            prose)]


def test_french_punctuation_has_its_narrow_no_break_space() -> None:
    """'Erreur: ...' or 'Champ : ...' with a plain space (a line may break before the colon) is not French
    typography; a screen reader and a reader both expect 'Champ\u202f: ...'."""
    found = {key: problems for key, text in i18n.catalog("fr").items()
             if (problems := french_punctuation_problems(text))}
    assert not found, found
    assert french_punctuation_problems("Erreur : x; y ?") and not french_punctuation_problems("à 18:00, `a:b`")
    assert i18n.catalog("en")["common.colon"] == ":" and i18n.catalog("fr")["common.colon"] == "\u202f:"


# A colon or semicolon typed in a template after words it shows: a template expression, the end of a
# block ('{% if ... %}: '), or a name set apart (<bdi>...</bdi>)
GLUED_RE = re.compile(r"(\}\}|%\}|</bdi>)[:;]")


def test_no_template_puts_a_bare_colon_after_its_words() -> None:
    """A colon typed in a template after translated words ('{{ t("action.moved") }}: ...') is a bare
    colon in French too ('Déplacée: mar. 8 déc.'), on the public page as on the node's pages, after a
    group's name ('Calais: ...') as after a word: `t("common.colon")` (and `t("common.semicolon")`)
    give each language its own."""
    glued = {path.name: [text[max(0, m.start() - 30):m.end()] for m in GLUED_RE.finditer(text)]
             for path in TEMPLATES.glob("*.html") if GLUED_RE.search(text := path.read_text(encoding="utf-8"))}
    assert not glued, glued
    assert i18n.catalog("en")["common.semicolon"] == ";" and i18n.catalog("fr")["common.semicolon"] == "\u202f;"


def test_an_events_place_in_its_chain_has_one_name_in_each_language() -> None:
    """The CLI says "seq" (`revoke --from-seq`, "revoked from seq 3"): the English dashboard says the
    same, never "event 3" or "number 3" for it; the French one says "numéro" throughout. The pin of a
    revocation is a named event (the subject's event before from_seq), not a fingerprint."""
    en, fr = i18n.catalog("en"), i18n.catalog("fr")
    for key, text in en.items():
        if "{seq}" in text:
            assert re.search(r"\bseq \{seq\}", text) and not re.search(r"(event|number) \{seq\}", text), (key, text)
    for key, text in fr.items():
        if "{seq}" in text:
            assert "numéro {seq}" in text, (key, text)
    assert (en["event.seq"], en["field.from_seq"]) == ("Seq", "From seq")
    assert (fr["event.seq"], fr["field.from_seq"]) == ("Numéro", "À partir du numéro")
    assert fr["field.pin"] == "Événement épinglé"


def test_every_key_a_template_names_is_in_the_catalog() -> None:
    en = i18n.catalog("en")
    used = set()
    for path in TEMPLATES.glob("*.html"):
        used |= set(KEY_RE.findall(path.read_text(encoding="utf-8")))
    assert used, "the key pattern found nothing: the test would prove nothing"
    assert not used - set(en), f"keys used by templates but missing from the catalogs: {used - set(en)}"


def test_keys_built_from_data_exist_for_every_value() -> None:
    """Templates build some keys from data: kind names, field names, enum choices, statuses."""
    t = Translator("fr")
    for kind in KINDS.values():
        assert t.has(f"kind.{kind.name}") and t.has(f"kind_help.{kind.name}"), kind.name
        for f in kind.fields:
            assert f.name == "sealed" or f.type == "signature" or t.has(f"field.{f.name}"), f"field.{f.name}"
            for choice in f.choices:
                assert choice in ("1", "2", "3-5", "6-10", "11+") or t.has(f"choice.{choice}"), choice
    for key in ("status.open", "status.claimed", "status.closed", "field.expires_in", "field.private", "field.to",
                "event.body.missing", "event.body.redacted", "event.body.expired", "lang.en", "lang.fr"):
        assert t.has(key), key
    for choice in forms.EXPIRY_CHOICES:
        assert t.has(f"expiry.{choice}")


@pytest.mark.parametrize("header, expected", [
    ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
    ("en-GB,en;q=0.9,fr;q=0.8", "en"),
    ("de-DE,de;q=0.9,fr;q=0.5", "fr"),
    ("fr;q=0.2, en;q=0.7", "en"),
    ("fr;q=0", None),
    ("de", None),
    ("", None),
    (None, None),
    ("xx;q=abc, fr", "fr"),
])
def test_accept_language(header: str | None, expected: str | None) -> None:
    assert parse_accept_language(header) == expected


def test_explicit_choice_wins_and_is_remembered() -> None:
    assert choose_language("fr", None, "en") == ("fr", True)
    assert choose_language("fr", "fr", "en") == ("fr", False)   # already remembered
    assert choose_language(None, "fr", "en-GB") == ("fr", False)
    assert choose_language(None, None, "fr-CA") == ("fr", False)
    assert choose_language("klingon", None, None) == ("en", False)
    assert choose_language(None, "klingon", "de") == ("en", False)


def test_money_and_numbers_follow_the_language() -> None:
    assert format_money(150000, "EUR", "en") == "1,500\u00a0EUR"
    assert format_money(123450, "GBP", "fr") == "1\u202f234,50\u00a0GBP"
    assert i18n.format_number(12345, "fr") == "12\u202f345"


def test_missing_key_shows_itself_rather_than_breaking_a_page() -> None:
    assert Translator("fr")("no.such.key") == "no.such.key"
    assert Translator("xx").lang == "en"


ACTION = {"title": "Blockade", "region": "calais", "type": "direct_action", "starts_at": "2031-06-01T05:00"}
GOAL = {"title": "Rent", "region": "calais", "goal": "100", "currency": "EUR", "ends_at": "2031-06-01T05:00"}


@pytest.mark.parametrize("kind, texts, key", [
    ("action", {"title": "Blockade"}, "error.required"),
    ("action", {**ACTION, "title": "x" * 141}, "error.too_long"),
    ("action", {**ACTION, "starts_at": "tomorrow"}, "error.time"),
    ("action", {**ACTION, "region": "Calais!"}, "error.region"),
    ("action", {**ACTION, "ends_at": "2031-06-01T04:00"}, "error.ends_before_start"),
    ("need.fulfil", {"need": "abcdef", "quantity": "1"}, "error.event_id_short"),
    ("need.fulfil", {"need": "not an id", "quantity": "1"}, "error.event_id_form"),
    ("fundraiser", {**GOAL, "goal": "12,5x"}, "error.amount"),
    ("fundraiser", {**GOAL, "goal": "0"}, "error.amount_range"),
    ("action", {**ACTION, "starts_at": "1900-01-01T10:00"}, "error.time_before_1970"),
])
def test_refusals_are_said_in_the_page_language(kind: str, texts: dict[str, str], key: str) -> None:
    """Each said by its key: the refusal is made by the code that refuses it, never written out here."""
    from node.publishing import PublishError, parse_fields

    fr = Translator("fr")
    with pytest.raises(PublishError) as refused:
        parse_fields(None, KINDS[kind], texts, "Europe/Paris")  # type: ignore[arg-type]  (no id is looked up)
    said = forms.refusal_words(refused.value, fr)
    assert f"error.{refused.value.key}" == key, refused.value
    assert said.startswith(fr(key).split("{")[0].strip()[:12]) and str(refused.value) not in said, said


def test_an_unknown_refusal_is_shown_as_is_in_english_and_generic_in_french() -> None:
    from solnet_errors import SolnetError

    odd = SolnetError("something nobody foresaw")
    assert forms.refusal_words(odd, Translator("en")) == "something nobody foresaw"
    assert forms.refusal_words(odd, Translator("fr")) == Translator("fr")("error.generic")