package policy_test

import (
	"testing"

	"kontext/guard/policy"
)

// TestUnseenCleanEN covers lawful English copy written without sight of
// the checker (fresh7, fresh8, dev9) that the rules flagged, each case
// failing before the change that passes it, beside a violation of the same
// shape that is still found.
func TestUnseenCleanEN(t *testing.T) {
	t.Parallel()
	en := policy.NewChecker(mustPack(t, "en-marketing"), policy.WithPersonalData(newPII()), policy.WithModel(nil))
	tests := []categoryCase{
		// Beehives are no rash.
		{"beehives treated", "Our bees fly up to three miles. The hives are treated once a year, in winter, with oxalic acid only.", nil},
		{"hives soothed", "Our cream soothes hives in minutes.", []string{"health_claim"}},
		// A setting's word explained.
		{"eco explained", "'Eco' on our controller simply means a lower flow temperature at night.", nil},
		{"eco product", "An eco boiler for your home.", []string{"green_claim"}},
		// A shop's event and a new branch: the address is the business's.
		{"story time address", "Story time at the shop on Saturday 13 February at 10.30 am, 14 Castle Street, Norwich.", nil},
		{"new bar address", "Our second bar opens in Brighton on Saturday 12 April at 8 am, at 41 Gardner Street.", nil},
		{"customer's address", "Congratulations to our customer Jane Holt, 14 Castle Street, Norwich.", []string{"personal_data"}},
		// Free without a catch: no purchase needed, no upsell, a trial that says how to leave it.
		{"giveaway no purchase", "The first 100 customers get a free small juice, no purchase needed, one per person.", nil},
		{"giveaway with purchase", "The first 100 customers get a free small juice when you buy a large one for £4.50.", []string{"free_claim"}},
		{"free for schools no upsell", "Teachers get a class account at no cost, with no adverts and no upsell to pupils. Private schools pay €3 per pupil per year.", nil},
		{"free for schools", "Teachers get a class account at no cost. Private schools pay €3 per pupil per year.", []string{"free_claim"}},
		{"trial cancel before it ends", "Parlo Plus costs £7.99 a month, with a 7-day free trial. Cancel at least 24 hours before the trial ends in your App Store settings and you won't be charged.", nil},
		{"trial without a way out", "Parlo Plus costs £7.99 a month, with a 7-day free trial.", []string{"free_claim"}},
		// "ends in your settings" is a place; a time achieved is a result, not a countdown.
		{"ends in your settings", "Your subscription ends in your account settings.", nil},
		{"ends in hours", "The sale ends in 3 hours.", []string{"false_urgency"}},
		{"record time", "Team Cluedo Crew escaped The Lighthouse Keeper in 38:12, 41 seconds faster than the previous record.", nil},
		{"countdown", "Checkout closes in 04:59.", []string{"false_urgency"}},
		// A legal maximum, a day out in a review quote.
		{"legal maximum", "0.1% hydrogen peroxide, the most that products sold to consumers in the UK may contain.", nil},
		{"most effective", "The most effective whitening strips.", []string{"superlative_claim"}},
		{"best night out ever", "\"Best night out ever!\" say our players.", nil},
		{"best night out in town", "The best night out in Leeds.", []string{"superlative_claim"}},
		// dev9: the 30-day price named after it, a term's total, a price rise, a service for goods bought elsewhere,
		// priced before any commitment, free without extra charge, an age group let in free, free cancelling in time,
		// a testimonial's own experience, a set phrase, a taste test invited, a claim doubted, customers addressed.
		{"30-day lowest price after", "Rain covers 20% off, also against their 30-day lowest price.", nil},
		{"lowest price stated", "The lowest price in town.", []string{"price_claim", "superlative_claim"}},
		{"term's total", "Our partner offers theft cover from €9.90 a month with a minimum term of 12 months, €118.80 in the first year.", nil},
		{"price rise", "Price change: from Monday a crate costs €6.49 instead of €5.99, because our transport costs have gone up.", nil},
		{"price cut", "A crate now costs €5.99 instead of €6.49.", []string{"price_claim"}},
		{"bought elsewhere", "Fitting only, for kitchens bought elsewhere: from £1,450 for up to 12 units, including worktop cutting.", nil},
		{"quoted before you commit", "From £1,450 for up to 12 units. Gas work is quoted separately after a survey, before you commit to anything.", nil},
		{"quoted separately", "From £1,450 for up to 12 units. Gas work is quoted separately after a survey.", []string{"price_claim"}},
		{"no extra charge", "Free engraving on every toy ordered by 10 December. No extra charge and no minimum order.", nil},
		{"extra charge", "Free engraving on every toy, with an extra charge for gift wrapping.", []string{"free_claim"}},
		{"under-12s free", "Christmas pony show, 20 December, 2 pm, tickets £5, under-12s free.", nil},
		{"cancel free in time", "Can I cancel a lesson? Free of charge up to 48 hours before. After that we charge the full fee.", nil},
		{"cancellation fee", "Is cancellation free? Yes – subject to a £25 admin fee.", []string{"free_claim"}},
		{"postage on us", "Send the kit back within 30 days and we refund the full price. Return postage is on us.", nil},
		{"best decision we made", "Honestly the best decision we made was hiring @VowsbyVerity. #ad", nil},
		{"kindest people we've met", "\"The kindest people we've ever met\" say our families.", nil},
		{"best seat in the house", "The indoor arena is the best seat in the house for our pony show.", nil},
		{"most we've ever made", "The most eco-friendly collection we've ever made.", []string{"green_claim", "superlative_claim"}},
		{"taste test invited", "Officially the best coffee in Bristol ☕ Don't take our word for it – come and taste it.", []string{"superlative_claim"}},
		{"claim doubted", "We'd be sceptical of any claim that alkaline water fights disease; we've never seen evidence for it.", nil},
		{"customers addressed", "Existing customers with an emergency can call 0161 555 0142.", nil},
		{"customers' numbers", "Our customers' numbers: 0161 555 0142, 0161 555 0143.", []string{"personal_data"}},
		// fresh9, dev10: an authority's fee beside a free service, postage free above an order value, free delivery
		// right after the goods' price, customers' taste, a platform's reviews, a comparison asked and refused.
		{"council's fee", "If you need permission, we prepare the application at no charge. The council's fee, currently £258, is paid by you.", nil},
		{"our fee beside free", "We prepare the application at no charge. Our handling fee of £95 is added to your invoice.", []string{"free_claim"}},
		{"postage free over", "Sea Salt soap, 100 g, £6.50. UK postage £2.95, or free on orders over £30.", nil},
		{"gift free over", "Sea Salt soap, 100 g, £6.50. A free soap dish on orders over £30.", []string{"free_claim"}},
		{"price then free uk delivery", "Road helmet, size M. £89.00, free UK delivery included in the price.", nil},
		{"free uk delivery with check", "Free UK delivery on every e-bike! A pre-delivery safety check (£49) is added to all orders at checkout.", []string{"free_claim"}},
		{"customers prefer", "Some customers with sensitive skin prefer our unscented bars.", nil},
		{"dermatologists prefer", "Dermatologists prefer our unscented bars.", []string{"endorsement"}},
		{"etsy reviews", "4.9 stars from 687 Etsy reviews; Etsy only lets people who bought from the shop leave one.", nil},
		{"stars no source", "4.9 stars from 687 happy customers.", []string{"endorsement"}},
		{"compare asked refused", "Are you cheaper than the big outdoor chains? We don't compare ourselves with them. Our prices are on every product page.", nil},
		// dev10: advice to the reader, a testimonial's own experience, one's own range.
		{"tip for the best", "Chef Aisha's tip for the best roast potatoes: parboil, shake them in the pan, then roast in very hot dripping.", nil},
		{"best roast potatoes in town", "The best roast potatoes in Leeds, every Sunday.", []string{"superlative_claim"}},
		{"tastiest in our kitchen", "Not the healthiest thing we make, but the tastiest in our kitchen.", nil},
		{"tastiest in yorkshire", "The tastiest pies in Yorkshire.", []string{"superlative_claim"}},
		{"best candle I've smelled", "\"Honestly the best candle I've ever smelled\" says Jo from Leeds.", nil},
		{"best thing we've made", "Our new rope is the best thing we've made in ten years of rope making.", nil},
		{"best rope on the market", "Our new rope is the best on the market.", []string{"superlative_claim"}},
		{"big chains set against us", "The big outdoor chains sell you last year's boots. We sell you this year's.", []string{"comparative_claim"}},
	}
	checkCategories(t, en, tests)
}

