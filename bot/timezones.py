"""Turn what people actually type ("London", "UK", "GMT+1", "EST", "europe/paris") into an IANA zone.

Pure and offline: uses :mod:`zoneinfo` with the ``tzdata`` package (its ``zone.tab``, ``iso3166.tab``
and link lines give the country tables). :func:`parse_timezone` answers one of

* :class:`Exact` — one zone; the bot should confirm it back ("Europe/London (UTC+1 today)");
* :class:`Ambiguous` — up to 25 IANA zones to offer as choices (multi-zone countries, "IST", typos);
* :class:`Unknown` — nothing recognised; ask again with an example.

Choices made for abbreviations that mean several things (documented, tested):

* ``IST`` → ambiguous: Asia/Kolkata (India), Europe/Dublin (Irish Summer Time), Asia/Jerusalem (Israel).
* ``GMT`` → ambiguous: Europe/London (UK clock time, which people usually mean) or Etc/UTC (UTC+0 all year).
* ``BST`` → Europe/London (British Summer Time; Bangladesh writes BST too but rarely in English text).
* ``CST`` → ambiguous: America/Chicago or Asia/Shanghai; ``MST`` → ambiguous: America/Denver or
  America/Phoenix (no daylight saving); ``AST`` → ambiguous: America/Halifax or Asia/Riyadh.
* ``EST/EDT/ET`` → America/New_York, ``PST/PDT/PT`` → America/Los_Angeles (people mean the local clock,
  including daylight saving, not the fixed-offset zone), ``CET/CEST`` → Europe/Paris, ``AEST`` → Australia/Sydney.
* Offsets: whole hours → ``Etc/GMT∓N`` (note the inverted sign: UTC+1 is ``Etc/GMT-1``); UTC+0 → ``Etc/UTC``;
  half/quarter hours → a representative zone (+05:30 → Asia/Kolkata, −03:30 → America/St_Johns, ...).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

MAX_CHOICES = 25


@dataclass(frozen=True)
class Exact:
    zone: str
    label: str


@dataclass(frozen=True)
class Ambiguous:
    choices: list[str]
    matched: str = ""


@dataclass(frozen=True)
class Unknown:
    reason: str = ""


TzResult = Exact | Ambiguous | Unknown

# --- tables ------------------------------------------------------------------------------------------
# "alias, alias = Zone" (or "Zone1 | Zone2" for ambiguous). Lower-case, accents stripped.
_ALIASES = """
utc, z, zulu, coordinated universal time, universal time, etc/utc = Etc/UTC
gmt, greenwich mean time, greenwich = Europe/London | Etc/UTC
bst, british summer time, british time, uk time, london time = Europe/London
ist, indian standard time = Asia/Kolkata | Europe/Dublin | Asia/Jerusalem
irish time, irish standard time = Europe/Dublin
est, edt, et, eastern, eastern standard time, eastern daylight time, us eastern = America/New_York
cst = America/Chicago | Asia/Shanghai
cdt, ct, central, central standard time, us central = America/Chicago
mst = America/Denver | America/Phoenix
mdt, mt, mountain, mountain standard time, us mountain = America/Denver
pst, pdt, pt, pacific, pacific standard time, pacific daylight time, us pacific = America/Los_Angeles
akst, akdt, alaska = America/Anchorage
hst, hawaii = Pacific/Honolulu
ast = America/Halifax | Asia/Riyadh
adt, atlantic, nova scotia = America/Halifax
nst, ndt, newfoundland = America/St_Johns
cet, cest, met, mez, central european, central european time = Europe/Paris
wet, west, western european time = Europe/Lisbon
eet, eest, eastern european time = Europe/Athens
msk, moscow time = Europe/Moscow
wat, west africa time = Africa/Lagos
cat, central africa time = Africa/Maputo
eat, east africa time = Africa/Nairobi
sast, south africa time, cape town, pretoria, durban = Africa/Johannesburg
pkt, lahore, islamabad, faisalabad = Asia/Karachi
npt = Asia/Kathmandu
sgt = Asia/Singapore
hkt = Asia/Hong_Kong
jst, osaka, kyoto = Asia/Tokyo
kst, busan = Asia/Seoul
pht, cebu, quezon city = Asia/Manila
wib, bandung, surabaya = Asia/Jakarta
ict, chiang mai = Asia/Bangkok
gst, gulf, abu dhabi, sharjah = Asia/Dubai
aest, aedt, canberra, new south wales, nsw, act = Australia/Sydney
victoria = Australia/Melbourne
queensland, gold coast = Australia/Brisbane
acst, acdt, south australia = Australia/Adelaide
awst, western australia = Australia/Perth
nzst, nzdt, wellington, christchurch = Pacific/Auckland
brt, rio, rio de janeiro, brasilia = America/Sao_Paulo
art = America/Argentina/Buenos_Aires
mumbai, bombay, delhi, new delhi, bangalore, bengaluru, chennai, madras, hyderabad, pune = Asia/Kolkata
ahmedabad, jaipur, lucknow = Asia/Kolkata
manchester, birmingham, leeds, glasgow, edinburgh, liverpool, bristol, sheffield, cardiff = Europe/London
newcastle, nottingham, leicester, cambridge, oxford, brighton, southampton, york, coventry = Europe/London
aberdeen, swansea, hull, plymouth, reading, norwich, exeter, dundee, derby, bath = Europe/London
england, scotland, wales, northern ireland, great britain, britain, united kingdom, uk, u k, gb = Europe/London
cork, galway, limerick = Europe/Dublin
new york city, nyc, boston, washington, washington dc, dc, philadelphia, atlanta, miami = America/New_York
pittsburgh, baltimore, charlotte, orlando, florida, new jersey, massachusetts = America/New_York
houston, dallas, austin, san antonio, minneapolis, new orleans, st louis, kansas city = America/Chicago
nashville, memphis, milwaukee, texas, illinois = America/Chicago
salt lake city, albuquerque, colorado = America/Denver
san francisco, sf, seattle, portland, san diego, las vegas, sacramento, oakland, san jose = America/Los_Angeles
california, oregon = America/Los_Angeles
arizona = America/Phoenix
ottawa, montreal, quebec, ontario = America/Toronto
calgary, alberta = America/Edmonton
british columbia = America/Vancouver
munich, munchen, frankfurt, hamburg, cologne, koln, dusseldorf, stuttgart, leipzig, dresden = Europe/Berlin
lyon, marseille, toulouse, nice, bordeaux, lille, nantes, strasbourg = Europe/Paris
barcelona, valencia, seville, sevilla, bilbao, malaga = Europe/Madrid
milan, milano, naples, napoli, turin, torino, florence, venice = Europe/Rome
rotterdam, the hague, utrecht, eindhoven, holland = Europe/Amsterdam
antwerp, ghent = Europe/Brussels
geneva, basel, bern = Europe/Zurich
krakow, wroclaw, gdansk = Europe/Warsaw
ankara, izmir, turkiye = Europe/Istanbul
abuja, ibadan, kano, port harcourt = Africa/Lagos
kumasi = Africa/Accra
mombasa, kisumu = Africa/Nairobi
alexandria, giza = Africa/Cairo
chittagong = Asia/Dhaka
beijing, shenzhen, guangzhou, chengdu, wuhan, china = Asia/Shanghai
jeddah, mecca = Asia/Riyadh
tel aviv = Asia/Jerusalem
saigon, hanoi = Asia/Ho_Chi_Minh
rangoon = Asia/Yangon
guadalajara = America/Mexico_City
medellin = America/Bogota
ukraine = Europe/Kyiv
new zealand, aotearoa = Pacific/Auckland
"""

# Countries with several zones, the choices people need (the tzdata list has dozens for some).
_COUNTRY_CHOICES = {
    "US": "America/New_York America/Chicago America/Denver America/Phoenix America/Los_Angeles "
    "America/Anchorage Pacific/Honolulu",
    "CA": "America/St_Johns America/Halifax America/Toronto America/Winnipeg America/Regina "
    "America/Edmonton America/Vancouver",
    "AU": "Australia/Perth Australia/Darwin Australia/Adelaide Australia/Brisbane Australia/Sydney "
    "Australia/Melbourne Australia/Hobart",
    "BR": "America/Sao_Paulo America/Manaus America/Rio_Branco America/Noronha",
    "MX": "America/Mexico_City America/Cancun America/Chihuahua America/Hermosillo America/Tijuana",
    "RU": "Europe/Kaliningrad Europe/Moscow Europe/Samara Asia/Yekaterinburg Asia/Omsk Asia/Novosibirsk "
    "Asia/Krasnoyarsk Asia/Irkutsk Asia/Yakutsk Asia/Vladivostok Asia/Magadan Asia/Kamchatka",
    "ID": "Asia/Jakarta Asia/Makassar Asia/Jayapura",
}

_COUNTRY_EXTRA = {
    "us": "US", "usa": "US", "u s": "US", "u s a": "US", "america": "US", "the states": "US",
    "united states of america": "US", "south korea": "KR", "korea": "KR", "north korea": "KP",
    "uae": "AE", "emirates": "AE", "czechia": "CZ", "ivory coast": "CI", "drc": "CD", "burma": "MM",
    "deutschland": "DE", "espana": "ES", "italia": "IT", "nederland": "NL", "the netherlands": "NL",
    "swaziland": "SZ", "macao": "MO", "the bahamas": "BS", "the gambia": "GM", "cabo verde": "CV",
}

# Representative zones for offsets that are not whole hours (minutes east of UTC).
_FRACTIONAL = {
    210: ["Asia/Tehran"], 270: ["Asia/Kabul"], 330: ["Asia/Kolkata"], 345: ["Asia/Kathmandu"],
    390: ["Asia/Yangon"], 525: ["Australia/Eucla"], 570: ["Australia/Darwin", "Australia/Adelaide"],
    630: ["Australia/Adelaide", "Australia/Lord_Howe"], 765: ["Pacific/Chatham"],
    -150: ["America/St_Johns"], -210: ["America/St_Johns"], -570: ["Pacific/Marquesas"],
}

_OFFSET_RE = re.compile(r"^(?:(?:utc|gmt|z)\s*)?([+-])\s*(\d{1,2})(?:(?:[:.h]\s*|\s*)?(\d{2}))?\s*h?$", re.ASCII)
_FILLER_PREFIX = re.compile(
    r"^(?:(?:i\s*am|i\s*m|im|we\s*are|we\s*re|based|living|live|located|currently)\s+)*(?:in|near|at)\s+"
)
_FILLER_SUFFIX = re.compile(r"\s+(?:time\s*zone|timezone|tz|time|zone|area|city|region)$")


def _norm(text: str) -> str:
    """Lower case, accents removed, punctuation other than + - : / _ turned into spaces, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.lower().replace("\u2212", "-").replace("\u2013", "-").replace("\u2014", "-")
    text = re.sub(r"[^\w+\-:/. ]+", " ", text).replace("_", " ")
    text = re.sub(r"(?<![0-9])\.|\.(?![0-9])", " ", text)  # keep the dot of "5.5" only
    return re.sub(r"\s+", " ", text).strip()


