package policy_test

import (
	"slices"
	"strings"
	"testing"

	"kontext/guard/policy"
)

// TestClaimsCoverage covers what the claims benchmark showed missing: the
// disease lexicon with lay words and compounds, authorised and negated
// wording, answered and unanswered questions, competitors without a brand
// pack, endorsements, negation over a clause, figures of speech, price and
// guarantee wording, and the legal basis and rewrite on each finding.
func TestClaimsCoverage(t *testing.T) {
	de, err := policy.LoadPack("de-marketing")
	if err != nil {
		t.Fatal(err)
	}
	en, err := policy.LoadPack("en-marketing")
	if err != nil {
		t.Fatal(err)
	}
	// The rules alone: the claims model is tested in model_test.go.
	cde, cen := policy.NewChecker(de, policy.WithModel(nil)), policy.NewChecker(en, policy.WithModel(nil))
	tests := []struct {
		name string
		c    *policy.Checker
		text string
		want []string // categories, nil for clean
	}{
		{"lay symptom", cde, "Der Tee vertreibt Kopfweh im Handumdrehen.", []string{"health_claim"}},
		{"icd term in a compound", cde, "Die Salbe lässt Arthroseschmerzen verschwinden.", []string{"health_claim"}},
		{"lay symptom en", cen, "You'll never catch a cold again.", []string{"health_claim"}},
		{"authorised claim", cde, "Vitamin C trägt zu einer normalen Funktion des Immunsystems bei.", nil},
		{"immune claim", cde, "Stärkt das Immunsystem.", []string{"health_claim"}},
		{"disclaimer", cde, "Nahrungsergänzungsmittel ersetzen keine ärztliche Beratung bei Beschwerden.", nil},
		{"negated claim", cen, "We never claim our tea cures anything.", nil},
		{"quoted claim talked about", cde, "Wir sagen nie „heilt Akne“.", nil},
		{"testimonial that claims", cen, `Customer Anna writes: "Since the capsules my hay fever has gone."`, []string{"endorsement", "health_claim"}},
		{"unanswered question", cde, "Hilft der Tee bei Erkältung? Unsere Tees sind Lebensmittel.", nil},
		{"answered question", cde, "Ist die Box gratis? Ja, du zahlst nur 4,95 € Versand und danach 14,90 € im Monat.", []string{"free_claim"}},
		{"rhetorical question", cde, "Warum noch bei den großen Röstereien kaufen?", []string{"comparative_claim"}},
		{"competitor named without brand pack", cen, "Unlike Leafly's dusty bags, ours unfold.", []string{"comparative_claim"}},
		{"own past", cen, "18% less energy than in 2023.", nil},
		{"risk-free", cen, "Zero risk, results are certain.", []string{"guaranteed_success"}},
		{"professional endorsement", cde, "Dermatologen empfehlen unsere Sonnencreme.", []string{"endorsement"}},
		{"rrp", cen, "RRP £12.90 – ours just £8.90.", []string{"price_claim"}},
		{"percent without prior price", cde, "Bis zu -60 % auf Pflegeserien!", []string{"price_claim"}},
		{"percent with prior price", cde, "30 % auf Jacken. Niedrigster Preis der letzten 30 Tage: 149 €.", nil},
		{"countdown", cen, "Flash sale ends in 00:45:12.", []string{"false_urgency"}},
		{"honest trial", cde, "Probetraining: eine Woche kostenlos und unverbindlich, endet automatisch.", nil},
		{"emissions report", cen, "Our 2025 emissions: 1,240 t CO2e, audited to the GHG Protocol.", nil},
		{"avoided word", cde, "Wir verzichten bewusst auf den Begriff „umweltfreundlich“.", nil},
		{"green superlative", cen, "The greenest coffee in the country.", []string{"green_claim", "superlative_claim"}},
		// Lay names and free phrasings of an effect.
		{"lay complaint en", cen, "Gargle once and the scratchy throat is history.", []string{"health_claim"}},
		{"sniffles", cen, "Say goodbye to the sniffles.", []string{"health_claim"}},
		{"lay complaint de", cde, "Macht Bauchweh den Garaus.", []string{"health_claim"}},
		{"colic de", cde, "Bei Koliken beruhigt das Bad dein Baby.", []string{"health_claim"}},
		// Negation of the effect or of its subject.
		{"negated effect en", cen, "It does not treat eczema.", nil},
		{"negated effect de", cde, "Der Tee hilft nicht bei Erkältung.", nil},
		{"negated subject en", cen, "No cream can cure psoriasis.", nil},
		{"negated subject de", cde, "Keine Salbe kann Neurodermitis heilen.", nil},
		{"never tell", cen, "We would never tell you a syrup fights infections.", nil},
		// Authorised wording, tested facts, figures of speech, own range.
		{"maintain normal en", cen, "Helps maintain normal blood pressure.", nil},
		{"maintain normal de", cde, "Hilft, einen normalen Blutdruck aufrechtzuerhalten.", nil},
		{"tested to a standard", cen, "Kills 99.9% of viruses, tested to EN 14476.", nil},
		{"figure of speech", cen, "Say goodbye to the headache of manual bookkeeping.", nil},
		{"own range en", cen, "Our most popular tent, now in green.", nil},
		{"own range de", cde, "Unser bisher schnellstes Zelt: in drei Minuten aufgebaut.", nil},
		{"time of day en", cen, "Doors open at 19:30.", nil},
		{"time of day de", cde, "Einlass ab 19:30 Uhr.", nil},
		{"countdown still", cen, "Offer ends in 00:12:40.", []string{"false_urgency"}},
		{"service guarantee en", cen, "Guaranteed delivery by Friday for orders placed before noon.", nil},
		{"service guarantee de", cde, "Bei Bestellung bis Dienstag garantiert vor Ostern geliefert.", nil},
		// Other categories phrased freely.
		{"nothing beats", cen, "Nothing beats our sourdough.", []string{"superlative_claim"}},
		{"no other de", cde, "Kein anderer Mixer kommt da heran.", []string{"superlative_claim"}},
		{"gentle on the planet", cen, "Gentle on the planet.", []string{"green_claim"}},
		{"why pay more", cen, "Why pay more at the DIY superstore for the same paint?", []string{"comparative_claim"}},
		{"few left in words", cen, "Only two seats left – they won't last.", []string{"false_urgency"}},
		{"can't go wrong", cen, "You can't go wrong with it.", []string{"guaranteed_success"}},
		{"professional relies", cen, "Paediatricians rely on our cream.", []string{"endorsement"}},
		// Negation reaches over its clause; phrases that affirm keep the claim.
		{"negated over the clause en", cen, "The balm is not meant to treat eczema.", nil},
		{"negated guarantee", cen, "Results are not guaranteed.", nil},
		{"negation after the claim de", cde, "Der Tee heilt Ihre Erkältung nicht.", nil},
		{"keineswegs after the claim", cde, "Die Salbe lindert Ekzeme keineswegs.", nil},
		{"not only keeps the claim", cen, "Not only does it relieve headaches, it tastes great.", []string{"health_claim"}},
		{"nicht nur keeps the claim", cde, "Nicht nur lindert der Balsam Kopfschmerzen, er duftet auch.", []string{"health_claim"}},
		{"negation in the next clause en", cen, "Relieves headaches and does not make you drowsy.", []string{"health_claim"}},
		{"negation in the next clause de", cde, "Der Balsam lindert Kopfschmerzen und macht nicht müde.", []string{"health_claim"}},
		{"never again keeps the claim", cen, "You never have to suffer from hay fever again.", []string{"health_claim"}},
		{"nicht mehr is an end of the complaint", cde, "Mit unserem Tee leidest du nicht mehr unter Migräne.", []string{"health_claim"}},
		{"gar nicht erst", cde, "Lässt Erkältungen gar nicht erst entstehen.", []string{"health_claim"}},
		// The base form of an English effect verb ("soothe", "relieve").
		{"base form of the effect verb", cen, "Our lozenges soothe a sore throat fast.", []string{"health_claim"}},
		// Conditions named as figures of speech.
		{"chore headaches", cen, "Say goodbye to invoicing headaches.", nil},
		{"headaches with a chore", cen, "No more headaches with your tax return.", nil},
		{"kopfschmerzen bei einer aufgabe", cde, "Schluss mit Kopfschmerzen bei der Steuererklärung.", nil},
		{"lampenfieber", cde, "Das Lampenfieber vor dem Auftritt vertreibt unser Kurs.", nil},
		// The reader's current supplier, answered with one's own.
		{"still with a rival en", cen, "Still banking with FirstCoin? We charge no monthly fee.", []string{"comparative_claim"}},
		{"still with a rival de", cde, "Immer noch bei TeleFix? Wir sind günstiger.", []string{"comparative_claim"}},
		// Slimming in clothes sizes.
		{"dress sizes en", cen, "Lose three dress sizes before summer.", []string{"health_claim"}},
		{"dress sizes de", cde, "Drei Kleidergrößen weniger bis zum Sommer.", []string{"health_claim"}},
		// Price tricks: an amount saved on a product, the maker's list price.
		{"amount saved en", cen, "Save £20 on every winter coat.", []string{"price_claim"}},
		{"amount saved de", cde, "Sparen Sie 20 € auf alle Jacken.", []string{"price_claim"}},
		{"yearly saving is no reduction", cen, "Save up to £300 a year on energy with our heat pump.", nil},
		{"list price en", cen, "List price £399, our price £279.", []string{"price_claim"}},
		{"list price de", cde, "Der Listenpreis liegt bei 249 €, bei uns zahlst du 179 €.", []string{"price_claim"}},
		// Guarantees without the word.
		{"results within days en", cen, "You will notice results within 10 days.", []string{"guaranteed_success"}},
		{"results within days de", cde, "Erste Ergebnisse nach sieben Tagen.", []string{"guaranteed_success"}},
		// Endorsement by prescribing; a leading professional is no superlative.
		{"prescribes to patients de", cde, "Die Hautärztin erklärt, warum sie ihren Patientinnen unsere Creme empfiehlt.", []string{"endorsement"}},
		{"leading professional", cen, "Dr Ben Hart, a leading paediatrician, opens the conference.", nil},
		// Teeth, gums and eyes; the end of a complaint.
		{"gums en", cen, "The gel puts an end to receding gums.", []string{"health_claim"}},
		{"ein ende setzen", cde, "Ihr Zahnfleisch blutet? Das Gel setzt dem Zahnfleischbluten ein Ende.", []string{"health_claim"}},
		{"kein ... mehr", cde, "Kein Kopfweh mehr nach dem Sport – dank unserem Magnesium.", []string{"health_claim"}},
		{"negated object de", cde, "Das Spray heilt keinen Schnupfen, es befeuchtet nur die Nase.", nil},
		{"negated object en", cen, "This soap won't cure cavities, but it tastes of mint.", nil},
		{"chore headaches in a question", cen, "Budget headaches? Our planner sorts your spending.", nil},
		{"kopfschmerzen bei einer abrechnung", cde, "Kopfschmerzen bei der Nebenkostenabrechnung? Unsere App rechnet für dich.", nil},
		// Competitors identified by a contrast, a question or "whoever still".
		{"whereas theirs, ours", cen, "Whereas GlowMax's lamps flicker, ours stay steady for years.", []string{"comparative_claim"}},
		{"während andere, unsere", cde, "Während andere Lampen flackern, leuchtet unsere jahrelang.", []string{"comparative_claim"}},
		{"question answered with ours", cen, "Supermarket coffee tastes flat? Ours is roasted weekly.", []string{"comparative_claim"}},
		{"question answered with unserer", cde, "Supermarktkaffee schmeckt flach? Unserer ist genauso günstig, aber frisch.", []string{"comparative_claim"}},
		{"anyone still", cen, "Anyone still paying for TaxPal is wasting money.", []string{"comparative_claim"}},
		{"wer noch", cde, "Wer noch bei TaxPal bucht, zahlt drauf.", []string{"comparative_claim"}},
		{"pay twice as much", cen, "At the big DIY chains you pay twice as much for timber.", []string{"comparative_claim"}},
		// Sole position in a class; a compound noun ending in -ste is no superlative.
		{"none in its class en", cen, "No vacuum in its class runs longer on one charge.", []string{"superlative_claim"}},
		{"none in its class de", cde, "Kein Staubsauger seiner Klasse saugt länger.", []string{"superlative_claim"}},
		{"compound of bürste", cde, "Die Schallzahnbürste putzt leise.", nil},
		// Former price with a verb, viewer counters, deadlines in hours.
		{"used to cost", cen, "The jacket used to cost £120, now £80.", []string{"price_claim"}},
		{"other shoppers", cen, "14 other shoppers have this in their sights.", []string{"false_urgency"}},
		{"weitere kunden", cde, "14 weitere Kunden haben diesen Artikel gerade im Blick.", []string{"false_urgency"}},
		{"in wenigen stunden", cde, "Der Sale endet in wenigen Stunden.", []string{"false_urgency"}},
		// "Free" without the word, guarantees without the word, endorsements to clients.
		{"costs you nothing", cen, "The starter month costs you nothing, then £9.99 a month.", []string{"free_claim"}},
		{"zahlst du nichts", cde, "Den ersten Monat zahlst du nichts, danach 9,99 € monatlich.", []string{"free_claim"}},
		{"we promise", cen, "Perfect skin by Friday – we promise.", []string{"guaranteed_success"}},
		{"nothing can go wrong", cen, "Nothing can go wrong with this kit.", []string{"guaranteed_success"}},
		{"sichern wir zu", cde, "Reine Haut bis Freitag – das sichern wir Ihnen zu.", []string{"guaranteed_success"}},
		{"advises her clients", cen, "Our nutritionist advises her clients to take the shake daily.", []string{"endorsement"}},
		{"ans herz legen", cde, "Unsere Ernährungsberaterin legt allen ihren Klientinnen den Shake ans Herz.", []string{"endorsement"}},
		// Labels of a certification scheme.
		{"eu ecolabel", cen, "The towels carry the EU Ecolabel.", nil},
		// Later phrasings: a complaint gone or without a chance, stock almost
		// gone, prices rising, cover against every risk, the other's customers losing.
		{"passé", cde, "Mit diesem Tee sind Schlafprobleme passé.", []string{"health_claim"}},
		{"keine chance", cde, "Muskelkater hat gegen unser Bad keine Chance.", []string{"health_claim"}},
		{"a thing of the past", cen, "With our tea, sleepless nights are a thing of the past.", []string{"health_claim"}},
		{"don't stand a chance", cen, "Sore muscles don't stand a chance.", []string{"health_claim"}},
		{"fast vergriffen", cde, "Die Restposten sind fast vergriffen.", []string{"false_urgency"}},
		{"steigen die preise", cde, "Ab Montag steigen die Preise.", []string{"false_urgency"}},
		{"alle risiken", cde, "Mit uns sind Sie gegen alle Risiken abgesichert.", []string{"guaranteed_success"}},
		{"every risk", cen, "You're protected against every risk.", []string{"guaranteed_success"}},
		{"never let you down", cen, "These boots will never let you down.", []string{"guaranteed_success"}},
		{"wer bei", cde, "Wer bei einer Großbank ist, zahlt jedes Jahr drauf.", []string{"comparative_claim"}},
		{"customers with a rival", cen, "Customers banking with BigBank lose money on fees every month.", []string{"comparative_claim"}},
		{"therapist's endorsement", cde, "Ergotherapeutin Mia Kern empfiehlt unser Knetset.", []string{"endorsement"}},
		{"easy on the planet", cen, "Our cleaner is easy on the planet.", []string{"green_claim"}},
		// Fourth round: prices with fees left out of the headline price, best-price claims, strike prices without markup.
		{"drip fee at checkout", cde, "Druckerpatronen schon ab 4,99 € – eine Servicegebühr kommt an der Kasse dazu.", []string{"price_claim"}},
		{"drip plus fee", cde, "Ferienhaus ab 59 € pro Nacht, zzgl. Endreinigungspauschale und Kurtaxe.", []string{"price_claim"}},
		{"honest total price", cde, "Ferienhaus ab 79 € pro Nacht inklusive Endreinigung und Kurtaxe.", nil},
		{"shipping stated apart", cde, "Alle Preise ab 12 € zzgl. Versandkosten von 4,95 €.", nil},
		{"drip en", cen, "Concert tickets from £25 – a booking fee is added at checkout.", []string{"price_claim"}},
		{"drip resort fee en", cen, "Rooms from £79 a night, plus a resort fee payable on arrival.", []string{"price_claim"}},
		{"rising later en", cen, "Broadband from £19 a month, rising to £34 after the first year.", []string{"price_claim"}},
		{"honest total en", cen, "Rooms from £89 a night, including all taxes and fees.", nil},
		{"best price de", cde, "Unser Bestpreis: Das Tablet für 199 €.", []string{"price_claim"}},
		{"nowhere cheaper de", cde, "Günstiger bekommst du diese Kopfhörer nirgends.", []string{"price_claim"}},
		{"lowest price of 30 days de", cde, "Jetzt 149 € – niedrigster Preis der letzten 30 Tage: 169 €.", nil},
		{"cheapest in town en", cen, "The cheapest gym membership in town.", []string{"price_claim", "superlative_claim"}},
		{"won't find it for less en", cen, "You won't find these headphones for less.", []string{"price_claim"}},
		{"strike lost de", cde, "Sofa Lina: 1.299 € 899 €", []string{"price_claim"}},
		{"price range de", cde, "Gehalt 3.100 € bis 3.400 € brutto.", nil},
		{"strike lost en", cen, "Sofa Lina: £1,299 £899", []string{"price_claim"}},
		{"salary range en", cen, "Salary £28,000–£31,000 a year.", nil},
		{"you save en", cen, "Buy the bundle and you save £40.", []string{"price_claim"}},
		{"slogan refused de", cde, "Auf unseren Plakaten steht kein Slogan wie „am billigsten“.", nil},
		{"basket mentioned", cde, "Die Versandkosten siehst du im Warenkorb, bevor du bestellst.", nil},
		{"others' baskets", cde, "Gerade haben 18 Leute diese Jacke im Warenkorb.", []string{"false_urgency"}},
		{"basket reserved", cde, "Dein Warenkorb ist nur noch 10 Minuten reserviert.", []string{"false_urgency"}},
		{"basket mentioned en", cen, "You'll see the delivery charge in your basket before you pay.", nil},
		{"others' baskets en", cen, "18 shoppers have this jacket in their basket.", []string{"false_urgency"}},
		{"basket reserved en", cen, "Your basket is reserved for 10 minutes.", []string{"false_urgency"}},
		// Competitors identified by a description, without the brand pack's list.
		{"giant from a city", cde, "Der Versandriese aus Seattle liefert in zwei Tagen, wir noch am selben Abend.", []string{"comparative_claim"}},
		{"big store", cde, "Beim großen Elektromarkt zahlst du für die Installation extra – bei uns ist sie dabei.", []string{"comparative_claim"}},
		{"other schools", cde, "Andere Fahrschulen verlangen 80 € pro Stunde, wir 55 €.", []string{"comparative_claim"}},
		{"described by a feature, asked", cde, "Genug vom Discounter mit den langen Schlangen? Unsere Kassen sind immer besetzt.", []string{"comparative_claim"}},
		{"own app", cde, "In der App siehst du deine Bestellungen, und unser Team hilft bei Fragen.", nil},
		{"retail giant en", cen, "The Seattle retail giant takes two days; we deliver the same evening.", []string{"comparative_claim"}},
		{"other schools en", cen, "Other driving schools charge £40 an hour, we charge £30.", []string{"comparative_claim"}},
		{"colour chain asked en", cen, "Sick of queuing at the big orange DIY chain? Our staff help you in minutes.", []string{"comparative_claim"}},
		{"leader of our own en", cen, "The leader of our workshop shows you how to fit a tap.", nil},
		{"own app en", cen, "Download the app and our team will guide you through setup.", nil},
		// Review counts, ratings and recommendation rates; more professions.
		{"happy owners", cde, "Schon 25.000 glückliche Hundebesitzer vertrauen auf unser Futter.", []string{"endorsement"}},
		{"star rating", cde, "Bewertet mit 4,8 von 5 Sternen.", []string{"endorsement"}},
		{"satisfaction rate", cde, "95 % Kundenzufriedenheit!", []string{"endorsement"}},
		{"rating with its source", cde, "4,6 von 5 Sternen aus 2.130 geprüften Bewertungen bei Trusted Shops, Stand Mai 2026.", nil},
		{"thanks for reviews", cde, "Danke für 5.000 Bewertungen!", nil},
		{"chiropractors de", cde, "Chiropraktiker empfehlen unser Nackenkissen.", []string{"endorsement"}},
		{"happy owners en", cen, "Over 25,000 happy dog owners trust our food.", []string{"endorsement"}},
		{"star rating en", cen, "Rated 4.8 out of 5 stars.", []string{"endorsement"}},
		{"satisfaction rate en", cen, "95% customer satisfaction!", []string{"endorsement"}},
		{"rating with its source en", cen, "4.6 out of 5 stars from 2,130 verified reviews on Trustpilot, May 2026.", nil},
		{"thanks for reviews en", cen, "Thanks for 5,000 reviews!", nil},
		{"osteopaths en", cen, "Osteopaths recommend our neck pillow.", []string{"endorsement"}},
		{"sleep experts en", cen, "Sleep experts swear by our weighted blanket.", []string{"endorsement"}},
		// A result backed by a refund; a price of nothing.
		{"result or refund", cde, "In nur 10 Stunden zum Führerschein, oder Sie erhalten Ihr Geld zurück.", []string{"guaranteed_success"}},
		{"refund alone", cde, "Passt die Größe nicht, schick die Jacke zurück – oder du bekommst dein Geld zurück.", nil},
		{"result or refund en", cen, "Pass your driving test in 10 hours, or your money back.", []string{"guaranteed_success"}},
		{"refund alone en", cen, "If the jacket doesn't fit, exchange it or get your money back.", nil},
		{"zero price", cde, "Kopfhörer für 0 € zu jedem Tarif ab 29,99 € im Monat.", []string{"free_claim"}},
		{"zero fee stated", cde, "Anschlusspreis: 0 €.", nil},
		{"zero price en", cen, "Headphones for £0 with any plan from £29.99 a month.", []string{"free_claim"}},
		{"zero fee stated en", cen, "Connection charge: £0.", nil},
		// Free phrasings found on the fresh part of the fourth round.
		{"satisfied whoever", cde, "Schon 1.200 zufriedene Mieter sind mit uns umgezogen.", []string{"endorsement"}},
		{"satisfied whoever en", cen, "Over 1,200 delighted tenants have moved with us.", []string{"endorsement"}},
		{"rival by its sign", cde, "Beim Optiker mit dem roten Dach zahlst du mehr – bei uns ist der Sehtest dabei.", []string{"comparative_claim"}},
		{"rival by its sign en", cen, "The optician with the red roof charges for eye tests; we don't.", []string{"comparative_claim"}},
		{"we guarantee it", cde, "Pünktlich fertig – das garantieren wir.", []string{"guaranteed_success"}},
		{"delivery guarantee", cde, "Wir garantieren die Lieferung bis Heiligabend.", nil},
		{"we guarantee it en", cen, "Spotless results – we guarantee it.", []string{"guaranteed_success"}},
		{"delivery guarantee en", cen, "We guarantee delivery before Christmas.", nil},
		{"others viewing", cde, "Gerade sehen sich 7 andere Familien dieses Haus an.", []string{"false_urgency"}},
		{"others viewing en", cen, "7 other families are viewing this house.", []string{"false_urgency"}},
		{"few left, words between en", cen, "Only 3 rooms at this price left.", []string{"false_urgency"}},
		{"fee charged separately", cde, "Reinigung ab 49 €, die Anfahrtspauschale wird gesondert berechnet.", []string{"price_claim"}},
		{"fee charged separately en", cen, "Cleaning from £49; a call-out charge is billed separately.", []string{"price_claim"}},
		{"free with a purchase en", cen, "Free case with any phone from £199.", []string{"free_claim"}},
		{"slogan refused en", cen, "We don't use the tagline \"lowest prices in Britain\".", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := tc.c.Check(tc.text, policy.CheckOptions{AIDisclosed: true})
			var got []string
			for _, v := range res.Violations {
				if !slices.Contains(got, v.Category) {
					got = append(got, v.Category)
				}
				if v.Basis == "" {
					t.Errorf("Check(%q): %s has no legal basis", tc.text, v.Rule)
				}
				if v.Span[1] <= v.Span[0] || v.Span[1] > len(tc.text) {
					t.Errorf("Check(%q): %s has span %v", tc.text, v.Rule, v.Span)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Check(%q) = %v (%+v); want %v", tc.text, got, res.Violations, tc.want)
			}
		})
	}
}

