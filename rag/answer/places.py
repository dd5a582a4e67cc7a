"""A small gazetteer for "which state / country / continent" questions: a name that is a place of
the asked kind beats a person or an organisation found nearby."""

import re

from rag.text import normalise_answer

__all__ = ["asked_place_kind", "place_kind_fit"]

US_STATES = """Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia Hawaii
Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan Minnesota
Mississippi Missouri Montana Nebraska Nevada New_Hampshire New_Jersey New_Mexico New_York North_Carolina
North_Dakota Ohio Oklahoma Oregon Pennsylvania Rhode_Island South_Carolina South_Dakota Tennessee Texas Utah
Vermont Virginia Washington West_Virginia Wisconsin Wyoming"""

COUNTRIES = """Afghanistan Albania Algeria Andorra Angola Antigua_and_Barbuda Argentina Armenia Australia Austria
Azerbaijan Bahamas Bahrain Bangladesh Barbados Belarus Belgium Belize Benin Bhutan Bolivia
Bosnia_and_Herzegovina Botswana Brazil Brunei Bulgaria Burkina_Faso Burundi Cambodia Cameroon Canada
Cape_Verde Central_African_Republic Chad Chile China Colombia Comoros Congo Costa_Rica Croatia Cuba Cyprus
Czech_Republic Czechia Denmark Djibouti Dominica Dominican_Republic East_Timor Ecuador Egypt El_Salvador
Equatorial_Guinea Eritrea Estonia Eswatini Ethiopia Fiji Finland France Gabon Gambia Georgia Germany Ghana
Greece Grenada Greenland Guatemala Guinea Guinea-Bissau Guyana Haiti Honduras Hungary Iceland India Indonesia
Iran Iraq Ireland Israel Italy Ivory_Coast Jamaica Japan Jordan Kazakhstan Kenya Kiribati Kosovo Kuwait
Kyrgyzstan Laos Latvia Lebanon Lesotho Liberia Libya Liechtenstein Lithuania Luxembourg Madagascar Malawi
Malaysia Maldives Mali Malta Marshall_Islands Mauritania Mauritius Mexico Micronesia Moldova Monaco Mongolia
Montenegro Morocco Mozambique Myanmar Namibia Nauru Nepal Netherlands New_Zealand Nicaragua Niger Nigeria
North_Korea North_Macedonia Norway Oman Pakistan Palau Palestine Panama Papua_New_Guinea Paraguay Peru
Philippines Poland Portugal Qatar Romania Russia Rwanda Saint_Lucia Samoa San_Marino Saudi_Arabia Senegal
Serbia Seychelles Sierra_Leone Singapore Slovakia Slovenia Solomon_Islands Somalia South_Africa South_Korea
South_Sudan Spain Sri_Lanka Sudan Suriname Sweden Switzerland Syria Taiwan Tajikistan Tanzania Thailand Togo
Tonga Trinidad_and_Tobago Tunisia Turkey Turkiye Turkmenistan Tuvalu Uganda Ukraine United_Arab_Emirates
UAE United_Kingdom UK Britain Great_Britain England Scotland Wales United_States US USA America Uruguay
Uzbekistan Vanuatu Vatican Venezuela Vietnam Yemen Zambia Zimbabwe"""

REGIONS = """Africa Asia Europe North_America South_America Latin_America Central_America Antarctica Oceania
Middle_East Caribbean Scandinavia Balkans Southeast_Asia East_Asia South_Asia Central_Asia West_Africa
East_Africa North_Africa Sub-Saharan_Africa Pacific Arctic Gulf Mediterranean"""


def _names(block: str) -> frozenset[str]:
    return frozenset(normalise_answer(name.replace("_", " ")) for name in block.split())


_KINDS = {
    "state": _names(US_STATES),
    "country": _names(COUNTRIES),
    "nation": _names(COUNTRIES),
    "continent": _names(REGIONS),
    "region": _names(REGIONS),
}
_ASKED = re.compile(r"\b(?:which|what)\s+(?:[\w'’-]+\s+){0,2}?(state|country|nation|continent|region)s?\b", re.I)


def asked_place_kind(question: str) -> frozenset[str] | None:
    """The names of the kind of place a question asks for ("which Commonwealth nation?"), if any."""
    match = _ASKED.search(question)
    return _KINDS[match.group(1).lower()] if match else None


def place_kind_fit(names: frozenset[str] | None, text: str) -> float | None:
    """1 when the span is one of the asked kind of place (a leading "the" ignored), 0 when it is
    not, None when the question asks for no such kind.

    >>> states = asked_place_kind("Which state was hit by floods?")
    >>> place_kind_fit(states, "Wisconsin"), place_kind_fit(states, "Reeves"), place_kind_fit(None, "Goyang")
    (1.0, 0.0, None)
    """
    if names is None:
        return None
    return 1.0 if normalise_answer(text) in names else 0.0
