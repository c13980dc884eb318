package policy_test

import (
	"slices"
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
	tests := []struct {
		name string
		text string
		want []string
	}{
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
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := en.Check(tc.text, policy.CheckOptions{AIDisclosed: true})
			if got := categories(res); !slices.Equal(got, tc.want) {
				t.Errorf("Check(%q) = %v (%+v); want %v", tc.text, got, res.Violations, tc.want)
			}
		})
	}
}

// TestUnseenRecallEN covers violations of English copy written without
// sight of the checker (fresh7, fresh8, dev9) that the rules missed, each
// case failing before the change that finds it, beside lawful copy of the
// same shape.
func TestUnseenRecallEN(t *testing.T) {
	t.Parallel()
	en := policy.NewChecker(mustPack(t, "en-marketing"), policy.WithPersonalData(newPII()), policy.WithModel(nil))
	tests := []struct {
		name string
		text string
		want []string
	}{
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
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := en.Check(tc.text, policy.CheckOptions{AIDisclosed: true})
			if got := categories(res); !slices.Equal(got, tc.want) {
				t.Errorf("Check(%q) = %v (%+v); want %v", tc.text, got, res.Violations, tc.want)
			}
		})
	}
}