@cache
def _zone_names() -> dict[str, str]:
    """Lower-case IANA name (spaces for underscores) → the IANA name to store."""
    links = _links()
    out: dict[str, str] = {}
    for name in available_timezones():
        if name.startswith(("SystemV/", "posix/", "right/")) or name in {"Factory", "localtime"}:
            continue
        # Legacy aliases ("GB", "US/Eastern", "Etc/Universal") become the canonical zone; Area/City links
        # ("Africa/Accra", "Asia/Calcutta") stay as written so the person recognises their answer.
        legacy = "/" not in name or name.startswith(("US/", "Canada/", "Brazil/", "Mexico/", "Chile/", "Etc/"))
        out[name.lower().replace("_", " ")] = links.get(name, name) if legacy else name
    return out


@cache
def _links() -> dict[str, str]:
    """Backward-compatible link name → canonical zone, from tzdata's ``tzdata.zi`` (empty if missing)."""
    try:
        text = resources.files("tzdata.zoneinfo").joinpath("tzdata.zi").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return {}
    out = {}
    for line in text.splitlines():
        if line.startswith("L "):
            _, target, link = line.split()[:3]
            out[link] = target
    return out


def _tab(name: str) -> list[list[str]]:
    try:
        text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return []
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def _country_zones() -> dict[str, list[str]]:
    """ISO code → the zones people choose from (one entry = an exact answer)."""
    by_code: dict[str, list[str]] = {}
    for row in _tab("zone.tab"):
        by_code.setdefault(row[0], []).append(row[2])
    out: dict[str, list[str]] = {}
    for code, zones in by_code.items():
        if code in _COUNTRY_CHOICES:
            out[code] = _COUNTRY_CHOICES[code].split()
            continue
        seen: dict[tuple[float, float], str] = {}  # one zone per distinct (winter, summer) offset
        for zone in zones:
            key = (utc_offset_hours(zone, date(2025, 1, 15)), utc_offset_hours(zone, date(2025, 7, 15)))
            seen.setdefault(key, zone)
        out[code] = list(seen.values())[:MAX_CHOICES]
    return out


