package providers

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/go-playground/validator/v10"
)

// maxValueLength bounds every credential: the longest real ones (JWT-style
// tokens, PEM keys excluded) stay well under 4 KiB.
const maxValueLength = 4096

// baselineRule applies to every credential before its own rule: no white
// space or control characters, and a sane length.
const baselineRule = "token,max=4096"

// RuleError says which rule a credential value broke. It never holds the
// value, so it is safe to print for secret fields.
type RuleError struct {
	Field string // credential name
	Rule  string // the rule as declared, or the baseline
	Broke string // the failing part: a tag like "len=32", or "pattern"
}

func (e *RuleError) Error() string {
	if e.Broke == e.Rule {
		return fmt.Sprintf("%s: value breaks rule %q", e.Field, e.Rule)
	}
	return fmt.Sprintf("%s: value breaks %q of rule %q", e.Field, e.Broke, e.Rule)
}

// Check validates a value against the baseline, the credential's rule and its
// pattern. The returned error is a *RuleError and never contains the value.
func (c Credential) Check(value string) error {
	if value == "" {
		return &RuleError{Field: c.Name, Rule: "required", Broke: "required"}
	}
	if len(value) > maxValueLength {
		return &RuleError{Field: c.Name, Rule: baselineRule, Broke: fmt.Sprintf("max=%d", maxValueLength)}
	}
	if err := checkTag(c.Name, value, baselineRule, "no white space or control characters"); err != nil {
		return err
	}
	if err := checkTag(c.Name, value, c.Rule, ""); err != nil {
		return err
	}
	if c.Pattern != "" {
		re, err := regexp.Compile(c.Pattern)
		if err != nil || !re.MatchString(value) {
			return &RuleError{Field: c.Name, Rule: c.Rule, Broke: "pattern " + c.Pattern}
		}
	}
	return nil
}

func checkTag(field, value, rule, label string) error {
	err := validate().Var(value, rule)
	if err == nil {
		return nil
	}
	broke := rule
	var ves validator.ValidationErrors
	if errors.As(err, &ves) && len(ves) > 0 {
		broke = ves[0].Tag()
		if ves[0].Param() != "" {
			broke += "=" + ves[0].Param()
		}
	}
	if label != "" {
		rule = label
	}
	return &RuleError{Field: field, Rule: rule, Broke: broke}
}
