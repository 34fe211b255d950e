"""The words a company's name is dressed in, not named by: legal-form suffixes and the places
put before a name. Tables only; bot/customer_names.py reads a name with them. All casefolded
(as storage.names.name_key leaves a name)."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Chinese legal forms and the trade words that follow a name (云帆电子科技有限公司 → 云帆电子),
# dropped from the end, again and again, longest first
ZH_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "集团股份公司",
    "有限公司",
    "股份公司",
    "集团公司",
    "分公司",
    "总公司",
    "公司",
    "集团",
    "控股",
    "实业",
    "科技",
    "技术",
    "有限",
)

# Other scripts' legal forms, as whole words at the end (Acme Inc. / ACME Ltd / Acme & Co.)
EN_SUFFIXES = frozenset(
    {
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "llc",
        "llp",
        "lp",
        "plc",
        "co",
        "corp",
        "corporation",
        "company",
        "gmbh",
        "ag",
        "sa",
        "sas",
        "srl",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "kk",
        "pte",
        "pty",
        "group",
        "holding",
        "holdings",
        "technologies",
        "technology",
        "tech",
    }
)
EN_LEADING = frozenset({"the"})
# The legal forms read as part of a name when written after it unquoted (/log ACME Ltd call …)
LEGAL_FORMS = frozenset(
    {"inc", "incorporated", "ltd", "limited", "llc", "llp", "plc", "corp", "corporation", "gmbh"}
)

# Provinces, regions and municipalities, then major cities: put before a name (深圳云帆电子) or
# in brackets after it (云帆电子（深圳）有限公司). With 省 / 市 / 自治区 … after them, or bare.
PROVINCES = _words(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 "
    "广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
)
CITIES = _words(
    "深圳 广州 杭州 南京 苏州 成都 武汉 西安 长沙 郑州 青岛 济南 宁波 厦门 福州 合肥 大连 沈阳 "
    "长春 哈尔滨 石家庄 太原 昆明 南宁 贵阳 南昌 无锡 佛山 东莞 珠海 常州 温州 绍兴 嘉兴 金华 "
    "台州 烟台 潍坊 徐州 南通 扬州 泉州 惠州 中山 兰州 银川 西宁 乌鲁木齐 拉萨 呼和浩特 海口 "
    "三亚 唐山 保定 洛阳 芜湖 宜昌 襄阳 株洲 柳州 桂林 绵阳 包头 鄂尔多斯 江门 汕头 湛江 "
    "镇江 盐城 淮安 连云港 湖州 舟山 丽水 衢州 漳州 莆田 赣州 九江 临沂 淄博 济宁 威海 "
    "日照 德州 聊城 滨州 菏泽 东营 泰安 廊坊 沧州 邯郸 秦皇岛 大同 鞍山 抚顺 吉林 "
    "大庆 齐齐哈尔 黄石 十堰 岳阳 常德 衡阳 珠海 肇庆 清远 韶关 揭阳 潮州 梅州 北海 "
    "遵义 曲靖 大理 丽江 宝鸡 咸阳 榆林 天水 酒泉 克拉玛依 喀什 昆山 江阴 义乌 慈溪 张家港 常熟"
)
PLACE_ENDINGS = ("特别行政区", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市")

# The same places as written in Latin letters (Shenzhen Yunfan / Beijing Acme), leading words
PLACES_LATIN = frozenset(
    _words(
        "beijing tianjin shanghai chongqing hebei shanxi liaoning jilin heilongjiang jiangsu "
        "zhejiang anhui fujian jiangxi shandong henan hubei hunan guangdong hainan sichuan "
        "guizhou yunnan shaanxi gansu qinghai taiwan guangxi tibet ningxia xinjiang "
        "hongkong macau macao shenzhen guangzhou hangzhou nanjing suzhou chengdu "
        "wuhan xian changsha zhengzhou qingdao jinan ningbo xiamen fuzhou hefei dalian "
        "shenyang changchun harbin kunming nanning guiyang nanchang wuxi foshan dongguan zhuhai"
    )
)
