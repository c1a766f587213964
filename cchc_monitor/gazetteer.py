"""Gazetteer (shared data): the 63 former and 34 current provinces (2025 merger), provincial cities and towns, domains.

Names are data (Vietnamese); the code around them is English. Series stay continuous across the
merger of 2025-07-01 because every place resolves to its former (pre-2025) province, and
`current_province()` maps that to the province it belongs to now.
"""

from __future__ import annotations

import re
import unicodedata

# Current province or centrally-run city (34, after Resolution 202/2025/QH15) → former provinces
# merged into it, the namesake first.
MERGER_2025: dict[str, tuple[str, ...]] = {
    "Hà Nội": ("Hà Nội",),
    "Huế": ("Thừa Thiên Huế",),
    "Lai Châu": ("Lai Châu",),
    "Điện Biên": ("Điện Biên",),
    "Sơn La": ("Sơn La",),
    "Lạng Sơn": ("Lạng Sơn",),
    "Quảng Ninh": ("Quảng Ninh",),
    "Thanh Hóa": ("Thanh Hóa",),
    "Nghệ An": ("Nghệ An",),
    "Hà Tĩnh": ("Hà Tĩnh",),
    "Cao Bằng": ("Cao Bằng",),
    "Tuyên Quang": ("Tuyên Quang", "Hà Giang"),
    "Lào Cai": ("Lào Cai", "Yên Bái"),
    "Thái Nguyên": ("Thái Nguyên", "Bắc Kạn"),
    "Phú Thọ": ("Phú Thọ", "Vĩnh Phúc", "Hòa Bình"),
    "Bắc Ninh": ("Bắc Ninh", "Bắc Giang"),
    "Hưng Yên": ("Hưng Yên", "Thái Bình"),
    "Hải Phòng": ("Hải Phòng", "Hải Dương"),
    "Ninh Bình": ("Ninh Bình", "Hà Nam", "Nam Định"),
    "Quảng Trị": ("Quảng Trị", "Quảng Bình"),
    "Đà Nẵng": ("Đà Nẵng", "Quảng Nam"),
    "Quảng Ngãi": ("Quảng Ngãi", "Kon Tum"),
    "Gia Lai": ("Gia Lai", "Bình Định"),
    "Khánh Hòa": ("Khánh Hòa", "Ninh Thuận"),
    "Lâm Đồng": ("Lâm Đồng", "Đắk Nông", "Bình Thuận"),
    "Đắk Lắk": ("Đắk Lắk", "Phú Yên"),
    "Hồ Chí Minh": ("Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"),
    "Đồng Nai": ("Đồng Nai", "Bình Phước"),
    "Tây Ninh": ("Tây Ninh", "Long An"),
    "Cần Thơ": ("Cần Thơ", "Sóc Trăng", "Hậu Giang"),
    "Vĩnh Long": ("Vĩnh Long", "Bến Tre", "Trà Vinh"),
    "Đồng Tháp": ("Đồng Tháp", "Tiền Giang"),
    "Cà Mau": ("Cà Mau", "Bạc Liêu"),
    "An Giang": ("An Giang", "Kiên Giang"),
}

FORMER_TO_CURRENT: dict[str, str] = {
    former: current for current, formers in MERGER_2025.items() for former in formers
}
FORMER_PROVINCES: tuple[str, ...] = tuple(FORMER_TO_CURRENT)

# Other spellings seen in news text → the canonical former name.
PROVINCE_ALIASES: dict[str, str] = {
    "TP.HCM": "Hồ Chí Minh",
    "TP. HCM": "Hồ Chí Minh",
    "TPHCM": "Hồ Chí Minh",
    "TP Hồ Chí Minh": "Hồ Chí Minh",
    "TP. Hồ Chí Minh": "Hồ Chí Minh",
    "Sài Gòn": "Hồ Chí Minh",
    "Thừa Thiên - Huế": "Thừa Thiên Huế",
    "Huế": "Thừa Thiên Huế",  # the provincial capital, the name of the province since 2025
    "Bà Rịa – Vũng Tàu": "Bà Rịa - Vũng Tàu",
    "Bà Rịa-Vũng Tàu": "Bà Rịa - Vũng Tàu",
    "Thanh Hoá": "Thanh Hóa",
    "Khánh Hoà": "Khánh Hòa",
    "Hoà Bình": "Hòa Bình",
    "Đắc Lắc": "Đắk Lắk",
    "Đăk Lăk": "Đắk Lắk",
    "Đắk Nông": "Đắk Nông",
    "Đăk Nông": "Đắk Nông",
}

