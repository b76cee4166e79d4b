"""Chinese addresses written as one string, split into their parts; and the mapping's
address_part option that uses it."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderloom.dsl.china_address import (
    Address,
    divisions,
    province_short_name,
    split_address,
)
from orderloom.runtime.channels.mapping import apply_mapping, check_mapping
from tests.designer.samples import retail

DIVISIONS = divisions()


@pytest.mark.parametrize("text, expected", [
    ("广东省 广州市 天河区 珠江新城华夏路10号",
     ("广东省", "广州市", "天河区", "珠江新城华夏路10号", "")),
    ("北京 北京市 朝阳区 建国路88号", ("北京市", "北京市", "朝阳区", "建国路88号", "")),
    ("上海上海市浦东新区世纪大道100号", ("上海市", "上海市", "浦东新区", "世纪大道100号", "")),
    ("北京朝阳区三环以内建国路88号", ("北京市", "北京市", "朝阳区", "三环以内建国路88号", "")),
    ("新疆维吾尔自治区乌鲁木齐市天山区人民路1号",
     ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "人民路1号", "")),
    ("广西 南宁市 青秀区 民族大道1号", ("广西壮族自治区", "南宁市", "青秀区", "民族大道1号", "")),
    ("吉林省 延边朝鲜族自治州 延吉市 光明街1号",
     ("吉林省", "延边朝鲜族自治州", "延吉市", "光明街1号", "")),
    ("吉林延边延吉市光明街1号", ("吉林省", "延边朝鲜族自治州", "延吉市", "光明街1号", "")),
    ("新疆 阿克苏 库车市 天山路2号", ("新疆维吾尔自治区", "阿克苏地区", "库车市", "天山路2号", "")),
    ("内蒙古锡林郭勒盟锡林浩特市额尔敦路3号",
     ("内蒙古自治区", "锡林郭勒盟", "锡林浩特市", "额尔敦路3号", "")),
    ("江苏省 苏州市 昆山市 玉山镇前进路5号", ("江苏省", "苏州市", "昆山市", "玉山镇前进路5号", "")),
    ("河南省 济源市 天坛街道1号", ("河南省", "济源市", "", "天坛街道1号", "")),
    ("吉林市船营区北京路6号", ("吉林省", "吉林市", "船营区", "北京路6号", "")),
    ("广州市天河区华夏路10号", ("广东省", "广州市", "天河区", "华夏路10号", "")),
    ("广东省 深圳市 南山区 科技园8号(518000)",
     ("广东省", "深圳市", "南山区", "科技园8号", "518000")),
    ("广东省 深圳市 南山区 科技园 518000", ("广东省", "深圳市", "南山区", "科技园", "518000")),
    ("广东省深圳市南山区科技园路100001", ("广东省", "深圳市", "南山区", "科技园路100001", "")),
    ("重庆 重庆市 巫山县 广东路7号", ("重庆市", "重庆市", "巫山县", "广东路7号", "")),
])
def test_an_address_is_split_into_its_parts(text, expected):
    found = split_address(text)
    assert (found.province, found.city, found.district, found.street, found.postcode) == expected


def test_an_address_that_names_no_known_place_is_all_street():
    assert split_address("Flat 3, 10 Downing Street") == Address(
        street="Flat 3, 10 Downing Street")
    assert split_address(None) == Address()


@settings(max_examples=300, deadline=None)
@given(place=st.sampled_from(DIVISIONS), separator=st.sampled_from(["", " ", "  "]),
       short=st.booleans(), street=st.sampled_from(["幸福路1号", "中山大道西88号3栋", "人民街5号"]))
def test_every_known_place_comes_back_split_as_it_was_joined(place, separator, short, street):
    province, city, district = place
    written = province_short_name(province) if short else province
    text = separator.join(part for part in (written, city, district) if part) + separator + street
    found = split_address(text)
    assert (found.province, found.city, found.district, found.street) == (
        province, city, district, street), text


def test_the_dataset_has_every_province_and_the_municipalities_are_their_own_cities():
    provinces = {p for p, _, _ in DIVISIONS}
    assert len(provinces) == 31
    assert ("北京市", "北京市", "海淀区") in DIVISIONS
    assert ("湖北省", "仙桃市", "") in DIVISIONS
    assert len(DIVISIONS) > 2800


MAPPING = {"external_id": "$.id",
           "fields": {**{f"ship_to.{part}": {"path": "$.地址", "address_part": part}
                         for part in ("province", "city", "district", "street", "postcode")},
                      "customer.name": "$.name"},
           "lines": {"items": {"from": "$.lines[*]",
                               "fields": {"sku": "$.sku", "qty": "$.qty", "price": "$.price"}}}}


def test_the_mapping_takes_each_part_of_a_one_string_address():
    payload = {"id": "1", "name": "张伟", "地址": "浙江省 杭州市 西湖区 文三路1号(310012)",
               "lines": [{"sku": "TEA-01", "qty": 1, "price": "10"}]}
    mapped = apply_mapping(MAPPING, payload, retail())
    assert mapped.data["ship_to"] == {"province": "浙江省", "city": "杭州市", "district": "西湖区",
                                      "street": "文三路1号", "postcode": "310012"}


def test_a_formula_sees_the_address_part():
    mapping = {"external_id": "$.id",
               "fields": {"ship_to.province": {"path": "$.地址", "address_part": "province",
                                               "formula": "value & \"!\""}}}
    mapped = apply_mapping(mapping, {"id": "1", "地址": "浙江杭州市西湖区文三路1号"}, retail())
    assert mapped.data["ship_to"] == {"province": "浙江省!"}


def test_an_unknown_address_part_is_refused_with_a_pointer():
    mapping = {"external_id": "$.id",
               "fields": {"ship_to.city": {"path": "$.地址", "address_part": "cty"}}}
    [problem] = check_mapping(mapping, retail())
    assert problem.pointer == "/fields/ship_to.city/address_part"
    assert "did you mean 'city'" in problem.message


@pytest.mark.parametrize("code, names", [
    ("44", ("广东省", "", "")), ("4401", ("广东省", "广州市", "")),
    ("440106", ("广东省", "广州市", "天河区")), ("110105", ("北京市", "北京市", "朝阳区")),
    ("419001", ("河南省", "济源市", "")),
])
def test_a_region_code_gives_the_names_it_stands_for(code, names):
    found = split_address(code)
    assert (found.province, found.city, found.district, found.street) == (*names, "")


def test_a_region_code_in_a_payload_is_turned_into_names():
    mapping = {"external_id": "$.id",
               "fields": {f"ship_to.{part}": {"path": "$.region", "address_part": part}
                          for part in ("province", "city", "district")}}
    mapped = apply_mapping(mapping, {"id": "1", "region": 330106}, retail())
    assert mapped.data["ship_to"] == {"province": "浙江省", "city": "杭州市", "district": "西湖区"}
    unknown = apply_mapping(mapping, {"id": "1", "region": 999999}, retail())
    assert "ship_to" not in unknown.data  # no such division: the fields stay empty


@pytest.mark.parametrize("filler", [" ", "，", ",", "\u3000", " ，"])
def test_a_long_run_of_separators_is_read_in_linear_time(filler):
    # Each of these took seconds to minutes when the postcode was looked for over the
    # whole text; a webhook of 10 MB could hold a worker for hours.
    import time

    started = time.perf_counter()
    for text in ("广东省" + filler * 20_000 + "广州市", "x" + filler * 240 + "y 510623",
                 filler * 100_000):
        split_address(text)
    assert time.perf_counter() - started < 1
    assert split_address("广东省广州市天河区华夏路10号" + filler + "510623").postcode == "510623"