@cache
def _places() -> dict[str, list[str]]:
    """Every name we recognise (normalised) → its zone(s). Aliases win over country and city names."""
    places: dict[str, list[str]] = {}
    links = _links()
    # canonical zones first, then links, each sorted: "istanbul" is Europe/Istanbul, not the Asia/ link
    for name in sorted(_zone_names(), key=lambda n: (_zone_names()[n] in links, n)):
        zone = _zone_names()[name]
        if "/" in name and not name.startswith("etc/"):
            city = name.rsplit("/", 1)[1]
            places.setdefault(_norm(city), [zone])
    countries = _country_zones()
    for code, cname, *_ in _tab("iso3166.tab"):
        plain = cname.replace("&", "and")
        for variant in {plain, re.sub(r"\s*\(.*?\)", "", plain)}:
            if code in countries:
                places[_norm(variant)] = countries[code]
    for alias, code in _COUNTRY_EXTRA.items():
        if code in countries:
            places[alias] = countries[code]
    for line in _ALIASES.strip().splitlines():
        aliases, zones = line.split("=")
        for alias in aliases.split(","):
            places[_norm(alias)] = [z.strip() for z in zones.split("|")]
    return places


@cache
def _country_keys() -> frozenset[str]:
    keys = {_norm(re.sub(r"\s*\(.*?\)", "", row[1].replace("&", "and"))) for row in _tab("iso3166.tab")}
    keys |= {_norm(row[1].replace("&", "and")) for row in _tab("iso3166.tab")}
    return frozenset(keys | set(_COUNTRY_EXTRA) | {"uk", "england", "scotland", "wales", "northern ireland"})