# Provincial cities and towns (thành phố / thị xã thuộc tỉnh) before 2025 → former province.
PROVINCIAL_CITIES: dict[str, str] = {
    "Long Xuyên": "An Giang", "Châu Đốc": "An Giang", "Tân Châu": "An Giang",
    "Vũng Tàu": "Bà Rịa - Vũng Tàu", "Bà Rịa": "Bà Rịa - Vũng Tàu", "Phú Mỹ": "Bà Rịa - Vũng Tàu",
    "Bắc Giang": "Bắc Giang", "Việt Yên": "Bắc Giang",
    "Bắc Kạn": "Bắc Kạn",
    "Bạc Liêu": "Bạc Liêu", "Giá Rai": "Bạc Liêu",
    "Bắc Ninh": "Bắc Ninh", "Từ Sơn": "Bắc Ninh",
    "Bến Tre": "Bến Tre",
    "Quy Nhơn": "Bình Định", "An Nhơn": "Bình Định", "Hoài Nhơn": "Bình Định",
    "Thủ Dầu Một": "Bình Dương", "Thuận An": "Bình Dương", "Dĩ An": "Bình Dương",
    "Tân Uyên": "Bình Dương", "Bến Cát": "Bình Dương",
    "Đồng Xoài": "Bình Phước", "Bình Long": "Bình Phước", "Phước Long": "Bình Phước",
    "Chơn Thành": "Bình Phước",
    "Phan Thiết": "Bình Thuận", "La Gi": "Bình Thuận",
    "Cà Mau": "Cà Mau",
    "Cao Bằng": "Cao Bằng",
    "Buôn Ma Thuột": "Đắk Lắk", "Buôn Hồ": "Đắk Lắk",
    "Gia Nghĩa": "Đắk Nông",
    "Điện Biên Phủ": "Điện Biên", "Mường Lay": "Điện Biên",
    "Biên Hòa": "Đồng Nai", "Long Khánh": "Đồng Nai",
    "Cao Lãnh": "Đồng Tháp", "Sa Đéc": "Đồng Tháp", "Hồng Ngự": "Đồng Tháp",
    "Pleiku": "Gia Lai", "An Khê": "Gia Lai", "Ayun Pa": "Gia Lai",
    "Hà Giang": "Hà Giang",
    "Phủ Lý": "Hà Nam", "Duy Tiên": "Hà Nam",
    "Sơn Tây": "Hà Nội",
    "Hà Tĩnh": "Hà Tĩnh", "Hồng Lĩnh": "Hà Tĩnh", "Kỳ Anh": "Hà Tĩnh",
    "Hải Dương": "Hải Dương", "Chí Linh": "Hải Dương", "Kinh Môn": "Hải Dương",
    "Thủy Nguyên": "Hải Phòng", "Thuỷ Nguyên": "Hải Phòng",
    "Vị Thanh": "Hậu Giang", "Ngã Bảy": "Hậu Giang", "Long Mỹ": "Hậu Giang",
    "Thủ Đức": "Hồ Chí Minh",
    "Hòa Bình": "Hòa Bình",
    "Hưng Yên": "Hưng Yên", "Mỹ Hào": "Hưng Yên",
    "Nha Trang": "Khánh Hòa", "Cam Ranh": "Khánh Hòa", "Ninh Hòa": "Khánh Hòa",
    "Rạch Giá": "Kiên Giang", "Hà Tiên": "Kiên Giang", "Phú Quốc": "Kiên Giang",
    "Kon Tum": "Kon Tum",
    "Lai Châu": "Lai Châu",
    "Đà Lạt": "Lâm Đồng", "Bảo Lộc": "Lâm Đồng",
    "Lạng Sơn": "Lạng Sơn",
    "Lào Cai": "Lào Cai", "Sa Pa": "Lào Cai",
    "Tân An": "Long An", "Kiến Tường": "Long An",
    "Nam Định": "Nam Định",
    "Vinh": "Nghệ An", "Cửa Lò": "Nghệ An", "Thái Hòa": "Nghệ An", "Hoàng Mai": "Nghệ An",
    "Ninh Bình": "Ninh Bình", "Tam Điệp": "Ninh Bình", "Hoa Lư": "Ninh Bình",
    "Phan Rang - Tháp Chàm": "Ninh Thuận", "Phan Rang-Tháp Chàm": "Ninh Thuận",
    "Việt Trì": "Phú Thọ", "Phú Thọ": "Phú Thọ",
    "Tuy Hòa": "Phú Yên", "Sông Cầu": "Phú Yên", "Đông Hòa": "Phú Yên",
    "Đồng Hới": "Quảng Bình", "Ba Đồn": "Quảng Bình",
    "Tam Kỳ": "Quảng Nam", "Hội An": "Quảng Nam", "Điện Bàn": "Quảng Nam",
    "Quảng Ngãi": "Quảng Ngãi", "Đức Phổ": "Quảng Ngãi",
    "Hạ Long": "Quảng Ninh", "Cẩm Phả": "Quảng Ninh", "Uông Bí": "Quảng Ninh",
    "Móng Cái": "Quảng Ninh", "Đông Triều": "Quảng Ninh", "Quảng Yên": "Quảng Ninh",
    "Đông Hà": "Quảng Trị", "Quảng Trị": "Quảng Trị",
    "Sóc Trăng": "Sóc Trăng", "Vĩnh Châu": "Sóc Trăng", "Ngã Năm": "Sóc Trăng",
    "Sơn La": "Sơn La",
    "Tây Ninh": "Tây Ninh", "Trảng Bàng": "Tây Ninh", "Hòa Thành": "Tây Ninh",
    "Thái Bình": "Thái Bình",
    "Thái Nguyên": "Thái Nguyên", "Sông Công": "Thái Nguyên", "Phổ Yên": "Thái Nguyên",
    "Thanh Hóa": "Thanh Hóa", "Sầm Sơn": "Thanh Hóa", "Bỉm Sơn": "Thanh Hóa",
    "Nghi Sơn": "Thanh Hóa",
    "Huế": "Thừa Thiên Huế", "Hương Thủy": "Thừa Thiên Huế", "Hương Trà": "Thừa Thiên Huế",
    "Mỹ Tho": "Tiền Giang", "Gò Công": "Tiền Giang", "Cai Lậy": "Tiền Giang",
    "Trà Vinh": "Trà Vinh", "Duyên Hải": "Trà Vinh",
    "Tuyên Quang": "Tuyên Quang",
    "Vĩnh Long": "Vĩnh Long", "Bình Minh": "Vĩnh Long",
    "Vĩnh Yên": "Vĩnh Phúc", "Phúc Yên": "Vĩnh Phúc",
    "Yên Bái": "Yên Bái", "Nghĩa Lộ": "Yên Bái",
}

