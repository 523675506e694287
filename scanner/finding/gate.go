package finding

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Fingerprint identifies a finding across runs: rule id, object, subject and
// the rule's discriminator key. Messages and line numbers are left out so
// unrelated edits to a file do not change it.
func Fingerprint(ruleID string, res Resource, subject, key string) string {
	h := sha256.New()
	for _, part := range []string{ruleID, res.Kind, res.Namespace, res.Name, subject, key} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// Gate turns a report into the CI verdict: ErrFindings when open findings
// reach threshold, else ErrPartial when some source could not be checked,
// else nil. Failing findings win over a partial scan (exit 1 before 3).
func Gate(r *Report, threshold Severity) error {
	if n := len(r.Failing(threshold)); n > 0 {
		return fmt.Errorf("%w: %d finding(s) at or above %s", ErrFindings, n, threshold)
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("%w (%d error(s))", ErrPartial, len(r.Errors))
	}
	return nil
}