def _offset(text: str) -> TzResult | None:
    m = _OFFSET_RE.match(text)
    if m is None:
        if text in {"utc", "gmt 0", "utc 0", "gmt+0", "utc+0", "utc-0", "+0", "0"}:
            return Exact("Etc/UTC", "UTC")
        return None
    sign = 1 if m.group(1) == "+" else -1
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if minutes >= 60 or hours > 14 or (sign < 0 and hours > 12):
        return Unknown("offsets run from UTC-12 to UTC+14")
    total = sign * (hours * 60 + minutes)
    if total == 0:
        return Exact("Etc/UTC", "UTC")
    shown = f"UTC{'+' if sign > 0 else '-'}{hours}" + (f":{minutes:02d}" if minutes else "")
    if minutes == 0:
        # Etc/GMT signs are inverted (POSIX): UTC+1 is Etc/GMT-1.
        return Exact(f"Etc/GMT{'-' if sign > 0 else '+'}{hours}", f"{shown} (fixed, no daylight saving)")
    zones = _FRACTIONAL.get(total)
    if zones is None:
        return Unknown(f"no place uses {shown}")
    return Exact(zones[0], shown) if len(zones) == 1 else Ambiguous(list(zones), shown)


_ABBREVIATIONS = frozenset(
    "utc z gmt bst ist est edt et cst cdt ct mst mdt mt pst pdt pt akst akdt hst ast adt nst ndt cet cest met "
    "mez wet west eet eest msk wat cat eat sast pkt npt sgt hkt jst kst pht wib ict gst aest aedt acst acdt "
    "awst nzst nzdt brt art uk u k gb us usa u s u s a uae nyc sf dc act nsw nz drc".split()
)


def _pretty(key: str) -> str:
    return key.upper() if key in _ABBREVIATIONS else key.title()


def _result(zones: list[str], matched: str) -> TzResult:
    zones = list(dict.fromkeys(zones))[:MAX_CHOICES]
    if len(zones) == 1:
        return Exact(zones[0], _pretty(matched))
    return Ambiguous(zones, _pretty(matched))


def _lookup(text: str) -> TzResult | None:
    """Exact lookups only (no fuzzy matching)."""
    if not text:
        return None
    off = _offset(text.replace(" ", "") if re.match(r"^(utc|gmt|z)?\s*[+-]", text) else text)
    if off is not None:
        return off
    names = _zone_names()
    if "/" in text and text in names:
        return Exact(names[text], names[text])
    zones = _places().get(text)
    if zones is not None:
        return _result(zones, text)
    if text in names:
        return Exact(names[text], names[text])
    return None


def _strip_filler(text: str) -> str:
    text = _FILLER_PREFIX.sub("", text)
    for _ in range(2):
        text = _FILLER_SUFFIX.sub("", text)
    return text.removeprefix("the ").strip()


