"""How partner registrations are compared: names reduced to a key, candidates found by blocking,
pairs scored with rapidfuzz. Pure Python (no Django), so that the evaluation command and the tests
run the very functions the resolution job runs.

A name key is the name with its script folded to Latin letters (Cyrillic and Greek transliterated,
accents dropped; CJK kept as it is), punctuation and legal forms ("Co., Ltd", "GmbH", "B.V.",
"Aktiengesellschaft", "S.A. de C.V.", "有限公司", "株式会社"...) removed, and common abbreviations
written out. Two registrations are candidates when they are in the same country and share a
blocking key; their score is the name score, moved by the address score when both have one.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

# At or above: the same company, merged without asking. From REVIEW_THRESHOLD up to it: an
# officer confirms. Below: kept apart. Measured on fixtures/partners/name_pairs.csv, see
# docs/partner-resolution.md.
MERGE_THRESHOLD = 92.0
REVIEW_THRESHOLD = 80.0

# Names that differ in spelling, not only in legal form, punctuation, script, abbreviation, word
# order or spacing, score at most this: one letter separates Schmidt from Schmitt as often as it
# is a typo, so an officer decides.
SPELLING_CAP = 90.0
# Scores for what a string ratio cannot see, set inside the band an officer reviews.
ACRONYM_SCORE = 85.0
PLACE_ADDED_SCORE = 85.0
# Two names that differ in the places they name ("Jiangsu ..." and "Zhejiang ...") are not one
# company, however alike the rest is.
PLACE_CONFLICT_CAP = 60.0
ADDRESS_WEIGHT = 0.15


def _letters(script: str, latin: str) -> dict[str, str]:
    """Each letter of `script` and its Latin spelling, the next word of `latin` ("_": none)."""
    return {
        letter: spelling.replace("_", "")
        for letter, spelling in zip(script, latin.split(), strict=True)
    }


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _phrases(text: str) -> list[tuple[str, ...]]:
    """Comma-separated phrases as word tuples, the longest first (to be tried first)."""
    phrases = {tuple(phrase.split()) for phrase in text.split(",")}
    return sorted(phrases, key=lambda phrase: (-len(phrase), phrase))


CYRILLIC = _letters(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґўәғқңөұүһ",
    "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya i yi ye g u "
    "a g k n o u u h",
)
GREEK = _letters(
    "αβγδεζηθικλμνξοπρσςτυφχψω", "a v g d e z i th i k l m n x o p r s s t y f ch ps o"
)
# Modern Greek says alpha-iota as e, and companies romanize it so (Mytilineos).
GREEK_AI = "\u03b1\u03b9"
# Letters that Unicode does not decompose into a base letter and an accent.
LATIN_LETTERS = _letters("ßæøœłđðþ\u0131", "ss ae o oe l d d th i")

CONJUNCTIONS = _word_set("and und et y og och ve en")
STOP_WORDS = _word_set("the of de des du da do di la le les el")
GROUP_WORDS = _word_set("group groupe grupo gruppo grupa grp 集团 集團")
ABBREVIATIONS = {
    "intl": "international",
    "mfg": "manufacturing",
    "mfrs": "manufacturers",
    "bros": "brothers",
    "tech": "technology",
    "techn": "technology",
    "technologies": "technology",
    "ind": "industry",
    "inds": "industry",
    "industries": "industry",
    "elec": "electric",
    "svc": "service",
    "svcs": "service",
    "services": "service",
    "hldg": "holding",
    "hldgs": "holding",
    "holdings": "holding",
    "chem": "chemical",
    "chemicals": "chemical",
    "pharma": "pharmaceutical",
    "pharm": "pharmaceutical",
    "pharmaceuticals": "pharmaceutical",
    "mach": "machinery",
    "equip": "equipment",
    "constr": "construction",
    "natl": "national",
    "pwr": "power",
    "mgmt": "management",
    "eng": "engineering",
    "engg": "engineering",
    "sys": "systems",
    "assn": "association",
    "assoc": "associates",
}

# Legal forms, as word sequences of a normalized name. Those that are also ordinary words or
# initials ("as", "ag", "sa", "pt") are removed only at the start or the end of a name; the rest
# wherever they appear.
LEGAL_FORMS_ANYWHERE = _phrases(
    """
    gesellschaft mit beschrankter haftung, besloten vennootschap, naamloze vennootschap,
    societa per azioni, sociedad anonima, societe anonyme, societas europaea,
    public limited company, public company limited, private limited, proprietary limited,
    kabushiki kaisha, kabushiki gaisha, yugen kaisha, aktiengesellschaft, aktiebolag,
    anonim sirketi, cong ty tnhh, cong ty co phan, cong ty, gmbh, mbh, ltd, limited, llc, plc,
    inc, incorporated, corp, corporation, company, co, pvt, pte, pty, bhd, berhad, sdn, tbk,
    kgaa, oyj, publ, ooo, pjsc, ojsc, cjsc, jsc, llp, nyrt, zrt, kft, sarl, eurl, ltda
    """
)
LEGAL_FORMS_AT_ENDS = _phrases(
    """
    sab de cv, sa de cv, s de rl de cv, s de rl, de cv, sp zoo, co kg, se, ag, kg, sa, sas, sca,
    spa, srl, sl, nv, bv, as, asa, aps, ab, oy, kk, pt, pcl, ao, oao, zao, pao, tov, too, ae, lp,
    doo, sro, lda, gie
    """
)
# Written without spaces, so found at the start or end of a word; "株" and "주" stand for
# 株式会社 and 주식회사 in brackets.
CJK_LEGAL_FORMS = sorted(
    _word_set(
        """
        股份有限公司 有限责任公司 有限責任公司 有限公司 公司 株式会社 合同会社 有限会社
        주식회사 유한회사 株 주
        """
    ),
    key=len,
    reverse=True,
)
# Places that Chinese company names in particular add or drop ("Shenzhen Huawei Technologies"),
# and country names that national subsidiaries carry ("BASF (China)").
PLACES = _word_set(
    """
    anhui beijing chongqing fujian gansu guangdong guangxi guizhou hainan hebei heilongjiang henan
    hubei hunan jiangsu jiangxi jilin liaoning neimenggu ningxia qinghai shaanxi shandong
    shanghai shanxi sichuan tianjin xinjiang xizang yunnan zhejiang hongkong macau macao taiwan
    shenzhen guangzhou dongguan foshan zhuhai huizhou zhongshan jiangmen shantou xiamen fuzhou
    quanzhou ningbo hangzhou wenzhou jinhua yiwu taizhou shaoxing huzhou jiaxing suzhou wuxi
    changzhou nanjing nantong yangzhou zhenjiang kunshan zhangjiagang jiangyin qingdao jinan
    yantai weifang weihai zibo dalian shenyang harbin changchun zhengzhou wuhan changsha nanchang
    hefei chengdu xian kunming nanning guiyang lanzhou taiyuan shijiazhuang tangshan baoding
    ningde zhangzhou putian taipei taichung tainan kaohsiung hsinchu
    china japan korea germany deutschland france italia italy espana spain india vietnam
    thailand singapore malaysia indonesia philippines europe asia america usa uk netherlands
    nederland belgium poland polska turkey turkiye russia brazil mexico canada australia
    """
)
PLACE_PHRASES = {"hong kong": "hongkong", "viet nam": "vietnam", "xi an": "xian"}
GENERIC_WORDS = _word_set(
    """
    trading trade international industry industrial technology logistic logistics shipping
    service holding manufacturing electronic electronics electric import export global general
    national enterprise enterprises development investment product products new worldwide
    """
)
# Abbreviations that keep their dots ("S.p.A.", "Co.") lose them with the other punctuation;
# an apostrophe inside a word is dropped ("L'Oréal" and "LOreal" read alike).
APOSTROPHES = re.compile("['`\u2019\u00b4]")
SEPARATORS = re.compile(r"[^\w]+|_")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


@dataclass(frozen=True)
class NameKey:
    tokens: tuple[str, ...]
    """The name's tokens after folding, legal forms and group words removed."""
    initials: str
    """The first letters of every word of the name but its trailing legal form (for acronyms)."""

    @property
    def key(self) -> str:
        return " ".join(self.tokens)

    @property
    def compact(self) -> str:
        return "".join(self.tokens)

    @property
    def places(self) -> frozenset[str]:
        return frozenset(token for token in self.tokens if is_place(token))


