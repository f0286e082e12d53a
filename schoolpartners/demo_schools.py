"""The demo world's other schools: about 25 German and 25 Russian ones in real twin cities.

School names are made up; cities, regions and city partnerships are real. Profiles vary on purpose
(languages, ages, topics, forms), so that directory, search and partner suggestions have something to show.
"""

from __future__ import annotations

import random

from .cities.models import Country
from .schools.models import SchoolStatus, SchoolType, Visibility

# (German city, fictional school name)
GERMAN = [
    ("Hamburg", "Stadtteilschule Am Fleet"),
    ("Dresden", "Gymnasium Elbwiesen"),
    ("Berlin", "Gymnasium Am Spreebogen"),
    ("Düsseldorf", "Gesamtschule Rheinauen"),
    ("Köln", "Gymnasium Am Domblick"),
    ("Chemnitz", "Oberschule Am Schlossteich"),
    ("Stuttgart", "Gymnasium Am Rosensteinpark"),
    ("Essen", "Gesamtschule Zollverein-Süd"),
    ("Dortmund", "Realschule Am Phoenixsee"),
    ("Münster", "Gymnasium Am Aasee"),
    ("Kassel", "Gymnasium Bergpark"),
    ("Kiel", "Gymnasium Förde"),
    ("Bremerhaven", "Schule Am Weserdeich"),
    ("Erlangen", "Gymnasium Am Burgberg"),
    ("Aachen", "Gesamtschule Dreiländereck"),
    ("Osnabrück", "Gymnasium Am Friedenssaal"),
    ("Braunschweig", "Gymnasium Am Löwenwall"),
    ("Wolfsburg", "Gesamtschule Mittellandkanal"),
    ("Karlsruhe", "Gymnasium Am Fächer"),
    ("Tübingen", "Gymnasium Neckarinsel"),
    ("Fulda", "Gymnasium Am Domplatz"),
    ("Halle (Saale)", "Gymnasium Saaleaue"),
    ("Cottbus", "Oberschule Spreewaldtor"),
    ("Greifswald", "Gymnasium Am Ryck"),
    ("Speyer", "Gymnasium Am Kaiserdom"),
]
# (Russian city, fictional school name, its Latin form)
RUSSIAN = [
    ("Sankt Petersburg", "Гимназия № 1957 «Невская»", 'Gymnasium Nr. 1957 "Newskaja"'),
    ("Moskau", "Школа № 2461 с углублённым изучением немецкого языка", "Schule Nr. 2461"),
    ("Wolgograd", "Лицей № 308 «Волжский»", "Lyzeum Nr. 308"),
    ("Samara", "Гимназия № 412", "Gymnasium Nr. 412"),
    ("Nischni Nowgorod", "Школа № 3118", "Schule Nr. 3118"),
    ("Rostow am Don", "Гимназия № 276 «Донская»", "Gymnasium Nr. 276"),
    ("Perm", "Лицей № 219", "Lyzeum Nr. 219"),
    ("Weliki Nowgorod", "Гимназия «Волхов»", 'Gymnasium "Wolchow"'),
    ("Rjasan", "Школа № 187 с углублённым изучением немецкого языка", "Schule Nr. 187"),
    ("Jaroslawl", "Гимназия № 351", "Gymnasium Nr. 351"),
    ("Kaliningrad", "Лицей № 144 «Балтика»", "Lyzeum Nr. 144"),
    ("Wladimir", "Школа № 263", "Schule Nr. 263"),
    ("Kostroma", "Гимназия № 328", "Gymnasium Nr. 328"),
    ("Twer", "Школа № 451 с углублённым изучением немецкого языка", "Schule Nr. 451"),
    ("Kasan", "Гимназия № 517", "Gymnasium Nr. 517"),
    ("Toljatti", "Лицей № 273", "Lyzeum Nr. 273"),
    ("Krasnodar", "Школа № 609", "Schule Nr. 609"),
    ("Petrosawodsk", "Гимназия «Онего»", 'Gymnasium "Onego"'),
    ("Sergijew Possad", "Школа № 148", "Schule Nr. 148"),
    ("Ufa", "Гимназия № 395", "Gymnasium Nr. 395"),
    ("Lipezk", "Лицей № 171", "Lyzeum Nr. 171"),
    ("Wyborg", "Школа № 137", "Schule Nr. 137"),
    ("Kursk", "Гимназия № 286", "Gymnasium Nr. 286"),
    ("Pskow", "Школа № 233", "Schule Nr. 233"),
]
# Registered, waiting for the foundation's verification.
PENDING = [
    (Country.DE, "Kiel", "Regionalschule Holtenau (neu)", None),
    (Country.DE, "Stuttgart", "Freie Schule Killesberg", None),
    (Country.RU, "Kaliningrad", "Школа № 512 «Янтарь»", "Schule Nr. 512"),
]