# Common family and middle names: a province name right after one is part of a person's name
# ("Phó Thủ tướng Trương Hòa Bình", "ông Nguyễn Thái Bình"), not the place.
PERSON_NAME_WORDS: frozenset[str] = frozenset({
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
    "Dương", "Lý", "Trương", "Đinh", "Lâm", "Mai", "Trịnh", "Đào", "Lưu", "Tạ", "Hà", "Tô", "Châu", "Quách",
    "Văn", "Thị", "Hữu", "Đức", "Công", "Quang", "Xuân", "Ngọc", "Thanh",
})

# Short host labels that stand for a province on portals and papers (beyond the folded names).
DOMAIN_ALIASES: dict[str, str] = {
    "hcm": "Hồ Chí Minh", "tphcm": "Hồ Chí Minh", "hochiminhcity": "Hồ Chí Minh",
    "hue": "Thừa Thiên Huế", "tthue": "Thừa Thiên Huế", "baria-vungtau": "Bà Rịa - Vũng Tàu",
    "brvt": "Bà Rịa - Vũng Tàu", "vungtau": "Bà Rịa - Vũng Tàu", "daklak": "Đắk Lắk",
    "daknong": "Đắk Nông", "hanoimoi": "Hà Nội",
}


def canonical_province(name: str) -> str | None:
    """The former-province name for a spelling found in text, or None if it is not a province."""
    name = re.sub(r"\s+", " ", name.strip())
    if name in FORMER_TO_CURRENT:
        return name
    return PROVINCE_ALIASES.get(name)


def current_province(former: str) -> str | None:
    """The post-2025 province a former province now belongs to."""
    return FORMER_TO_CURRENT.get(former)


def fold(text: str) -> str:
    """Lower-case ASCII folding (đ→d, diacritics dropped), as place names appear in host names."""
    text = unicodedata.normalize("NFC", text).lower().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _domain_slugs() -> dict[str, str]:
    slugs = {re.sub(r"[^a-z]", "", fold(p)): p for p in FORMER_PROVINCES}
    slugs.update(DOMAIN_ALIASES)
    return slugs


DOMAIN_SLUGS = _domain_slugs()


# Organisation prefixes of local hosts: bao (newspaper), thanhuy / tinhuy (city / provincial party
# committee), sonoivu (Department of Home Affairs), ubnd / hdnd (people's committee / council).
HOST_PREFIXES = ("bao", "thanhuy", "tinhuy", "sonoivu", "snv", "ubnd", "hdnd", "dangbo")


def province_from_host(host: str) -> str | None:
    """The former province an outlet's host names (`baolamdong.vn` → Lâm Đồng), if any."""
    labels = [lab for lab in host.lower().split(".") if lab not in {"www", "gov", "vn", "com", "org", "net"}]
    for label in reversed(labels):
        bare = [label] + [label[len(p):] for p in HOST_PREFIXES if label.startswith(p)]
        for candidate in bare:
            if candidate in DOMAIN_SLUGS:
                return DOMAIN_SLUGS[candidate]
    best: tuple[int, str] | None = None
    for label in labels:
        for slug, province in DOMAIN_SLUGS.items():
            if len(slug) >= 5 and slug in label and (best is None or len(slug) > best[0]):
                best = (len(slug), province)
    return best[1] if best else None
