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