# The school type follows from the name, as it does in Germany.
GERMAN_TYPE_WORDS = [
    ("Gymnasium", SchoolType.gymnasium),
    ("Gesamtschule", SchoolType.gesamtschule),
    ("Stadtteilschule", SchoolType.gesamtschule),
    ("Realschule", SchoolType.realschule),
    ("Oberschule", SchoolType.oberschule),
]

TOPIC_OFFERS = {
    "history": (
        "die Geschichte unserer Städte und ihrer Partnerschaft",
        "истории наших городов и их побратимских связей",
    ),
    "environment": ("Umwelt und Klima in unseren Städten", "экологии и климата в наших городах"),
    "culture": ("Kultur, Feste und Traditionen", "культуры, праздников и традиций"),
    "science": ("gemeinsame Experimente in den Naturwissenschaften", "совместных опытов по естественным наукам"),
    "sport": ("Sport und gemeinsame Turniere", "спорта и совместных соревнований"),
    "civic": ("Engagement in unserer Stadt", "гражданской активности в нашем городе"),
    "arts": ("Musik, Theater und Kunst", "музыки, театра и искусства"),
    "media": ("eine gemeinsame Schülerzeitung", "совместной школьной газеты"),
    "everyday": ("den Alltag junger Menschen", "повседневной жизни молодёжи"),
    "economy": ("Berufe und Arbeit in unseren Regionen", "профессий и работы в наших регионах"),
}


def offer_texts(topics: list[str]) -> tuple[str, str]:
    de_topics = " und ".join(TOPIC_OFFERS[t][0] for t in topics[:2])
    ru_topics = " и ".join(TOPIC_OFFERS[t][1] for t in topics[:2])
    return (
        f"Wir suchen eine Partnerschule für Austausch und gemeinsame Projekte über {de_topics}. "
        "Unsere Schüler:innen lernen gern mit Gleichaltrigen aus der Partnerstadt.",
        f"Мы ищем школу-партнёра для обмена и совместных проектов по темам {ru_topics}. "
        "Нашим ученикам интересно учиться вместе со сверстниками из города-побратима.",
    )


def profiles() -> list[dict]:
    """Every demo school (besides the two story schools) as a profile dictionary, the same on each run."""
    rng = random.Random(2026)
    topics_all = list(TOPIC_OFFERS)
    result = []
    russian_types = [SchoolType.ru_gymnasium, SchoolType.lyceum, SchoolType.ru_secondary, SchoolType.ru_german_profile]
    specs = [(Country.DE, city, name, None, SchoolStatus.verified) for city, name in GERMAN]
    specs += [(Country.RU, city, name, alt, SchoolStatus.verified) for city, name, alt in RUSSIAN]
    specs += [(country, city, name, alt, SchoolStatus.pending) for country, city, name, alt in PENDING]
    for country, city, name, alt, status in specs:
        topics = rng.sample(topics_all, rng.randint(2, 4))
        age_min = rng.choice([6, 10, 10, 11, 12, 14])
        if country is Country.DE:
            school_type = next((kind for word, kind in GERMAN_TYPE_WORDS if word in name), SchoolType.oberschule)
            languages = ["russian_foreign", "english"] + (["russian_heritage"] if rng.random() < 0.4 else [])
        else:
            school_type = SchoolType.ru_german_profile if "немецкого" in name else rng.choice(russian_types)
            if "Лицей" in name:
                school_type = SchoolType.lyceum
            elif "Гимназия" in name:
                school_type = SchoolType.ru_gymnasium
            languages = ["german_foreign", "english"]
        offer_de, offer_ru = offer_texts(topics)
        result.append(
            {
                "country": country,
                "city": city,
                "name": name,
                "name_alt": alt,
                "status": status,
                "school_type": school_type,
                "languages": languages,
                "topics": topics,
                "forms": rng.sample(["online", "tandem", "project", "visits"], rng.randint(1, 3)),
                "age_min": age_min,
                "age_max": min(age_min + rng.choice([4, 6, 8]), 19),
                "learners": rng.choice([24, 40, 60, 85, 120, 180]),
                "looking_for_partners": rng.random() < 0.8 or name.startswith("Гимназия № 1957"),
                "visibility": Visibility.staff if rng.random() < 0.15 else Visibility.public,
                "offer_de": offer_de,
                "offer_ru": offer_ru,
            }
        )
    return result