// TestFindingExplains checks that a finding carries span, category, basis,
// severity and a rewrite, in the JSON the API and the review queue show.
func TestFindingExplains(t *testing.T) {
	p, err := policy.LoadPack("de-marketing")
	if err != nil {
		t.Fatal(err)
	}
	text := "Unsere Kapseln stärken das Immunsystem."
	res := policy.NewChecker(p).Check(text, policy.CheckOptions{})
	if len(res.Violations) != 1 {
		t.Fatalf("Check(%q) = %+v; want one violation", text, res.Violations)
	}
	v := res.Violations[0]
	if got := text[v.Span[0]:v.Span[1]]; got != "stärken das Immunsystem" {
		t.Errorf("span covers %q; want %q", got, "stärken das Immunsystem")
	}
	if v.Category != "health_claim" || v.Severity != policy.SeverityBlock || !strings.Contains(v.Basis, "1924/2006") ||
		!strings.Contains(v.Rewrite, "normale Funktion des Immunsystems") {
		t.Errorf("violation = %+v; want a blocked health claim with basis 1924/2006 and the authorised rewrite", v)
	}
}

// TestPersonalDataOfEndorser: a named endorser is reported as an
// endorsement; a customer's contact data is still personal data.
func TestPersonalDataOfEndorser(t *testing.T) {
	p, err := policy.LoadPack("en-marketing")
	if err != nil {
		t.Fatal(err)
	}
	c := policy.NewChecker(p, policy.WithPersonalData(newPII()))
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"Vet Dr Lisa Brandt recommends our food to every dog owner.", []string{"endorsement"}},
		{"Thanks to John Miller, phone 0113 496 0123, for his review!", []string{"personal_data"}},
	} {
		var got []string
		for _, v := range c.Check(tc.text, policy.CheckOptions{}).Violations {
			if !slices.Contains(got, v.Category) {
				got = append(got, v.Category)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("Check(%q) = %v; want %v", tc.text, got, tc.want)
		}
	}
}