def _fold_script(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace(GREEK_AI, "e")
    text = "".join(
        CYRILLIC.get(char, GREEK.get(char, LATIN_LETTERS.get(char, char))) for char in text
    ).replace("_", "")
    return "".join(_without_accent(char) for char in text)


def _without_accent(char: str) -> str:
    """A Latin letter without its accents; any other character (kana, hangul) as it is."""
    decomposed = unicodedata.normalize("NFKD", char)
    if not decomposed[0].isascii():
        return char
    return "".join(part for part in decomposed if not unicodedata.combining(part))


def _words(text: str) -> list[str]:
    text = _fold_script(text).replace("&", " and ").replace("+", " and ")
    text = APOSTROPHES.sub("", text)
    for phrase, joined in PLACE_PHRASES.items():
        text = re.sub(rf"\b{phrase}\b", joined, text)
    words: list[str] = []
    initials_run = False
    for word in SEPARATORS.sub(" ", text).split():
        if word in CONJUNCTIONS:
            initials_run = False
            continue
        # "A.P. Møller", "S.A.B. de C.V.": a run of single letters is one word.
        single = len(word) == 1 and word.isascii() and word.isalpha()
        if single and initials_run:
            words[-1] += word
        else:
            words.append(word)
        initials_run = single
    return words


def _strip_phrases(words: list[str], phrases: list[tuple[str, ...]], *, anywhere: bool):
    """Remove legal-form phrases: every occurrence, or repeatedly from either end."""
    if anywhere:
        result, index = [], 0
        while index < len(words):
            for phrase in phrases:
                if tuple(words[index : index + len(phrase)]) == phrase:
                    index += len(phrase)
                    break
            else:
                result.append(words[index])
                index += 1
        return result
    changed = True
    while changed and words:
        changed = False
        for phrase in phrases:
            size = len(phrase)
            if len(words) > size and tuple(words[-size:]) == phrase:
                words, changed = words[:-size], True
            elif len(words) > size and tuple(words[:size]) == phrase:
                words, changed = words[size:], True
    return words


CJK_PLACE_PREFIX = re.compile(r"^(\w{2,3}?[省市])(\w{2,})$")


def _split_cjk_place(word: str) -> list[str]:
    """A Chinese name may start with its city ("深圳市华为技术"): the city becomes a word."""
    match = CJK_PLACE_PREFIX.match(word)
    return [match[1], match[2]] if match else [word]


def _strip_cjk_legal_forms(word: str) -> str:
    if word in CJK_LEGAL_FORMS:
        return ""
    for form in CJK_LEGAL_FORMS:
        if word != form and word.endswith(form):
            word = word[: -len(form)]
        if word != form and word.startswith(form):
            word = word[len(form) :]
    return word


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _fold_vowels(word: str) -> str:
    """German and Nordic letters written out (Mueller, Soendergaard) read like the folded
    letters (Müller → muller)."""
    return word.replace("ae", "a").replace("oe", "o").replace("ue", "u")


@lru_cache(maxsize=4096)
def name_key(name: str) -> NameKey:
    words = [
        part
        for word in _words(name)
        for part in (_split_cjk_place(_strip_cjk_legal_forms(word)) if CJK.search(word) else [word])
        if part
    ]
    core = _strip_phrases(words, LEGAL_FORMS_AT_ENDS, anywhere=False)
    initials = "".join(word[0] for word in core if word not in STOP_WORDS and word.isascii())
    core = _strip_phrases(core, LEGAL_FORMS_ANYWHERE, anywhere=True)
    core = _strip_phrases(core, LEGAL_FORMS_AT_ENDS, anywhere=False)
    tokens = tuple(
        _fold_vowels(_singular(ABBREVIATIONS.get(word, word)))
        for word in core
        if word not in STOP_WORDS and word not in GROUP_WORDS
    )
    return NameKey(tokens=tokens or tuple(words), initials=initials)


def _acronym_of(short: NameKey, long: NameKey) -> bool:
    """Whether a word of `short` is the initials of `long`, the rest of `short` being in `long`:
    "IBM" and "International Business Machines Corp.", "MSC Mediterranean Shipping"."""
    candidates = {
        token: set(short.tokens) - {token}
        for token in short.tokens
        if 2 <= len(token) <= 6 and token.isalpha()
    }
    if len(short.tokens) > 1 and all(len(token) == 1 for token in short.tokens):
        candidates["".join(short.tokens)] = set()  # "L&T"
    return any(
        len(word) >= len(long.tokens)
        and long.initials.startswith(word)
        and rest <= set(long.tokens)
        for word, rest in candidates.items()
    )


def is_place(token: str) -> bool:
    return token in PLACES or token.endswith(("省", "市"))


def _without_places(tokens: tuple[str, ...]) -> str:
    return " ".join(token for token in tokens if not is_place(token))


def name_score(a: str, b: str) -> float:
    """0-100: how alike two company names are, once both are reduced to their keys."""
    key_a, key_b = name_key(a), name_key(b)
    if not key_a.tokens or not key_b.tokens:
        return 0.0  # nothing but a legal form or punctuation: nothing to compare
    if sorted(key_a.tokens) == sorted(key_b.tokens) or key_a.compact == key_b.compact:
        return 100.0
    score = min(
        SPELLING_CAP,
        max(
            fuzz.token_sort_ratio(key_a.key, key_b.key),
            # Spacing: "Wan Hai" and "Wanhai", "voestalpine" and "Voest Alpine".
            fuzz.ratio(key_a.compact, key_b.compact),
        ),
    )
    places_a, places_b = key_a.places, key_b.places
    if places_a and places_b and not places_a & places_b:
        return min(score, PLACE_CONFLICT_CAP)
    if places_a != places_b:
        # One name adds a place the other leaves out: alike at most up to an officer's review.
        rest = fuzz.token_sort_ratio(_without_places(key_a.tokens), _without_places(key_b.tokens))
        score = max(score, min(rest, PLACE_ADDED_SCORE))
    if _acronym_of(key_a, key_b) or _acronym_of(key_b, key_a):
        score = max(score, ACRONYM_SCORE)
    return score


def address_key(address: str) -> str:
    return " ".join(_words(address))


def pair_score(name_a: str, address_a: str, name_b: str, address_b: str) -> float:
    """The name score, moved towards the address score when both addresses are known."""
    score = name_score(name_a, name_b)
    if address_a.strip() and address_b.strip():
        address = fuzz.token_set_ratio(address_key(address_a), address_key(address_b))
        score = (1 - ADDRESS_WEIGHT) * score + ADDRESS_WEIGHT * address
    return round(score, 1)


def blocking_keys(name: str, country: str) -> set[str]:
    """Keys under which a registration is filed: it is compared only with those in the same
    country sharing one. A key is the start of a distinctive word, two characters of a CJK word,
    or the name's initials, so that a typo late in a word, word order and acronyms still meet."""
    key = name_key(name)
    distinctive = [
        token for token in key.tokens if not is_place(token) and token not in GENERIC_WORDS
    ] or list(key.tokens)
    keys = set()
    for token in distinctive:
        if CJK.search(token):
            keys.update(token[start : start + 2] for start in range(max(1, len(token) - 1)))
        else:
            keys.add(token[:3])
    keys.add(key.compact[:3])
    if len(key.initials) >= 2:
        keys.add(key.initials[:3])
    return {f"{country}:{value}" for value in keys if value}


def pair_decision(score: float) -> str:
    if score >= MERGE_THRESHOLD:
        return "merge"
    if score >= REVIEW_THRESHOLD:
        return "review"
    return "apart"
