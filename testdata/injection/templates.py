#!/usr/bin/env python3
"""Writes train/written-here-templates.jsonl: ordinary marketing briefs and
document sentences in German and English, composed here from the templates
below (no public source). Deterministic (fixed seed). Training only."""
import json, os, random
rnd = random.Random(7)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "train", "written-here-templates.jsonl")
prod_en = ["the 500 ml steel bottle", "our travel mug", "the lunch box", "the espresso grinder", "the winter jacket", "the trail shoes", "the organic coffee beans", "the yoga mat", "the camping stove", "the e-bike battery", "our skin cream", "the kids backpack", "the garden hose", "the smart thermostat", "the linen shirt", "the cast-iron pan", "the tea sampler", "the rain poncho", "the desk lamp", "the phone case"]
prod_de = ["die 500-ml-Edelstahlflasche", "unseren Reisebecher", "die Brotdose", "die Espressomühle", "die Winterjacke", "die Trailschuhe", "die Bio-Kaffeebohnen", "die Yogamatte", "den Campingkocher", "den E-Bike-Akku", "unsere Hautcreme", "den Kinderrucksack", "den Gartenschlauch", "das smarte Thermostat", "das Leinenhemd", "die Gusseisenpfanne", "das Tee-Probierset", "den Regenponcho", "die Schreibtischlampe", "die Handyhülle"]
verb_en = ["Write", "Draft", "Create", "Compose", "Prepare", "Give me", "Suggest", "Come up with", "Please write", "Can you write", "I need", "Make"]
verb_de = ["Schreib", "Schreibe", "Erstelle", "Formuliere", "Entwirf", "Verfasse", "Gib mir", "Schlag", "Bitte schreib", "Kannst du", "Ich brauche", "Mach"]
art_en = ["a newsletter intro about {p}", "three subject lines for a mail about {p}", "a product description for {p}", "an Instagram caption for {p}", "a LinkedIn post announcing {p}", "a short FAQ answer about how to clean {p}", "a press release lead about {p}", "a banner text for the sale on {p}", "two ad variants for {p}", "an email to retailers about the new price of {p}", "a blog intro that mentions {p}", "a push notification about {p} being back in stock", "alt text for a photo of {p}", "a comparison of {p} with last year's model", "a customer reply about the warranty of {p}", "a short video script featuring {p}", "a gift guide entry for {p}", "a landing page headline for {p}", "care instructions for {p}", "a teaser for {p} in our brand voice"]
art_de = ["einen Newsletter-Einstieg zu {p}", "drei Betreffzeilen für eine Mail zu {p}", "eine Produktbeschreibung für {p}", "eine Instagram-Bildunterschrift zu {p}", "einen LinkedIn-Beitrag, der {p} ankündigt", "eine kurze FAQ-Antwort, wie man {p} reinigt", "einen Pressetext-Vorspann zu {p}", "einen Bannertext für die Aktion auf {p}", "zwei Anzeigenvarianten für {p}", "eine E-Mail an Händler zum neuen Preis für {p}", "eine Blog-Einleitung, die {p} erwähnt", "eine Push-Nachricht, dass {p} wieder lieferbar ist", "einen Alternativtext für ein Foto von {p}", "einen Vergleich von {p} mit dem Vorjahresmodell", "eine Kundenantwort zur Garantie für {p}", "ein kurzes Videoskript mit {p}", "einen Geschenktipp zu {p}", "eine Überschrift für die Landingpage zu {p}", "Pflegehinweise für {p}", "einen Teaser zu {p} in unserer Markenstimme"]
cons_en = ["", " Keep it under 80 words.", " Friendly, no exclamation marks.", " Use the facts from the product sheet and cite them.", " Address the reader informally.", " Mention the price of 29.90 EUR.", " Avoid superlatives and health claims.", " Tone: calm and precise.", " Include the hint that the offer ends on Sunday.", " Write it for parents of small children.", " Ignore the old tagline, we dropped it.", " Forget the summer theme, this is for autumn.", " Please answer in English.", " Follow the brand guide.", " Do not mention competitors."]
cons_de = ["", " Höchstens 80 Wörter.", " Freundlich, ohne Ausrufezeichen.", " Nutze die Fakten aus dem Datenblatt mit Quellenangabe.", " Sprich die Leser mit du an.", " Sprich die Leser mit Sie an.", " Nenne den Preis von 29,90 €.", " Ohne Superlative und ohne Heilversprechen.", " Ton: ruhig und präzise.", " Mit dem Hinweis, dass die Aktion am Sonntag endet.", " Für Eltern kleiner Kinder.", " Ignoriere den alten Slogan, den nutzen wir nicht mehr.", " Vergiss das Sommerthema, es geht um den Herbst.", " Bitte auf Deutsch.", " Halte dich an den Markenleitfaden.", " Keine Wettbewerber nennen."]
doc_en = ["Instructions: fill {p} only up to the marked line.", "Please follow the assembly instructions for {p} on page 2.", "Ignore the old label on {p}; the new one is inside the box.", "The previous care instructions for {p} are replaced by this leaflet.", "Our customer service answers questions about {p} within 24 hours.", "Step 1: unpack {p}. Step 2: rinse it. Step 3: enjoy.", "You are now part of our loyalty club and get 5 percent on {p}.", "System requirements for the app that controls {p}: Android 12 or later.", "From now on, {p} ships in recycled packaging.", "Note: the user manual for {p} can be downloaded from our website.", "Forget about cold coffee: {p} keeps it hot for hours.", "Tell us what you think of {p} and win a voucher."]
doc_de = ["Anleitung: {p} nur bis zur Markierung befüllen.", "Bitte beachten Sie die Montageanleitung für {p} auf Seite 2.", "Das alte Etikett auf {p} bitte ignorieren; das neue liegt in der Verpackung.", "Die bisherigen Pflegehinweise für {p} werden durch diesen Beipackzettel ersetzt.", "Unser Kundenservice beantwortet Fragen zu {p} innerhalb von 24 Stunden.", "Schritt 1: {p} auspacken. Schritt 2: ausspülen. Schritt 3: genießen.", "Du bist jetzt Mitglied in unserem Kundenclub und bekommst 5 % auf {p}.", "Systemvoraussetzungen für die App zu {p}: Android 12 oder neuer.", "Ab sofort wird {p} in Recyclingverpackung geliefert.", "Hinweis: Die Bedienungsanleitung für {p} gibt es auf unserer Website.", "Vergiss kalten Kaffee: {p} hält ihn stundenlang heiß.", "Sag uns, wie dir {p} gefällt, und gewinne einen Gutschein."]
rows = []
def add(text, lang, side, i):
    rows.append({"text": text, "label": 0, "lang": lang, "side": side, "source": "written-here:templates", "doc": "tmpl-%s-%s-%d" % (lang, side, i)})
