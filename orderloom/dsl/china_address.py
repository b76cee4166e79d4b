"""A Chinese address written as one string, split into province, city, district
and street.

Marketplace exports (Tmall's 收货地址, JD's 客户地址) give the address as one
string, written many ways: ``广东省 广州市 天河区 华夏路10号``,
``上海上海市浦东新区世纪大道100号``, ``北京 北京市 朝阳区 ...`` or ``北京朝阳区...``,
often with the postcode at the end (``... 华夏路10号(510623)``). The names are
matched against the administrative divisions (divisions/README.md says where
they come from), so only real provinces, cities and districts are taken; what
follows them is the street.

- Abbreviated names are recognised (广东 for 广东省, 新疆 for 新疆维吾尔自治区,
  延边 for 延边朝鲜族自治州, 阿克苏 for 阿克苏地区), and names may be separated
  by spaces or not at all.
- A municipality (北京, 上海, 天津, 重庆) is its own city: the city of
  ``上海市浦东新区`` is 上海市, whether or not the address repeats it.
- A county-level city or county governed directly by its province (河南's
  济源市, 湖北's 仙桃市, 海南's 琼海市) is the city, and there is no district.
- An address whose province is left out (``广州市天河区...``) still gets it,
  from its city; one whose city is left out, from its district, when only one
  city of the province has a district of that name.
- A division code alone (``440106``, as payloads that send region codes do)
  gives the names it stands for: 广东省, 广州市, 天河区.
"""
from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

PARTS = ("province", "city", "district", "street", "postcode")

# Divisions whose name is no place: the districts of a municipality are listed under
# 市辖区 (and 重庆's counties under 县); counties governed by their province directly,
# under these.
_MUNICIPALITY_GROUPS = {"市辖区", "县"}
_DIRECT_GROUPS = {"省直辖县级行政区划", "自治区直辖县级行政区划"}
_PROVINCE_SUFFIXES = ("特别行政区", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省",
                      "市")
# The peoples an autonomous prefecture or league is named after, longest first, so
# that 延边朝鲜族自治州 is 延边 and 黔东南苗族侗族自治州 is 黔东南.
_PEOPLES = sorted("""蒙古 蒙古族 哈萨克 柯尔克孜 朝鲜族 土家族 苗族 侗族 布依族 彝族 藏族 羌族 傣族
    景颇族 白族 哈尼族 壮族 傈僳族 回族 黎族 瑶族 纳西族 拉祜族 佤族""".split(), key=len,
                  reverse=True)
_CITY_SUFFIXES = ("自治州", "地区", "盟", "市")
# In brackets or after a space, so that a house number of six digits stays in the street.
_POSTCODE = re.compile(r"(?:[\s,，]*[(（]\s*(\d{6})\s*[)）]|[\s,，]+(\d{6}))\s*$")
_SEPARATORS = " \t\u3000,，"
# Longer than any real address: such a text is left whole in the street for the form's
# own checks, since splitting it would only cost time.
MAX_ADDRESS = 500
# A postcode is at the end: only the last characters are searched, so a long run of
# separators before it cannot make the search backtrack over the whole text.
_POSTCODE_TAIL = 40


@dataclass(frozen=True)
class Address:
    province: str = ""
    city: str = ""
    district: str = ""
    street: str = ""
    postcode: str = ""

    def part(self, name: str) -> str:
        return getattr(self, name)


@dataclass
class _City:
    name: str
    province: str
    districts: dict[str, str]  # a name the district may be written as -> its full name


@dataclass
class _Province:
    name: str
    cities: dict[str, _City]  # a name the city may be written as -> the city
    municipality: bool


def split_address(text: Any) -> Address:
    """``text`` split into its parts; what is not recognised is left in the street
    (all of it, for an address that names no known province, city or district). A
    division code (``44``, ``4401``, ``440106``) gives the names it stands for."""
    if text is None:
        return Address()
    rest = str(text).strip()
    if rest.isdigit() and len(rest) in (2, 4, 6):
        found = _codes().get(rest)
        if found is not None:
            return Address(*found)
    if len(rest) > MAX_ADDRESS:
        return Address(street=rest)
    postcode = ""
    tail_start = max(len(rest) - _POSTCODE_TAIL, 0)
    found = _POSTCODE.search(rest, tail_start)
    if found and found.start() > 0:
        postcode, rest = found.group(1) or found.group(2), rest[:found.start()]
    provinces, _ = _divisions()
    province_name, rest_after = _take(rest, provinces)
    province = provinces.get(province_name) if province_name else None
    city: _City | None = None
    if province is not None:
        city_name, after_city = _take(rest_after, province.cities)
        if not city_name:
            # 吉林市船营区: the province's short name (吉林) begins its city's name
            city_name, after_city = _take(rest, province.cities)
        rest = rest_after
        if city_name:
            city, rest = province.cities[city_name], after_city
        if province.municipality:
            city = next(iter(province.cities.values()))
            again, after_again = _take(rest, {province.name: 1, _short_province(
                province.name): 1})
            if again:  # 上海上海市浦东新区: the municipality named again as the city
                rest = after_again
    else:
        city_name, after_city = _take(rest, _all_cities())
        if city_name:
            city, rest = _all_cities()[city_name], after_city
            province = provinces[city.province]
    district = ""
    if city is not None:
        name, after = _take(rest, city.districts)
        if name:
            district, rest = city.districts[name], after
    elif province is not None:
        district, city, rest = _district_of(province, rest)
    if province is None:
        return Address(street=str(text).strip())
    return Address(province.name, city.name if city else "", district,
                   rest.strip(_SEPARATORS), postcode)


