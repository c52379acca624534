"""Extraction: the seed article's score, and short documents in every language we read.

The short documents are written for these tests (not taken from any article); each
asserts the claims a reader would take from it, so a rule that stops generalizing fails
here as well as on the seed.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stationwatch.extract import extract_claims
from stationwatch.extract import dates, language, numbers, segment
from stationwatch.extract.document import Doc
from stationwatch.extract.gazetteer import F_PLACE, F_SPEECH, F_TRIGGER, F_WEAK, scan
from stationwatch.model import check_excerpt_against, validate_claim

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "corpus" / "seed-article.txt"
FACTS = SHARED / "eval" / "seed-article.facts.jsonl"
SCORER = SHARED / "eval" / "score_claims.py"

DOCS = {
    "en": """Dutch minister orders closure of Chinese 'police stations'

AMSTERDAM — The Dutch foreign minister has ordered the immediate closure of two Chinese police stations in Amsterdam and Rotterdam, the ministry said on 1 November 2022.

Human Rights Watch said the Rotterdam station was opened by Fuzhou police in 2018. The ministry has opened an investigation into the facilities.

China's foreign ministry denied the allegations, calling them groundless.

Subscribe to our newsletter
""",
    "en_more": """The Milan station was opened by Wenzhou police in 2016, and another in Milan run by Qingtian in 2018.
Investigators say at least 30 staff work at 21 stations in Spain, and 230,000 people were persuaded to return to China between April 2021 and July 2022.

Canada's RCMP said it is investigating three police stations in Toronto. Ireland ordered the Fuzhou-run station in Dublin to close in October.

The Czech foreign minister said the two stations in Prague had closed.

Last year, US prosecutors charged two men with running a secret police station in Manhattan for the Ministry of Public Security.

The Hungarian government signed a security cooperation agreement with China in 2019, and joint patrols began in Budapest.

Volunteers, not police officers, staff the offices, the embassy said. The Chinese embassy rejected the report as a smear.