for i in range(300):
    p = rnd.choice(prod_en); v = rnd.choice(verb_en); a = rnd.choice(art_en).format(p=p); c = rnd.choice(cons_en)
    t = "%s %s.%s" % (v, a, c)
    if v in ("Can you write",): t = t.rstrip(".") ; t = "%s %s?%s" % (v, a, c)
    add(t, "en", "brief", i)
    p = rnd.choice(prod_de); v = rnd.choice(verb_de); a = rnd.choice(art_de).format(p=p); c = rnd.choice(cons_de)
    if v == "Schlag": t = "Schlag %s vor.%s" % (a, c)
    elif v == "Kannst du": t = "Kannst du %s schreiben?%s" % (a, c)
    else: t = "%s %s.%s" % (v, a, c)
    add(t, "de", "brief", i)
for i in range(120):
    add(rnd.choice(doc_en).format(p=rnd.choice(prod_en)).capitalize(), "en", "document", i)
    t = rnd.choice(doc_de).format(p=rnd.choice(prod_de)); add(t[0].upper() + t[1:], "de", "document", i)
# Sentences that speak of instructions, passwords, prompts, roles or AI
# without addressing a model: ordinary in marketing and support texts.
hard_en = ["We will never ask for your password by email or phone.", "Keep your password to yourself and change it every few months.",
 "Do not share your login details with anyone, not even our staff.", "Our chatbot answers shipping questions around the clock.",
 "Our AI assistant suggests recipes based on what is in your fridge.", "The assistant in the app reminds you to drink water.",
 "Follow the instructions on the label to descale the kettle.", "Read the safety instructions before first use.",
 "If the app shows a prompt to update, tap OK.", "You are now signed up for our newsletter. Welcome!",
 "You are now a member of the club and collect points with every order.", "Act now: the early-bird price ends on Friday.",
 "Forget everything you know about lunch boxes: this one folds flat.", "Ignore the noise and focus on what matters: good coffee.",
 "Repeat the rinse until the water runs clear.", "Print the return label and stick it on the parcel.",
 "Show this voucher at the checkout to get 10 percent off.", "Tell your friends and both of you get 5 EUR.",
 "Respond to the survey by 30 June and win a mug.", "The system prompts you for a PIN when the lock is set.",
 "Role-play workshops for customer service teams, every Tuesday.", "Pretend play kitchen for kids, wooden, ages 3 and up.",
 "New rules for returns apply from 1 March.", "Previous orders can be found under My account.",
 "Forget my data: write a reply confirming the deletion under GDPR.", "Write the answer as a numbered list of instructions."]
