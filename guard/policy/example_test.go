package policy_test

import (
	"fmt"

	"kontext/guard/policy"
)

func ExampleChecker_Check() {
	pack, err := policy.LoadPack("de-marketing")
	if err != nil {
		panic(err)
	}
	res := policy.NewChecker(pack).Check("Unser Tee lindert Erkältungen – jetzt 9 € statt 12 €!", policy.CheckOptions{Channel: "newsletter"})
	fmt.Println(res.Decision)
	for _, v := range res.Violations {
		fmt.Println(v.Rule, v.Category, v.Severity, v.Span)
	}
	// Output:
	// blocked
	// health.cure health_claim block [10 17]
	// price.strike price_claim block [47 59]
}