// TestBusinessContactData: contact data of the business itself and of people
// in their business role passes the personal_data rule; a customer's never
// does, not even beside the brand's own hotline.
func TestBusinessContactData(t *testing.T) {
	de, err := policy.LoadPack("de-marketing")
	if err != nil {
		t.Fatal(err)
	}
	en, err := policy.LoadPack("en-marketing")
	if err != nil {
		t.Fatal(err)
	}
	det := newPII()
	cde, cen := policy.NewChecker(de, policy.WithPersonalData(det)), policy.NewChecker(en, policy.WithPersonalData(det))
	tests := []struct {
		name string
		c    *policy.Checker
		text string
		want bool // personal data reported
	}{
		{"hotline and mailbox", cde, "Fragen zur Lieferung? Unsere Hotline 0800 123 45 67 ist werktags erreichbar, oder schreib an service@beispiel-shop.de.", false},
		{"press contact", cde, "Pressekontakt: Jana Petersen, Leiterin Kommunikation, Beispiel AG, Hafenstraße 3, 28217 Bremen, Tel. 0421 55 66 77-0.", false},
		{"job ad contact", cde, "Deine Ansprechpartnerin für Fragen zur Stelle ist Carla Meyer, jobs@beispiel.de.", false},
		{"legal notice", cde, "Beispiel Möbel GmbH, Lindenweg 12, 34117 Kassel, vertreten durch den Geschäftsführer Tim Berger.", false},
		{"own shop address", cde, "Besucht uns im neuen Laden in der Bergstraße 20, 69120 Heidelberg.", false},
		{"switchboard", cde, "Zentrale: 030 123456-0, montags bis freitags.", false},
		{"signature of a press contact", cde, "Mit freundlichen Grüßen\nMiriam Vogt\nPressesprecherin\nBeispiel Mobil GmbH\nTel. 040 800 900-12", false},
		{"event venue", cde, "Wir feiern am Samstag in der Kulturbrauerei, Schönhauser Allee 36, 10435 Berlin.", false},
		{"colleague in the sales team", cde, "Bei Fragen erreichen Sie Herrn Thomas Brandt aus unserem Vertriebsteam unter 089 123456-22.", false},
		{"retailer named like a person", cde, "Unsere Jacken gibt es jetzt auch bei Ernst Müller in Kassel.", false},
		{"invitation to a customer", cde, "Einladung an Frau Petra Sommer, Lindenweg 3, 34117 Kassel.", true},
		{"own shop compound", cde, "Kostenloser Sehtest in unserem Fachgeschäft in der Marktgasse 4, 79098 Freiburg.", false},
		{"tasting venue", cde, "Weinprobe im Gewölbekeller, Weinstraße 21, 67146 Deidesheim.", false},
		{"freemail beside an own cue", cde, "Schreib uns an jana.schneider@web.de.", true},
		{"customer with address", cde, "Gewonnen hat Frau Petra Sommer aus der Bergstraße 20 in Heidelberg.", true},
		{"customer beside a hotline", cde, "Herr Jonas Keller, Mobil 0171 9876543, hat unsere Hotline 0800 123 45 67 angerufen.", true},
		{"customer mailbox", cde, "Unsere Kundin hat sich unter info@keller-familie.de gemeldet.", true},
		{"customer address alone", cde, "Die Lieferung geht an die Bergstraße 20, 69120 Heidelberg.", true},
		{"freephone and mailbox en", cen, "Questions? Our helpline is on 0800 123 4567, or write to hello@example-shop.co.uk.", false},
		{"press contact en", cen, "Media contact: Sarah Nolan, Head of PR, Example Ltd, 10 King Street, Leeds LS1 2HL, 0113 496 0000.", false},
		{"director en", cen, "Example Homes Ltd, registered in England and Wales, no. 01234567. Director: Paul Grant.", false},
		{"visit us en", cen, "Visit us at our new showroom, 22 Mill Lane, York YO1 6HZ.", false},
		{"or call en", cen, "Book online or call 0161 496 0000 to reserve a table.", false},
		{"signature en", cen, "Best wishes,\nMiriam Vaughan\nPress Officer\nExample Mobile Ltd\n020 7946 0123", false},
		{"launch venue en", cen, "Join us for the launch party at The Old Market, 11 Upper Market Street, Hove BN3 1AS.", false},
		{"stocked by en", cen, "Our jackets are now also stocked by John Lewis and Selfridges.", false},
		{"invitation to a customer en", cen, "An invitation for Mrs Emma Clarke, 4 Elm Road, Bath BA1 1AA.", true},
		{"customer en", cen, "Congratulations to our winner Emma Clarke of 4 Elm Road, Bath BA1 1AA!", true},
		{"customer beside freephone en", cen, "Mr Tom Hale, mobile 07700 900321, called our helpline on 0800 123 4567.", true},
		{"customer email en", cen, "A customer wrote to us from info@hale-family.co.uk.", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var found []string
			for _, v := range tc.c.Check(tc.text, policy.CheckOptions{}).Violations {
				if v.Category == "personal_data" {
					found = append(found, tc.text[v.Span[0]:v.Span[1]])
				}
			}
			if got := len(found) > 0; got != tc.want {
				t.Errorf("Check(%q) personal data %q; want reported %v", tc.text, found, tc.want)
			}
		})
	}
}
