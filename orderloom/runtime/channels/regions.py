"""China's provinces by the codes web shops send instead of names.

Routing and the order form read a province by its English name ("Guangdong"), the
way warehouses' regions are written, so a store's code must become that name
before an order is created: WooCommerce's ``CN20`` once landed in the province
as it was and a Guangzhou order was routed to the Shanghai warehouse.
"""
from __future__ import annotations

# WooCommerce's own keys (i18n/states.php, 'CN' => CN1..CN32). Guangxi, Ningxia and
# Macao are given the short names the routing regions use ("Guangxi", not
# "Guangxi Zhuang").
WOOCOMMERCE_CN = {
    "CN1": "Yunnan", "CN2": "Beijing", "CN3": "Tianjin", "CN4": "Hebei", "CN5": "Shanxi",
    "CN6": "Inner Mongolia", "CN7": "Liaoning", "CN8": "Jilin", "CN9": "Heilongjiang",
    "CN10": "Shanghai", "CN11": "Jiangsu", "CN12": "Zhejiang", "CN13": "Anhui",
    "CN14": "Fujian", "CN15": "Jiangxi", "CN16": "Shandong", "CN17": "Henan", "CN18": "Hubei",
    "CN19": "Hunan", "CN20": "Guangdong", "CN21": "Guangxi", "CN22": "Hainan",
    "CN23": "Chongqing", "CN24": "Sichuan", "CN25": "Guizhou", "CN26": "Shaanxi",
    "CN27": "Gansu", "CN28": "Qinghai", "CN29": "Ningxia", "CN30": "Macao", "CN31": "Tibet",
    "CN32": "Xinjiang",
}

# Shopify's province codes for China: ISO 3166-2:CN without the "CN-", except Tibet,
# which Shopify calls "YZ" (ISO: "XZ"); both are read. Hong Kong, Macao and Taiwan are
# countries of their own in Shopify.
SHOPIFY_CN = {
    "AH": "Anhui", "BJ": "Beijing", "CQ": "Chongqing", "FJ": "Fujian", "GS": "Gansu",
    "GD": "Guangdong", "GX": "Guangxi", "GZ": "Guizhou", "HI": "Hainan", "HE": "Hebei",
    "HL": "Heilongjiang", "HA": "Henan", "HB": "Hubei", "HN": "Hunan",
    "NM": "Inner Mongolia", "JS": "Jiangsu", "JX": "Jiangxi", "JL": "Jilin",
    "LN": "Liaoning", "NX": "Ningxia", "QH": "Qinghai", "SN": "Shaanxi", "SD": "Shandong",
    "SH": "Shanghai", "SX": "Shanxi", "SC": "Sichuan", "TJ": "Tianjin", "XJ": "Xinjiang",
    "YZ": "Tibet", "XZ": "Tibet", "YN": "Yunnan", "ZJ": "Zhejiang",
}


def province_name(country: str | None, code: str | None, name: str | None,
                  codes: dict[str, str]) -> str | None:
    """The province's name: from the store's code when it is one of ``codes`` (for
    China), else the name the store sent, else the code as it came."""
    if (country or "").upper() == "CN" and code:
        known = codes.get(code.strip().upper())
        if known:
            return known
    return (name or "").strip() or (code or "").strip() or None