// TestUnseenRecallEN covers violations of English copy written without
// sight of the checker (fresh7, fresh8, dev9) that the rules missed, each
// case failing before the change that finds it, beside lawful copy of the
// same shape.
func TestUnseenRecallEN(t *testing.T) {
	t.Parallel()
	en := policy.NewChecker(mustPack(t, "en-marketing"), policy.WithPersonalData(newPII()), policy.WithModel(nil))
	tests := []categoryCase{
		// Scarcity without a number; "link in bio" is a creator's only in the first person.
		{"last few spaces", "Last few spaces! This course always sells out within hours, so grab yours before it's gone. Link in bio.", []string{"false_urgency"}},
		{"creator's link in bio", "I swear by this serum, my skin has never looked better. Link in bio!", []string{"endorsement"}},
		{"brand's link in bio", "The spring timetable is out. Book your class, link in bio.", nil},
		{"course places stated", "The course has 12 places; booking opens on 1 March.", nil},
		// Endorsements: any qualifier of the trade, crowds without a figure, stars in words.
		{"child psychologists", "Recommended by child psychologists for bedtime reading.", []string{"endorsement"}},
		{"strictly professionals", "Loved by Strictly professionals. Come and find out why.", []string{"endorsement"}},
		{"recommended by our team", "Recommended by our team: the spring reading list.", nil},
		{"thousands of homeowners", "Loved by thousands of happy homeowners across Cardiff.", []string{"endorsement"}},
		{"rate us five stars", "Join the escapees who rate us five stars.", []string{"endorsement"}},
		// Comparisons: buying elsewhere questioned, choosing us over another, time wasted elsewhere.
		{"why not get a quote from", "Why not get a quote from Octopus? You can, if you're happy to wait months.", []string{"comparative_claim"}},
		{"why not buy x because", "Why not just buy Crest Whitestrips? Because they're packed with harsh chemicals. Ours are gentle.", []string{"comparative_claim"}},
		{"why choose us over", "Why choose us over JobRad? Because with them you're just a number.", []string{"comparative_claim"}},
		{"spent a year and still can't", "Spent a year at Arthur Murray and still can't dance? You're not alone.", []string{"comparative_claim"}},
		{"why not book early", "Why not book early? The first dates fill up by March.", nil},
		// Prices: "were", a fee left to the first visit, goods for a monthly amount.
		{"were now", "All large juices were £5.50, now just £3.95 this week.", []string{"price_claim"}},
		{"joining fee at first visit", "Unlimited classes from £29 a month. We'll explain the joining fee at your first visit.", []string{"price_claim"}},
		{"fee included", "Unlimited classes from £29 a month, joining fee included.", nil},
		{"bike a month", "Your dream road bike for just £29 a month! Sign up in 5 minutes.", []string{"price_claim"}},
		{"e-bike costs a month", "A premium e-bike costs you just €59 a month, and your employer handles the rest.", []string{"price_claim"}},
		{"bike a month with term", "Your road bike for £29 a month over 36 months, £1,044 in total.", nil},
		{"your discount", "Your 50% discount is waiting in your account.", nil},
		{"text size", "You can set the text size up to 200%, and lessons can be done without a timer.", nil},
		// Health: a symptom gone for a season, gums by their complaint.
		{"season without a sneeze", "Local honey for hay fever: you'll get through the pollen season without a single sneeze.", []string{"health_claim"}},
		{"sore gums", "Whiter teeth and no more sore, sensitive gums!", []string{"health_claim"}},
		{"honey on toast", "Local honey for toast and tea: a spoonful every morning from March.", nil},
		// Guarantees: works on everyone, a result every time.
		{"works on every smile", "It works on every smile: up to 8 shades whiter every time.", []string{"guaranteed_success"}},
		{"shades whiter stated", "Most users saw 2 to 4 shades after 14 sessions in our 2025 panel.", nil},
		// Free beside a charge or a payment by confirmation.
		{"quote free visit charged", "The quote is free! We just charge £60 for the visit.", []string{"free_claim"}},
		{"face id", "Unlock all 40 languages free today. Tap Start and confirm with Face ID.", []string{"free_claim"}},
		{"quote free only", "The quote is free and comes within two days.", nil},
		// dev9: sole position without a superlative form, a vote, scarcity and others booking, results for every
		// family, crowds trusting a name, referrals, another's prices or quote, fees put on the final bill or worked
		// out at the checkout, free by delivery or "on us", a free service answered "completely" beside a deposit.
		{"above every other", "Ivy & Oak is the wedding planner Yorkshire couples rate above every other.", []string{"superlative_claim"}},
		{"nobody more than we have", "Nobody in the county has planned more weddings than we have.", []string{"superlative_claim"}},
		{"more often than any other", "Our mineral water, tested more often than any other.", []string{"superlative_claim"}},
		{"voted favourite", "Voted the North West's favourite kitchen fitter.", []string{"superlative_claim"}},
		{"gone by tomorrow", "Four couples are enquiring about each date as we speak, so your date will almost certainly be gone by tomorrow.", []string{"false_urgency"}},
		{"others looked", "14 other riders have looked at this bike in the last hour. Check out within the next 15 minutes to keep it.", []string{"false_urgency"}},
		{"parents booking", "Summer holiday places are vanishing fast – 43 parents are booking right now!", []string{"false_urgency"}},
		{"price goes back up", "Tomorrow the price goes back up, so don't sleep on it!", []string{"false_urgency"}},
		{"works for every family", "A Packhorse works for every family, every route and every weather.", []string{"guaranteed_success"}},
		{"nurseries trust a name", "Over 2,000 nurseries across Germany trust Holzwerk Bender.", []string{"endorsement"}},
		{"thousands of families trusted", "Thousands of families across the county have trusted Hartley & Sons with their goodbyes.", []string{"endorsement"}},
		{"vets send riders", "Just about every vet and farrier in the county sends new riders our way.", []string{"endorsement"}},
		{"why pay x prices", "Why pay Starbucks prices for burnt beans? Our espresso actually tastes of coffee.", []string{"comparative_claim"}},
		{"quote from another", "Had a quote from Wren? Bring it to us. We'll fit the same kitchen in half the time.", []string{"comparative_claim"}},
		{"final account", "Our Simple Funeral now starts at just £2,195. The crematorium fees are added to your final account after the funeral.", []string{"price_claim"}},
		{"worked out at checkout", "A crate is just €5.99! The deposit and our fuel surcharge are worked out at the checkout.", []string{"price_claim"}},
		{"delivered free with fee", "Delivered free to your door. We add a €149 handover and set-up fee, which every bike needs.", []string{"free_claim"}},
		{"first crate on us", "Your first crate is on us. Simply sign up for the home service and we'll bring a fresh crate every week.", []string{"free_claim"}},
		{"completely free with deposit", "Is the 3D design free? Completely. We just take a £295 non-refundable design deposit when you book the visit.", []string{"free_claim"}},
		{"count on us", "You can always count on us for advice.", nil},
		// fresh9, dev10: fees put on the first invoice or the final checkout page, the catch as an easy step, an organ
		// in lay words, a rival asked about, without exception, perfect for life, trades further from the verb, crowds
		// without a figure, sole position in a region, best value, a holiday for a monthly amount, a party said to be free.
		{"first invoice", "Guitar lessons from just £9.50 a lesson! A registration fee and a materials charge are added to your first invoice.", []string{"price_claim"}},
		{"final checkout page", "Kerosene at 61.9p a litre. Delivery, tank access and booking fees are added on the final checkout page.", []string{"price_claim"}},
		{"fees stated", "Guitar lessons from just £9.50 a lesson, registration fee included.", nil},
		{"just tick club", "Claim your free welcome case of six wines today. Just tick the Wine Club option at the checkout to unlock it.", []string{"free_claim"}},
		{"just add care", "Get your Silverpad FREE today! Just add Silverpad Care to your order and the tablet is yours.", []string{"free_claim"}},
		{"party free bring friends", "Your child's birthday party is FREE at Bounce Kingdom! Just bring 10 or more friends along.", []string{"free_claim"}},
		{"party free no catch", "Your child's birthday party is free at Bounce Kingdom, no purchase needed.", nil},
		{"good for your heart", "Thanks to its resveratrol a glass a day is good for your heart.", []string{"health_claim"}},
		{"good for the heart of town", "Our market is good for the heart of the town.", nil},
		{"different from rival", "How are you different from Nyetimber? They have the marketing budget; we have the better grapes.", []string{"comparative_claim"}},
		{"cost more than rival", "Why do we cost a little more than BoilerJuice? Because we don't play their game of hiding charges.", []string{"comparative_claim"}},
		{"no exceptions", "Every Canopy carport pays for itself within seven years, on every driveway. No exceptions.", []string{"guaranteed_success"}},
		{"perfect for life", "Our sash windows stay perfect for life, whatever the weather throws at them.", []string{"guaranteed_success"}},
		{"gps far from verb", "GPs and occupational therapists up and down the country recommend it to their older patients.", []string{"endorsement"}},
		{"gps and nurses here", "Our GPs and nurses up and down the practice are here to help you.", nil},
		{"everyone's talking", "Come and see why everyone's talking about us!", []string{"endorsement"}},
		{"join the thousands", "Join the thousands of happy families who book with us!", []string{"endorsement"}},
		{"mums all over say", "Mums all over Manchester say we're THE place for parties.", []string{"endorsement"}},
		{"nobody in region cheaper", "Nobody in the North East delivers heating oil cheaper than Fenwick Fuels.", []string{"superlative_claim"}},
		{"best-value", "Quite simply the UK's best-value flooring.", []string{"superlative_claim"}},
		{"holiday a month", "Book our summit week now for just £99 a month!", []string{"price_claim"}},
		{"holiday a month with total", "Our summit week for just £99 a month over 12 months, £1,188 in total.", nil},
		// The mind kept fit, a product named for the heart; "than anyone else" is a superlative, no comparison; a deadline's
		// end is no later charge.
		{"mentally active", "It keeps them connected and mentally active.", []string{"health_claim"}},
		{"healthy heart class", "Our Healthy Heart class is on Tuesdays.", []string{"health_claim"}},
		{"keeps them connected", "It keeps them connected with the grandchildren.", nil},
		{"more than anyone else", "The UK's No. 1 solar carport. More installs than anyone else, year after year.", []string{"superlative_claim"}},
		{"more than a rival", "More installs than Tesla, year after year.", []string{"comparative_claim"}},
		{"free survey deadline", "Our carport deal ends in 23:59:59. Book your free survey before the clock hits zero – after that, it's gone!", []string{"false_urgency"}},
		{"free survey then charge", "Book your free survey today – after that, it's £95.", []string{"free_claim"}},
		// Written here, in the shape of the unseen copy: health in lay words (an organ or sense kept well, bugs fought
		// off, children helped through a condition, cholesterol kept in check) and others of a trade by what they do
		// or by their kind, beside lawful copy of the same shape.
		{"tummy happy immune strong", "Our kombucha keeps your tummy happy and your immune system strong.", []string{"health_claim"}},
		{"eyesight sharp", "Packed with nutrients that keep your eyesight sharp.", []string{"health_claim"}},
		{"memory sharp", "Keeps your memory sharp well into old age.", []string{"health_claim"}},
		{"garden healthy", "Keeps your garden healthy all summer.", nil},
		{"fight off winter bugs", "Helps you fight off winter bugs.", []string{"health_claim"}},
		{"stronger bones", "Stronger bones for life with our milk.", []string{"health_claim"}},
		{"authorised bones wording", "Calcium is needed for the maintenance of normal bones.", nil},
		{"little ones with colic", "Chamomile drops to help little ones with colic.", []string{"health_claim"}},
		{"help with paperwork", "Our staff will help you with the paperwork if you have arthritis in your hands.", nil},
		{"cholesterol in check", "Eat our oat bars and keep your cholesterol in check.", []string{"health_claim"}},
		{"mould in check", "Our cleaners help you keep the mould in check in damp winters.", nil},
		{"other bakeries frozen", "Other bakeries use frozen dough. We bake from scratch every night.", []string{"comparative_claim"}},
		{"some bakers use rye", "Some bakers use rye; we use spelt.", nil},
		{"most opticians upsell", "Most opticians will upsell you lenses you don't need. We won't.", []string{"comparative_claim"}},
		{"agencies send whoever", "Most tutoring agencies send whoever is free. We match your child with a specialist.", []string{"comparative_claim"}},
		{"most teachers use", "Most teachers will use the workbook in class, and we send it free.", nil},
		{"high-street prices", "Tired of paying high-street prices for glasses? Come to us.", []string{"comparative_claim"}},
		{"big energy firms", "Fed up with the big energy firms? Switch to a local one.", []string{"comparative_claim"}},
		{"switch to our app", "Switch to our app to book faster.", nil},
		{"online-only banks", "Those online-only banks won't pick up the phone. We will.", []string{"comparative_claim"}},
		{"so-called craft", "Some so-called craft breweries buy their beer in. Not us.", []string{"comparative_claim"}},
		{"cheap imports", "Cheap imports fall apart in a year. Our tables last generations.", []string{"comparative_claim"}},
		{"big-name trainers", "Forget the big-name trainers. Our shoes are made to last.", []string{"comparative_claim"}},
		{"keeps the doctor away", "One shot a day keeps the doctor away.", []string{"health_claim"}},
		{"dentist away from weekend", "Keep the dentist away from your weekend: book the Saturday slot.", nil},
		{"gut back on track", "Our blend gets your gut back on track.", []string{"health_claim"}},
		{"body back on track", "Put your body back on track after Christmas with our running club.", nil},
		{"calms the nerves", "Our herbal tea calms the nerves before an exam.", []string{"health_claim"}},
		{"calm your nerves planners", "Calm your nerves before the big day: our planners handle everything.", nil},
		{"sleep better tonight", "Sleep better tonight with our lavender drops.", []string{"health_claim"}},
		{"nature's cough medicine", "Our honey is nature's own cough medicine.", []string{"health_claim"}},
		{"nature's own colours", "Nature's own colours: our wool is undyed.", nil},
		{"joints years younger", "Our collagen drinks make your joints feel twenty years younger.", []string{"health_claim"}},
		{"lifts your mood", "A natural pick-me-up that lifts your mood.", []string{"health_claim"}},
		{"lifts the mood of a party", "Our new menu lifts the mood of any office party.", nil},
		{"foggy head", "Wake up without that foggy head.", []string{"health_claim"}},
		{"coffee chains charge", "The coffee chains charge £4 for a flat white. Ours is £2.80.", []string{"comparative_claim"}},
		{"chains open", "The chains open at 9 on Sundays; we open at 8.", nil},
		{"current provider overcharging", "Your current provider is probably overcharging you.", []string{"comparative_claim"}},
		{"current provider final bill", "Your current provider will send you a final bill.", nil},
	}
	checkCategories(t, en, tests)
}

