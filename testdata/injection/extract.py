#!/usr/bin/env python3
"""Writes the JSONL files under testdata/injection from the public data sets
named in SOURCES.md. Standard library only; each source is read from a git
copy of its repository (first argument: the directory holding the copies).
The deepset parquet splits are converted by go run ./guard/inject/parquetjsonl.
Deterministic: fixed seed, rows in source order."""
import csv, io, json, os, random, subprocess, sys

MIRROR = sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror"
OUT = os.path.dirname(os.path.abspath(__file__))

def show(repo, path):
    return subprocess.run(["git", "-C", os.path.join(MIRROR, repo, "repo"), "show", "HEAD:" + path],
                          check=True, capture_output=True, text=True).stdout

def write(name, rows):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(name, len(rows))

def lang(text):
    de = sum(w in {"der","die","das","und","ist","nicht","ich","sie","wir","ein","eine","mit","für","auf","den"} for w in text.lower().split())
    en = sum(w in {"the","and","is","not","i","you","we","a","an","with","for","on","of","to","that"} for w in text.lower().split())
    return "de" if de > en else "en"

# Giskard-AI/prompt-injections: garak jailbreaks train, PromptInject hijacks test.
gis = list(csv.DictReader(io.StringIO(show("Giskard-AI+prompt-injections", "prompt_injections.csv"))))
tr, te = [], []
for i, r in enumerate(gis):
    ex = {"text": r["prompt"], "label": 1, "lang": "en", "side": "brief", "source": "giskard-" + ("garak" if "garak" in r["source"] else "promptinject"), "doc": "giskard-%d" % i}
    (tr if "garak" in r["source"] else te).append(ex)
write("train/giskard-garak.jsonl", tr)
write("test/giskard-promptinject.jsonl", te)

# microsoft/BIPIA email task: each context clean, and with an attack of the
# same part inserted at the start, in the middle and at the end.
for part in ("train", "test"):
    rnd = random.Random(20 if part == "train" else 21)
    attacks = [a for v in json.loads(show("microsoft+BIPIA", "benchmark/text_attack_%s.json" % part)).values() for a in v]
    rows = []
    for i, line in enumerate(show("microsoft+BIPIA", "benchmark/email/%s.jsonl" % part).splitlines()):
        ctx = json.loads(line)["context"]
        doc = "bipia-email-%s-%d" % (part, i)
        rows.append({"text": ctx, "label": 0, "lang": "en", "side": "document", "source": "bipia-email", "doc": doc})
        for pos in ("start", "middle", "end"):
            a = rnd.choice(attacks)
            if pos == "start":
                t = a + "\n" + ctx
            elif pos == "end":
                t = ctx + "\n" + a
            else:
                cut = ctx.rfind(". ", 0, len(ctx) // 2)
                cut = cut + 2 if cut > 0 else len(ctx) // 2
                t = ctx[:cut] + a + " " + ctx[cut:]
            rows.append({"text": t, "label": 1, "lang": "en", "side": "document", "source": "bipia-email", "doc": doc})
    write("%s/bipia-email.jsonl" % part, rows)

# deepset-ai/COVID-QA FAQ entries, German and English: questions as briefs,
# answers as documents; split by the publishing organisation.
TEST_ORGS = {"Berliner Senat", "Robert Koch Institute (RKI)", "FHM, Folkhälsomyndigheten", "UNICEF"}
faq = list(csv.DictReader(io.StringIO(show("deepset-ai+COVID-QA", "data/faqs/faq_200327.tsv")), delimiter="\t"))
out = {"train": [], "test": []}
for i, r in enumerate(faq):
    if r["lang"] not in ("de", "en"):
        continue
    part = "test" if r["source"] in TEST_ORGS else "train"
    doc = "covid-faq-%d" % i
    q, a = " ".join(r["question"].split()), r["answer"].strip()
    if len(a) > 2000:
        a = a[:a.rfind(" ", 0, 2000)]
    if q:
        out[part].append({"text": q, "label": 0, "lang": r["lang"], "side": "brief", "source": "covid-faq:" + r["source"], "doc": doc})
    if a:
        out[part].append({"text": a, "label": 0, "lang": r["lang"], "side": "document", "source": "covid-faq:" + r["source"], "doc": doc})
for part, rows in out.items():
    write("%s/covid-faq.jsonl" % part, rows)
