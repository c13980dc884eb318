#!/usr/bin/env python3
"""Extract German disease terms from the ICD-10-GM systematic list.

Input: the BfArM/DIMDI file icd10gm2015syst.txt ("CODE;Title" a line), as
redistributed in github.com/edonnachie/ICD10gm (data-raw/labels). Output: one
lower-case term a line, the nouns of the titles that name a disease or
symptom: one-word category titles and words with a disease ending (-itis,
-ose, -krankheit, -entzündung, ...). Only the derived term list is kept in
this repository, never the source file.

    python3 extract.py icd10gm2015syst.txt > icd10gm-terms.txt
"""
import re
import sys

ENDINGS = ("itis", "ose", "osis", "ämie", "pathie", "algie", "krankheit", "erkrankung", "infektion",
           "entzündung", "fieber", "schmerz", "schmerzen", "störung", "insuffizienz", "syndrom", "tumor",
           "karzinom", "ekzem", "mykose", "sucht", "schwäche", "lähmung", "geschwür", "krebs", "leiden",
           "sklerose", "zirrhose", "infarkt", "hepatitis", "allergie", "asthma", "anämie", "ödem",
           "zyste", "warze", "ausfall", "ruhr", "pocken", "masern", "röteln", "grippe", "husten",
           "thrombose", "embolie", "hernie", "fraktur", "blutung", "verstopfung", "durchfall",
           "krampf", "krämpfe", "epilepsie", "demenz", "depression", "psychose", "neurose", "phobie",
           "adipositas", "diabetes", "hypertonie", "hypotonie", "arrhythmie", "migräne", "akne")
# Words with a disease ending that are not diseases in marketing copy.
STOP = {"diagnose", "prognose", "dosis", "glukose", "laktose", "fruktose", "saccharose", "hose",
        "rose", "dose", "lose", "neubildungsstörung", "störung", "krankheit", "erkrankung",
        "schwäche", "sucht", "ausfall", "leiden", "krampf", "blutung", "fraktur", "zyste", "syndrom",
        "tumor", "infektion", "entzündung", "schmerz", "schmerzen", "ose", "itis", "fieber"}
WORD = re.compile(r"[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜa-zäöüß]+)*")

def singular(w):
    for suf, rep in (("krankheiten", "krankheit"), ("erkrankungen", "erkrankung"), ("infektionen", "infektion"),
                     ("entzündungen", "entzündung"), ("störungen", "störung"), ("schmerzen", "schmerz"),
                     ("mykosen", "mykose"), ("osen", "ose"), ("itiden", "itis"), ("pathien", "pathie"),
                     ("algien", "algie"), ("ämien", "ämie"), ("karzinome", "karzinom"), ("tumoren", "tumor"),
                     ("syndrome", "syndrom"), ("ekzeme", "ekzem"), ("geschwüre", "geschwür"), ("blutungen", "blutung"),
                     ("lähmungen", "lähmung"), ("zysten", "zyste"), ("warzen", "warze"), ("infarkte", "infarkt"),
                     ("thrombosen", "thrombose"), ("embolien", "embolie"), ("hernien", "hernie"), ("frakturen", "fraktur"),
                     ("allergien", "allergie"), ("phobien", "phobie"), ("psychosen", "psychose"), ("neurosen", "neurose")):
        if w.endswith(suf):
            return w[: -len(suf)] + rep
    return w

def main(path):
    terms = set()
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            code, _, title = line.rstrip("\n").partition(";")
            if not re.match(r"^[A-Z]\d\d", code) or code.startswith(("V", "W", "X", "Y", "Z", "U")):
                continue
            title = re.sub(r"\[.*?\]", " ", title)
            words = WORD.findall(title)
            if len(code) == 3 and len(words) == 1 and " " not in title.strip():
                terms.add(singular(words[0].lower()))
            for w in words:
                lw = singular(w.lower())
                if "-" in lw:
                    continue
                if lw.endswith(ENDINGS) and lw not in STOP and len(lw) >= 5:
                    terms.add(lw)
    for t in sorted(terms):
        print(t)

if __name__ == "__main__":
    main(sys.argv[1])