// TestPlaceGenitiveEN covers a superlative or a favourite after a town's
// or a region's genitive ("London's oldest bakery"), beside the place's
// genitive in lawful copy.
// TestAnsweredQuestionEN: a claim in a question stands when the answer
// affirms it, in a two-word answer and after a Q/A layout's "A:".
func TestAnsweredQuestionEN(t *testing.T) {
	t.Parallel()
	en := policy.NewChecker(mustPack(t, "en-marketing"), policy.WithPersonalData(newPII()), policy.WithModel(nil))
	checkCategories(t, en, []categoryCase{
		{"of course", "Is the first lesson free? Of course. Just book a slot, no card needed, and we'll charge £30 a month from the second lesson on.", []string{"free_claim"}},
		{"Q and A", "Q: Is the first lesson free? A: Yes. Just book a slot, no card needed, and we'll charge £30 a month from the second lesson on.", []string{"free_claim"}},
		{"Q and A, of course", "Q: Is the first lesson free? A: Of course! Just book a slot, no card needed, and we'll charge £30 a month from the second lesson on.", []string{"free_claim"}},
		{"not answered", "Q: Is the first lesson free? A: No, it costs £30, like every lesson.", nil},
	})
}

func TestPlaceGenitiveEN(t *testing.T) {
	t.Parallel()
	en := policy.NewChecker(mustPack(t, "en-marketing"), policy.WithPersonalData(newPII()), policy.WithModel(nil))
	checkCategories(t, en, []categoryCase{
		{"oldest bakery of London", "London's oldest bakery has been baking in Spitalfields since 1870.", []string{"superlative_claim"}},
		{"favourite barber", "Manchester's favourite barber is back on Oldham Street!", []string{"superlative_claim"}},
		{"friendliest gym", "Come and train at Leeds's friendliest gym.", []string{"superlative_claim"}},
		{"West End", "Our shop is in London's West End, two minutes from Covent Garden.", nil},
		{"latest news", "Here is the town's latest news from the high street.", nil},
	})
}