def _district_of(province: _Province, rest: str) -> tuple[str, _City | None, str]:
    """A district named right after the province, with the city left out; only when
    no other city of the province has a district written the same way."""
    matches = {}
    for city in province.cities.values():
        name, after = _take(rest, city.districts)
        if name:
            matches[id(city)] = (city.districts[name], city, after)
    if len(matches) == 1:
        return next(iter(matches.values()))
    return "", None, rest


def _take(text: str, names: dict[str, Any]) -> tuple[str, str]:
    """The longest of ``names`` that ``text`` starts with (after separators), and the
    text after it; ("", text) when none."""
    start = len(text) - len(text.lstrip(_SEPARATORS))
    best = ""
    for length in range(min(_longest(names), len(text) - start), 1, -1):
        candidate = text[start:start + length]
        if candidate in names:
            best = candidate
            break
    if not best:
        return "", text
    return best, text[start + len(best):]


def _longest(names: dict[str, Any]) -> int:
    return max((len(n) for n in names), default=0)


def _short_province(name: str) -> str:
    for suffix in _PROVINCE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[:-len(suffix)]
    return name


def short_city(name: str) -> str:
    """The name a city is commonly written as without its kind: 广州 for 广州市,
    延边 for 延边朝鲜族自治州, 阿克苏 for 阿克苏地区."""
    for suffix in _CITY_SUFFIXES:
        if name.endswith(suffix):
            short = name[:-len(suffix)]
            if suffix == "自治州" or suffix == "盟":
                changed = True
                while changed:
                    changed = False
                    for people in _PEOPLES:
                        if short.endswith(people) and len(short) > len(people) + 1:
                            short, changed = short[:-len(people)], True
                            break
            return short if len(short) >= 2 else name
    return name


def short_district(name: str) -> str:
    """朝阳 for 朝阳区, 昆山 for 昆山市; a name of two characters (城区) stays whole."""
    for suffix in ("新区", "区", "县", "市", "旗"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2 and "自治" not in name:
            return name[:-len(suffix)]
    return name


def _with_short_names(full: dict[str, Any], shorten: Any) -> dict[str, Any]:
    """The full names, then each short name that no full name and no other short
    name already takes."""
    names = dict(full)
    shorts: dict[str, list[str]] = {}
    for name in full:
        short = shorten(name)
        if short != name:
            shorts.setdefault(short, []).append(name)
    for short, owners in shorts.items():
        if len(owners) == 1 and short not in names:
            names[short] = full[owners[0]]
    return names


@cache
def _divisions() -> tuple[dict[str, _Province], list[tuple[str, str, str]]]:
    """The provinces by every name they may be written as, and every (province, city,
    district) as this module answers them, for checking."""
    raw = resources.files("orderloom.dsl").joinpath(
        "divisions/pca-code.json.gz").read_bytes()
    provinces: dict[str, _Province] = {}
    triples: list[tuple[str, str, str]] = []
    for _code, province_name, groups in json.loads(gzip.decompress(raw)):
        municipality = all(g[1] in _MUNICIPALITY_GROUPS for g in groups)
        cities: dict[str, _City] = {}
        if municipality:
            districts = {d[1]: d[1] for g in groups for d in g[2] if len(g) > 2}
            cities[province_name] = _City(province_name, province_name,
                                          _with_short_names(districts, short_district))
            triples += [(province_name, province_name, d) for d in districts]
        else:
            for _city_code, city_name, *rest in groups:
                children = [d[1] for d in rest[0]] if rest else []
                if city_name in _DIRECT_GROUPS:
                    for county in children:
                        cities[county] = _City(county, province_name, {})
                        triples.append((province_name, county, ""))
                    continue
                districts = {d: d for d in children if d != "市辖区"}
                cities[city_name] = _City(city_name, province_name,
                                          _with_short_names(districts, short_district))
                triples += [(province_name, city_name, d) for d in districts] or [
                    (province_name, city_name, "")]
        province = _Province(province_name, _with_short_names(cities, short_city),
                             municipality)
        provinces[province_name] = province
        provinces.setdefault(_short_province(province_name), province)
    return provinces, triples


@cache
def _codes() -> dict[str, tuple[str, str, str]]:
    """Each division code and the (province, city, district) it names, as
    ``split_address`` names them (a municipality is its own city)."""
    raw = resources.files("orderloom.dsl").joinpath(
        "divisions/pca-code.json.gz").read_bytes()
    codes: dict[str, tuple[str, str, str]] = {}
    for province_code, province, groups in json.loads(gzip.decompress(raw)):
        codes[province_code] = (province, "", "")
        municipality = all(g[1] in _MUNICIPALITY_GROUPS for g in groups)
        for city_code, city, *rest in groups:
            direct = city in _DIRECT_GROUPS
            if municipality:
                codes[city_code] = (province, province, "")
            elif not direct:
                codes[city_code] = (province, city, "")
            for district_code, district in (rest[0] if rest else []):
                codes[district_code] = (
                    (province, district, "") if direct else
                    (province, province if municipality else city, district))
    return codes


@cache
def _all_cities() -> dict[str, _City]:
    """Every city of every province by its full name, for an address that leaves the
    province out; a full name two provinces share is left out too."""
    provinces, _ = _divisions()
    seen: dict[str, list[_City]] = {}
    for province in {id(p): p for p in provinces.values()}.values():
        for city in {id(c): c for c in province.cities.values()}.values():
            seen.setdefault(city.name, []).append(city)
    return {name: cities[0] for name, cities in seen.items() if len(cities) == 1}


def divisions() -> list[tuple[str, str, str]]:
    """Every (province, city, district) known, as ``split_address`` names them: a
    municipality is its own city; a county governed by its province is the city, with
    no district."""
    return list(_divisions()[1])


def province_short_name(name: str) -> str:
    """广东 for 广东省, 新疆 for 新疆维吾尔自治区."""
    return _short_province(name)
