"""Documents in every format the ingest stage reads, written with the libraries people's files
come from (reportlab for PDF, python-docx, openpyxl, python-pptx, Pillow), about facts we made
up, so that answers can be checked. Used by the tests and by ``bench/bench_formats.py``.

``QUESTIONS`` are questions about these files with the phrase the answer must contain and the
file and place it must be cited from.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # Debian fonts-wqy-microhei (.ci/run installs it)

REPORT_HEADER = "青川县人民政府工作报告（2024年）"
REPORT = [
    ("h", "一、2024年工作回顾"),
    ("p", "过去一年，全县地区生产总值达到386.5亿元，比上年增长6.2%，增速居全市第二位。一般公共预算收入完成"
          "21.3亿元，增长4.8%。城镇居民人均可支配收入达到45210元，农村居民人均可支配收入达到23680元。"),
    ("p", "工业经济稳中有进。规模以上工业增加值增长8.1%，新增规模以上工业企业27家。青川新材料产业园全年实现产值"
          "152亿元，园区内的锂电池隔膜项目于2024年9月正式投产，设计年产能为12亿平方米，是全县单体投资最大的"
          "工业项目。"),
    ("p", "乡村振兴扎实推进。全县粮食播种面积稳定在86.4万亩，粮食总产量达到41.2万吨。新建高标准农田5.6万亩，"
          "培育省级龙头企业4家，农村集体经济收入全部超过10万元。"),
    ("h", "二、2025年主要目标"),
    ("p", "今年全县经济社会发展的主要预期目标是：地区生产总值增长6%左右，一般公共预算收入增长5%，城镇调查失业率控制在"
          "5.5%以内，居民收入增长与经济增长基本同步。"),
    ("p", "重点抓好三件事：一是加快白石河综合治理工程建设，年内完成投资9.8亿元；二是建成县人民医院新院区，新增床位"
          "600张；三是推动青川高铁站片区开发，引进商贸物流企业不少于15家。"),
    ("p", "生态环境持续改善。全年空气质量优良天数比例达到93.7%，森林覆盖率提高到58.2%，县城生活污水集中处理率达到"
          "97%，白石河出境断面水质稳定保持Ⅱ类。"),
]
TWO_COLUMN = [
    ("h", "云岭镇茶产业调查"),
    ("p", "云岭镇地处山区，海拔在800米到1500米之间，常年云雾缭绕，是远近闻名的高山茶产区。全镇茶园面积达到3.2万亩，"
          "其中有机认证茶园1.1万亩，涉茶农户占全镇农户的七成以上。"),
    ("p", "2024年全镇干毛茶产量为2860吨，茶叶综合产值突破9亿元。镇上的云岭春茶叶合作社成立于2012年，现有社员416户，"
          "是当地规模最大的茶叶合作社。"),
    ("p", "为了解决采茶季用工紧张的问题，镇政府引进了名优茶机采设备，机采面积已经达到8000亩，采摘效率提高了三倍。"
          "茶叶加工方面，全镇共有清洁化加工厂23座，年加工能力超过5000吨。"),
    ("p", "下一步，云岭镇将以茶旅融合为方向，建设茶文化博物馆和环山茶园绿道，计划到2027年接待游客100万人次，"
          "让茶产业从卖茶叶转向卖风景、卖体验。"),
]
TABLE_ROWS = [["项目名称", "总投资（亿元）", "建设地点", "开工时间"],
              ["白石河综合治理工程", "26.4", "城关镇", "2023年3月"],
              ["县人民医院新院区", "12.8", "东城新区", "2022年11月"],
              ["青川高铁站片区开发", "35.0", "青川站", "2025年1月"]]
SCAN_LINES = ["青川县图书馆开放公告", "青川县图书馆新馆位于文化路18号，", "自2025年3月1日起正式对外开放，",
              "每周一闭馆，其余时间开放至晚上九点。"]
SHEET_ROWS = [["乡镇", "年份", "常住人口（人）", "耕地面积（亩）"],
              ["城关镇", 2024, 86500, 31200], ["云岭镇", 2024, 23800, 45600], ["白石镇", 2024, 17400, 52900]]
CSV_ROWS = [["品名", "规格", "单价（元）", "产地"], ["高山绿茶", "250克", "168", "云岭镇"],
            ["红薯粉条", "500克", "26", "白石镇"], ["土蜂蜜", "1000克", "98", "城关镇"]]
SLIDES = [("青川县文旅推介", "山水青川 欢迎您", ""),
          ("重点景区", "白石峡谷景区为国家4A级旅游景区，全长12公里，年接待游客45万人次。", "介绍时强调峡谷的漂流项目。"),
          ("节庆活动", "每年4月举办云岭采茶节，10月举办白石河金秋文化节。", "")]
EPUB_CHAPTERS = [("第一章 青川的河", "白石河发源于北部的雪峰山，全长96公里，流经青川县六个乡镇。"),
                 ("第二章 青川的山", "雪峰山主峰海拔2317米，是青川县境内的最高峰。")]

# (question, phrase the answer holds, file, location label or None)
QUESTIONS = [
    ("青川县2024年地区生产总值是多少？", "386.5亿元", "report.pdf", "第1页"),
    ("锂电池隔膜项目什么时候正式投产？", "2024年9月", "report.pdf", None),
    ("锂电池隔膜项目设计年产能是多少？", "12亿平方米", "report.pdf", None),
    ("青川县粮食总产量是多少？", "41.2万吨", "report.pdf", None),
    ("县人民医院新院区新增床位多少张？", "600", "report.pdf", None),
    ("青川县森林覆盖率提高到多少？", "58.2%", "report.pdf", None),
    ("云岭镇茶园面积有多少？", "3.2万亩", "twocol.pdf", "第1页"),
    ("云岭春茶叶合作社有多少户社员？", "416", "twocol.pdf", None),
    ("云岭镇有多少座清洁化加工厂？", "23", "twocol.pdf", None),
    ("白石河综合治理工程总投资多少亿元？", "26.4", "table.pdf", "第1页"),
    ("县人民医院新院区的建设地点在哪里？", "东城新区", "table.pdf", "第1页"),
    ("青川县图书馆新馆位于哪里？", "文化路18号", "scan.pdf", "第1页"),
    ("青川县图书馆哪天闭馆？", "周一", "scan.pdf", "第1页"),
    ("云岭镇常住人口有多少人？", "23800", "towns.xlsx", "乡镇 第3行"),
    ("白石镇耕地面积是多少亩？", "52900", "towns.xlsx", "乡镇 第4行"),
    ("土蜂蜜的单价是多少元？", "98", "goods.csv", "第4行"),
    ("红薯粉条产地是哪里？", "白石镇", "goods.csv", "第3行"),
    ("白石峡谷景区全长多少公里？", "12公里", "deck.pptx", "第2张幻灯片"),
    ("云岭采茶节在几月举办？", "4月", "deck.pptx", "第3张幻灯片"),
    ("县图书馆总馆馆长是谁？", "王丽华", "notes.docx", None),
    ("县图书馆总馆藏书多少册？", "62万册", "notes.docx", None),
    ("白石河全长多少公里？", "96公里", "river.epub", None),
    ("雪峰山主峰海拔是多少？", "2317米", "river.epub", None),
]


def _font(size: int):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    return ImageFont.truetype(str(FONT), size)


def _reportlab_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", str(FONT), subfontIndex=0))
    return "WQY"


def _styles():  # type: ignore[no-untyped-def]
    from reportlab.lib.styles import ParagraphStyle

    font = _reportlab_font()
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=18, wordWrap="CJK", firstLineIndent=22,
                          spaceAfter=6)
    head = ParagraphStyle("head", fontName=font, fontSize=14, leading=22, spaceBefore=8, spaceAfter=8)
    return body, head


def _flow(items: list[tuple[str, str]]) -> list:  # type: ignore[type-arg]
    from reportlab.platypus import Paragraph

    body, head = _styles()
    return [Paragraph(text, head if kind == "h" else body) for kind, text in items]


def write_report_pdf(path: Path, repeat: int = 2) -> None:
    """Several pages: a running header, page numbers in the footer, paragraphs wrapped mid-sentence
    and cut by page breaks."""
    from reportlab.lib.pagesizes import A5
    from reportlab.platypus import SimpleDocTemplate

    font = _reportlab_font()

    def decorate(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.setFont(font, 8)
        canvas.drawCentredString(A5[0] / 2, A5[1] - 28, REPORT_HEADER)
        canvas.drawCentredString(A5[0] / 2, 24, f"— {doc.page} —")

    doc = SimpleDocTemplate(str(path), pagesize=A5, topMargin=48, bottomMargin=48)
    doc.build(_flow(REPORT * repeat), onFirstPage=decorate, onLaterPages=decorate)


def write_two_column_pdf(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    w, h = A4
    doc = BaseDocTemplate(str(path), pagesize=A4)
    gap, margin = 18, 50
    col = (w - 2 * margin - gap) / 2
    frames = [Frame(margin, margin, col, h - 2 * margin, id="left"),
              Frame(margin + col + gap, margin, col, h - 2 * margin, id="right")]
    doc.addPageTemplates([PageTemplate(id="two", frames=frames)])
    doc.build(_flow(TWO_COLUMN * 2))


def write_table_pdf(path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    body, head = _styles()
    table = Table(TABLE_ROWS)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), _reportlab_font()),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    SimpleDocTemplate(str(path), pagesize=A4).build(
        [Paragraph("2025年县重点建设项目表", head), Paragraph("下表列出今年推进的重点建设项目。", body), table])


def scan_image(lines: list[str] = SCAN_LINES):  # type: ignore[no-untyped-def]
    """A page as a scanner gives it: text drawn into pixels, no text layer."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1240, 900), "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((100, 120 + i * 90), line, font=_font(52 if i == 0 else 44), fill="black")
    return img


