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

# --- Added data: role-play prompts, tasks inserted into documents, FAQ pages.

def shingles(text, n=10):
    w = "".join(c.lower() if c.isalnum() else " " for c in text).split()
    return {" ".join(w[i:i + n]) for i in range(max(1, len(w) - n + 1))}

def read_jsonl(path):
    with open(os.path.join(OUT, path), encoding="utf-8") as f:
        return [json.loads(l) for l in f]

# Every test row's word 10-grams: a training text that shares one with a test
# text is left out, so that no test text is trained on through another set.
TEST_SHINGLES = set()
for name in sorted(os.listdir(os.path.join(OUT, "test"))):
    for r in read_jsonl("test/" + name):
        TEST_SHINGLES |= shingles(r["text"])

def overlaps_test(text):
    return bool(shingles(text) & TEST_SHINGLES)

# f/awesome-chatgpt-prompts prompts.csv (CC0) at a fixed commit: "I want you
# to act as ..." role-play set-ups, direct injections for a brief.
ACP = "a6d5275e03ee2849039d8e7672238887bd72c04d"
acp_csv = subprocess.run(["git", "-C", os.path.join(MIRROR, "f+awesome-chatgpt-prompts", "repo"), "show", ACP + ":prompts.csv"],
                         check=True, capture_output=True, text=True).stdout
rows, dropped = [], 0
for i, r in enumerate(csv.DictReader(io.StringIO(acp_csv))):
    t = r["prompt"].strip()
    if not t:
        continue
    if overlaps_test(t):
        dropped += 1
        continue
    rows.append({"text": t, "label": 1, "lang": "en", "side": "brief", "source": "awesome-chatgpt-prompts", "doc": "acp-%d" % i})
write("train/awesome-chatgpt-prompts.jsonl", rows)
print("  left out for sharing words with a test text:", dropped)

# Hosts: the benign training documents of other sets (BIPIA training e-mails,
# COVID-QA training answers, the written documents).
hosts = [r for name in ("train/bipia-email.jsonl", "train/covid-faq.jsonl", "train/written-here.jsonl")
         for r in read_jsonl(name) if r["label"] == 0 and r["side"] == "document" and len(r["text"]) >= 80]

def insert(rnd, host, task):
    ctx = host["text"]
    pos = rnd.choice(("start", "middle", "end"))
    if pos == "start":
        return task + "\n" + ctx
    if pos == "end":
        return ctx + "\n" + task
    cut = ctx.rfind(". ", 0, len(ctx) // 2)
    cut = cut + 2 if cut > 0 else len(ctx) // 2
    return ctx[:cut] + task + " " + ctx[cut:]

# Tasks: yizhongw/self-instruct seed tasks and user-oriented instructions
# (Apache-2.0, written by people) and BIPIA's training attacks, each put into
# a host drawn at random; the row keeps the host's doc, so a host and its
# injected copies fall into the same split.
SI = "yizhongw+self-instruct"
tasks = []
for path in ("data/seed_tasks.jsonl", "human_eval/user_oriented_instructions.jsonl"):
    for line in show(SI, path).splitlines():
        t = json.loads(line)["instruction"].strip()
        if t and not overlaps_test(t):
            tasks.append(("self-instruct", t))
for v in json.loads(show("microsoft+BIPIA", "benchmark/text_attack_train.json")).values():
    for a in v:
        tasks.append(("bipia-attack", a))
rnd = random.Random(22)
rows = []
for src, t in tasks:
    h = rnd.choice(hosts)
    rows.append({"text": insert(rnd, h, t), "label": 1, "lang": h["lang"], "side": "document", "source": "task-in-document:" + src, "doc": h["doc"]})
write("train/tasks-in-documents.jsonl", rows)

# COVID-QA FAQ pages: question and answer as one benign document (an FAQ
# page holds questions that are not addressed to a model).
for part in ("train", "test"):
    rows = []
    bydoc = {}
    for r in read_jsonl("%s/covid-faq.jsonl" % part):
        bydoc.setdefault(r["doc"], {})[r["side"]] = r
    for doc, d in bydoc.items():
        if "brief" in d and "document" in d:
            q, a = d["brief"], d["document"]
            rows.append({"text": q["text"] + "\n" + a["text"], "label": 0, "lang": a["lang"], "side": "document", "source": "covid-faq-page:" + a["source"].split(":", 1)[1], "doc": doc})
    write("%s/covid-faq-pages.jsonl" % part, rows)

# meta-llama/PurpleLlama CyberSecEval prompt-injection tests (MIT): the
# attacker's input of every English test, and of the German machine
# translations; a direct test is a brief, an indirect one a document.
PL = "meta-llama+PurpleLlama"
rows = []
for path, keep in (("CybersecurityBenchmarks/datasets/prompt_injection/prompt_injection.json", None),
                   ("CybersecurityBenchmarks/datasets/prompt_injection/prompt_injection_multilingual_machine_translated.json", "German")):
    for r in json.loads(show(PL, path)):
        if keep and r.get("speaking_language") != keep:
            continue
        t = r["user_input"].strip()
        if not t or overlaps_test(t):
            continue
        lg = "de" if keep else "en"
        rows.append({"text": t, "label": 1, "lang": lg, "side": "document" if r["injection_type"] == "indirect" else "brief",
                     "source": "cyberseceval:" + r["injection_variant"], "doc": "cyberseceval-%d" % r["prompt_id"]})
write("train/cyberseceval.jsonl", rows)