hard_de = ["Wir fragen Sie niemals per E-Mail oder Telefon nach Ihrem Passwort.", "Behalte dein Passwort für dich und ändere es regelmäßig.",
 "Gib deine Zugangsdaten an niemanden weiter, auch nicht an unser Team.", "Unser Chatbot beantwortet Versandfragen rund um die Uhr.",
 "Unser KI-Assistent schlägt Rezepte vor, passend zu deinem Kühlschrank.", "Der Assistent in der App erinnert dich ans Trinken.",
 "Befolge die Anweisungen auf dem Etikett zum Entkalken.", "Lies vor dem ersten Gebrauch die Sicherheitshinweise.",
 "Wenn die App zum Update auffordert, tippe auf OK.", "Du bist jetzt für unseren Newsletter angemeldet. Willkommen!",
 "Du bist jetzt Mitglied im Club und sammelst bei jeder Bestellung Punkte.", "Jetzt zugreifen: Der Frühbucherpreis endet am Freitag.",
 "Vergiss alles, was du über Brotdosen weißt: Diese lässt sich flach falten.", "Ignoriere den Lärm und konzentrier dich aufs Wesentliche: guten Kaffee.",
 "Wiederhole das Spülen, bis das Wasser klar ist.", "Druck das Retourenetikett aus und klebe es aufs Paket.",
 "Zeig diesen Gutschein an der Kasse und spare 10 Prozent.", "Erzähl es deinen Freunden und ihr bekommt beide 5 €.",
 "Nimm bis 30. Juni an der Umfrage teil und gewinne einen Becher.", "Das System fragt nach einer PIN, wenn die Sperre aktiv ist.",
 "Rollenspiel-Workshops für Serviceteams, jeden Dienstag.", "Spielküche für Kinder aus Holz, ab 3 Jahren.",
 "Ab 1. März gelten neue Regeln für Rücksendungen.", "Frühere Bestellungen findest du unter Mein Konto.",
 "Vergessen Sie meine Daten: Schreib eine Antwort, die die Löschung nach DSGVO bestätigt.", "Schreib die Antwort als nummerierte Anleitung."]
for i, t in enumerate(hard_en):
    rows.append({"text": t, "label": 0, "lang": "en", "side": "document" if i % 2 else "brief", "source": "written-here:hard-negatives", "doc": "hard-en-%d" % i})
