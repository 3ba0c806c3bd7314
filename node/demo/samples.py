"""Sample data of `solnet demo`, in English and French: what four groups (Calais, Brighton, Bristol,
Cardiff) would publish, and the material of the activity the demo keeps publishing afterwards.

Fields are written as a person would type them (`node.publishing.publish` parses them), except two
markers that `node.demo.run` turns into text when it publishes: `At(hours)` is a time that many hours
into the coming days (in the daytime: node.demo.run._iso_in), `Ref(key)` the id of the sample
published under that key. Every name, place detail and contact here is made up; the private parts
describe no real person.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class At:
    """A time `hours` into the coming days (node.demo.run._iso_in places it in the daytime); negative:
    that many hours before today (a past action, for its report-back)."""
    hours: float


@dataclass(frozen=True)
class Ref:
    """The id of the sample published under `key`."""
    key: str


@dataclass(frozen=True)
class Sample:
    group: str  # the group whose node publishes it
    kind: str
    fields: dict[str, str | At | Ref]
    key: str | None = None  # for Ref
    private: str | None = None  # sealed to the groups in `to` (and the author's own group)
    to: tuple[str, ...] = ()  # group names
    expires_in: str | None = None



GROUPS: tuple[tuple[str, str], ...] = (
    ("Calais", "calais"), ("Brighton", "brighton"), ("Bristol", "bristol"), ("Cardiff", "cardiff"),
)
# Text in the scripts of the people the groups work with (Arabic, Farsi): the dashboard must show it
# right to left, each text on its own, inside pages in English or French.
ARABIC_RIGHTS = "حقوقك عند الحدود: لا يُلزمك القانون بالإجابة عن الأسئلة دون مترجم ومحامٍ."
FARSI_ASYLUM = "راهنمای درخواست پناهندگی در بریتانیا: مراحل، مدارک لازم و حقوق شما."

NETWORK_NAME = "solnet demo network"

SAMPLES: tuple[Sample, ...] = (
    # --- profiles ------------------------------------------------------------------------------
    Sample("Calais", "group.profile", {
        "name": "Calais", "region": "calais", "languages": "fr, en, ar, ps",
        "description": "Collectif de soutien aux personnes exilées à Calais et Grande-Synthe : distributions, "
                       "maraudes, accès aux droits. / Support for displaced people in Calais and Grande-Synthe: "
                       "distributions, outreach, access to rights.",
        "contact": "calais@example.org"}),
    Sample("Brighton", "group.profile", {
        "name": "Brighton", "region": "brighton", "languages": "en, fr",
        "description": "Collections, convoys to northern France and a weekly drop-in for people seeking asylum "
                       "in Brighton and Hove.",
        "contact": "brighton@example.org"}),
    Sample("Bristol", "group.profile", {
        "name": "Bristol", "region": "bristol", "languages": "en, ar, ku",
        "description": "Housing hosts, accompaniment to appointments and a legal fund for asylum appeals.",
        "contact": "bristol@example.org"}),
    Sample("Cardiff", "group.profile", {
        "name": "Cardiff", "region": "cardiff", "languages": "en, cy, fa",
        "description": "Welcome, English classes and phones for people placed in asylum hotels in south Wales.",
        "contact": "cardiff@example.org"}),
    # --- actions -------------------------------------------------------------------------------
    Sample("Calais", "action", {
        "title": "Rassemblement au port de Calais / Rally at the port of Calais", "type": "protest",
        "region": "calais", "place": "Parvis du terminal ferry, port de Calais", "starts_at": At(50),
        "ends_at": At(53), "languages": "fr, en",
        "description": "Contre les expulsions de campements et pour des passages sûrs. Venez nombreux·ses. / "
                       "Against camp evictions and for safe passage. Bring banners."}),
    Sample("Calais", "action", {
        "title": "Distribution de repas et de vêtements", "type": "distribution", "region": "calais",
        "place": "Rue des Verrotières", "starts_at": At(20), "ends_at": At(23), "languages": "fr, ar, ps",
        "description": "Repas chaud, vêtements chauds, recharge des téléphones. Besoin de bénévoles."}),
    Sample("Calais", "action", {
        "title": "Maraude du soir à Grande-Synthe", "type": "outreach", "region": "calais",
        "place": "Grande-Synthe, près du lac", "starts_at": At(21), "languages": "fr, en"}),
    Sample("Brighton", "action", {
        "title": "Info night: the new asylum rules and what they mean", "type": "info_night",
        "region": "brighton", "place": "Community hall, London Road", "starts_at": At(90), "ends_at": At(93),
        "languages": "en", "link": "https://example.org/brighton/info-night"}),
    Sample("Brighton", "action", {
        "title": "Tent and sleeping bag collection for Calais", "type": "distribution", "region": "brighton",
        "place": "Drop-off behind the station", "starts_at": At(30), "ends_at": At(34), "languages": "en"}),
    Sample("Bristol", "action", {
        "title": "Vigil for those who died crossing the Channel", "type": "protest", "region": "bristol",
        "place": "College Green", "starts_at": At(42), "ends_at": At(43), "languages": "en, ar",
        "description": "Candles and a minute of silence. Bring a candle; families welcome."}),
    Sample("Bristol", "action", {
        "title": "English conversation class", "type": "class", "region": "bristol",
        "place": "Library, first floor", "starts_at": At(44), "ends_at": At(46), "languages": "en, ar, ku"}),
    Sample("Cardiff", "action", {
        "title": "Welcome picnic in Bute Park", "type": "outreach", "region": "cardiff",
        "place": "Bute Park, by the café", "starts_at": At(102), "ends_at": At(106), "languages": "en, cy, fa"},
        key="cardiff-picnic"),
    # plans change: its group cancels it, and every list says so until it would have ended
    Sample("Cardiff", "action.update", {"action": Ref("cardiff-picnic"), "status": "cancelled",
                                        "note": "Storm warning: postponed, a new date soon"}),
    Sample("Cardiff", "action", {
        "title": "Know your rights workshop", "type": "class", "region": "cardiff",
        "place": "Community centre, Grangetown", "starts_at": At(60), "ends_at": At(62), "languages": "en, fa"}),
    # --- fundraisers and updates ---------------------------------------------------------------
    Sample("Calais", "fundraiser", {
        "title": "Tentes et duvets pour l'hiver / Winter tents and sleeping bags", "goal": "5000",
        "currency": "EUR", "region": "calais", "ends_at": At(24 * 30),
        "how_to_give": "Virement à l'association (IBAN sur demande) / bank transfer, ask for details",
        "description": "Chaque expulsion détruit des dizaines de tentes. / Every eviction destroys dozens of tents."},
        key="calais-fund"),
    Sample("Brighton", "fundraiser", {
        "title": "Minibus to Calais for the spring convoys", "goal": "1200", "currency": "GBP",
        "region": "brighton", "ends_at": At(24 * 45), "how_to_give": "Cash at the drop-in or bank transfer"},
        key="brighton-fund"),
    Sample("Bristol", "fundraiser", {
        "title": "Legal fund for asylum appeals", "goal": "3000", "currency": "GBP", "region": "bristol",
        "ends_at": At(24 * 60), "how_to_give": "Bank transfer; ask at any of our sessions"},
        key="bristol-fund"),
    Sample("Cardiff", "fundraiser", {
        "title": "Phone credit for people in asylum hotels", "goal": "800", "currency": "GBP",
        "region": "cardiff", "ends_at": At(24 * 20), "how_to_give": "Top-up vouchers or bank transfer"},
        key="cardiff-fund"),
    Sample("Calais", "fundraiser.update", {"fundraiser": Ref("calais-fund"), "raised": "1870",
                                           "note": "Merci à toutes et tous ! / Thank you all!"}),
    Sample("Brighton", "fundraiser.update", {"fundraiser": Ref("calais-fund"), "pledge": "250",
                                             "note": "From the Brighton bake sale"}),
    Sample("Bristol", "fundraiser.update", {"fundraiser": Ref("calais-fund"), "pledge": "150",
                                            "note": "Collection at the vigil"}),
    Sample("Bristol", "fundraiser.update", {"fundraiser": Ref("bristol-fund"), "raised": "1200"}),
    Sample("Cardiff", "fundraiser.update", {"fundraiser": Ref("bristol-fund"), "pledge": "100"}),
    Sample("Cardiff", "fundraiser.update", {"fundraiser": Ref("bristol-fund"), "pledge": "100",
                                            "note": "Collection at the Cardiff vigil"}, key="cardiff-pledge-again"),
    Sample("Bristol", "fundraiser.decline", {"fundraiser": Ref("bristol-fund"), "decline": Ref("cardiff-pledge-again"),
                                             "note": "Cardiff's vigil collection, pledged twice"}),
    Sample("Cardiff", "fundraiser.update", {"fundraiser": Ref("cardiff-fund"), "raised": "310"}),
    Sample("Brighton", "fundraiser.update", {"fundraiser": Ref("brighton-fund"), "raised": "420"}),
    # --- needs, offers, fulfilments ------------------------------------------------------------
    Sample("Calais", "need", {"category": "tents", "quantity": "60", "region": "calais", "until": At(24 * 14),
                              "urgency": "high",
                              "notes": "Tentes 2 places : l'expulsion de mardi a tout emporté. / 2-person tents: "
                                       "Tuesday's eviction took everything."}, key="calais-tents"),
    Sample("Calais", "need", {"category": "sleeping_bags", "quantity": "120", "region": "calais",
                              "until": At(24 * 14), "notes": "Duvets grand froid / winter sleeping bags"},
           key="calais-bags"),
    Sample("Calais", "need", {"category": "sim_cards", "quantity": "200", "unit": "top_ups", "region": "calais",
                              "notes": "Crédit téléphone (recharges 10 €) / phone credit top-ups"},
           key="calais-credit"),
    Sample("Calais", "need", {"category": "firewood", "quantity": "6", "unit": "m3", "urgency": "high",
                              "region": "calais", "until": At(24 * 10),
                              "notes": "Bois sec pour les braseros du campement / dry wood for the camp braziers"},
           key="calais-wood"),
    Sample("Calais", "need", {"category": "water", "quantity": "400", "unit": "litres", "region": "calais",
                              "notes": "Bidons de 5 L / 5-litre jerrycans"}),
    Sample("Cardiff", "need", {"category": "phones", "quantity": "20", "region": "cardiff",
                               "notes": "Basic smartphones with chargers, for people in hotels"}, key="cardiff-phones"),
    Sample("Bristol", "need", {"category": "shoes", "quantity": "40", "unit": "pairs", "region": "bristol",
                               "notes": "Men's trainers, sizes 40-44"}, key="bristol-shoes"),
    Sample("Cardiff", "need", {"category": "sports_kit", "quantity": "15", "unit": "sets", "region": "cardiff",
                               "urgency": "low", "notes": "Football boots and shin pads for the Saturday team"}),
    Sample("Brighton", "offer", {"category": "tents", "quantity": "25", "region": "brighton",
                                 "notes": "Van going to Calais on Saturday"}, key="brighton-tents"),
    Sample("Bristol", "offer", {"category": "firewood", "quantity": "2", "unit": "m3", "region": "bristol",
                                "notes": "Seasoned logs from a tree surgeon, on the next convoy"}),
    Sample("Brighton", "offer", {"category": "sleeping_bags", "quantity": "40", "region": "brighton"}),
    Sample("Bristol", "offer", {"category": "other", "quantity": "5", "region": "bristol",
                                "notes": "Legal advice sessions with an immigration solicitor, by video; "
                                         "conseil juridique par visio"}),
    Sample("Bristol", "offer", {"category": "clothes", "quantity": "300", "region": "bristol",
                                "notes": "Winter coats, men's sizes S-M"}, key="bristol-coats"),
    Sample("Bristol", "offer.update", {"offer": Ref("bristol-coats"), "quantity": "220",
                                       "notes": "Winter coats, men's sizes S-M (80 went to Cardiff)"}),
    Sample("Cardiff", "offer", {"category": "blankets", "quantity": "80", "region": "cardiff"}),
    Sample("Brighton", "need.fulfil", {"need": Ref("calais-tents"), "quantity": "20", "by": "Brighton",
                                       "offer": Ref("brighton-tents")}),
    Sample("Calais", "need.update", {"need": Ref("calais-bags"), "quantity": "150",
                                     "notes": "Duvets grand froid, 30 de plus après la nuit de lundi / 30 more "
                                              "after Monday night"}),
    Sample("Bristol", "need.fulfil", {"need": Ref("calais-bags"), "quantity": "30", "by": "Bristol"}),
    Sample("Cardiff", "need.fulfil", {"need": Ref("calais-bags"), "quantity": "10", "by": "Cardiff"},
           key="cardiff-bags"),
    Sample("Calais", "need.decline", {"need": Ref("calais-bags"), "decline": Ref("cardiff-bags"),
                                      "note": "Rien reçu de Cardiff / nothing came from Cardiff"}),
    # --- for chosen groups only: sealed, its kind and place inside the envelope ---------------------
    Sample("Brighton", "action", {
        "title": "Banner drop at the detention centre", "type": "direct_action", "region": "brighton",
        "place": "Meet at the usual café, details by phone", "starts_at": At(24 * 4)},
        to=("Bristol", "Calais")),
    # --- alerts: one live with an update, one ended by an all clear -----------------------------
    Sample("Calais", "alert", {
        "region": "calais", "location": "Loon-Plage, campement du canal", "type": "raid",
        "text": "Opération policière en cours, tentes saisies. Évitez la zone. / Police raid under way, tents "
                "being seized. Avoid the area."}, expires_in="6h", key="calais-raid"),
    Sample("Calais", "alert.update", {
        "alert": Ref("calais-raid"), "status": "update",
        "text": "Les CRS quittent le canal, deux fourgons restent rue des Huttes. / Riot police leaving the canal, "
                "two vans still on Rue des Huttes."}),
    Sample("Bristol", "alert", {
        "region": "bristol", "location": "Stapleton Road", "type": "border_check",
        "text": "Immigration van parked outside the shops; know your rights, you need not answer questions."},
        expires_in="12h", key="bristol-check"),
    Sample("Bristol", "alert.update", {"alert": Ref("bristol-check"), "status": "all_clear",
                                       "text": "Van gone; nobody taken."}),
    # --- support offered: who can take whom -------------------------------------------------------
    Sample("Bristol", "support.offer", {"region": "bristol", "type": "housing", "capacity": "3", "languages": "en, ar",
                                        "notes": "Three host families, up to two weeks each"}),
    Sample("Brighton", "support.offer", {"region": "brighton", "type": "activist_trauma_support", "capacity": "4",
                                         "notes": "Peer support sessions after evictions, by video or in person"}),
    Sample("Cardiff", "support.offer", {"region": "cardiff", "type": "accompaniment", "capacity": "2",
                                        "starts_at": At(24 * 3), "languages": "en, fa",
                                        "notes": "Accompaniment to Home Office reporting"}, key="cardiff-accompany"),
    Sample("Cardiff", "support.offer.update", {"offer": Ref("cardiff-accompany"), "capacity": "3",
                                               "notes": "A third volunteer joined"}),
    Sample("Brighton", "support.offer", {"region": "brighton", "type": "housing", "capacity": "2",
                                         "notes": "A safe flat near the station, for people Calais sends"},
           to=("Calais",)),  # places offered to a trusted group only: sealed
    Sample("Calais", "support.offer", {"region": "calais", "type": "legal_information", "capacity": "10",
                                       "languages": "fr, en, ar, ps",
                                       "notes": "Permanence juridique le mardi / legal drop-in on Tuesdays"}),
    # --- what happened: past actions and their report-backs ---------------------------------------
    Sample("Bristol", "action", {
        "title": "Visit to people held at Colnbrook", "type": "detention_visit", "region": "bristol",
        "place": "Colnbrook immigration removal centre", "starts_at": At(-40), "languages": "en, ar"},
        key="bristol-visit"),
    Sample("Bristol", "action.report", {"action": Ref("bristol-visit"), "people": "6",
                                        "outcome": "Six of us visited four people; one was released on bail the "
                                                   "next day. Letters and phone credit handed over.",
                                        "photos": "https://example.org/bristol/visit-1.jpg"}),
    Sample("Calais", "action", {
        "title": "Distribution au parc Saint-Pierre", "type": "distribution", "region": "calais",
        "place": "Parc Saint-Pierre", "starts_at": At(-70), "languages": "fr, ar"}, key="calais-past"),
    Sample("Calais", "action.report", {"action": Ref("calais-past"), "people": "140",
                                       "outcome": "140 repas, 60 couvertures. Contrôles de police à la sortie du "
                                                  "parc. / 140 meals, 60 blankets; police checks at the exit.",
                                       "photos": "https://example.org/calais/parc-1.jpg "
                                                 "https://example.org/calais/parc-2.jpg",
                                       "languages": "fr, en"}),
    # --- resources, in the languages of the people they are for --------------------------------
    Sample("Calais", "resource", {"title": "حقوقك عند الحدود", "languages": "ar", "topic": "know_your_rights",
                                  "region": "calais", "summary": ARABIC_RIGHTS,
                                  "link": "https://example.org/calais/droits-ar.pdf"}),
    Sample("Cardiff", "resource", {"title": "راهنمای پناهندگی", "languages": "fa", "topic": "legal",
                                   "summary": FARSI_ASYLUM, "link": "https://example.org/cardiff/asylum-fa.pdf"}),
    Sample("Brighton", "resource", {"title": "English class: at the doctor's", "languages": "en, ar, ti",
                                    "topic": "class_materials", "region": "brighton",
                                    "summary": "Worksheets and a glossary for a beginners' class (Arabic and "
                                               "Tigrinya notes).",
                                    "link": "https://example.org/brighton/class-doctor.pdf"}),
    # --- support requests (public: coarse fields; private: sealed to the recipients) -----------
    Sample("Calais", "support.request", {"region": "bristol", "type": "housing", "people": "3-5", "urgency": "high"},
           key="calais-housing", to=("Bristol",),
           private="Famille de 4 (deux adultes, deux enfants de 6 et 9 ans) arrivée hier, dort dehors. "
                   "Parle arabe, un peu d'anglais. Contact par notre téléphone de permanence. "
                   "(Demo data: no real person.)"),
    Sample("Calais", "support.request", {"region": "cardiff", "type": "safeguarding_minor", "people": "1",
                                         "urgency": "high"},
           key="calais-minor", to=("Cardiff",),
           private="Mineur non accompagné, 16 ans, a un oncle à Cardiff. Besoin d'un accompagnement vers les "
                   "services sociaux. (Demo data: no real person.)"),
    Sample("Brighton", "support.request", {"region": "brighton", "type": "legal", "people": "1", "urgency": "medium"},
           key="brighton-legal", to=("Bristol",),
           private="Asylum interview in 10 days, no solicitor yet. Speaks Tigrinya; we have an interpreter. "
                   "(Demo data: no real person.)"),
    Sample("Bristol", "support.request", {"region": "bristol", "type": "accompaniment", "people": "2",
                                          "urgency": "low"},
           key="bristol-accompany", to=("Cardiff",),
           private="Two brothers reporting at the Home Office next month; would like someone to go with them. "
                   "(Demo data: no real person.)"),
    Sample("Bristol", "support.claim", {"request": Ref("calais-housing")},
           private="A host family can take them from Friday. (Demo data: no real person.)"),
    Sample("Cardiff", "support.claim", {"request": Ref("calais-minor")}),
    Sample("Bristol", "support.claim", {"request": Ref("brighton-legal")}),
    # Bristol hands it back with its outcome; Brighton, which asked, closes it
    Sample("Bristol", "support.close", {"request": Ref("brighton-legal"), "outcome": "referred"},
           private="Referred to a legal aid solicitor who takes Brighton cases. (Demo data: no real person.)"),
    Sample("Brighton", "support.close", {"request": Ref("brighton-legal"), "outcome": "referred"}),
    # Bristol shares its request's details with Calais too, which may then take it
    Sample("Bristol", "support.share", {"request": Ref("bristol-accompany")}, to=("Calais",)),
)


@dataclass(frozen=True)
class ActivityMaterial:
    """Texts the ongoing activity draws from, per group."""
    actions: dict[str, tuple[tuple[str, str, str], ...]] = field(default_factory=dict)  # (title, type, place)
    alerts: dict[str, tuple[tuple[str, str, str], ...]] = field(default_factory=dict)  # (type, location, text)
    offers: tuple[tuple[str, str], ...] = ()  # (category, notes)


ACTIVITY = ActivityMaterial(
    actions={
        "Calais": (("Cours de français pour débutant·es", "class", "Maison des exilé·es"),
                   ("Distribution de petits-déjeuners", "distribution", "Rue des Verrotières"),
                   ("Permanence juridique / legal drop-in", "info_night", "Local associatif, centre-ville"),
                   ("Maraude de nuit sur la côte", "outreach", "Sangatte")),
        "Brighton": (("Sorting day at the warehouse", "distribution", "Warehouse, Hollingdean"),
                     ("Film night and discussion", "info_night", "Community hall, London Road"),
                     ("Demo outside the reporting centre", "protest", "Reporting centre")),
        "Bristol": (("Welcome dinner", "other", "St Paul's community kitchen"),
                    ("Letter-writing to people in detention", "other", "Library, first floor"),
                    ("Banner-making for Saturday's march", "direct_action", "Social centre")),
        "Cardiff": (("Football in the park", "outreach", "Pontcanna Fields"),
                    ("Welsh and English conversation café", "class", "Community centre, Grangetown"),
                    ("Coat and shoe distribution", "distribution", "Church hall, Butetown")),
    },
    alerts={
        "Calais": (("eviction", "Calais, zone des Dunes", "Expulsion en cours, les CRS saisissent les tentes. / "
                                                          "Eviction under way, tents being seized."),
                   ("border_check", "Gare de Calais-Ville", "Contrôles d'identité à la gare. / ID checks at the station."),
                   ("raid", "Grande-Synthe", "Opération de police au campement. / Police operation at the camp.")),
        "Brighton": (("arrest", "Reporting centre", "Someone detained at reporting this morning; solicitor called."),),
        "Bristol": (("raid", "Stapleton Road", "Immigration enforcement van seen; know your rights, you need "
                                              "not answer questions."),),
        "Cardiff": (("other", "City centre", "Hotel residents told to pack: possible move tonight."),),
    },
    offers=(("blankets", "Clean and dry, ready to go"), ("clothes", "Children's winter clothes"),
            ("food", "Dry food from the collection"), ("bikes", "Repaired bikes with locks"),
            ("books", "French-English dictionaries"), ("water", "Pallet of bottled water")),
)


def needs_network(sample: Sample) -> bool:
    """A private part is sealed to the recipients' devices, so the author's node must have learnt them
    from the network first; so must anything that refers to such a sample, or to another group's
    sample (publishing checks what it refers to: it must be held)."""
    by_key = {s.key: s for s in SAMPLES if s.key}
    refs = [by_key[v.key] for v in sample.fields.values() if isinstance(v, Ref)]
    return sample.private is not None or bool(sample.to) or any(needs_network(r) or r.group != sample.group
                                                                   for r in refs)
