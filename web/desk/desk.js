// Kontext review desk. Every value from the API is put into the page as
// text (textContent, createElement), never parsed as HTML. The API key lives
// in sessionStorage and travels only in the Authorization header.
"use strict";
(function () {
  const KEY = "kontext.key";
  const ROLES = ["viewer", "editor", "reviewer", "admin"];
  const T = {
    en: {
      skip: "Skip to content", desk: "review desk", signout: "Sign out",
      "tab.write": "Write", "tab.review": "Review queue", "tab.sources": "Sources", "tab.batches": "Batches", "tab.evals": "Evals",
      "signin.title": "Sign in", "signin.key": "API key", "signin.go": "Sign in",
      "signin.help": "Paste your Kontext API key. It stays in this browser tab (sessionStorage) and is sent only as the Authorization header to this server.",
      "w.channel": "Channel and template", "w.lang": "Language", "w.brand": "Brand (empty: the default)",
      "w.audience": "Audience (one attribute=value a line)", "w.consent": "The audience consented to personalisation",
      "w.brief": "Brief", "w.go": "Write draft", "w.streaming": "Writing…", "w.retrieved": "Sources found: ",
      "r.draft": "Draft", "r.findings": "Findings", "r.sources": "Sources", "r.pii": "Personal data",
      "r.pii.model": "What the model saw", "r.pii.you": "What you may see", "r.prov": "Provenance and cost",
      "r.edit": "Edit and re-check", "r.edit.text": "Edited text", "r.edit.go": "Save and run the checks again",
      "r.edit.note": "Stored as a new revision; the generated text and every revision are kept. A reviewer approves the latest revision.",
      "r.edit.saved": "Saved as revision ", "r.history": "Revisions", "r.rev": "revision ", "r.rev0": "generated",
      "q.revision": "revision ", "q.blocked": "Blocked text cannot be approved; edit it first.",
      "r.nofindings": "No findings.", "r.redactions": "Placeholders sent to the model instead of personal data: ",
      "r.noredactions": "No personal data was replaced.",
      "d.approved": "Approved", "d.needs_review": "Needs review", "d.blocked": "Blocked", "d.why": " — because: ",
      "p.model": "Model", "p.provider": "Provider", "p.region": "Region", "p.template": "Template", "p.packs": "Policy packs",
      "p.brand": "Brand", "p.output": "Output classification", "p.tokens": "Tokens (prompt + completion)", "p.cost": "Cost",
      "p.generation": "Generation", "p.offline": "offline provider (deterministic, no network)",
      "f.category": "category", "f.severity": "severity", "f.basis": "legal basis", "f.rewrite": "suggested rewrite",
      "q.channel": "Channel", "q.decision": "Decision", "q.pending": "needs review", "q.approved": "approved (this sitting)",
      "q.rejected": "rejected (this sitting)", "q.audit": "Audit log", "q.verify": "Verify the audit chain",
      "q.comment": "Comment", "q.approve": "Approve", "q.reject": "Reject", "q.count": " drafts", "q.empty": "Nothing to review.",
      "q.needcomment": "A rejection needs a comment.", "q.ok": "Chain intact: ", "q.events": " events", "q.broken": "Chain BROKEN at event ",
      "q.by": "requested by ", all: "all", refresh: "Refresh",
      "s.query": "Search", "s.go": "Search", "s.docs": "Documents", "s.none": "No results.",
      "u.title": "Upload a document", "u.file": "File (txt, md, html, json, pdf, docx)", "u.class": "Classification",
      "u.groups": "Groups (comma-separated)", "u.doctitle": "Title (optional)", "u.go": "Upload", "u.progress": "Progress",
      "u.done": "Stored: ", "u.purpose": "Purpose", "u.wide": "Everyone in the tenant", "u.from": "Valid from (optional)", "u.until": "Valid until (optional)",
      "p.reference": "reference (product sheet, FAQ, price list)", "p.guideline": "guideline (brand guide)",
      "p.correspondence": "correspondence (support mail, CRM notes)", "d.purpose": "Purpose", "u.chunks": " chunks",
      "d.title": "Title", "d.version": "Version", "d.lang": "Language", "d.class": "Classification", "d.groups": "Groups",
      "d.valid": "Valid", "d.status": "Status", "d.chunks": "Chunks", "d.always": "always", "d.quarantined": "quarantined",
      "e.title": "Erase a data subject", "e.subject": "E-mail, phone, name or IBAN", "e.go": "Erase",
      "e.confirm": "Erase every chunk that mentions this data subject? This cannot be undone.",
      "b.file": "CSV or JSON file of briefs", "b.text": "… or paste it", "b.budget": "Budget in EUR (0: none)",
      "b.go": "Submit batch", "b.progress": "Progress", "b.export": "Export approved items", "b.state": "Outcome",
      "b.cost": "Cost (EUR)", "b.done": "done", "b.failed": "failed", "b.spent": "spent", "b.of": " of ",
      "b.empty": "Give a file or paste CSV (brief,channel,lang) or JSON.",
      "v.none": "No eval run yet.", "v.started": "Last run: ", "v.regressions": "Regressions against the baseline",
      "v.noregressions": "No regressions against the baseline.", "v.case": "Case", "v.status": "Result",
      "signedin": "Signed in as ", "tenant": "tenant", "role": "role",
      "err.forbidden": "Your key's role may not do this.", "err.auth": "The key was not accepted.",
    },
    de: {
      skip: "Zum Inhalt", desk: "Redaktionstisch", signout: "Abmelden",
      "tab.write": "Schreiben", "tab.review": "Freigabe", "tab.sources": "Quellen", "tab.batches": "Stapel", "tab.evals": "Evals",
      "signin.title": "Anmelden", "signin.key": "API-Schlüssel", "signin.go": "Anmelden",
      "signin.help": "Fügen Sie Ihren Kontext-API-Schlüssel ein. Er bleibt in diesem Browser-Tab (sessionStorage) und geht nur als Authorization-Header an diesen Server.",
      "w.channel": "Kanal und Vorlage", "w.lang": "Sprache", "w.brand": "Marke (leer: die Standardmarke)",
      "w.audience": "Zielgruppe (ein Merkmal=Wert je Zeile)", "w.consent": "Die Zielgruppe hat der Personalisierung zugestimmt",
      "w.brief": "Briefing", "w.go": "Entwurf schreiben", "w.streaming": "Schreibe…", "w.retrieved": "Gefundene Quellen: ",
      "r.draft": "Entwurf", "r.findings": "Befunde", "r.sources": "Quellen", "r.pii": "Personenbezogene Daten",
      "r.pii.model": "Was das Modell sah", "r.pii.you": "Was Sie sehen dürfen", "r.prov": "Herkunft und Kosten",
      "r.edit": "Bearbeiten und neu prüfen", "r.edit.text": "Bearbeiteter Text", "r.edit.go": "Speichern und erneut prüfen",
      "r.edit.note": "Als neue Revision gespeichert; der erzeugte Text und jede Revision bleiben erhalten. Freigegeben wird die neueste Revision.",
      "r.edit.saved": "Gespeichert als Revision ", "r.history": "Revisionen", "r.rev": "Revision ", "r.rev0": "erzeugt",
      "q.revision": "Revision ", "q.blocked": "Gesperrter Text kann nicht freigegeben werden; zuerst bearbeiten.",
      "r.nofindings": "Keine Befunde.", "r.redactions": "Platzhalter statt personenbezogener Daten an das Modell: ",
      "r.noredactions": "Keine personenbezogenen Daten ersetzt.",
      "d.approved": "Freigegeben", "d.needs_review": "Prüfung nötig", "d.blocked": "Gesperrt", "d.why": " — weil: ",
      "p.model": "Modell", "p.provider": "Anbieter", "p.region": "Region", "p.template": "Vorlage", "p.packs": "Regelwerke",
      "p.brand": "Marke", "p.output": "Einstufung der Ausgabe", "p.tokens": "Tokens (Prompt + Antwort)", "p.cost": "Kosten",
      "p.generation": "Erzeugung", "p.offline": "Offline-Anbieter (deterministisch, ohne Netz)",
      "f.category": "Kategorie", "f.severity": "Schwere", "f.basis": "Rechtsgrundlage", "f.rewrite": "Vorschlag",
      "q.channel": "Kanal", "q.decision": "Entscheidung", "q.pending": "Prüfung nötig", "q.approved": "freigegeben (in dieser Sitzung)",
      "q.rejected": "abgelehnt (in dieser Sitzung)", "q.audit": "Prüfprotokoll", "q.verify": "Protokollkette prüfen",
      "q.comment": "Kommentar", "q.approve": "Freigeben", "q.reject": "Ablehnen", "q.count": " Entwürfe", "q.empty": "Nichts zu prüfen.",
      "q.needcomment": "Eine Ablehnung braucht einen Kommentar.", "q.ok": "Kette intakt: ", "q.events": " Ereignisse", "q.broken": "Kette GEBROCHEN bei Ereignis ",
      "q.by": "angefragt von ", all: "alle", refresh: "Aktualisieren",
      "s.query": "Suche", "s.go": "Suchen", "s.docs": "Dokumente", "s.none": "Keine Treffer.",
      "u.title": "Dokument hochladen", "u.file": "Datei (txt, md, html, json, pdf, docx)", "u.class": "Einstufung",
      "u.groups": "Gruppen (durch Komma getrennt)", "u.doctitle": "Titel (optional)", "u.go": "Hochladen", "u.progress": "Fortschritt",
      "u.done": "Gespeichert: ", "u.chunks": " Abschnitte", "u.purpose": "Zweck", "u.wide": "Alle im Mandanten", "u.from": "Gültig ab (optional)",
      "u.until": "Gültig bis (optional)", "p.reference": "Referenz (Produktblatt, FAQ, Preisliste)",
      "p.guideline": "Richtlinie (Markenleitfaden)", "p.correspondence": "Korrespondenz (Support-Mail, CRM-Notizen)", "d.purpose": "Zweck",
      "d.title": "Titel", "d.version": "Version", "d.lang": "Sprache", "d.class": "Einstufung", "d.groups": "Gruppen",
      "d.valid": "Gültig", "d.status": "Status", "d.chunks": "Abschnitte", "d.always": "immer", "d.quarantined": "in Quarantäne",
      "e.title": "Betroffene Person löschen", "e.subject": "E-Mail, Telefon, Name oder IBAN", "e.go": "Löschen",
      "e.confirm": "Jeden Abschnitt löschen, der diese Person nennt? Das lässt sich nicht rückgängig machen.",
      "b.file": "CSV- oder JSON-Datei mit Briefings", "b.text": "… oder hier einfügen", "b.budget": "Budget in EUR (0: keins)",
      "b.go": "Stapel einreichen", "b.progress": "Fortschritt", "b.export": "Freigegebene exportieren", "b.state": "Ergebnis",
      "b.cost": "Kosten (EUR)", "b.done": "fertig", "b.failed": "fehlgeschlagen", "b.spent": "ausgegeben", "b.of": " von ",
      "b.empty": "Datei wählen oder CSV (brief,channel,lang) bzw. JSON einfügen.",
      "v.none": "Noch kein Eval-Lauf.", "v.started": "Letzter Lauf: ", "v.regressions": "Rückschritte gegenüber der Baseline",
      "v.noregressions": "Keine Rückschritte gegenüber der Baseline.", "v.case": "Fall", "v.status": "Ergebnis",
      "signedin": "Angemeldet als ", "tenant": "Mandant", "role": "Rolle",
      "err.forbidden": "Die Rolle Ihres Schlüssels darf das nicht.", "err.auth": "Der Schlüssel wurde nicht angenommen.",
    },
  };
  let lang = (localStorage.getItem("kontext.lang") || (navigator.language || "en")).slice(0, 2) === "de" ? "de" : "en";
  const t = (k) => (T[lang][k] !== undefined ? T[lang][k] : T.en[k] !== undefined ? T.en[k] : k);

  const $ = (id) => document.getElementById(id);
  // el builds an element with text children only: strings become text nodes.
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const kid of kids) {
      if (kid === undefined || kid === null) continue;
      e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return e;
  }
  const clear = (n) => { while (n.firstChild) n.removeChild(n.firstChild); return n; };
  const str = (v) => (v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v));
  const eur = (v) => (typeof v === "number" ? v.toLocaleString(lang, { minimumFractionDigits: 2, maximumFractionDigits: 6 }) + " €" : "");

  // ---- API -----------------------------------------------------------
  const key = () => sessionStorage.getItem(KEY) || "";
  class APIError extends Error {
    constructor(status, body) {
      const e = (body && body.error) || {};
      super(e.message || "HTTP " + status);
      this.status = status; this.code = e.code || ""; this.details = e.details; this.requestID = e.request_id || "";
    }
  }
  async function api(method, path, body, opts) {
    opts = opts || {};
    const headers = { Authorization: "Bearer " + key(), Accept: opts.accept || "application/json" };
    let payload;
    if (body !== undefined) {
      headers["Content-Type"] = opts.contentType || "application/json";
      payload = typeof body === "string" ? body : JSON.stringify(body);
    }
    const resp = await fetch(path, { method, headers, body: payload, credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer" });
    if (opts.raw) {
      if (!resp.ok) throw new APIError(resp.status, await resp.json().catch(() => null));
      return resp;
    }
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (!resp.ok) throw new APIError(resp.status, data);
    return data;
  }
  function say(msg, isError) {
    const n = $("notice");
    n.textContent = msg || "";
    n.classList.toggle("error", !!isError);
  }
  function fail(err) {
    let msg = err && err.message ? err.message : String(err);
    if (err && err.status === 403) msg = t("err.forbidden") + " (" + msg + ")";
    if (err && err.status === 401) { msg = t("err.auth"); }
    if (err && err.requestID) msg += " [" + err.requestID + "]";
    say(msg, true);
  }

  // ---- sign-in, roles, language ------------------------------------
  let me = null;
  const allows = (min) => me && ROLES.indexOf(me.role) >= ROLES.indexOf(min);

  function applyLang() {
    document.documentElement.lang = lang;
    for (const n of document.querySelectorAll("[data-i18n]")) n.textContent = t(n.getAttribute("data-i18n"));
    $("lang-toggle").textContent = lang === "de" ? "English" : "Deutsch";
    document.title = "Kontext – " + t("desk");
    if (me) showWho();
  }
  function showWho() {
    $("who").textContent = t("signedin") + (me.user || "?") + " · " + t("tenant") + " " + (me.tenant || "?") + " · " + t("role") + " " + (me.role || "?");
  }
  async function signIn(secret) {
    sessionStorage.setItem(KEY, secret);
    try {
      me = await api("GET", "/v1/whoami");
    } catch (err) {
      sessionStorage.removeItem(KEY);
      me = null;
      $("signin-error").textContent = err.status === 401 ? t("err.auth") : err.message;
      return;
    }
    $("signin-error").textContent = "";
    $("key").value = "";
    $("signin").hidden = true;
    $("tabs").hidden = false;
    $("signout").hidden = false;
    showWho();
    for (const b of document.querySelectorAll("#tabs button")) b.hidden = !allows(b.getAttribute("data-min"));
    for (const f of document.querySelectorAll("form[data-min]")) f.hidden = !allows(f.getAttribute("data-min"));
    $("q-audit").hidden = !allows("admin");
    const first = [...document.querySelectorAll("#tabs button")].find((b) => !b.hidden);
    show(first ? first.getAttribute("data-view") : "sources");
  }
  function signOut() {
    sessionStorage.removeItem(KEY);
    me = null;
    location.reload();
  }
  function show(view) {
    for (const s of document.querySelectorAll("main > section.view")) s.hidden = s.id !== "view-" + view;
    for (const b of document.querySelectorAll("#tabs button")) {
      if (b.getAttribute("data-view") === view) b.setAttribute("aria-current", "page"); else b.removeAttribute("aria-current");
    }
    say("");
    if (view === "review") loadReviews();
    if (view === "sources") loadDocuments();
    if (view === "evals") loadEvals();
  }

  // ---- write ---------------------------------------------------------
  function parseAudience(text, consent) {
    const a = {};
    for (const line of text.split("\n")) {
      const i = line.indexOf("=");
      if (i <= 0) continue;
      a[line.slice(0, i).trim()] = { value: line.slice(i + 1).trim(), consent };
    }
    return a;
  }
  // sse reads a text/event-stream response and calls fn(name, data) per event.
  async function sse(resp, fn) {
    const reader = resp.body.getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let name = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        let parsed = null;
        try { parsed = JSON.parse(data); } catch (e) { parsed = data; }
        fn(name, parsed);
      }
    }
  }
  let lastBrief = "", lastChannel = "", lastLang = "", lastGeneration = "", lastRevision = 0;
  async function write(ev) {
    ev.preventDefault();
    const req = { brief: $("w-brief").value, channel: $("w-channel").value, lang: $("w-lang").value };
    if ($("w-brand").value.trim()) req.brand = $("w-brand").value.trim();
    const aud = parseAudience($("w-audience").value, $("w-consent").checked);
    if (Object.keys(aud).length) req.audience = aud;
    lastBrief = req.brief; lastChannel = req.channel; lastLang = req.lang;
    const go = $("w-go");
    go.disabled = true;
    $("w-result").hidden = true;
    const stream = $("w-stream");
    stream.hidden = false;
    stream.textContent = "";
    $("w-status").textContent = t("w.streaming");
    say("");
    try {
      const resp = await api("POST", "/v1/generate", req, { accept: "text/event-stream", raw: true });
      let result = null;
      await sse(resp, (name, data) => {
        if (name === "delta") stream.textContent += typeof data === "string" ? data : str(data);
        else if (name === "retrieval") $("w-status").textContent = t("w.streaming") + " " + t("w.retrieved") + str(data && data.sources);
        else if (name === "done") result = data;
        else if (name === "error") throw new APIError(500, data);
      });
      $("w-status").textContent = "";
      if (result) await renderResult(result, req.brief);
    } catch (err) {
      $("w-status").textContent = "";
      fail(err);
    } finally {
      go.disabled = false;
    }
  }

  // utf8Slices cuts s at UTF-8 byte offsets (the API's spans are bytes).
  function utf8Cut(s, cuts) {
    const bytes = new TextEncoder().encode(s);
    const dec = new TextDecoder();
    const out = [];
    let prev = 0;
    for (const c of cuts) { out.push(dec.decode(bytes.slice(prev, c))); prev = c; }
    out.push(dec.decode(bytes.slice(prev)));
    return out;
  }
  // citeText appends text to parent with each [n] that names a source as a link to it.
  function citeText(parent, text, known) {
    const re = /\[(\d+)\]/g;
    let last = 0, m;
    while ((m = re.exec(text)) !== null) {
      const n = Number(m[1]);
      if (!known.has(n)) continue;
      parent.append(document.createTextNode(text.slice(last, m.index)));
      const a = el("a", { class: "cite", href: "#src-" + n, "data-cite": n, "aria-label": t("r.sources") + " " + n }, "[" + n + "]");
      a.addEventListener("click", (e) => { e.preventDefault(); focusSource(n); });
      parent.append(a);
      last = m.index + m[0].length;
    }
    parent.append(document.createTextNode(text.slice(last)));
  }
  function focusSource(n) {
    const li = $("src-" + n);
    if (!li) return;
    for (const o of document.querySelectorAll("#r-sources li.target")) o.classList.remove("target");
    li.classList.add("target");
    li.scrollIntoView({ block: "center" });
    li.focus();
  }
  const sevClass = (s) => "sev-" + String(s || "").toLowerCase().replace(/[^a-z_-]/g, "");
  function reasonLine(r) {
    const parts = [];
    if (r.category) parts.push(t("f.category") + ": " + r.category);
    if (r.severity !== undefined && r.severity !== "") parts.push(t("f.severity") + ": " + str(r.severity));
    const basis = r.legal_basis || r.basis || r.law;
    if (basis) parts.push(t("f.basis") + ": " + str(basis));
    return parts.join(" · ");
  }
  function renderDecision(box, list, decision, reasons) {
    box.className = "decision " + String(decision || "").replace(/[^a-z_]/g, "");
    box.textContent = t("d." + decision) + (reasons && reasons.length ? t("d.why") + reasons.map((r) => r.message || r.code).join("; ") : "");
    clear(list);
    for (const r of reasons || []) list.append(el("li", {}, el("code", {}, str(r.code || r.rule)), " ", str(r.message), r.category ? " (" + reasonLine(r) + ")" : ""));
  }
  async function renderResult(res, brief) {
    const known = new Set((res.citations || []).map((c) => c.n));
    renderDecision($("r-decision"), $("r-reasons"), res.decision, res.reasons);
    $("r-disclosure").textContent = str(res.disclosure);
    // The draft, cut at the findings' spans, with [n] linked to sources.
    const draft = str(res.draft);
    const spans = (res.reasons || []).filter((r) => Array.isArray(r.span) && r.span[1] > r.span[0])
      .sort((a, b) => a.span[0] - b.span[0]);
    const flat = [];
    let end = 0;
    for (const r of spans) { if (r.span[0] >= end) { flat.push(r); end = r.span[1]; } }
    const cuts = [];
    for (const r of flat) cuts.push(r.span[0], r.span[1]);
    const pieces = utf8Cut(draft, cuts);
    const box = clear($("r-draft"));
    pieces.forEach((p, i) => {
      if (i % 2 === 1) {
        const r = flat[(i - 1) / 2];
        const m = el("mark", { class: "finding " + sevClass(r.severity), title: str(r.message), "data-rule": str(r.rule || r.code) });
        citeText(m, p, known);
        box.append(m);
      } else citeText(box, p, known);
    });
    // Findings with their details.
    const fl = clear($("r-findings"));
    const findings = (res.reasons || []);
    if (!findings.length) fl.append(el("li", { class: "muted" }, t("r.nofindings")));
    for (const r of findings) {
      const li = el("li", { class: "finding-item " + sevClass(r.severity) }, el("strong", {}, str(r.rule || r.code)), ": ", str(r.message));
      const line = reasonLine(r);
      if (line) li.append(el("br"), el("span", { class: "muted" }, line));
      if (Array.isArray(r.span) && r.span[1] > r.span[0]) li.append(el("br"), el("q", {}, utf8Cut(draft, [r.span[0], r.span[1]])[1]));
      const rewrite = r.rewrite || r.suggestion || r.suggested_rewrite;
      if (rewrite) li.append(el("br"), el("span", {}, t("f.rewrite") + ": "), el("q", { class: "rewrite" }, str(rewrite)));
      fl.append(li);
    }
    // Sources.
    const ol = clear($("r-sources"));
    for (const c of res.citations || []) {
      const where = [c.heading, pages(c), c.section ? "§ " + c.section : ""].filter(Boolean).join(" · ");
      ol.append(el("li", { id: "src-" + c.n, tabindex: "-1", value: c.n },
        el("strong", {}, "[" + c.n + "] " + str(c.title)), " ", el("span", { class: "muted" }, "v" + str(c.version) + (where ? " · " + where : "")),
        el("blockquote", {}, str(c.snippet || c.text))));
    }
    // Personal data: the model saw placeholders; the reader sees what the policy restores.
    const red = (res.provenance && res.provenance.redactions) || {};
    const counts = Object.entries(red).map(([k, v]) => k + " × " + v);
    $("r-redactions").textContent = counts.length ? t("r.redactions") + counts.join(", ") : t("r.noredactions");
    $("r-pii-you").textContent = brief + "\n\n" + draft;
    $("r-pii-model").textContent = "…";
    try {
      const r = await api("POST", "/v1/guard/redact", { text: brief });
      $("r-pii-model").textContent = str(r.text) + "\n\n" + str(res.model_draft || res.pseudonymised_draft || "");
    } catch (err) {
      $("r-pii-model").textContent = err.message;
    }
    // Provenance, tokens and cost.
    const p = res.provenance || {}, u = res.usage || {};
    const dl = clear($("r-prov"));
    const row = (k, v) => { if (v !== undefined && v !== null && v !== "") dl.append(el("dt", {}, t(k)), el("dd", {}, str(v))); };
    row("p.generation", res.generation_id);
    row("p.model", p.model + (p.offline ? " — " + t("p.offline") : ""));
    row("p.provider", p.provider);
    row("p.region", p.region);
    row("p.template", p.template);
    row("p.packs", (p.policy_packs || []).join(", "));
    row("p.brand", p.brand);
    row("p.output", p.output_classification);
    row("p.tokens", (u.prompt_tokens || 0) + " + " + (u.completion_tokens || 0));
    row("p.cost", eur(u.cost_eur || 0));
    $("r-edit").hidden = !allows("editor") || !res.generation_id;
    $("r-edit-text").value = draft;
    lastGeneration = res.generation_id || ""; lastRevision = 0;
    clear($("r-edit-result"));
    $("w-stream").hidden = true;
    $("w-result").hidden = false;
  }
  // pages names the PDF pages a source is on: "p. 3" or "p. 3–4".
  function pages(c) {
    if (!c.page) return "";
    return "p. " + c.page + (c.last_page && c.last_page !== c.page ? "–" + c.last_page : "");
  }
  // saveEdit stores text as the next revision of generation id (POST
  // /v1/reviews/{id}/edit), shows the checks' decision and findings in out
  // and the revision history in hist, and returns the revision.
  async function saveEdit(id, text, base, out, hist) {
    clear(out);
    const rev = await api("POST", "/v1/reviews/" + encodeURIComponent(id) + "/edit", { text, base });
    showRevision(out, rev);
    await renderHistory(id, hist);
    return rev;
  }
  function showRevision(out, rev) {
    const box = el("div"), list = el("ul", { class: "reasons" });
    renderDecision(box, list, rev.decision, rev.reasons);
    clear(out).append(el("p", { class: "saved", "data-revision": rev.revision }, t("r.edit.saved") + rev.revision),
      box, list, el("div", { class: "draft edited" }, str(rev.draft)), el("p", { class: "muted" }, t("r.edit.note")));
  }
  async function renderHistory(id, hist) {
    const g = await api("GET", "/v1/generations/" + encodeURIComponent(id));
    const ol = el("ol", { class: "revisions", start: 0 });
    for (const r of g.revisions || []) {
      ol.append(el("li", { value: r.revision, "data-revision": r.revision, class: str(r.decision).replace(/[^a-z_]/g, "") },
        el("strong", {}, r.revision ? t("r.rev") + r.revision : t("r.rev0")), " ",
        el("span", { class: "muted" }, [str(r.author), str(r.created_at), t("d." + r.decision), "sha256 " + str(r.sha256).slice(0, 12)].join(" · ")),
        el("div", { class: "draft" }, str(r.draft))));
    }
    clear(hist).append(el("h4", {}, t("r.history")), ol);
  }
  async function recheck() {
    try {
      const rev = await saveEdit(lastGeneration, $("r-edit-text").value, lastRevision, $("r-edit-result"), $("r-edit-history"));
      lastRevision = rev.revision;
    } catch (err) { fail(err); }
  }

  // ---- review queue --------------------------------------------------
  let queue = [];
  const decided = new Map();
  const edited = new Map(); // generation id → the revision saved in this sitting
  async function loadReviews() {
    try {
      const r = await api("GET", "/v1/reviews?limit=500");
      queue = (r.reviews || []).slice().sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    } catch (err) { fail(err); queue = []; }
    const sel = $("q-channel"), cur = sel.value;
    const chans = [...new Set(queue.concat([...decided.values()]).map((r) => r.channel))].sort();
    while (sel.options.length > 1) sel.remove(1);
    for (const c of chans) sel.append(el("option", { value: c }, c));
    sel.value = chans.includes(cur) ? cur : "";
    renderQueue();
  }
  function renderQueue() {
    const ch = $("q-channel").value, dec = $("q-decision").value;
    const all = queue.map((r) => Object.assign({}, r, { status: "pending" })).concat([...decided.values()]);
    const rows = all.filter((r) => (!ch || r.channel === ch) && (!dec || r.status === dec));
    const list = clear($("q-list"));
    $("q-count").textContent = rows.length + t("q.count");
    if (!rows.length) list.append(el("p", { class: "muted" }, t("q.empty")));
    for (const r of rows) {
      const card = el("article", { class: "card review", "data-id": r.generation_id, "aria-label": r.generation_id },
        el("p", { class: "meta" }, [r.channel, r.lang, t("q.by") + str(r.requested_by), str(r.created_at), r.generation_id,
          t("q.revision") + str(r.revision || 0), r.decision ? t("d." + r.decision) : ""].filter(Boolean).join(" · ")),
        el("div", { class: "draft" }, str(r.draft)));
      const reasons = el("ul", { class: "reasons" });
      for (const x of r.reasons || []) reasons.append(el("li", {}, el("code", {}, str(x.code || x.rule)), " ", str(x.message)));
      card.append(reasons);
      if (r.status === "pending" && allows("reviewer")) {
        const id = "c-" + r.generation_id;
        const comment = el("textarea", { id, rows: 2, maxlength: 4000 });
        const blocked = r.decision === "blocked";
        const approve = el("button", { type: "button", class: "approve", disabled: blocked, title: blocked ? t("q.blocked") : undefined }, t("q.approve"));
        const reject = el("button", { type: "button", class: "reject" }, t("q.reject"));
        approve.addEventListener("click", () => decide(r, true, comment.value));
        reject.addEventListener("click", () => decide(r, false, comment.value));
        card.append(el("div", { class: "actions" }, el("label", { for: id }, t("q.comment")), comment, approve, reject));
        if (blocked) card.append(el("p", { class: "muted" }, t("q.blocked")));
        // The editor box: the edit is stored as the next revision and checked.
        const eid = "e-" + r.generation_id;
        const text = el("textarea", { id: eid, class: "edit-text", rows: 5, maxlength: 32768 }, str(r.draft));
        const save = el("button", { type: "button", class: "save-edit" }, t("r.edit.go"));
        const out = el("div", { class: "edit-result", role: "status" }), hist = el("div", { class: "history" });
        save.addEventListener("click", async () => {
          try {
            const rev = await saveEdit(r.generation_id, text.value, r.revision || 0, out, hist);
            edited.set(r.generation_id, rev);
            await loadReviews();
          } catch (err) { fail(err); }
        });
        const mine = edited.get(r.generation_id);
        const details = el("details", { class: "edit", open: !!mine }, el("summary", {}, t("r.edit")), el("label", { for: eid }, t("r.edit.text")), text, save, out, hist);
        details.addEventListener("toggle", () => { if (details.open && !hist.firstChild) renderHistory(r.generation_id, hist).catch(fail); });
        if (mine) { showRevision(out, mine); renderHistory(r.generation_id, hist).catch(fail); }
        card.append(details);
      } else if (r.status !== "pending") {
        card.append(el("p", { class: "decided" }, str(r.status) + (r.comment ? " — " + r.comment : "") + (r.reviewer ? " (" + r.reviewer + ")" : "")));
      }
      list.append(card);
    }
  }
  async function decide(r, approve, comment) {
    if (!approve && !comment.trim()) { say(t("q.needcomment"), true); return; }
    try {
      const body = comment.trim() ? { comment } : {};
      if (approve) body.revision = r.revision || 0;
      const rv = await api("POST", "/v1/reviews/" + encodeURIComponent(r.generation_id) + (approve ? "/approve" : "/reject"), body);
      decided.set(r.generation_id, Object.assign({}, r, rv));
      say((approve ? t("q.approve") : t("q.reject")) + ": " + r.generation_id);
      await loadReviews();
    } catch (err) { fail(err); }
  }
  async function verifyAudit() {
    const out = $("q-verify-result");
    try {
      const v = await api("GET", "/v1/audit/verify");
      out.className = v.ok ? "ok" : "error";
      out.textContent = v.ok ? t("q.ok") + v.events + t("q.events") : t("q.broken") + v.first_bad_seq + ": " + str(v.reason);
    } catch (err) { fail(err); }
  }

  // ---- sources -------------------------------------------------------
  async function loadDocuments() {
    const tb = clear($("s-docs").tBodies[0]);
    try {
      const page = await api("GET", "/v1/documents?limit=500");
      for (const d of page.documents || []) {
        const day = (v) => {
          // The day in the reader's time zone, as the upload form took it.
          const x = v ? new Date(v) : null;
          if (!x || isNaN(x)) return v ? String(v).slice(0, 10) : "";
          return x.getFullYear() + "-" + String(x.getMonth() + 1).padStart(2, "0") + "-" + String(x.getDate()).padStart(2, "0");
        };
        const valid = d.valid_from || d.valid_until ? day(d.valid_from) + " – " + day(d.valid_until) : t("d.always");
        const groups = (d.allowed_groups || []).concat((d.allowed_users || []).map((u) => "@" + u)).join(", ") || (d.tenant_wide ? t("u.wide") : "");
        const st = d.status === "quarantined" ? t("d.quarantined") : str(d.status);
        tb.append(el("tr", { "data-id": d.id, class: d.status === "quarantined" ? "quarantined" : "" },
          el("td", {}, str(d.title || d.external_id), el("br"), el("small", { class: "muted" }, str(d.external_id))),
          el("td", {}, str(d.version)), el("td", {}, str(d.language)), el("td", {}, str(d.classification)),
          el("td", {}, groups), el("td", {}, str(d.purpose)), el("td", {}, valid), el("td", {}, st), el("td", {}, str(d.chunks))));
      }
    } catch (err) { fail(err); }
  }
  async function search(ev) {
    ev.preventDefault();
    const ol = clear($("s-results"));
    try {
      const r = await api("POST", "/v1/search", { query: $("s-query").value, k: 10 });
      if (!(r.results || []).length) ol.append(el("li", { class: "muted" }, t("s.none")));
      for (const x of r.results || []) {
        ol.append(el("li", { "data-document": x.document_id },
          el("strong", {}, str(x.title)), " ", el("span", { class: "muted" }, "v" + str(x.version) + (x.heading_path ? " · " + x.heading_path : "")),
          el("blockquote", {}, str(x.text))));
      }
    } catch (err) { fail(err); }
  }
  function upload(ev) {
    ev.preventDefault();
    const file = $("u-file").files[0];
    if (!file) return;
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("classification", $("u-class").value);
    if ($("u-groups").value.trim()) form.append("allowed_groups", $("u-groups").value.trim());
    if ($("u-title").value.trim()) form.append("title", $("u-title").value.trim());
    if ($("u-wide").checked) form.append("tenant_wide", "true");
    form.append("purpose", $("u-purpose").value);
    // A date input gives the day; the window opens at the start of the first
    // day and closes at the end of the last, in the reader's time zone.
    if ($("u-from").value) form.append("valid_from", new Date($("u-from").value + "T00:00:00").toISOString());
    if ($("u-until").value) form.append("valid_until", new Date($("u-until").value + "T23:59:59").toISOString());
    const bar = $("u-progress"), out = $("u-result");
    bar.value = 0;
    out.textContent = "";
    // XMLHttpRequest, not fetch: it reports upload progress.
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/documents");
    xhr.setRequestHeader("Authorization", "Bearer " + key());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => { if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total); });
    xhr.addEventListener("load", () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      if (xhr.status >= 200 && xhr.status < 300) {
        bar.value = 100;
        out.textContent = t("u.done") + str(data.external_id) + " v" + str(data.version) + " · " + str(data.status) + " · " + str(data.chunks) + t("u.chunks");
        loadDocuments();
      } else fail(new APIError(xhr.status, data));
    });
    xhr.addEventListener("error", () => fail(new Error("upload failed")));
    xhr.send(form);
  }
  async function erase(ev) {
    ev.preventDefault();
    if (!window.confirm(t("e.confirm"))) return;
    try {
      const r = await api("POST", "/v1/erasure", { subject: $("e-subject").value });
      $("e-subject").value = "";
      $("e-receipt").textContent = JSON.stringify(r, null, 2);
      loadDocuments();
    } catch (err) { fail(err); }
  }

  // ---- batches -------------------------------------------------------
  // parseCSV reads RFC 4180 CSV (quoted fields, "" escapes) into rows.
  function parseCSV(text) {
    const rows = [];
    let row = [], field = "", q = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (q) {
        if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') q = false; else field += c;
      } else if (c === '"') q = true;
      else if (c === ",") { row.push(field); field = ""; }
      else if (c === "\n" || c === "\r") {
        if (c === "\r" && text[i + 1] === "\n") i++;
        row.push(field); field = "";
        if (row.some((f) => f !== "")) rows.push(row);
        row = [];
      } else field += c;
    }
    row.push(field);
    if (row.some((f) => f !== "")) rows.push(row);
    return rows;
  }
  function batchItems(text) {
    const s = text.trim();
    if (!s) return [];
    if (s[0] === "[" || s[0] === "{") {
      if (s[0] === "{" && s.indexOf("\n") > 0 && !s.startsWith('{"items"')) return s.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
      const v = JSON.parse(s);
      return Array.isArray(v) ? v : v.items || [];
    }
    const rows = parseCSV(s);
    const head = rows.shift().map((h) => h.trim().toLowerCase());
    return rows.map((r) => {
      const it = {};
      head.forEach((h, i) => { if (r[i] !== undefined && r[i] !== "" && ["brief", "channel", "lang", "brand"].includes(h)) it[h] = r[i]; });
      return it;
    });
  }
  let batchTimer = null, batchRows = [];
  async function submitBatch(ev) {
    ev.preventDefault();
    let text = $("b-text").value;
    const f = $("b-file").files[0];
    if (f) text = await f.text();
    let items;
    try { items = batchItems(text); } catch (err) { fail(err); return; }
    if (!items.length) { say(t("b.empty"), true); return; }
    const body = { items };
    const budget = Number($("b-budget").value);
    if (budget > 0) body.budget_eur = budget;
    try {
      const sum = await api("POST", "/v1/batches", body);
      $("b-live").hidden = false;
      clear($("b-items").tBodies[0]);
      $("b-export").hidden = true;
      pollBatch(sum.batch_id);
    } catch (err) { fail(err); }
  }
  async function pollBatch(id) {
    clearTimeout(batchTimer);
    let s;
    try { s = await api("GET", "/v1/batches/" + encodeURIComponent(id)); } catch (err) { fail(err); return; }
    const done = s.items - s.pending - s.running;
    const bar = $("b-progress");
    bar.max = Math.max(s.items, 1);
    bar.value = done;
    $("b-counts").textContent = done + t("b.of") + s.items + " " + t("b.done") + " · " + s.failed + " " + t("b.failed") +
      " · " + eur(s.cost_eur) + " " + t("b.spent") + (s.budget_eur ? t("b.of") + eur(s.budget_eur) : "") + " · " + s.state;
    $("b-live").setAttribute("data-state", s.state);
    if (s.state === "running" || s.state === "pending") { batchTimer = setTimeout(() => pollBatch(id), 1000); return; }
    await loadBatchItems(id);
  }
  async function loadBatchItems(id) {
    const tb = clear($("b-items").tBodies[0]);
    try {
      const resp = await api("GET", "/v1/batches/" + encodeURIComponent(id) + "/results", undefined, { raw: true, accept: "application/x-ndjson" });
      const text = await resp.text();
      batchRows = text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
    } catch (err) { fail(err); return; }
    for (const it of batchRows) {
      const res = it.result || {};
      tb.append(el("tr", { class: "item " + str(it.state) },
        el("td", {}, str(it.n)), el("td", {}, str(it.request && it.request.brief)),
        el("td", {}, str(it.state) + (it.error ? " — " + it.error : "")), el("td", {}, eur(it.cost_eur)),
        el("td", {}, el("div", { class: "draft" }, str(res.draft)))));
    }
    $("b-export").hidden = !batchRows.some(approvedItem);
  }
  // approvedItem: approved by the checks, or by a reviewer (whose approved
  // revision's text the results then carry).
  const approvedItem = (it) => it.state === "approved" || it.review === "approved";
  function exportApproved() {
    const lines = batchRows.filter(approvedItem).map((it) => JSON.stringify({
      n: it.n, brief: it.request && it.request.brief, channel: it.request && it.request.channel, lang: it.request && it.request.lang,
      draft: it.result && it.result.draft, disclosure: it.result && it.result.disclosure, generation_id: it.result && it.result.generation_id,
      revision: it.revision || 0,
    }));
    const url = URL.createObjectURL(new Blob([lines.join("\n") + "\n"], { type: "application/x-ndjson" }));
    const a = el("a", { href: url, download: "approved.jsonl" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // ---- evals ---------------------------------------------------------
  async function loadEvals() {
    const box = clear($("v-suites")), regs = clear($("v-regressions"));
    $("v-summary").textContent = "";
    let rep;
    try { rep = await api("GET", "/v1/evals/last"); } catch (err) {
      $("v-summary").textContent = err.status === 404 ? t("v.none") + " (" + err.message + ")" : err.message;
      return;
    }
    $("v-summary").textContent = t("v.started") + str(rep.started) + (rep.baseline ? " · baseline " + rep.baseline : "");
    const rg = rep.regressions || [];
    regs.append(el("h3", {}, rg.length ? t("v.regressions") : t("v.noregressions")));
    if (rg.length) {
      const ul = el("ul", { class: "regressions" });
      for (const g of rg) ul.append(el("li", {}, str(g.suite) + (g.case ? "/" + g.case : "") + (g.metric ? ":" + g.metric : "") + " — " + str(g.was) + " → " + str(g.now) + " · " + str(g.message)));
      regs.append(ul);
    }
    for (const s of rep.suites || []) {
      const metrics = Object.entries(s.metrics || {}).map(([k, v]) => k + " " + v).join(", ");
      box.append(el("h3", {}, str(s.name) + " — " + str(s.passed) + "/" + str(s.cases) + (s.failed ? " · " + s.failed + " ✗" : "")),
        el("p", { class: "muted" }, metrics + (s.error ? " · " + s.error : "")));
      const tb = el("tbody");
      for (const c of s.results || []) {
        const cls = c.status === "passed" ? "pass" : c.status === "failed" ? "fail" : "skip";
        tb.append(el("tr", {}, el("td", {}, str(c.name)), el("td", { class: cls }, str(c.status)), el("td", {}, str(c.reason || c.error || (c.violations || []).join(", ")))));
      }
      box.append(el("div", { class: "scroll" }, el("table", { class: "suite" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("v.case")), el("th", { scope: "col" }, t("v.status")), el("th", { scope: "col" }, ""))), tb)));
    }
  }

  // ---- wiring --------------------------------------------------------
  document.addEventListener("DOMContentLoaded", () => {
    applyLang();
    $("lang-toggle").addEventListener("click", () => {
      lang = lang === "de" ? "en" : "de";
      localStorage.setItem("kontext.lang", lang);
      applyLang();
      if (!$("view-review").hidden) renderQueue();
    });
    $("signin-form").addEventListener("submit", (e) => { e.preventDefault(); signIn($("key").value.trim()); });
    $("signout").addEventListener("click", signOut);
    for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => show(b.getAttribute("data-view")));
    $("write-form").addEventListener("submit", write);
    $("r-edit-go").addEventListener("click", recheck);
    $("q-refresh").addEventListener("click", loadReviews);
    $("q-channel").addEventListener("change", renderQueue);
    $("q-decision").addEventListener("change", renderQueue);
    $("q-filters").addEventListener("submit", (e) => e.preventDefault());
    $("q-verify").addEventListener("click", verifyAudit);
    $("s-search").addEventListener("submit", search);
    $("s-refresh").addEventListener("click", loadDocuments);
    $("u-form").addEventListener("submit", upload);
    $("e-form").addEventListener("submit", erase);
    $("b-form").addEventListener("submit", submitBatch);
    $("b-export").addEventListener("click", exportApproved);
    $("v-refresh").addEventListener("click", loadEvals);
    if (key()) signIn(key());
  });
})();
