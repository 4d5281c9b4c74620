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
	Why   string // what the failing part asks for, in words; may be empty
}

func (e *RuleError) Error() string {
	msg := fmt.Sprintf("%s: value breaks %q of rule %q", e.Field, e.Broke, e.Rule)
	if e.Broke == e.Rule {
		msg = fmt.Sprintf("%s: value breaks rule %q", e.Field, e.Rule)
	}
	if e.Why != "" {
		msg += ": " + e.Why
	}
	return msg
}

// Check validates a value against the baseline, the credential's rule and its
// pattern. The returned error is a *RuleError and never contains the value.
func (c Credential) Check(value string) error {
	if value == "" {
		return &RuleError{Field: c.Name, Rule: "required", Broke: "required", Why: "the value is empty"}
	}
	if len(value) > maxValueLength {
		return &RuleError{Field: c.Name, Rule: baselineRule, Broke: fmt.Sprintf("max=%d", maxValueLength),
			Why: fmt.Sprintf("it must be at most %d characters", maxValueLength)}
	}
	if err := checkTag(c.Name, value, baselineRule, "every credential must be printable, with no white space or control characters"); err != nil {
		return err
	}
	if err := checkTag(c.Name, value, c.Rule, ""); err != nil {
		return err
	}
	if c.Pattern != "" {
		re, err := regexp.Compile(c.Pattern)
		if err != nil || !re.MatchString(value) {
			return &RuleError{Field: c.Name, Rule: c.Rule, Broke: "pattern " + c.Pattern, Why: "it does not match the pattern"}
		}
	}
	return nil
}

func checkTag(field, value, rule, label string) (err error) {
	defer func() {
		// The validator panics on unknown tags; descriptors are checked on
		// load, but a Credential built in Go may still carry one.
		if r := recover(); r != nil {
			err = &RuleError{Field: field, Rule: rule, Broke: rule, Why: "the rule itself is invalid"}
		}
	}()
	verr := validate().Var(value, rule)
	if verr == nil {
		return nil
	}
	broke, why := rule, ""
	var ves validator.ValidationErrors
	if errors.As(verr, &ves) && len(ves) > 0 {
		broke, why = ves[0].Tag(), explain(ves[0].Tag(), ves[0].Param())
		if ves[0].Param() != "" {
			broke += "=" + ves[0].Param()
		}
	}
	if label != "" {
		return &RuleError{Field: field, Rule: broke, Broke: broke, Why: label}
	}
	return &RuleError{Field: field, Rule: rule, Broke: broke, Why: why}
}

// explain says in words what a failed validator tag asks for.
func explain(tag, param string) string {
	switch tag {
	case "len":
		return "it must be exactly " + param + " characters"
	case "min":
		return "it must be at least " + param + " characters"
	case "max":
		return "it must be at most " + param + " characters"
	case "uuid", "uuid4":
		return "it must be a GUID like 123e4567-e89b-12d3-a456-426614174000"
	case "alphanum":
		return "it must be letters and digits only"
	case "hexadecimal":
		return "it must be hexadecimal digits only"
	case "token":
		return "it must be printable, with no white space"
	case "startswith":
		return "it must start with " + param
	}
	return ""
}