Written by John Doe on March 3, 2023
Photo: Getty Images
Subscribe now for unlimited access
""",
    "zh": "据保护卫士组织的报告，中国在全球53个国家设立了102个海外警务服务站。其中意大利有11个服务站，分别位于罗马、米兰和佛罗伦萨。"
          "温州警方于2016年在米兰开设了第一个服务站。中国外交部否认了这一说法，称这些站点只是帮助侨民换领驾照的服务中心。",
    "zh_hant": "根據人權組織「保護衛士」的報告，中國在荷蘭阿姆斯特丹和鹿特丹設有兩個海外警務服務站。"
               "荷蘭政府已下令關閉這些站點，並召見中國大使。中國外交部否認相關指控。",
    "it": "Secondo Safeguard Defenders, in Italia ci sono undici stazioni di polizia cinesi, a Roma, Milano, Firenze e Prato. "
          "La stazione di Milano è stata aperta dalla polizia di Qingtian nel 2018. "
          "Il governo italiano non ha avviato alcuna indagine. Pechino nega l'esistenza di queste strutture.",
    "de": "Die Bundesregierung bestätigte, dass es in Deutschland zwei chinesische Polizeistationen gibt. "
          "Eine der Polizeistationen befindet sich in Frankfurt am Main. "
          "Das Auswärtige Amt hat den chinesischen Botschafter einbestellt. Die Staatsanwaltschaft ermittelt. "
          "China dementiert, Polizeistationen im Ausland zu betreiben.",
    "fr": "Selon le gouvernement français, un commissariat chinois clandestin opérait à Paris. "
          "La police française a ouvert une enquête. Pékin dément toute activité policière à l'étranger.",
    "es": "Según Safeguard Defenders, hay nueve comisarías chinas en España, entre ellas tres en Madrid y tres en Barcelona. "
          "Las comisarías ayudaban a renovar el carné de conducir. El Gobierno español ha abierto una investigación.",
    "nl": "Volgens de Nederlandse regering zijn er twee Chinese politiebureaus in Nederland, in Amsterdam en Rotterdam. "
          "De minister van Buitenlandse Zaken heeft de sluiting van de politieposten bevolen. "
          "China ontkent dat het politiebureaus in het buitenland heeft.",
    "pt": "Segundo a organização Safeguard Defenders, existem três postos de polícia chineses em Portugal, um deles em Lisboa. "
          "As autoridades portuguesas abriram um inquérito. Pequim nega as acusações.",
    "ja": "セーフガード・ディフェンダーズによると、中国は世界53カ国に102カ所の警察拠点を設置している。"
          "中国は東京にも警察拠点を設置している。日本政府は調査を進めている。中国外務省は報道を否定した。",
    "ko": "세이프가드 디펜더스에 따르면 중국은 53개국에 102곳의 비밀경찰서를 운영하고 있다. 서울에도 비밀경찰서가 있다. "
          "한국 정부는 조사에 착수했다. 중국 외교부는 이를 부인했다.",
}
PUBLISHED = "2023-04-20"


@pytest.fixture(scope="module")
def claims() -> dict[str, list[dict]]:
    return {k: extract_claims(t, published=PUBLISHED) for k, t in DOCS.items()}


def find(claims: list[dict], predicate: str, **want) -> list[dict]:
    """Claims of `predicate` whose fields hold the wanted values ('object.locality', 'said_by.country')."""
    out = []
    for c in claims:
        if c["predicate"] != predicate:
            continue
        ok = True
        for path, value in want.items():
            got = c
            for part in path.split("__"):
                got = got.get(part) if isinstance(got, dict) else None
            if got != value:
                ok = False
                break
        if ok:
            out.append(c)
    return out


def assert_has(claims, predicate, **want):
    found = find(claims, predicate, **want)
    assert found, f"no {predicate} with {want}; got: " + json.dumps(
        [c for c in claims if c["predicate"] == predicate], ensure_ascii=False)
    return found


# -- the seed article ---------------------------------------------------------------------

def test_seed_article_meets_precision_and_recall(tmp_path):
    text = SEED.read_text(encoding="utf-8")
    out = tmp_path / "claims.jsonl"
    out.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n"
                           for c in extract_claims(text, published="2022-12-15")), encoding="utf-8")
    run = subprocess.run([sys.executable, str(SCORER), "--doc", str(SEED), "--facts", str(FACTS),
                          "--claims", str(out), "--min-precision", "0.9", "--min-recall", "0.9"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().splitlines()[-1].startswith("precision=")


def test_seed_furniture_yields_nothing():
    text = SEED.read_text(encoding="utf-8")
    furniture = ("Written by", "Subscribe", "Getty Images", "Issues Per Year", "money back")
    for c in extract_claims(text, published="2022-12-15"):
        ex = c["excerpt"]["text"]
        assert not ex.startswith(furniture) and "Subscribe" not in ex and "Getty" not in ex


# -- every claim, every document ----------------------------------------------------------

def test_every_claim_is_valid_and_its_excerpt_is_the_text(claims):
    docs = dict(DOCS, seed=SEED.read_text(encoding="utf-8"))
    all_claims = dict(claims, seed=extract_claims(docs["seed"], published="2022-12-15"))
    for key, found in all_claims.items():
        assert found, f"{key}: no claims at all"
        for c in found:
            assert validate_claim(c) == c, (key, c)
            check_excerpt_against(validate_claim(c), docs[key])
            ex = c["excerpt"]
            assert ex["text"] == docs[key][ex["start"]:ex["end"]]
            assert len(ex["text"]) < 700, "an excerpt is a sentence, not a paragraph"
            assert 0 <= c["confidence"] <= 1


# -- per language ---------------------------------------------------------------------------

def test_english(claims):
    c = claims["en"]
    assert_has(c, "response.closure_order", subject__country="NL")
    for city in ("Amsterdam", "Rotterdam"):
        assert_has(c, "station.location", object__country="NL", object__locality=city)
    assert_has(c, "count.stations", value=2, scope__country="NL", valid__from="2022-11-01")
    assert_has(c, "station.operator", subject__locality="Rotterdam", object__seat="Fuzhou",
               object__name="Fuzhou Public Security Bureau")
    assert_has(c, "station.opened", subject__locality="Rotterdam", valid__from="2018")
    assert_has(c, "response.investigation", subject__country="NL")
    assert_has(c, "network.policing_abroad", stance="denies", said_by__country="CN")
    assert not [x for x in c if "newsletter" in x["excerpt"]["text"]]


def test_english_operators_counts_and_responses(claims):
    c = claims["en_more"]
    assert_has(c, "station.operator", subject__locality="Milan", object__seat="Wenzhou")
    assert_has(c, "station.operator", subject__locality="Milan", object__seat="Qingtian")
    assert_has(c, "station.opened", subject__locality="Milan", valid__from="2016")
    assert_has(c, "station.opened", subject__locality="Milan", valid__from="2018")
    assert_has(c, "count.staff", value=30, qualifier="at_least", scope__stations=21, scope__country="ES")
    assert not find(c, "count.stations", value=21), "21 stations is where the staff work, not a count"
    assert_has(c, "count.persuaded_returns", value=230000, valid__from="2021-04", valid__to="2022-07")
    assert_has(c, "response.investigation", subject__country="CA", said_by__country="CA")
    assert_has(c, "station.location", object__locality="Toronto", object__country="CA")
    assert_has(c, "response.closure_order", subject__country="IE", valid__from="2022-10")
    assert not find(c, "station.closed", subject__locality="Dublin"), "ordered to close is not closed"
    assert_has(c, "station.closed", subject__locality="Prague", subject__country="CZ")
    assert not find(c, "response.closure_order", subject__country="CZ")
    assert_has(c, "station.location", object__country="US", object__locality="New York")
    assert_has(c, "response.arrest", subject__country="US", valid__from="2022")
    assert_has(c, "cooperation.agreement", subject__country="HU", valid__from="2019")
    assert_has(c, "cooperation.joint_policing", subject__country="HU")
    assert_has(c, "station.staffing", value="volunteers", said_by__country="CN")
    assert not find(c, "station.staffing", value="police_officers"), "'not police officers'"
    assert_has(c, "network.policing_abroad", stance="denies", said_by__country="CN")
    assert not [x for x in c if "John Doe" in x["excerpt"]["text"] or "Getty" in x["excerpt"]["text"]]


def test_chinese_simplified(claims):
    c = claims["zh"]
    assert_has(c, "count.stations", value=102)
    assert_has(c, "count.countries", value=53)
    assert_has(c, "count.stations", value=11, scope__country="IT")
    for city in ("Rome", "Milan", "Florence"):
        assert_has(c, "station.location", object__country="IT", object__locality=city)
    assert_has(c, "station.operator", subject__locality="Milan", object__seat="Wenzhou")
    assert_has(c, "station.opened", subject__locality="Milan", valid__from="2016")
    assert_has(c, "network.policing_abroad", stance="denies", said_by__country="CN")
    assert_has(c, "station.activity", value="administrative_services", said_by__country="CN")
    assert_has(c, "count.stations", said_by__name="Safeguard Defenders")


def test_chinese_traditional(claims):
    c = claims["zh_hant"]
    for city in ("Amsterdam", "Rotterdam"):
        assert_has(c, "station.location", object__country="NL", object__locality=city)
    assert_has(c, "count.stations", value=2, scope__country="NL")
    assert_has(c, "response.closure_order", subject__country="NL")
    assert_has(c, "response.protest", subject__country="NL")
    assert_has(c, "network.policing_abroad", stance="denies", said_by__country="CN")


def test_italian(claims):
    c = claims["it"]
    for city in ("Rome", "Milan", "Florence", "Prato"):
        assert_has(c, "station.location", object__country="IT", object__locality=city)
    assert_has(c, "count.stations", value=11, scope__country="IT", said_by__name="Safeguard Defenders")
    assert_has(c, "station.operator", subject__locality="Milan", object__seat="Qingtian")
    assert_has(c, "station.opened", subject__locality="Milan", valid__from="2018")
    assert_has(c, "response.no_action", subject__country="IT")
    assert not find(c, "response.investigation", subject__country="IT"), "'non ha avviato alcuna indagine'"
    assert_has(c, "network.policing_abroad", stance="denies", said_by__country="CN")


def test_german(claims):
    c = claims["de"]
    assert_has(c, "count.stations", value=2, scope__country="DE", said_by__country="DE")
    assert_has(c, "response.acknowledgement", subject__country="DE")
    assert_has(c, "station.location", object__country="DE", object__locality="Frankfurt")
    assert_has(c, "response.protest", subject__country="DE")
    assert_has(c, "response.investigation", subject__country="DE")
    assert_has(c, "network.policing_abroad", stance="denies", said_by__country="CN")


def test_french(claims):
    c = claims["fr"]
    assert_has(c, "station.location", object__country="FR", object__locality="Paris", said_by__country="FR")
    assert_has(c, "response.investigation", subject__country="FR")
    assert_has(c, "network.policing_abroad", stance="denies", said_by__country="CN")


def test_spanish(claims):
    c = claims["es"]
    assert_has(c, "count.stations", value=9, scope__country="ES")
    assert_has(c, "count.stations", value=3, scope__locality="Madrid")
    assert_has(c, "count.stations", value=3, scope__locality="Barcelona")
    for city in ("Madrid", "Barcelona"):
        assert_has(c, "station.location", object__country="ES", object__locality=city)
    assert_has(c, "station.activity", value="administrative_services")
    assert_has(c, "response.investigation", subject__country="ES")


def test_dutch(claims):
    c = claims["nl"]
    assert_has(c, "count.stations", value=2, scope__country="NL", said_by__country="NL")
    assert_has(c, "response.acknowledgement", subject__country="NL")
    for city in ("Amsterdam", "Rotterdam"):
        assert_has(c, "station.location", object__country="NL", object__locality=city)
    assert_has(c, "response.closure_order", subject__country="NL")
    assert_has(c, "network.policing_abroad", stance="denies", said_by__country="CN")


def test_portuguese(claims):
    c = claims["pt"]
    assert_has(c, "count.stations", value=3, scope__country="PT")
    assert_has(c, "station.location", object__country="PT", object__locality="Lisbon")
    assert_has(c, "response.investigation", subject__country="PT")
    assert_has(c, "network.policing_abroad", stance="denies", said_by__country="CN")


def test_japanese(claims):
    c = claims["ja"]
    assert_has(c, "count.stations", value=102)
    assert_has(c, "count.countries", value=53)
    assert_has(c, "station.location", object__country="JP", object__locality="Tokyo")
    assert_has(c, "response.investigation", subject__country="JP")
    assert_has(c, "network.policing_abroad", stance="denies", said_by__country="CN")


def test_korean(claims):
    c = claims["ko"]
    assert_has(c, "count.stations", value=102)
    assert_has(c, "count.countries", value=53)
    assert_has(c, "station.location", object__country="KR", object__locality="Seoul")
    assert_has(c, "response.investigation", subject__country="KR")
    assert_has(c, "network.policing_abroad", stance="denies", said_by__country="CN")


# -- particular behaviours -----------------------------------------------------------------

def test_operator_seats_are_never_station_locations():
    text = ("温州警方在温州市区开设了一个警务服务站。\n\n"
            "Wenzhou police opened a police station in Wenzhou last year.")
    found = extract_claims(text, published=PUBLISHED)
    assert not [c for c in found if c["predicate"] == "station.location"]
    assert not [c for c in found if (c.get("subject") or {}).get("country") == "CN"]


def test_a_country_alone_gives_a_location_without_locality():
    found = extract_claims("A Chinese police station in Hungary was closed in 2023.", published=PUBLISHED)
    loc = assert_has(found, "station.location", object__country="HU")
    assert "locality" not in loc[0]["object"]
    assert not find(found, "station.closed"), "a closure needs the station's town"


def test_chinese_numerals_and_more_than():
    found = extract_claims("报告称，中国已在海外设立五十四个海外警务服务站。\n\nThe NGO counts more than 100 police stations.",
                           published=PUBLISHED)
    assert_has(found, "count.stations", value=54)
    assert_has(found, "count.stations", value=100, qualifier="more_than")


def test_ordinary_police_stations_are_not_the_network():
    assert extract_claims("A man was arrested at a police station in Leeds after a brawl, police said.",
                          published=PUBLISHED) == []


def test_page_furniture_alone_gives_no_claims():
    text = ("Written by Jane Roe on December 1, 2022\n\nPhoto: Reuters/Getty Images\n\n"
            "Subscribe to read about Chinese police stations in Rome\n\nSign up for our newsletter\n\n"
            "Written by Jane Roe on December 1, 2022\n")
    assert extract_claims(text, published=PUBLISHED) == []


def test_empty_text_and_bad_date():
    assert extract_claims("", published=PUBLISHED) == []
    with pytest.raises(ValueError):
        extract_claims("Police stations in Rome.", published="15/12/2022")


# -- the parts --------------------------------------------------------------------------------

def test_gazetteer_gives_english_exonyms():
    text = "Roma, 罗马, ローマ, 로마, Milano, 米兰, 米蘭, Firenze, Den Haag, Sicilia, Köln"
    places = [h.payloads for h in scan(text)]
    names = {c.locality for ps in places for p in ps if p[0] == "place" for c in p[2][:1]}
    assert {"Rome", "Milan", "Florence", "The Hague", "Sicily", "Cologne"} <= names


def test_gazetteer_skips_common_words_and_lowercase():
    text = "It was a nice day for reading on a mobile phone at the bar; the police came."
    assert not [h for h in scan(text) if any(p[0] == "place" for p in h.payloads)]


def test_sentences_split_on_cjk_punctuation_and_keep_abbreviations():
    text = "Mr. Smith met Dr. Jones in the U.S. on Monday. They talked.\n\n中国否认。荷兰政府下令关闭！这是真的吗？"
    got = [text[s.start:s.end] for s in segment.sentences(text, "en")]
    assert got == ["Mr. Smith met Dr. Jones in the U.S. on Monday.", "They talked.",
                   "中国否认。", "荷兰政府下令关闭！", "这是真的吗？"]


def test_sentence_broken_by_a_byline_is_joined_over_it():
    text = ("To date, and despite the many stations found on its soil, the Italian government is\n\n"
            "Written by A. Writer on May 1, 2023\n\n"
            "among the few that have not opened an investigation into the Chinese police stations.")
    sents = segment.sentences(text, "en")
    assert len(sents) == 1 and sents[0].holes
    found = extract_claims(text, published=PUBLISHED)
    no_action = assert_has(found, "response.no_action", subject__country="IT")
    assert no_action[0]["valid"]["from"] is None, "the byline's date is not the claim's"


def test_local_segmentation_matches_full_segmentation():
    for text in list(DOCS.values()) + [SEED.read_text(encoding="utf-8")]:
        doc = Doc(text, language.detect(text), None)
        full = {(s.start, s.end, s.holes, s.para) for s in doc.sentences}
        for s in doc._sentences_with(F_TRIGGER | F_SPEECH | F_WEAK | F_PLACE):
            assert (s.start, s.end, s.holes, s.para) in full


def test_number_words_in_each_language():
    cases = {"en": ("fifty-four and one hundred and two", [54, 102]), "it": ("undici e ventitré", [11, 23]),
             "de": ("zwei und vierundfünfzig", [2, 54]), "fr": ("vingt et un, quatre-vingt-dix", [21, 90]),
             "es": ("nueve y treinta y uno", [9, 31]), "nl": ("tweeëntwintig", [22]),
             "pt": ("três e cento e dois", [3, 102]), "zh": ("五十四个和一百零二个、两个", [54, 102, 2])}
    for lang, (text, want) in cases.items():
        assert [n.value for n in numbers.find_numbers(text, 0, len(text), lang)] == want, lang
    assert numbers.find_numbers("a three-year contract and Covid-19", 0, 34, "en") == []


def test_dates_resolve_against_publication():
    text = "in September 2022, in November, between 2016 and 2018, last year, 2022年9月"
    got = [(d.value, d.to) for d in dates.find_dates(text, 0, len(text), "en", "2022-12-15")]
    assert got == [("2022-09", None), ("2022-11", None), ("2016", "2018"), ("2021", None), ("2022-09", None)]


def test_language_detection():
    for key, text in DOCS.items():
        want = {"zh_hant": "zh", "en_more": "en"}.get(key, key)
        assert language.detect(text) == want, key


def test_speaker_anaphora_and_carried_speech():
    text = ("Safeguard Defenders published a new report on Monday. The NGO said 11 Chinese police stations operate "
            "in Italy.\n\nAccording to Human Rights Watch, there are two Chinese police stations in Portugal. "
            "One of the stations is in Lisbon.")
    found = extract_claims(text, published=PUBLISHED)
    assert_has(found, "count.stations", value=11, scope__country="IT", said_by__name="Safeguard Defenders")
    explicit = assert_has(found, "count.stations", value=2, said_by__name="Human Rights Watch")
    carried = assert_has(found, "station.location", object__locality="Lisbon", said_by__name="Human Rights Watch")
    assert carried[0]["confidence"] < explicit[0]["confidence"], "a carried speaker is less certain"


def test_intimidation_and_places_that_are_only_near_a_station():
    text = ("Chinese police stations were found in Canada.\n\n"
            "Dissidents in Toronto said they were harassed and threatened by people linked to the station.")
    found = extract_claims(text, published=PUBLISHED)
    assert_has(found, "incident.intimidation", object__country="CA", object__locality="Toronto")
    assert not find(found, "station.location", object__locality="Toronto")
    assert not [c for c in found if c["said_by"]["name"] == "Toronto"], "a place is no speaker"


def test_chinese_place_names_must_be_whole_words():
    assert not find(extract_claims("政府增加州政府的海外警务服务站预算。", language="zh"), "station.location")
    assert_has(extract_claims("加州有两个海外警务服务站。", language="zh"), "station.location",
               object__locality="California")


# -- generalization: phenomena met in real reporting (texts written for these tests) ----------

def _claims(text: str, language: str | None = None) -> list[dict]:
    return extract_claims(text, published="2022-12-01", language=language)


@pytest.mark.parametrize("text, station, actor", [
    ("The Chinese consulate in Vancouver dismissed reports of a secret police station in Richmond.",
     "Richmond", "Vancouver"),
    ("La fiscalía de Sevilla investiga una comisaría china clandestina en Málaga.", "Málaga", "Seville"),
    ("Die Staatsanwaltschaft München ermittelt gegen eine chinesische Polizeistation in Augsburg.",
     "Augsburg", "Munich"),
    ("Three Chinese police stations operate in Montreal, the Ottawa Citizen and the Toronto Star reported.",
     "Montreal", "Toronto"),
    ("Le tribunal de Nanterre a été saisi du cas d'un commissariat chinois clandestin à Marseille.",
     "Marseille", "Nanterre"),
    ("中国驻大阪总领事馆否认在京都设有任何海外警务服务站。", "Kyoto", "Osaka"),
])
def test_the_seat_of_an_embassy_court_prosecutor_or_newspaper_is_not_a_station_location(text, station, actor):
    found = _claims(text)
    assert_has(found, "station.location", object__locality=station)
    assert not find(found, "station.location", object__locality=actor), text


@pytest.mark.parametrize("text, country", [
    ("The Irish government ordered the closure of a Chinese police station in Cork.", "IE"),
    ("Il governo italiano ha ordinato la chiusura della stazione di polizia cinese di Bologna.", "IT"),
    ("O governo português ordenou o encerramento do posto de polícia chinês em Coimbra.", "PT"),
    ("De Nederlandse regering heeft bevolen de Chinese politiepost in Utrecht te sluiten.", "NL"),
    ("La Moncloa exigió el cierre de la comisaría china de Zaragoza.", "ES"),
    ("爱尔兰政府已要求中国关闭设在科克的海外警务服务站。", "IE"),
])
def test_an_order_to_close_is_a_closure_order_not_a_closure(text, country):
    found = _claims(text)
    assert_has(found, "response.closure_order", subject__country=country)
    assert not find(found, "station.closed"), text


@pytest.mark.parametrize("text, city", [
    ("The Chinese police station in Cork has closed, the Irish government said.", "Cork"),
    ("Die chinesische Polizeistation in Graz wurde im März geschlossen.", "Graz"),
    ("La stazione di polizia cinese di Bologna è stata chiusa.", "Bologna"),
    ("De Chinese politiepost in Utrecht is inmiddels gesloten.", "Utrecht"),
    ("科克的海外警务服务站已经关闭。", "Cork"),
    ("대구의 중국 비밀경찰서는 폐쇄됐다.", "Daegu"),
])
def test_a_reported_closure_is_a_closure(text, city):
    found = _claims(text)
    assert_has(found, "station.closed", subject__locality=city)
    assert not find(found, "response.closure_order"), text


def test_a_closure_still_to_come_or_denied_is_none():
    for text in ("The Chinese police station in Cork has not closed yet, activists said.",
                 "The Chinese police station in Cork will close next month.",
                 "La stazione di polizia cinese di Bologna deve chiudere entro marzo."):
        assert not find(_claims(text), "station.closed"), text


@pytest.mark.parametrize("text, value, scope, operator_city, seat", [
    ("Safeguard Defenders counts 14 Chinese police stations in Spain, including one in Valencia run by "
     "Qingtian police.", 14, {"country": "ES"}, "Valencia", "Qingtian"),
    ("Laut Safeguard Defenders gibt es in Deutschland mindestens vier chinesische Polizeistationen, darunter "
     "eine in Frankfurt, die von der Polizei aus Wenzhou betrieben wird.", 4, {"country": "DE"}, "Frankfurt", "Wenzhou"),
    ("Selon l'ONG, la Belgique compte trois antennes de police chinoises, dont une à Anvers gérée par la "
     "police de Fuzhou.", 3, {"country": "BE"}, "Antwerp", "Fuzhou"),
    ("据该组织统计，荷兰共有三个海外警务服务站，其中一个位于鹿特丹，由福州公安局设立。", 3, {"country": "NL"},
     "Rotterdam", "Fuzhou"),
])
def test_the_operator_of_one_station_is_not_the_scope_of_the_count(text, value, scope, operator_city, seat):
    found = _claims(text)
    counts = assert_has(found, "count.stations", value=value)
    assert all(c["scope"] == scope for c in counts), counts
    assert_has(found, "station.operator", subject__locality=operator_city, object__seat=seat)


def test_the_operator_of_the_counted_stations_is_in_the_scope():
    found = _claims("Three police stations in Oslo run by the Fuzhou police were found, the NGO said.")
    assert_has(found, "count.stations", value=3, scope={"country": "NO", "locality": "Oslo", "operator": "Fuzhou"})


@pytest.mark.parametrize("text, country", [
    ("La procura di Bologna apre un'indagine sulla stazione di polizia cinese di Modena.", "IT"),
    ("Die Staatsanwaltschaft hat ein Ermittlungsverfahren gegen die chinesische Polizeistation in Graz "
     "eingeleitet, teilte das österreichische Innenministerium mit.", "AT"),
    ("La police belge a ouvert une enquête sur le commissariat chinois clandestin de Liège.", "BE"),
    ("La Policía Nacional abrió una investigación sobre la comisaría china de Bilbao.", "ES"),
    ("Het OM heeft een onderzoek ingesteld naar de Chinese politiepost in Utrecht.", "NL"),
    ("西班牙警方已对马德里的中国海外警务服务站展开调查。", "ES"),
    ("法国检方已就里昂的中国海外警务服务站立案调查。", "FR"),
])
def test_investigations_in_many_wordings(text, country):
    assert_has(_claims(text), "response.investigation", subject__country=country)


@pytest.mark.parametrize("text, predicate, country", [
    ("The Dutch foreign ministry said two Chinese police stations in Amsterdam had closed.", "station.closed", "NL"),
    ("Il ministero degli Esteri italiano ha confermato che a Prato opera una stazione di polizia cinese.",
     "station.location", "IT"),
    ("Die Bundesregierung bestätigte eine chinesische Polizeistation in Hamburg.", "station.location", "DE"),
    ("Ottawa said the Chinese police stations in Toronto had closed.", "station.closed", "CA"),
    ("Madrid ha confirmado que hay dos comisarías chinas en Valencia.", "count.stations", "ES"),
    ("荷兰外交部表示，鹿特丹的海外警务服务站已经关闭。", "station.closed", "NL"),
    ("Pékin a démenti l'existence d'un commissariat chinois à Lyon.", "network.policing_abroad", "CN"),
    ("北京否认在米兰设立海外警务服务站。", "network.policing_abroad", "CN"),
    ("China's embassy denied that it runs police stations in Canada.", "network.policing_abroad", "CN"),
])
def test_state_speakers_carry_their_country(text, predicate, country):
    assert_has(_claims(text), predicate, said_by__country=country)


def test_stations_named_before_are_referred_back_to():
    text = ("Two Chinese police stations were found in Oslo last year. The stations were set up by the Fuzhou "
            "police in 2019. A further outpost was identified in Trondheim, run by police from Nantong.")
    found = _claims(text)
    assert_has(found, "station.operator", subject__locality="Oslo", object__seat="Fuzhou")
    assert_has(found, "station.opened", subject__locality="Oslo", valid__from="2019")
    assert_has(found, "station.location", object__locality="Trondheim")
    assert_has(found, "station.operator", subject__locality="Trondheim", object__seat="Nantong")
    assert not find(found, "station.operator", subject__locality="Trondheim", object__seat="Fuzhou")
    pt = _claims("Um posto de polícia chinês foi descoberto em Coimbra. O posto é gerido pela polícia de Wenzhou.")
    assert_has(pt, "station.operator", subject__locality="Coimbra", object__seat="Wenzhou")
    zh = _claims("加拿大警方在多伦多发现一处中国海外警务服务站。该站点由温州市公安局设立。")
    assert_has(zh, "station.operator", subject__locality="Toronto", object__seat="Wenzhou")


def test_stations_are_not_carried_too_far_or_without_a_reference():
    text = ("A Chinese police station was found in Oslo. Norway summoned the Chinese ambassador. "
            "The ministry said it would act. Officials met on Monday. Fuzhou police run many offices abroad.")
    assert not find(_claims(text), "station.operator", subject__locality="Oslo")


def test_chinese_denials_give_administrative_services_in_every_language():
    cases = {"it": "L'ambasciata cinese ha negato che si tratti di stazioni di polizia: sarebbero centri di "
                   "servizio per il rinnovo dei passaporti.",
             "es": "La embajada china negó que existan comisarías y afirmó que son oficinas de ayuda administrativa.",
             "de": "Die chinesische Botschaft bestritt die Existenz von Polizeistationen und sprach von Hilfe "
                   "beim Umtausch von Führerscheinen."}
    for lang, text in cases.items():
        found = _claims(text)
        assert_has(found, "station.activity", value="administrative_services", said_by__country="CN")
        assert_has(found, "network.policing_abroad", stance="denies", said_by__country="CN")


def test_host_acknowledgement_and_counts_in_a_city():
    de = _claims("Die Bundesregierung hat Kenntnis von drei chinesischen Polizeistationen in Deutschland.")
    assert_has(de, "response.acknowledgement", subject__country="DE")
    assert_has(de, "count.stations", value=3, scope={"country": "DE"}, said_by__country="DE")
    en = _claims("Safeguard Defenders says there are four Chinese police stations in Toronto.")
    assert_has(en, "count.stations", value=4, scope={"country": "CA", "locality": "Toronto"})
    es = _claims("Según la ONG, hay cinco comisarías chinas en Valencia y dos en Sevilla.")
    assert_has(es, "count.stations", value=5, scope={"country": "ES", "locality": "Valencia"})
    assert_has(es, "count.stations", value=2, scope={"country": "ES", "locality": "Seville"})
    two = _claims("Two Chinese police stations in Amsterdam and Rotterdam were closed, the NGO said.")
    assert_has(two, "count.stations", value=2, scope={"country": "NL"})
    probe = _claims("Canada's RCMP said it is investigating reports of three Chinese police stations in Toronto.")
    assert not find(probe, "response.acknowledgement"), "investigating reports is not confirming"


def test_a_denied_station_is_a_denial():
    found = _claims("China's embassy denied that it runs a police station in Dublin.")
    assert_has(found, "station.location", object__locality="Dublin", stance="denies", said_by__country="CN")
    assert not find(found, "station.location", stance="asserts")


def test_a_district_named_with_its_city():
    found = _claims("A Chinese police station operated in London's Croydon district, the report said.")
    assert_has(found, "station.location", object__locality="Croydon")
    assert not find(found, "station.location", object__locality="London")
    it = _claims("La polizia ha chiuso la stazione di polizia cinese di via Milano a Prato.")
    assert_has(it, "station.location", object__locality="Prato")
    assert not find(it, "station.location", object__locality="Milan"), "a street named after a town"


@pytest.mark.parametrize("text", [
    "A fight broke out near a Chinese supermarket in Leeds; police later held a man at the police station.",
    "Ein chinesischer Tourist meldete den Diebstahl seines Passes auf der Polizeiwache in Köln.",
    "Un turista cinese ha denunciato il furto in commissariato a Venezia.",
    "大阪府警は、中国籍の男を窃盗の疑いで逮捕し、大阪市内の警察署で調べている。",
])
def test_a_police_station_in_a_story_about_something_else_yields_nothing(text):
    assert _claims(text) == []


# -- the prefilter: what makes extraction fast must not change what it finds ------------------

def _flagged_matches(text: str) -> list[tuple[int, int, int]]:
    """(start, end, flags) of the full automaton's matches over the whole folded text, for
    the keys the prefilter stands in for."""
    from stationwatch.extract.gazetteer import PREFILTER_FLAGS, raw_matches
    from stationwatch.extract.normalize import fold
    out = []
    for end_idx, v in raw_matches(fold(text)):
        if v is not None and v[4] & PREFILTER_FLAGS:
            out.append((end_idx - v[0] + v[1], end_idx - v[2], v[4] & PREFILTER_FLAGS))
    return sorted(out)


def test_prefilter_hits_are_exactly_the_full_automatons_matches():
    from stationwatch.extract.gazetteer import PREFILTER_FLAGS, prefilter_hits, prefold
    texts = list(DOCS.values()) + [SEED.read_text(encoding="utf-8"),
                                   "Ｃｈｉｎａ’s “overseas police stations”; the NGO's report — driver's licences!",
                                   "l'ONG a dit; 保護衛士稱，海外警務服務站已關閉。서울 비밀경찰서"]
    for text in texts:
        pre, cjk = prefold(text)
        assert len(pre) == len(text)
        got = sorted((s, e, f & PREFILTER_FLAGS) for s, e, f in
                     prefilter_hits(pre, cjk) + prefilter_hits(pre, cjk, speech=True))
        assert got == _flagged_matches(text), text[:60]


def test_a_long_document_reads_like_its_relevant_paragraph():
    relevant = ("According to Safeguard Defenders, three Chinese police stations operate in Oslo. "
                "The stations were set up by the Fuzhou police in 2019.")
    filler = ("The city council approved a new budget for public transport on Tuesday. Heavy rain caused "
              "flooding in two districts, and schools were closed for the day. The festival attracted "
              "thousands of visitors, the organisers said.")
    doc = "\n\n".join([filler] * 30 + [relevant] + [filler] * 30)
    shift = doc.index(relevant)
    alone = _claims(relevant)
    inside = _claims(doc)
    assert alone
    strip = lambda cs, d: sorted(json.dumps(dict(c, excerpt={"start": c["excerpt"]["start"] - d,  # noqa: E731
                                                              "end": c["excerpt"]["end"] - d}), sort_keys=True)
                                 for c in cs)
    assert strip(inside, shift) == strip(alone, 0)


def test_month_names_read_like_dateparser():
    from stationwatch.extract.dates import _dateparser, _month_regex, _month_value
    pattern, lang_of = _month_regex()
    for published in ("2022-12-15", "2023-01-15", "2022-03-01"):
        for name, lang in lang_of.items():
            for day, year in ((None, None), ("3", None), ("31", None), (None, "2019"), ("29", "2023")):
                words = (day, name.capitalize() if lang in ("en", "de") else name, year)
                m = pattern.search(" ".join(w for w in words if w))
                if m is None:
                    continue
                d, y = m.group(1) or m.group(3), m.group(4)
                parsed = _dateparser(m.group(0).strip(" ,."), lang, published)
                want = None if parsed is None else parsed[0][:4] if parsed[1] == "year" else \
                    parsed[0][:7] if (parsed[1] == "month" or not d) else parsed[0]
                assert _month_value(m.group(2).lower(), lang, d, y, published) == want, (m.group(0), published)


def test_extraction_does_not_depend_on_the_run(tmp_path):
    """The same text gives the same claims in every process, whatever Python's string hash
    seed: a government acting where two countries are named equally often is the first."""
    text = ("Chinese police stations abroad\n\nPublished 2023-01-10. The interior ministry ordered the "
            "closure of two Chinese police stations, one in Santiago and one in Manila, according to "
            "Safeguard Defenders.\n")
    code = ("import json, sys; from stationwatch.extract import extract_claims; "
            "print(json.dumps(extract_claims(sys.stdin.read(), published='2023-01-10'), sort_keys=True))")
    runs = [subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": str(seed), "PATH": "/usr/bin:/bin"}).stdout for seed in (1, 2, 3, 4)]
    assert len(set(runs)) == 1
    closure = [c for c in json.loads(runs[0]) if c["predicate"] == "response.closure_order"]
    assert [c["subject"]["country"] for c in closure] == ["CL"]


# -- session 7: mechanisms found wanting on a blind set written without the extractor in view

@pytest.mark.parametrize("text, country", [
    ("Die Bundesregierung erklärte, die chinesische Polizeistation in Hamburg müsse sofort schließen.", "DE"),
    ("Het kabinet van Nederland zegt dat de Chinese politiepost in Utrecht direct moet sluiten.", "NL"),
    ("El Gobierno de España ha dicho que la comisaría china de Bilbao debe cerrar de inmediato.", "ES"),
    ("捷克政府表示，布拉格的中国海外警务服务站必须关闭。", "CZ"),
])
def test_a_station_that_must_close_is_a_closure_order(text, country):
    assert_has(_claims(text), "response.closure_order", subject__country=country)


def test_a_station_that_closed_is_not_an_order():
    claims = _claims("Die chinesische Polizeistation in Hamburg wurde im Oktober geschlossen, teilte die Polizei mit.")
    assert not find(claims, "response.closure_order")


@pytest.mark.parametrize("text", [
    "Gisteren ontkende een woordvoerder van het Chinese ministerie van Buitenlandse Zaken dat China "
    "politieposten in het buitenland heeft.",
    "Am Montag dementierte das chinesische Außenministerium, dass China Polizeistationen im Ausland betreibe.",
])
def test_a_chinese_denial_with_the_verb_before_its_subject(text):
    assert_has(_claims(text), "network.policing_abroad", stance="denies")


def test_a_denial_of_chinas_explanation_is_not_chinas_denial():
    claims = _claims("The Dutch government rejected China's explanation of the police stations in Rotterdam.")
    assert not find(claims, "network.policing_abroad", stance="denies")


@pytest.mark.parametrize("text, places_country", [
    ("Chinese police stations in Germany: the government answers", False),
    ("Les « commissariats » chinois en France sous enquête", False),
    ("The report found a Chinese police station in the Netherlands.", True),
    ("Der Bericht nennt eine chinesische Polizeistation in Österreich.", True),
])
def test_a_country_alone_places_one_station_not_a_plural(text, places_country):
    alone = [c for c in _claims(text) if c["predicate"] == "station.location" and "locality" not in c["object"]]
    assert bool(alone) == places_country, alone


@pytest.mark.parametrize("text", [
    "According to the NGO Safeguard Defenders, based in Madrid, China runs 102 police stations abroad.",
    "Según la ONG con sede en Madrid Safeguard Defenders, China tiene 102 comisarías en el extranjero.",
    "スペインに拠点を置く人権団体によると、中国の警察拠点は世界に102カ所ある。",
])
def test_the_seat_of_a_speaker_is_not_the_scope_of_a_count(text):
    count = assert_has(_claims(text), "count.stations", value=102)
    assert all(not (c["scope"] or {}).get("country") for c in count), count


def test_both_countries_in_chinese_is_no_count():
    text = "荷兰要求关闭鹿特丹的中国海外警务服务站。荷兰政府表示，海外警务服务站问题可能影响两国关系。"
    assert not find(_claims(text), "count.countries")
    assert_has(_claims("保护卫士称，中国在两个国家设立了海外警务服务站。"), "count.countries", value=2)


@pytest.mark.parametrize("text, place", [
    ("El informe cuenta nueve comisarías chinas en España. La más antigua, según el informe, fue abierta en "
     "Sevilla en 2017 por la oficina de seguridad pública de Qingtian.", "Seville"),
    ("Il rapporto elenca sei stazioni di polizia cinesi in Italia. La più antica, sostiene il documento, è stata "
     "aperta a Torino nel 2016 dall'ufficio di pubblica sicurezza di Wenzhou.", "Turin"),
])
def test_a_station_run_or_opened_in_a_town_is_a_station_there(text, place):
    claims = _claims(text)
    assert find(claims, "station.operator", subject__locality=place) or \
        find(claims, "station.opened", subject__locality=place)
    assert_has(claims, "station.location", object__locality=place)


def test_a_station_carried_from_a_sentence_before_is_not_placed_again():
    text = ("Two Chinese police stations were found in Oslo last year. The stations were set up by the Fuzhou "
            "police, the NGO said.")
    at = text.index("The stations")
    assert not [c for c in _claims(text) if c["predicate"] == "station.location" and c["excerpt"]["start"] >= at]


def test_a_month_inside_a_place_name_is_no_date():
    text = ("A ONG conta três postos de polícia chineses no Brasil. O posto do Rio de Janeiro, segundo a ONG, "
            "foi aberto pela polícia de Qingtian.")
    claims = _claims(text)
    assert_has(claims, "station.location", object__locality="Rio de Janeiro")
    assert all(not (c["valid"]["from"] or "").endswith("-01") for c in claims), claims


def test_an_unnamed_host_body_acts_where_a_demonym_says():
    text = ("La Policía Nacional ha abierto una investigación sobre las comisarías chinas instaladas en "
            "territorio español.")
    assert_has(_claims(text), "response.investigation", subject__country="ES")
