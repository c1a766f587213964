"""The farm's documents: Vietnamese CCHC stories and the pages, feeds and robots files of each platform.

Everything is derived from the farm's seed, so two farms with the same configuration serve the same
bytes. The text is our own (templates filled with figures and real province and commune names); the
page shapes follow the platform profiles of scrapers/profiles.py and the test pages in
tests/pages/platforms/.
"""

# The page templates keep each element whole on its line (like tests/pages/*.html): a few exceed 120 columns.
# ruff: noqa: E501

from __future__ import annotations

import hashlib
import html
import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

VIETNAM = timezone(timedelta(hours=7))

# Platforms rotated across portals: the `cms` value of sources.yaml and the page wrapper.
PLATFORMS = ("viettel", "vnpt-vnportal", "tandan", "nukeviet", "vnpt-eportal", "bkav", "vietsoftware")

# (province, communes and wards of it): the 34 provinces since the 2025 merger, real local names.
PLACES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Hà Nội", ("phường Hoàn Kiếm", "xã Bát Tràng", "phường Cầu Giấy", "xã Sóc Sơn")),
    ("Thừa Thiên Huế", ("phường Thuận Hóa", "phường Phú Xuân", "xã Phong Điền")),
    ("Lai Châu", ("phường Tân Phong", "xã Tam Đường", "xã Sìn Hồ")),
    ("Điện Biên", ("phường Mường Thanh", "xã Tuần Giáo", "xã Mường Ảng")),
    ("Sơn La", ("phường Tô Hiệu", "xã Mộc Châu", "xã Thuận Châu")),
    ("Lạng Sơn", ("phường Đông Kinh", "xã Hữu Lũng", "xã Đồng Đăng")),
    ("Quảng Ninh", ("phường Hạ Long", "phường Móng Cái 1", "xã Tiên Yên")),
    ("Thanh Hóa", ("phường Hạc Thành", "xã Ngọc Lặc", "phường Sầm Sơn")),
    ("Nghệ An", ("phường Trường Vinh", "xã Diễn Châu", "phường Cửa Lò")),
    ("Hà Tĩnh", ("phường Thành Sen", "xã Hương Sơn", "xã Cẩm Xuyên")),
    ("Cao Bằng", ("phường Thục Phán", "xã Hòa An", "xã Trùng Khánh")),
    ("Tuyên Quang", ("phường Minh Xuân", "phường Hà Giang 1", "xã Hàm Yên")),
    ("Lào Cai", ("phường Cam Đường", "phường Sa Pa", "phường Yên Bái")),
    ("Thái Nguyên", ("phường Phan Đình Phùng", "xã Đại Từ", "phường Bắc Kạn")),
    ("Phú Thọ", ("phường Việt Trì", "phường Vĩnh Phúc", "phường Hòa Bình")),
    ("Bắc Ninh", ("phường Kinh Bắc", "phường Bắc Giang", "xã Lục Nam")),
    ("Hưng Yên", ("phường Phố Hiến", "phường Thái Bình", "xã Văn Giang")),
    ("Hải Phòng", ("phường Hồng Bàng", "phường Hải Dương", "xã Cát Hải")),
    ("Ninh Bình", ("phường Hoa Lư", "phường Nam Định", "phường Phủ Lý")),
    ("Quảng Trị", ("phường Đồng Hới", "phường Đông Hà", "xã Hướng Linh")),
    ("Đà Nẵng", ("phường Hải Châu", "phường Tam Kỳ", "phường Hội An")),
    ("Quảng Ngãi", ("phường Cẩm Thành", "phường Kon Tum", "xã Lý Sơn")),
    ("Gia Lai", ("phường Pleiku", "phường Quy Nhơn", "xã An Nhơn")),
    ("Khánh Hòa", ("phường Nha Trang", "phường Phan Rang", "xã Cam Lâm")),
    ("Lâm Đồng", ("phường Xuân Hương - Đà Lạt", "phường Bảo Lộc 1", "phường Phan Thiết")),
    ("Đắk Lắk", ("phường Buôn Ma Thuột", "phường Tuy Hòa", "xã Krông Pắc")),
    ("Hồ Chí Minh", ("phường Sài Gòn", "phường Thủ Dầu Một", "phường Vũng Tàu")),
    ("Đồng Nai", ("phường Trấn Biên", "phường Đồng Xoài", "xã Long Thành")),
    ("Tây Ninh", ("phường Tân Ninh", "phường Long An", "xã Gò Dầu")),
    ("Cần Thơ", ("phường Ninh Kiều", "phường Sóc Trăng", "phường Vị Thanh")),
    ("Vĩnh Long", ("phường Thanh Đức", "phường Bến Tre", "phường Trà Vinh")),
    ("Đồng Tháp", ("phường Cao Lãnh", "phường Sa Đéc", "phường Mỹ Tho")),
    ("Cà Mau", ("phường An Xuyên", "phường Bạc Liêu", "xã Năm Căn")),
    ("An Giang", ("phường Long Xuyên", "phường Rạch Giá", "phường Châu Đốc")),
)