// TestDev12CleanEN covers lawful English copy of dev12 (written without
// sight of the checker) that the rules flagged, by cause, each case failing
// before the change that passes it, beside a violation of the same shape
// that is still found.
func TestDev12CleanEN(t *testing.T) {
	t.Parallel()
	en := policy.NewChecker(mustPack(t, "en-marketing"), policy.WithPersonalData(newPII()), policy.WithModel(nil))
	checkCategories(t, en, []categoryCase{
		// The prior price of a second product told by pointing back to the first.
		{"lowest price same period", "The Ridge boot is £60, down from £75, its lowest price in the previous 30 days. The Fell is £48, down from £55, its lowest price over the same period.", nil},
		{"lowest price in town", "The Fell boot is £48: the lowest price in town.", []string{"price_claim", "superlative_claim"}},
		// One's own advice, also shortened; the maker's care instructions followed.
		{"we'll recommend", "We'll only recommend retainers if your teeth need them.", nil},
		{"makers' care advice", "Wash it by hand in lukewarm water, as most jacket manufacturers recommend.", nil},
		{"trade recommends", "Orthodontists recommend our retainers.", []string{"endorsement"}},
		// Biodegradability with the test guideline named as its source.
		{"oecd test report", "The OECD 301F test report from our supplier shows the cleaner is readily biodegradable.", nil},
		{"biodegradable bare", "Our cleaner is readily biodegradable.", []string{"green_claim"}},
		// Greener as a colour, set against one's own later crop.
		{"greener oil colour", "Olives picked in October give a greener oil than later harvests.", nil},
		{"greener than plastic", "Our bottles are the greener choice.", []string{"green_claim"}},
		// Assistance dogs free beside a charge for pets.
		{"guide dogs free", "Dogs are £4 a night each. Guide dogs stay free of charge.", nil},
		{"dogs free with fee", "Dogs stay free of charge, plus a £4 cleaning fee per night.", []string{"free_claim"}},
		// A product's or an award's name with "Family" is no customer.
		{"family tin", "Kestrel Family Tin, 3 L. RRP £40.00, our price £29.50.", []string{"price_claim"}},
		{"guest and family", "Sarah and her family stayed in our Family Room last week.", []string{"personal_data"}},
		// An award won, named with its awards and year.
		{"award named", "Sandy Lane Cafe was named Best Seaside Cafe in Devon at the South West Food Awards 2025.", nil},
		{"best cafe", "Sandy Lane is the best seaside cafe in Devon.", []string{"superlative_claim"}},
		// What to do if a symptom persists is a safety note.
		{"if the pain persists", "Some people feel mild soreness for a day, which usually eases quickly. If the pain gets worse, call your dentist.", nil},
		{"gel eases pain", "Our gel eases the pain of mouth ulcers in minutes.", []string{"health_claim"}},
		// A registered professional named in their role.
		{"registered dentist", "Meet the team: Dr Priya Nair (GDC 254310) leads treatment planning, supported by our hygienists Sam and Jo.", nil},
		{"patient named", "Our patient Dr Priya Nair, supported by our hygienists Sam and Jo, finished her treatment.", []string{"personal_data"}},
	})
}