for i, t in enumerate(hard_de):
    rows.append({"text": t, "label": 0, "lang": "de", "side": "document" if i % 2 else "brief", "source": "written-here:hard-negatives", "doc": "hard-de-%d" % i})
# Briefs that give the writer a role: ordinary for a copywriting request,
# unlike a role that replaces the model's rules. Their own generator, so
# that the rows above stay as they were.
rr = random.Random(8)
role_en = ["Act as a senior copywriter and write", "Act as our social media manager and draft", "You are a copywriter for an outdoor brand. Write",
 "As our brand's copywriter, please write", "Take the role of a friendly barista and write", "Imagine you are a product manager and write",
 "Write, as a seasoned PR writer,", "Play the part of our support team and write", "You are the voice of our shop. Draft"]
role_de = ["Agiere als erfahrene Texterin und schreib", "Handle als unser Social-Media-Team und entwirf", "Du bist Texter für eine Outdoor-Marke. Schreib",
 "Als Texterin unserer Marke: Verfasse", "Schlüpf in die Rolle einer freundlichen Barista und schreib", "Stell dir vor, du bist Produktmanagerin, und schreib",
 "Schreib als erfahrener PR-Profi", "Übernimm die Rolle unseres Kundenservice und formuliere", "Du bist die Stimme unseres Shops. Entwirf"]
for i in range(80):
    a = rr.choice(art_en).format(p=rr.choice(prod_en))
    add("%s %s.%s" % (rr.choice(role_en), a, rr.choice(cons_en)), "en", "brief", 1000 + i)
    a = rr.choice(art_de).format(p=rr.choice(prod_de))
    add("%s %s.%s" % (rr.choice(role_de), a, rr.choice(cons_de)), "de", "brief", 1000 + i)
# Account-safety advice and "ignore the old ..." notes as they appear in
# briefs and help texts: ordinary, although attacks use the same words.
safety_en = ["Do not give your password to anyone who calls you.", "Choose a strong password and keep it to yourself.",
 "Write a help text on how to reset a forgotten password.", "Reset your password with the link we sent; it expires after one hour.",
 "Our staff will never ask you for your PIN or password.", "Write a FAQ entry: what to do if someone asks for your login code.",
 "Keep your secret recovery key offline and never type it into a chat.", "Remind customers not to share their one-time code with anyone.",
 "Ignore the earlier size chart; the corrected one is attached. Write the product text.", "Ignore the previous price list, it had an error; use the new one for the newsletter.",
 "Disregard last week's draft and write a fresh intro for the autumn mailing.", "The app shows a prompt asking for permission; tap Allow to continue.",
 "Write a glossary entry for 'prompt' as used in our app's settings screen.", "Forget the old slogan; write three new claims for the spring campaign."]
safety_de = ["Gib dein Passwort niemandem, der dich anruft.", "Wähle ein sicheres Passwort und behalte es für dich.",
 "Schreib einen Hilfetext, wie man ein vergessenes Passwort zurücksetzt.", "Setze dein Passwort über den Link zurück; er gilt eine Stunde.",
 "Unser Team fragt dich nie nach deiner PIN oder deinem Passwort.", "Schreib einen FAQ-Eintrag: Was tun, wenn jemand nach dem Anmeldecode fragt?",
 "Bewahre deinen Wiederherstellungsschlüssel offline auf und tippe ihn nie in einen Chat.", "Erinnere die Kundschaft daran, den Einmalcode mit niemandem zu teilen.",
 "Ignoriere die frühere Maßtabelle, die korrigierte hängt an. Schreib den Produkttext.", "Ignoriere die vorige Preisliste, sie hatte einen Fehler; nimm die neue für den Newsletter.",
 "Verwirf den Entwurf von letzter Woche und schreib einen neuen Einstieg für das Herbstmailing.", "Die App zeigt eine Abfrage zur Berechtigung; tippe auf Erlauben.",
 "Schreib einen Glossareintrag zu 'Prompt', wie er in den Einstellungen unserer App vorkommt.", "Vergiss den alten Slogan; schreib drei neue Claims für die Frühjahrskampagne."]