AUTHORS = ("Thanh Hương", "Minh Đức", "Lò Thị Hoa", "Trần Quốc Việt", "Hà Linh", "Phạm Hoàng", "Ngọc Anh",
           "Văn Phòng UBND", "Bích Ngọc", "Quang Huy")
FIELDS = ("đất đai", "xây dựng", "hộ tịch", "đăng ký kinh doanh", "tư pháp", "lao động - thương binh",
          "giao thông vận tải", "tài nguyên và môi trường")
UNITS = ("Sở Nội vụ", "Sở Tư pháp", "Sở Tài chính", "Sở Xây dựng", "Sở Khoa học và Công nghệ",
         "Trung tâm Phục vụ hành chính công tỉnh", "Văn phòng UBND tỉnh")
MENU = ("Giới thiệu", "Tin tức - Sự kiện", "Cải cách hành chính", "Chính quyền", "Văn bản", "Dịch vụ công",
        "Thông tin chuyên ngành", "Chuyển đổi số", "Hỏi đáp", "Liên hệ")
SUBMENU = ("Tin hoạt động", "Tin chỉ đạo, điều hành", "Tin địa phương", "Thông báo", "Kế hoạch, báo cáo",
           "Chỉ số CCHC", "Kiểm soát thủ tục hành chính", "Văn bản quy phạm pháp luật", "Dự thảo lấy ý kiến",
           "Dịch vụ công trực tuyến", "Tra cứu hồ sơ", "Đánh giá sự hài lòng", "Lịch công tác", "Thư điện tử")


def vn_int(n: int) -> str:
    """1416 -> '1.416' (Vietnamese thousands separator)."""
    return f"{n:,}".replace(",", ".")


def vn_dec(x: float, digits: int = 1) -> str:
    """98.5 -> '98,5'."""
    return f"{x:.{digits}f}".replace(".", ",")