def _combine(parts: list[str]) -> TzResult | None:
    """"Perth, Scotland" → the country decides; "Portland, USA" → the city decides if it lies in the country."""
    found = [(p, r) for p in parts if (r := _lookup(p)) is not None and not isinstance(r, Unknown)]
    if not found:
        return None
    countries = [(p, r) for p, r in found if p in _country_keys()]
    cities = [(p, r) for p, r in found if p not in _country_keys()]
    for _, country in countries:
        country_zones = [country.zone] if isinstance(country, Exact) else list(country.choices)
        for _, city in cities:
            if isinstance(city, Exact) and (
                city.zone in country_zones or _same_offsets(city.zone, country_zones)
            ):
                return city
        return country
    return found[0][1]


def _same_offsets(zone: str, others: list[str]) -> bool:
    probe = (date(2025, 1, 15), date(2025, 7, 15))
    mine = [utc_offset_hours(zone, d) for d in probe]
    return any([utc_offset_hours(o, d) for d in probe] == mine for o in others)


def parse_timezone(text: str) -> TzResult:
    """Recognise a time zone from free text; never raises."""
    if not isinstance(text, str) or len(text) > 200:
        return Unknown("too long")
    norm = _norm(text)
    direct = _lookup(norm)
    if direct is not None:
        return direct
    norm = _strip_filler(norm)
    if not norm:
        return Unknown("empty")
    direct = _lookup(norm)
    if direct is not None:
        return direct
    raw_parts = re.split(r"[,;()]|\s+/\s+|\s+-\s+", text.replace(")", ","))
    parts = [p for p in (_strip_filler(_norm(p)) for p in raw_parts) if p]
    if len(parts) > 1:
        combined = _combine(parts)
        if combined is not None:
            return combined
    words = norm.split(" ")
    for i in range(len(words) - 1, 0, -1):  # "Birmingham UK", "Perth Australia"
        left, right = " ".join(words[:i]), " ".join(words[i:])
        if (left in _country_keys() or right in _country_keys()) and _lookup(left) and _lookup(right):
            combined = _combine([left, right])
            if combined is not None:
                return combined
    return _fuzzy(norm)


def _fuzzy(norm: str) -> TzResult:
    if len(norm) < 4:
        return Unknown("not recognised")
    keys = list(_places()) + [k for k in _zone_names() if "/" in k]
    matches = difflib.get_close_matches(norm, keys, n=6, cutoff=0.8)
    zones: list[str] = []
    for key in matches:
        zones.extend(_places().get(key) or [_zone_names()[key]])
    zones = list(dict.fromkeys(zones))[:MAX_CHOICES]
    if not zones:
        return Unknown("not recognised")
    return Ambiguous(zones, _pretty(matches[0]))


def is_valid_zone(zone: str) -> bool:
    """True for a zone name zoneinfo can load (canonical or link)."""
    if not isinstance(zone, str) or not zone or zone.startswith(("/", ".")) or ".." in zone:
        return False
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def utc_offset_hours(zone: str, on: date) -> float:
    """The zone's UTC offset in hours at noon UTC on ``on`` (e.g. 1.0 for Europe/London in July)."""
    moment = datetime.combine(on, time(12, 0), tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(zone))
    offset = moment.utcoffset() or timedelta(0)
    return offset.total_seconds() / 3600


def format_offset(hours: float) -> str:
    """1.0 → "UTC+1", 5.5 → "UTC+5:30", 0 → "UTC+0", -3.5 → "UTC-3:30"."""
    sign = "-" if hours < 0 else "+"
    total = round(abs(hours) * 60)
    h, m = divmod(total, 60)
    return f"UTC{sign}{h}" + (f":{m:02d}" if m else "")


def describe_zone(zone: str, on: date | None = None) -> str:
    """"Europe/London (UTC+1 today)" — or without the offset when no date is given. A fixed offset is shown
    as people write it: IANA's ``Etc/GMT-1`` *is* UTC+1 (POSIX signs are inverted), so it reads "UTC+1"."""
    if zone.startswith("Etc/GMT") and zone[7:].lstrip("+-").isdigit():
        return format_offset(-int(zone[7:]))
    if zone in ("Etc/UTC", "Etc/GMT", "UTC"):
        return "UTC+0"
    if on is None:
        return zone
    return f"{zone} ({format_offset(utc_offset_hours(zone, on))} today)"