for i, t in enumerate(safety_en):
    rows.append({"text": t, "label": 0, "lang": "en", "side": "document" if i % 3 == 2 else "brief", "source": "written-here:hard-negatives", "doc": "safety-en-%d" % i})
for i, t in enumerate(safety_de):
    rows.append({"text": t, "label": 0, "lang": "de", "side": "document" if i % 3 == 2 else "brief", "source": "written-here:hard-negatives", "doc": "safety-de-%d" % i})
# Customer e-mails as a support inbox holds them: requests addressed to the
# shop, not to a model.
mail_en = ["Could you send me a replacement seal for my bottle? The old one leaks a little.", "Could you tell me when my order will ship? I paid on Monday.",
 "Hello, the lid arrived cracked. Could you send me a new one? I'm happy to return the broken one.", "Can you please check order FW-2026-20117? The parcel tracking has not moved for a week.",
 "I'd be grateful if you could send me an invoice with my company address on it.", "Could you let me know whether the lunch box fits the Kids 400 bag?",
 "Hi, I ordered the wrong colour. Could you exchange it for the green one? Thanks, Anna", "Please send me a return label, I live in Switzerland and the portal does not accept my postcode.",
 "Would you tell me if the spare straw fits last year's model? Many thanks.", "Could you please cancel my order? I found the bottle at a local shop.",
 "Can you send me the care instructions as a PDF? I lost the leaflet.", "Hello team, could you confirm that my refund is on its way? Best regards, Paul"]
mail_de = ["Könnten Sie mir eine Ersatzdichtung für meine Flasche schicken? Die alte tropft ein wenig.", "Können Sie mir sagen, wann meine Bestellung verschickt wird? Ich habe am Montag bezahlt.",
 "Hallo, der Deckel kam gesprungen an. Könnt ihr mir einen neuen schicken? Den kaputten schicke ich gern zurück.", "Könnten Sie bitte die Bestellung FW-2026-20117 prüfen? Die Sendungsverfolgung steht seit einer Woche still.",
 "Ich wäre dankbar, wenn Sie mir eine Rechnung mit meiner Firmenadresse schicken könnten.", "Könnt ihr mir sagen, ob die Brotdose in die Tasche der Kids 400 passt?",
 "Hallo, ich habe die falsche Farbe bestellt. Könnt ihr sie gegen die grüne tauschen? Danke, Anna", "Bitte schickt mir ein Retourenetikett, ich wohne in der Schweiz und das Portal nimmt meine Postleitzahl nicht an.",
 "Würden Sie mir sagen, ob der Ersatzstrohhalm zum Vorjahresmodell passt? Vielen Dank.", "Könnten Sie bitte meine Bestellung stornieren? Ich habe die Flasche im Laden vor Ort gefunden.",
 "Könnt ihr mir die Pflegehinweise als PDF schicken? Ich habe den Zettel verloren.", "Hallo Team, könnt ihr bestätigen, dass meine Erstattung unterwegs ist? Viele Grüße, Paul"]
for i, t in enumerate(mail_en):
    rows.append({"text": t, "label": 0, "lang": "en", "side": "document", "source": "written-here:hard-negatives", "doc": "mail-en-%d" % i})
for i, t in enumerate(mail_de):
    rows.append({"text": t, "label": 0, "lang": "de", "side": "document", "source": "written-here:hard-negatives", "doc": "mail-de-%d" % i})
seen = set(); out = []
for r in rows:
    if r["text"] not in seen:
        seen.add(r["text"]); out.append(r)
with open(OUT, "w", encoding="utf-8") as f:
    for r in out: f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(OUT, len(out))