def slugify(text: str) -> str:
    """An ASCII slug of Vietnamese text, as the portals make their addresses."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text).split())[:90]


@dataclass(frozen=True)
class Story:
    """One news story: what any portal carrying it prints."""

    key: str
    title: str
    lead: str
    paragraphs: tuple[str, ...]
    author: str
    province: str
    kind: str  # backlog, on_time, plan, score, other


def make_story(seed: int, key: str, province: str, communes: tuple[str, ...], year: int) -> Story:
    """A deterministic story about one province: late dossiers, on-time rates, a plan or a score."""
    rng = random.Random(f"{seed}/{key}")
    commune = rng.choice(communes)
    unit = rng.choice(UNITS)
    field_ = rng.choice(FIELDS)
    kind = rng.choices(("backlog", "on_time", "plan", "score", "other"), (3, 3, 2, 2, 1))[0]
    late = rng.randint(12, 4800)
    total = late * rng.randint(40, 160)
    rate = rng.uniform(93.0, 99.9)
    online = rng.uniform(55.0, 96.0)
    score = rng.uniform(78.0, 94.0)
    plan_no, plan_day, plan_month = rng.randint(3, 240), rng.randint(2, 28), rng.randint(1, 3)
    quarter = rng.choice(("quý I", "quý IV/" + str(year - 1), "tháng 2", "hai tháng đầu năm"))
    plan = f"Kế hoạch số {plan_no}/KH-UBND ngày {plan_day:02d}/{plan_month:02d}/{year}"
    titles = {
        "backlog": f"{province}: còn {vn_int(late)} hồ sơ trễ hạn trong {quarter}, tập trung ở lĩnh vực {field_}",
        "on_time": f"{province}: tỷ lệ hồ sơ giải quyết đúng hạn đạt {vn_dec(rate)}% trong {quarter}",
        "plan": f"UBND {commune} ban hành Kế hoạch cải cách hành chính năm {year}",
        "score": f"{province} công bố Chỉ số CCHC năm {year - 1} của các sở, ngành và UBND cấp xã",
        "other": f"{commune[0].upper() + commune[1:]} tổ chức ngày hội nông sản và du lịch cộng đồng năm {year}",
    }
    lead = {
        "backlog": f"{quarter.capitalize()}, các cơ quan hành chính trên địa bàn tỉnh {province} tiếp nhận "
                   f"{vn_int(total)} hồ sơ thủ tục hành chính; vẫn còn {vn_int(late)} hồ sơ trễ hạn.",
        "on_time": f"Trong {quarter}, tỉnh {province} giải quyết {vn_int(total)} hồ sơ, tỷ lệ hồ sơ "
                   f"đúng hạn đạt {vn_dec(rate)}%, tăng {vn_dec(rng.uniform(0.2, 4.0))} điểm phần trăm.",
        "plan": f"UBND {commune} ban hành {plan} về cải cách hành chính nhà nước năm {year}.",
        "score": f"Chỉ số CCHC năm {year - 1} của {unit} đạt {vn_dec(score, 2)}%, dẫn đầu khối sở, ngành "
                 f"tỉnh {province}.",
        "other": f"Ngày hội thu hút hàng nghìn lượt khách đến tham quan, mua sắm sản phẩm OCOP của {commune}.",
    }[kind]
    body = [
        f"Ngày {rng.randint(2, 28)}/{plan_month}/{year}, {unit} tỉnh {province} tổ chức hội nghị đánh giá kết quả "
        f"công tác cải cách hành chính {quarter} và triển khai nhiệm vụ thời gian tới. Hội nghị được kết nối "
        f"trực tuyến đến {rng.randint(20, 120)} điểm cầu cấp xã, phường.",
        f"Theo báo cáo, toàn tỉnh tiếp nhận {vn_int(total)} hồ sơ thủ tục hành chính, trong đó "
        f"{vn_int(int(total * online / 100))} hồ sơ được nộp trực tuyến, chiếm {vn_dec(online)}%. Tỷ lệ hồ sơ "
        f"giải quyết đúng hạn đạt {vn_dec(rate)}%.",
        f"Tuy nhiên, vẫn còn {vn_int(late)} hồ sơ trễ hạn, tập trung ở lĩnh vực {field_}; riêng {commune} có "
        f"{vn_int(max(1, late // rng.randint(8, 30)))} hồ sơ trễ hạn. Nguyên nhân chủ yếu là hồ sơ phải lấy ý kiến "
        f"nhiều cơ quan và dữ liệu chưa được kết nối, chia sẻ.",
        f"Thực hiện {plan} của UBND tỉnh, các cơ quan, đơn vị tập trung số hóa hồ sơ, kết quả giải quyết thủ tục "
        f"hành chính và thực hiện nghiêm việc xin lỗi tổ chức, cá nhân khi để hồ sơ trễ hạn.",
        f"Năm {year - 1}, Chỉ số CCHC của tỉnh {province} đạt {vn_dec(score, 2)}%, xếp thứ "
        f"{rng.randint(1, 34)}/34 tỉnh, thành phố; chỉ số hài lòng của người dân đạt {vn_dec(rng.uniform(80, 95), 2)}%.",
        f"Phát biểu kết luận, lãnh đạo UBND tỉnh đề nghị {unit} tiếp tục rà soát, cắt giảm ít nhất "
        f"{rng.randint(10, 30)}% thành phần hồ sơ không cần thiết, đồng thời đẩy mạnh thanh toán trực tuyến "
        f"phí, lệ phí tại Bộ phận Một cửa các cấp.",
        f"Tại hội nghị, đại diện {rng.choice(UNITS)} chia sẻ kinh nghiệm tái cấu trúc quy trình đối với "
        f"{rng.randint(12, 90)} thủ tục hành chính, rút ngắn thời gian giải quyết trung bình từ "
        f"{rng.randint(8, 15)} ngày xuống còn {rng.randint(3, 7)} ngày làm việc.",
        f"Trung tâm Phục vụ hành chính công tỉnh và {rng.randint(40, 160)} điểm tiếp nhận cấp xã duy trì việc tiếp "
        f"nhận hồ sơ không phụ thuộc địa giới hành chính; {vn_dec(rng.uniform(60, 98))}% kết quả giải quyết được "
        f"số hóa và trả bản điện tử cho người dân, doanh nghiệp.",
        f"Công tác kiểm tra cải cách hành chính được tổ chức tại {rng.randint(8, 30)} cơ quan, đơn vị, ưu tiên "
        f"những nơi có tỷ lệ hồ sơ trễ hạn cao hoặc để xảy ra phản ánh, kiến nghị của người dân.",
        f"Mục tiêu năm {year}, 100% thủ tục hành chính đủ điều kiện được cung cấp dịch vụ công trực tuyến toàn "
        f"trình; tỷ lệ hồ sơ giải quyết đúng hạn đạt từ {rng.choice(('98', '99'))}% trở lên.",
    ]
    if kind == "other":
        body = [
            f"Sáng {rng.randint(2, 28)}/{plan_month}, {commune} tỉnh {province} khai mạc ngày hội nông sản với "
            f"{rng.randint(40, 150)} gian hàng của các hợp tác xã và hộ kinh doanh.",
            f"Ban tổ chức cho biết, trong ba ngày diễn ra sự kiện có khoảng {vn_int(rng.randint(3000, 20000))} lượt "
            f"khách tham quan; nhiều sản phẩm đặc sản địa phương được giới thiệu, quảng bá.",
            "Bên cạnh hoạt động trưng bày, ngày hội còn có các chương trình văn nghệ, thi ẩm thực và giao lưu "
            "văn hóa của đồng bào các dân tộc trên địa bàn.",
        ] * 2
    rng.shuffle(body[1:-1])
    return Story(key, titles[kind], lead, tuple(body), rng.choice(AUTHORS), province, kind)


@dataclass(frozen=True)
class Article:
    """One page of one portal: a story (its own or a copy of another portal's) at an address and time."""

    portal: int
    index: int  # 0 is the portal's first article; higher is newer
    story: Story
    published: datetime
    path: str
    copied_from: str | None = None  # the portal name the story was taken from

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(f"{self.portal}/{self.index}/{self.story.key}".encode()).hexdigest()[:16] + '"'


def article_path(platform: str, portal: int, index: int, title: str, published: datetime) -> str:
    """The article's address in the platform's usual shape."""
    slug = slugify(title)
    doc = 100000 + portal * 1000 + index
    return {
        "viettel": f"/tin-tuc-su-kien/-/asset_publisher/k206Q9qkZOqn/content/{slug}-{doc}",
        "vnpt-vnportal": f"/tin-tuc-su-kien/{slug}-{doc}.html",
        "tandan": f"/portal/Pages/{published:%Y-%m-%d}-{slug}-{doc}.aspx",
        "nukeviet": f"/vi/news/cai-cach-hanh-chinh/{slug}-{doc}.html",
        "vnpt-eportal": f"/tin-tuc-su-kien/-/view-content/{doc}/{slug}",
        "bkav": f"/cai-cach-hanh-chinh/-/view_content/content/{doc}/{slug}",
        "vietsoftware": f"/web/guest/tin-tuc/-/vcmsviewcontent/Xr5t/1012/{doc}",
    }[platform]


# ---------------------------------------------------------------------------------------------------------------
# Pages


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _dmy(when: datetime) -> str:
    return f"{when:%d/%m/%Y %H:%M}"


def _body_paragraphs(article: Article, style: str = "") -> str:
    attr = f' style="{style}"' if style else ""
    paragraphs = list(article.story.paragraphs)
    image = (f'<p style="text-align:center"><img src="/images/{article.index}.jpg" alt="" width="600"></p>'
             f'<p style="text-align:center"><em>Quang cảnh hội nghị tại tỉnh {_e(article.story.province)}</em></p>')
    parts = [f"<p{attr}>{_e(p)}</p>" for p in paragraphs[:2]] + [image]
    parts += [f"<p{attr}>{_e(p)}</p>" for p in paragraphs[2:]]
    if article.copied_from:
        parts.append(f"<p{attr}><em>(Nguồn: {_e(article.copied_from)})</em></p>")
    return "\n".join(parts)


def article_core(platform: str, article: Article, related: str) -> str:
    """The article block in the platform's markup (title, date, lead, body, author, other news)."""
    s, when = article.story, article.published
    title, lead, author = _e(s.title), _e(s.lead), _e(s.author)
    body = _body_paragraphs(article, "text-align: justify;")
    if platform == "viettel":
        return (f'<div class="asset-full-content default-asset-publisher show-asset-title"><div class="contentDetail">'
                f'<div class="col-md-12"><h3 class="text-change-size">{title}</h3></div>'
                f'<div class="col-md-12"><div class="pull-left"><p class="time-post text-change-size">'
                f'{when:%d/%m/%Y} | {when:%H:%M} PM</p></div><div class="pull-right font-size-tool"><span>Cỡ chữ</span>'
                f'</div></div><div class="sapo-wrapper clearfix"><div class="col-md-12"><p class="sapo"><strong>{lead}'
                f'</strong></p></div></div><div class="contentDetail text-change-size mt15" id="_101_INSTANCE_k206Q9qkZOqn_'
                f'{article.index}"><div class="journal-content-article">\n{body}\n'
                f'<p align="right" class="view-content-author"><strong><em>{author}</em></strong></p></div></div>'
                f'<div class="Relatednew"><div class="related_asset_title">Tin liên quan</div><ul>{related}</ul></div>'
                f'<div class="taglib-social-bookmarks"><ul class="lfr-component"><li><a href="#">Facebook</a></li>'
                f'<li><a href="javascript:printArticle();">In bài viết</a></li></ul></div></div></div>')
    if platform == "vnpt-vnportal":
        return (f'<div class="ArticleDetail"><div class="ArticleHeader"><h1 class="ArticleTitle">{title}</h1></div>'
                f'<div class="PostDate">Ngày đăng: {_dmy(when)}</div><div class="ArticleTools"><a class="Print" '
                f'href="javascript:printArticle();">In bài</a></div><div class="ArticleSummary"><b><i>{lead}</i></b></div>'
                f'<div class="ArticleContent">\n{body}\n<p style="text-align: right;"><strong>{author}</strong></p></div>'
                f'<div class="ArticleShare"><a href="#">Chia sẻ</a></div><div class="OtherArticle"><div class="OtherTitle">'
                f'Các tin khác</div><ul class="ArticleOther">{related}</ul></div></div>')
    if platform == "tandan":
        return (f'<div class="tandan-div-article"><div class="artcle-tools clearfix"><span class="tandan-span-date-publish">'
                f'Đăng ngày {_dmy(when)}</span><span class="tandan-span-tools"><a href="javascript:printArticle();">In bài '
                f'viết</a></span></div><h1 class="tandan-p-article-news-title">{title}</h1>'
                f'<div class="tandan-p-article-news-summary">{lead}</div><div class="tandan-p-article-main">'
                f'<div class="ms-rtestate-field" style="display:inline">\n{body}\n<p style="text-align:right;"><strong>'
                f'{author}</strong></p></div></div><div class="td-tags"><span>Từ khóa:</span> <a href="#">cải cách hành '
                f'chính</a></div><div class="social-share"><a class="fb" href="#">Facebook</a></div>'
                f'<div class="tandan-div-article-other"><div class="tandan-div-article-other-title">Các tin khác</div>'
                f'<ul class="tandan-ul-article-other">{related}</ul></div></div>')
    if platform == "nukeviet":
        return (f'<div class="news_column panel panel-default"><div class="panel-body"><h1 class="title margin-bottom-lg">'
                f'{title}</h1><div class="row margin-bottom-lg"><div class="col-md-12"><span class="h5">{_dmy(when)}'
                f'</span></div></div><div class="clearfix"><div class="hometext m-bottom">{lead}</div></div>'
                f'<div id="news-bodyhtml" class="bodytext margin-bottom-lg">\n{body}\n<p style="text-align:right">'
                f'<strong>{author}</strong></p></div></div></div><div class="news_column panel panel-default">'
                f'<div class="panel-body"><div class="h5">Tin cùng chuyên mục</div><ul class="related">{related}</ul>'
                f'</div></div>')
    if platform == "vnpt-eportal":
        return (f'<div id="testabc" class="news-detail"><div class="title-detail"><h1>{title}</h1><p class="date-detail">'
                f'{_dmy(when)}</p></div><p class="sapo-detail"><strong>{lead}</strong></p><div class="content-detail">'
                f'<div class="text-content">\n{body}\n</div><p class="author-detail" style="text-align:right"><strong>'
                f'{author}</strong></p></div></div><div class="tools-detail"><a href="javascript:printArticle();">In trang'
                f'</a></div><div class="other-news"><h3>Tin liên quan</h3><ul class="list-other">{related}</ul></div>')
    if platform == "bkav":
        return (f'<div class="asset_publisher_view_full_content"><div class="asset_title"><span>{title}</span></div>'
                f'<div class="asset_date"><span class="publish-date">Ngày {_dmy(when)} | GMT +7</span></div>'
                f'<div class="asset-abstract"><div class="assetdesc-text">{lead}</div></div><div class="asset-full-content">'
                f'<div class="asset-content">\n{body}\n</div><div class="asset-author" style="text-align:right"><strong>'
                f'{author}</strong></div></div><div class="asset-share"><span>Chia sẻ:</span> <a href="#">Facebook</a>'
                f'</div><div class="asset-view-count">Lượt xem: {vn_int(500 + article.index * 37)}</div></div>'
                f'<div class="other-asset"><div class="other-asset-title">Các tin khác</div><ul class="other-asset-list">'
                f'{related}</ul></div>')
    others = related.replace("<li>", '<p class="org2">').replace("</li>", "</p>")  # vietsoftware
    return (f'<table class="chanel-news" width="100%" cellpadding="0" cellspacing="0"><tr><td><p class="title01">{title}'
            f'</p><span class="time">{_dmy(when)}</span><div class="tools"><a href="javascript:printArticle();">In bài</a>'
            f'</div></td></tr><tr><td class="news-content"><b class="hot-line">{lead}</b>\n{body}\n'
            f'<p style="text-align:right"><b>{author}</b></p></td></tr><tr><td><b class="news-other">Các tin khác</b>'
            f'{others}</td></tr></table>')


def related_list(items: list[Article]) -> str:
    """The "other news" links under an article."""
    return "".join(f'<li><a href="{_e(a.path)}" title="{_e(a.story.title)}">{_e(a.story.title)}</a> '
                   f'<span class="date">({a.published:%d/%m/%Y})</span></li>' for a in items)


@dataclass(frozen=True)
class Chrome:
    """The parts of a portal's pages around the article: head, header and menu, sidebars, footer."""

    head: str
    top: str
    bottom: str


def portal_chrome(seed: int, portal: int, name: str, platform: str, headlines: list[str], page_bytes: int) -> Chrome:
    """The portal's page furniture, padded (more menu entries, headline lists, web links) towards
    `page_bytes` for a whole article page, as real portal pages weigh 50-100 KB."""
    rng = random.Random(f"{seed}/chrome/{portal}")
    css = "\n".join(f".c{portal}-{i}{{margin:{i % 7}px;padding:{i % 5}px;color:#{rng.randrange(0x1000000):06x}}}"
                    for i in range(60))
    script = ("function changeFontSize(step){var els=document.querySelectorAll('.text-change-size');for(var i=0;"
              "i<els.length;i++){var s=parseInt(window.getComputedStyle(els[i]).fontSize,10)||14;els[i].style.fontSize="
              "(s+step)+'px';}return false;}function printArticle(){window.print();return false;}")
    head = (f'<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><meta name="generator" content="{platform}">'
            f'<link rel="stylesheet" href="/theme/{platform}/main.css"><style>{css}</style>'
            f'<script>{script}</script>')
    menu = "".join(
        f'<li class="dropdown menu-item-{i}"><a href="/{slugify(m)}"><span>{m}</span></a><ul class="dropdown-menu">'
        + "".join(f'<li><a href="/{slugify(m)}/{slugify(s)}">{s}</a></li>' for s in rng.sample(SUBMENU, 8))
        + "</ul></li>" for i, m in enumerate(MENU))
    top = (f'<body class="portal-{platform}"><div id="wrapper"><header id="banner"><a class="logo" href="/" '
           f'title="Trang chủ"><img alt="{_e(name)}" src="/images/logo.png"></a><div class="search-box"><form '
           f'action="/tim-kiem"><input type="text" name="q" placeholder="Tìm kiếm..."></form></div></header>'
           f'<nav id="navigation" class="site-navigation"><ul class="nav navbar-nav menu-top">{menu}</ul></nav>'
           f'<ul class="breadcrumb"><li><a href="/">Trang chủ</a></li><li><a href="/cai-cach-hanh-chinh">Cải cách hành '
           f'chính</a></li></ul><div id="content" class="content clearfix"><div class="col-left"><div class="box">'
           f'<div class="box-title">Chuyên mục</div><ul class="box-list">'
           + "".join(f'<li><a href="/chuyen-muc/{slugify(s)}">{s}</a></li>' for s in SUBMENU)
           + '</ul></div></div><div class="col-main" id="column-1">')

    def box(title: str, lines: list[str]) -> str:
        return (f'<div class="box"><div class="box-title">{title}</div><ul class="box-list">'
                + "".join(f'<li><a href="/tin-tuc/{slugify(h)}">{_e(h)}</a></li>' for h in lines) + "</ul></div>")

    right = box("Tin mới", headlines[:15]) + box("Văn bản mới", [
        f"Quyết định số {rng.randint(10, 999)}/QĐ-UBND về việc công bố danh mục thủ tục hành chính" for _ in range(10)])
    links = "".join(f'<option value="https://www.{slugify(p)}.gov.vn">Cổng TTĐT tỉnh {p}</option>' for p, _ in PLACES)
    footer = (f'<div class="box"><div class="box-title">Liên kết website</div><select onchange="goLink(this)">{links}'
              f'</select></div><div class="box counter"><div class="box-title">Thống kê truy cập</div><p>Đang truy cập: '
              f'<span>{rng.randint(20, 400)}</span></p><p>Tổng lượt truy cập: <span>{vn_int(rng.randint(10**6, 10**8))}'
              f'</span></p></div></div><footer class="footer"><p>{_e(name)}</p><p>Cơ quan chủ quản: Văn phòng UBND. '
              f'Địa chỉ: số {rng.randint(1, 200)} đường Trần Hưng Đạo. Điện thoại: 0{rng.randint(200, 299)} '
              f'{rng.randint(100, 999)} {rng.randint(1000, 9999)}.</p><p>Ghi rõ nguồn khi phát hành lại thông tin từ '
              f'cổng thông tin điện tử này.</p></footer></div></body></html>')
    bottom_parts = [f'</div><div class="col-right" id="column-2">{right}']
    # pad with more "most read" headline boxes until a page is about page_bytes long (the article adds ~12 KB)
    size = len((head + top + footer).encode()) + 12_000
    n = 0
    while size < page_bytes and headlines:
        extra = box("Tin đọc nhiều" if n % 2 else "Tin cùng chuyên mục",
                    [headlines[(n * 7 + k) % len(headlines)] for k in range(12)])
        bottom_parts.append(extra)
        size += len(extra.encode())
        n += 1
    bottom = "".join(bottom_parts) + footer
    return Chrome(head, top, bottom)


def article_page(chrome: Chrome, platform: str, article: Article, related: list[Article], site_name: str) -> bytes:
    """A whole article page."""
    title = f"<title>{_e(article.story.title)} - {_e(site_name)}</title>"
    meta = f'<meta name="description" content="{_e(article.story.lead)}"></head>'
    core = article_core(platform, article, related_list(related))
    return (chrome.head + title + meta + chrome.top + core + chrome.bottom).encode()


def rss_feed(site_name: str, base_url: str, items: list[Article]) -> bytes:
    """RSS 2.0 with the given items (newest first), pubDate in +0700."""
    last = items[0].published if items else datetime(2026, 1, 1, tzinfo=VIETNAM)
    entries = "".join(
        f"<item><title>{_e(a.story.title)}</title><link>{base_url}{_e(a.path)}</link>"
        f"<description>{_e(a.story.lead)}</description><pubDate>{format_datetime(a.published)}</pubDate>"
        f'<guid isPermaLink="true">{base_url}{_e(a.path)}</guid></item>\n' for a in items)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>{_e(site_name)}</title>'
            f"<link>{base_url}/</link><description>Tin cải cách hành chính</description><language>vi</language>"
            f"<lastBuildDate>{format_datetime(last)}</lastBuildDate>\n{entries}</channel></rss>\n").encode()


def robots_txt(crawl_delay: float | None) -> bytes:
    """robots.txt allowing everything but the admin area; Crawl-delay when set."""
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /c/portal/login"]
    if crawl_delay:
        lines.append(f"Crawl-delay: {crawl_delay:g}")
    return ("\n".join(lines) + "\n").encode()