// TestDev12RecallEN covers violations of dev12 (written without sight of
// the checker) that the rules missed, by cause, each case failing before
// the change that finds it, beside lawful copy of the same shape that
// still passes.
func TestDev12RecallEN(t *testing.T) {
	t.Parallel()
	en := policy.NewChecker(mustPack(t, "en-marketing"), policy.WithPersonalData(newPII()), policy.WithModel(nil))
	checkCategories(t, en, []categoryCase{
		// Drip pricing: a part everyone pays, said to be required or added to every booking.
		{"required for every order", "Rollers from £24.99 a set. Your sizing kit (£5, required for every order) is added at the checkout.", []string{"price_claim"}},
		{"optional kit", "Rollers from £24.99 a set. A sizing kit is available if you'd like one.", nil},
		{"added to every booking", "Interior cleans start at £29. A £5 site fee is then added to every booking.", []string{"price_claim"}},
		{"start at including", "Interior cleans start at £29, site fee included.", nil},
		{"apply to every stay", "Hardstanding pitches from £18 a night! An awning fee and a £2 booking fee apply to every stay.", []string{"price_claim"}},
		{"every guest pays", "Yurts from £40 a night. Every guest also pays a £5 nightly service pass at check-in.", []string{"price_claim"}},
		{"every guest gets", "Yurts from £40 a night. Every guest also gets a welcome hamper.", nil},
	})
}