def write_scan_pdf(path: Path) -> None:
    scan_image().save(path, "PDF", resolution=150)


def write_docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("县图书馆工作简报", level=1)
    d.add_heading("一、基本情况", level=2)
    d.add_paragraph("县图书馆总馆现有藏书62万册，数字资源总量达到30TB，全年接待读者38万人次。")
    d.add_heading("二、馆内人员", level=2)
    t = d.add_table(rows=3, cols=3)
    for r, row in enumerate([["职务", "姓名", "分管工作"], ["馆长", "王丽华", "全面工作"], ["副馆长", "陈志远", "数字化建设"]]):
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    d.add_paragraph("简报由县图书馆办公室编写。")
    d.save(str(path))


def write_xlsx(path: Path, rows: list[list[object]] = SHEET_ROWS) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "乡镇"
    for row in rows:
        ws.append(row)
    wb.create_sheet("空表")
    wb.save(path)


def write_gbk_csv(path: Path) -> None:
    buf = io.StringIO()
    csv.writer(buf).writerows(CSV_ROWS)
    path.write_bytes(buf.getvalue().encode("gbk"))


def write_pptx(path: Path) -> None:
    from pptx import Presentation

    prs = Presentation()
    for title, body, notes in SLIDES:
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    prs.save(str(path))