// TestDev11CleanEN covers lawful English copy of dev11 (written without
// sight of the checker) that the rules flagged, by cause, each case failing
// before the change that passes it, beside a violation of the same shape
// that is still found.
func TestDev11CleanEN(t *testing.T) {
	t.Parallel()
	en := policy.NewChecker(mustPack(t, "en-marketing"), policy.WithPersonalData(newPII()), policy.WithModel(nil))
	checkCategories(t, en, []categoryCase{
		// A claim disowned, endorsements refused.
		{"no claim made", "Night mode just dims the display; we make no claim that it is better for the planet.", nil},
		{"claim made", "Night mode is better for the planet.", []string{"green_claim"}},
		{"no endorsements used", "We don't use dentists' endorsements in our adverts, but your dentist can refer you and send your X-rays to us.", nil},
		{"dentists send us", "Dentists all over Leeds send their patients to us.", []string{"endorsement"}},
		// Superlatives within one's own fleet or shop, a pick, the reader's best, a testimonial's life.
		{"roomiest in our fleet", "The Kingfisher is the roomiest boat in our holiday fleet.", nil},
		{"roomiest on the canal", "The Kingfisher is the roomiest boat on the canal.", []string{"superlative_claim"}},
		{"best-selling in our cafe", "The Ember mug, best-selling at our own café in 2025, with 900 sold.", nil},
		{"best-selling in Britain", "The Ember mug, Britain's best-selling mug.", []string{"superlative_claim"}},
		{"picked the scruffiest", "The children picked the scruffiest one on purpose.", nil},
		{"tallest trees", "We grow the tallest trees in Kent.", []string{"superlative_claim"}},
		{"post your best", "Post your best holiday snap in the comments to win a voucher.", nil},
		{"best of our lives", "The best fortnight of our lives, thank you!", nil},
		{"best cottage", "The best cottage in Wales, thank you!", []string{"superlative_claim"}},
		// What a procedure feels like.
		{"pressure rather than pain", "Numbing drops mean most patients feel pressure rather than pain during treatment.", nil},
		{"pain during treatment", "Our numbing drops stop the pain during treatment.", []string{"health_claim"}},
		// A job ad's pay and perks.
		{"job perks", "Seasonal guide wanted, £12.60 an hour plus free staff kayak hire.", nil},
		{"free with fee", "Free kayak hire, plus a £10 booking fee.", []string{"free_claim"}},
	})
}

// TestDev11RecallEN covers violations of dev11 and dev12 (written without
// sight of the checker) that the rules missed, by cause, each case failing
// before the change that finds it, beside lawful copy of the same shape
// that still passes.
func TestDev11RecallEN(t *testing.T) {
	t.Parallel()
	en := policy.NewChecker(mustPack(t, "en-marketing"), policy.WithPersonalData(newPII()), policy.WithModel(nil))
	checkCategories(t, en, []categoryCase{
		// A rating from a count of reviews, with no source or check.
		{"rating from reviews", "★★★★★ 4.7 out of 5 from 1,980 reviews – order yours today.", []string{"endorsement"}},
		{"rating checked", "4.7 out of 5 from 1,980 reviews. Every review is checked against an order before it goes live.", nil},
		// The medicine made needless.
		{"no inhaler needed", "A week of sea air and your chest clears up, no inhaler needed.", []string{"health_claim"}},
		{"bring your inhaler", "Bring your inhaler if you need one; the coast path is steep.", nil},
		{"forget the statins", "Two spoons a day and you can forget about the statins.", []string{"health_claim"}},
		{"forget the jam", "Two spoons a day and you can forget about the jam.", nil},
		{"calmer than any pill", "An hour at the wheel leaves you calmer than any pill could.", []string{"health_claim"}},
		{"calmer than any spa", "An hour at the wheel leaves you calmer than any spa day.", nil},
		// Weight loss in stones with a time frame.
		{"half a stone a month", "Swap breakfast for our shake and drop half a stone in a month.", []string{"health_claim"}},
		{"stone into the pond", "Drop a stone into the pond and watch the ripples.", nil},
		// A stock count in figures.
		{"only units remain", "Only 3 units remain at this price – the counter updates live.", []string{"false_urgency"}},
		{"only units weigh", "Only 3 units in the range weigh under 900 g.", nil},
		// Drip pricing: payable by all, a mandatory fee.
		{"payable by all", "Scans from £49*. *The report (£20) is payable by all patients.", []string{"price_claim"}},
		{"on request", "Scans from £49*. *A printed report (£20) is available on request.", nil},
		{"mandatory fee", "E-bikes from £899. Mandatory set-up fee £39.", []string{"price_claim"}},
	})
}