def write_epub(path: Path) -> None:
    """A minimal EPUB 3: container, package document, spine order and XHTML chapters."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml", '<?xml version="1.0"?><container version="1.0" '
                   'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile '
                   'full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>')
        items = "".join(f'<item id="c{i}" href="c{i}.xhtml" media-type="application/xhtml+xml"/>'
                        for i in reversed(range(len(EPUB_CHAPTERS))))  # the spine, not the manifest, orders
        spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(EPUB_CHAPTERS)))
        z.writestr("OEBPS/content.opf", '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" '
                   'version="3.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>青川山水</dc:title>'
                   f'</metadata><manifest>{items}</manifest><spine>{spine}</spine></package>')
        for i, (title, text) in enumerate(EPUB_CHAPTERS):
            z.writestr(f"OEBPS/c{i}.xhtml", f'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>{title}'
                       f'</title></head><body><h1>{title}</h1><p>{text}</p></body></html>')


WRITERS = {"report.pdf": write_report_pdf, "twocol.pdf": write_two_column_pdf, "table.pdf": write_table_pdf,
           "scan.pdf": write_scan_pdf, "notes.docx": write_docx, "towns.xlsx": write_xlsx,
           "goods.csv": write_gbk_csv, "deck.pptx": write_pptx, "river.epub": write_epub}


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, write in WRITERS.items():
        write(folder / name)
        out.append(folder / name)
    return out