// TestDev12ComparativeEN covers comparisons of dev11 and dev12 (written
// without sight of the checker) with others described by their kind that
// the rules missed, each case failing before the change that finds it,
// beside lawful copy of the same shape that still passes.
func TestDev12ComparativeEN(t *testing.T) {
	t.Parallel()
	en := policy.NewChecker(mustPack(t, "en-marketing"), policy.WithPersonalData(newPII()), policy.WithModel(nil))
	checkCategories(t, en, []categoryCase{
		{"big DIY shed", "Paid £40 for that rug at the big DIY shed? We sell the same one for £25.", []string{"comparative_claim"}},
		{"garden shed", "The big garden shed in our catalogue comes flat-packed.", nil},
		{"chain's cushions", "Sick of that big sofa chain's cushions going flat? Treat yourself to real feathers.", []string{"comparative_claim"}},
		{"sofa's cushions", "That big sofa's cushions are filled with real feathers.", nil},
		{"doorstep outfits", "Signed up with one of those doorstep roofing outfits? Send us their quote.", []string{"comparative_claim"}},
		{"doorstep check", "Send us your quote for a doorstep roofing check.", nil},
		{"other shops vanish", "The other scooter shops online sell you a box and disappear. We stay around for the repairs.", []string{"comparative_claim"}},
		{"why pay a dentist", "Why pay a high-street dentist £500 for whitening? We do it for half.", []string{"comparative_claim"}},
		{"why pay a sum", "Why pay £500 for whitening when a kit does the job?", nil},
		{"warmer than anything", "Warmer than anything the national installers fit.", []string{"comparative_claim"}},
		{"warmer than ever", "Our new duvet: warmer than ever.", nil},
		{"service station instead", "Those jet washes at the service station? Sandpaper for your paint. Get a hand wash with us instead.", []string{"comparative_claim"}},
		{"next to the service station", "Our car wash is next to the service station on the A61, with a proper hand finish.", nil},
	})
}

// TestDev11HealthEN covers lay health claims, a place's "most" and findings
// on other categories in dev11 and dev12 (written without sight of the
// checker), each case failing before the change, beside copy of the same
// shape with the opposite outcome.
func TestDev11HealthEN(t *testing.T) {
	t.Parallel()
	en := policy.NewChecker(mustPack(t, "en-marketing"), policy.WithPersonalData(newPII()), policy.WithModel(nil))
	checkCategories(t, en, []categoryCase{
		{"pain-free from first run", "Pain-free from the very first run.", []string{"health_claim"}},
		{"comfortable from first run", "Comfortable from the very first run.", nil},
		{"snore less", "Most wearers snore much less after a week.", []string{"health_claim"}},
		{"spend less", "Most wearers spend much less on batteries.", nil},
		{"watch cholesterol", "Watch your cholesterol come down with our oat bars.", []string{"health_claim"}},
		{"watch savings", "Watch your savings go up with our plan.", nil},
		{"colds stay away", "Three drops a day and the sniffles stay away all winter.", []string{"health_claim"}},
		{"birds stay away", "Three drops a day and the birds stay away from your seedlings.", nil},
		{"county's most", "Yorkshire's most relaxing spa.", []string{"superlative_claim"}},
		{"most of the county's", "Most of Yorkshire's spas open at nine.", nil},
		// A time had in the writer's voice; a distance told; a code named without the word.
		{"spent the loveliest week", "Spent the loveliest week at @SeabreezeParks with the kids.", []string{"endorsement"}},
		{"loveliest campsite", "Seabreeze: the loveliest campsite in Cornwall.", []string{"superlative_claim"}},
		{"nearest pub miles away", "The nearest pub is two miles away, so the nights are quiet.", nil},
		{"code for off", "Use TOM15 for 15% off your first box!", nil},
		{"off this week", "15% off all boxes this week!", []string{"price_claim"}},
	})
}
